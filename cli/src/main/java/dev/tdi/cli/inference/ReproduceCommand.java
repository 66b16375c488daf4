package dev.tdi.cli.inference;

import dev.tdi.inference.ReproduceJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tdi reproduce}: the seed's table beside ours, with ablations and plots. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce the seed's figures on the shipped model and evaluation inputs: the seed's table",
            "beside ours, a rank sweep, coupling baselines, interface sizes, no skip, no interface, temperature,",
            "relaxation curves. Writes DIR/results.json and PNG plots."})
public final class ReproduceCommand implements Callable<Integer> {

    @Mixin
    SubstrateOptions substrate;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/reproduce", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--eval", paramLabel = "N", defaultValue = "16", description = "held-out evaluation inputs per configuration (default: ${DEFAULT-VALUE})")
    int evalInputs;

    @Option(names = "--ranks", paramLabel = "K,...", split = ",", defaultValue = "1,2,4,8,16,32,64",
            description = "ranks of the sweep (default: ${DEFAULT-VALUE})")
    int[] ranks;

    @Option(names = "--temperatures", paramLabel = "T,...", split = ",", defaultValue = "1e-4,1e-2,1,10",
            description = "temperatures of the sweep; the first is used everywhere else (default: ${DEFAULT-VALUE})")
    double[] temperatures;

    @Option(names = "--split", paramLabel = "dev|test", defaultValue = "dev",
            description = {"evaluation split: dev (test images 0-249) or test (the frozen split, test images",
                "500-4999; needs dataset-fashion-mnist). Default: ${DEFAULT-VALUE}"})
    String split;

    @Option(names = "--samples", paramLabel = "M", defaultValue = "8",
            description = "substrate samples of the generation figures (FD, class agreement, PSNR; 0 = skip, else >= 2;"
                    + " default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--digital-samples", paramLabel = "D", defaultValue = "200",
            description = "digital samples of the generation figures, >= --samples (default: ${DEFAULT-VALUE})")
    int digitalSamples;

    @Override
    public Integer call() throws Exception {
        if (samples == 1 || samples < 0 || (samples > 0 && digitalSamples < samples)) {
            throw new IllegalArgumentException("--samples must be 0 (no generation) or >= 2, and --digital-samples >="
                    + " --samples; found " + samples + " and " + digitalSamples);
        }
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
                ranks, temperatures, sp, samples, digitalSamples),
                System.out);
        return 0;
    }
}
