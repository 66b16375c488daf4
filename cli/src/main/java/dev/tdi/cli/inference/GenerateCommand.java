package dev.tdi.cli.inference;

import dev.tdi.inference.GenerateJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tdi generate}: DDIM sampling with the substrate as the denoiser. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"DDIM sampling in which every denoiser call is a relaxation of the substrate (warm-started from",
            "the previous call), beside the digital sampler from the same seeds. Writes DIR/samples.png and",
            "DIR/results.json with the per-sample cosine."})
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    SubstrateOptions substrate;

    @Mixin
    SystemOptions system;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "20", description = "DDIM steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--samples", paramLabel = "M", defaultValue = "4", description = "samples (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/generate", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        GenerateJob.execute(new GenerateJob.Params(substrate.backend(), system.coupling, system.conditioning, steps,
                samples, out, substrate.seed, system.temperature(), substrate.model, substrate.batch()), System.out);
        return 0;
    }
}
