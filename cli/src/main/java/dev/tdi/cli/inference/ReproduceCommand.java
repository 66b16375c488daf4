package dev.tdi.cli.inference;

import dev.tdi.inference.ReproduceJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.tdi.cli.validation.Output;
import dev.tdi.cli.validation.Range;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tdi reproduce}: the seed's table beside ours, with ablations and plots. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce the seed's figures on the shipped model and evaluation inputs: the seed's table",
            "beside ours, a rank sweep, coupling baselines, interface sizes, no skip, no interface, temperature,",
            "relaxation curves. Writes DIR/results.json and PNG plots."})
public final class ReproduceCommand implements Callable<Integer>, dev.tdi.cli.validation.Validated {

    @Mixin
    SubstrateOptions substrate;

    @Output(writes = {"results.json", "cosine-vs-rank.png", "cosine-vs-lines.png", "cosine-vs-interface.png",
        "relaxation.png", "cosine-vs-temperature.png", "epsilon-mse-vs-temperature.png"})
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/reproduce", description = "output directory,"
            + " created if absent; results.json and the five plots there are replaced (default: ${DEFAULT-VALUE})")
    Path out;

    @Range(min = 1, max = 5000)
    @Option(names = "--eval", paramLabel = "N", defaultValue = "16", description = "held-out evaluation inputs per"
            + " configuration, 1..5000 (default: ${DEFAULT-VALUE})")
    int evalInputs;

    @Range(min = 1, max = 4096)
    @Option(names = "--ranks", paramLabel = "K,...", split = ",", defaultValue = "1,2,4,8,16,32,64",
            description = "ranks of the sweep, each 1..4096 (default: ${DEFAULT-VALUE})")
    int[] ranks;

    @Range(min = 0, max = 100)
    @Option(names = "--temperatures", paramLabel = "T,...", split = ",", defaultValue = "1e-4,1e-2,1,10",
            description = "temperatures kT of the sweep, each 0..100; the first is used everywhere else (default:"
                    + " ${DEFAULT-VALUE})")
    double[] temperatures;

    @Option(names = "--split", paramLabel = "dev|test", defaultValue = "dev",
            description = {"evaluation split: dev (test images 0-249) or test (the frozen split, test images",
                "500-4999; needs dataset-fashion-mnist). Default: ${DEFAULT-VALUE}"})
    String split;

    @Range(min = 0, max = 1024)
    @Option(names = "--samples", paramLabel = "M", defaultValue = "8",
            description = "substrate samples of the generation figures (FD, class agreement, PSNR), 0..1024: 0"
                    + " (no generation) or >= 2 (default: ${DEFAULT-VALUE})")
    int samples;

    @Range(min = 2, max = 100000)
    @Option(names = "--digital-samples", paramLabel = "D", defaultValue = "200",
            description = "digital samples of the generation figures, 2..100000 and >= --samples (default:"
                    + " ${DEFAULT-VALUE})")
    int digitalSamples;

    /** Split and sample counts checked before any work. */
    @Override
    public void validate() {
        if (samples == 1) {
            throw new IllegalArgumentException("--samples is 1, accepted: 0 (no generation) or >= 2");
        }
        if (samples > 0 && digitalSamples < samples) {
            throw new IllegalArgumentException("--digital-samples is " + digitalSamples + ", accepted: >= --samples ("
                    + samples + ")");
        }
        dev.tdi.inference.EvaluationSplit.parse(split);
    }

    @Override
    public Integer call() throws Exception {
        dev.tdi.inference.EvaluationSplit sp = dev.tdi.inference.EvaluationSplit.parse(split);
        if (evalInputs < 1) {
            throw new IllegalArgumentException("--eval must be >= 1, found " + evalInputs);
        }
        for (int k : ranks) {
            if (k < 1) {
                throw new IllegalArgumentException("--ranks must all be >= 1, found " + k);
            }
        }
        for (double t : temperatures) {
            if (!(t >= 0)) {
                throw new IllegalArgumentException("--temperatures must all be >= 0, found " + t);
            }
        }
        ReproduceJob.execute(new ReproduceJob.Params(substrate.backend(), out, substrate.seed, evalInputs, substrate.model,
                ranks, temperatures, sp, samples, digitalSamples,
                substrate.batch()),
                System.out);
        return 0;
    }
}
