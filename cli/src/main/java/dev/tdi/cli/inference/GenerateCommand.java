package dev.tdi.cli.inference;

import dev.tdi.inference.GenerateJob;
import dev.tdi.inference.Jobs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdi generate}: DDIM sampling with the substrate as the denoiser. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"DDIM sampling in which every denoiser call is a relaxation of the substrate (warm-started from",
            "the previous call), beside the digital sampler from the same seeds. Writes DIR/samples.png and",
            "DIR/results.json with the per-sample cosine."})
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--backend", paramLabel = "NAME", description = "substrate backend (default: sim if installed, else reference)")
    String backend;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "20", description = "DDIM steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--samples", paramLabel = "M", defaultValue = "4", description = "samples (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--coupling", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_COUPLING,
            description = "skip coupling strategy (default: ${DEFAULT-VALUE})")
    String coupling;

    @Option(names = "--interface", paramLabel = "SPEC", defaultValue = Jobs.DEFAULT_INTERFACE,
            description = "conditioning interface (default: ${DEFAULT-VALUE})")
    String conditioning;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/generate", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1e-4", description = "substrate temperature kT (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--model", paramLabel = "DIR", description = "a model directory; default: the shipped model")
    Path model;

    @Override
    public Integer call() throws Exception {
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("--temperature must be >= 0, found " + temperature);
        }
        String b = backend == null ? Jobs.defaultBackend() : backend;
        GenerateJob.execute(new GenerateJob.Params(b, coupling, conditioning, steps, samples, out, seed, temperature,
                model), System.out);
        return 0;
    }
}
