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
            "the previous call), beside the digital sampler from the same seeds. Judges the samples with tdi's",
            "classifier: FD against test images (digital, substrate, test halves), class agreement, confident",
            "fraction, PSNR against the digital twin. Writes DIR/samples.png and DIR/results.json."})
public final class GenerateCommand implements Callable<Integer>, dev.tdi.cli.validation.Validated {

    @Mixin
    SubstrateOptions substrate;

    @Mixin
    SystemOptions system;

    @Range(min = 1, max = 1000)
    @Option(names = "--steps", paramLabel = "N", defaultValue = "20", description = "DDIM steps, 1..1000 (at most the"
            + " model's diffusion steps) (default: ${DEFAULT-VALUE})")
    int steps;

    @Range(min = 2, max = 1024)
    @Option(names = "--samples", paramLabel = "M", defaultValue = "8",
            description = "substrate samples, each beside its digital twin, 2..1024 (default: ${DEFAULT-VALUE})")
    int samples;

    @Range(min = 2, max = 100000)
    @Option(names = "--digital-samples", paramLabel = "D", defaultValue = "200",
            description = "digital samples for FD(digital), 2..100000 and >= --samples (default: ${DEFAULT-VALUE})")
    int digitalSamples;

    @Output(writes = {"samples.png", "results.json"})
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/generate", description = "output directory, created"
            + " if absent; samples.png and results.json there are replaced (default: ${DEFAULT-VALUE})")
    Path out;

    /** Twins need at least as many digital samples. */
    @Override
    public void validate() {
        if (digitalSamples < samples) {
            throw new IllegalArgumentException("--digital-samples is " + digitalSamples + ", accepted: >= --samples ("
                    + samples + ")");
        }
    }

    @Override
    public Integer call() throws Exception {
        GenerateJob.execute(new GenerateJob.Params(substrate.backend(), system.coupling, system.conditioning, steps,
                samples, out, substrate.seed, system.temperature(), substrate.model, digitalSamples,
                substrate.batch()), System.out);
        return 0;
    }
}
