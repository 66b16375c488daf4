package dev.tdi.cli.inference;

import dev.tdi.inference.GenerateJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.tdi.cli.validation.Output;
import dev.tdi.cli.validation.Range;
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

    @Range(min = 1, max = 1000)
    @Option(names = "--steps", paramLabel = "N", defaultValue = "20", description = "DDIM steps, 1..1000 (at most the"
            + " model's diffusion steps) (default: ${DEFAULT-VALUE})")
    int steps;

    @Range(min = 1, max = 256)
    @Option(names = "--samples", paramLabel = "M", defaultValue = "4", description = "samples, 1..256 (default: ${DEFAULT-VALUE})")
    int samples;

    @Output(writes = {"samples.png", "results.json"})
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/generate", description = "output directory, created"
            + " if absent; samples.png and results.json there are replaced (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        GenerateJob.execute(new GenerateJob.Params(substrate.backend(), system.coupling, system.conditioning, steps,
                samples, out, substrate.seed, system.temperature(), substrate.model), System.out);
        return 0;
    }
}
