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

    @Override
    public Integer call() throws Exception {
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
                ranks, temperatures, substrate.batch()),
                System.out);
        return 0;
    }
}
