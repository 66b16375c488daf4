package dev.tdi.cli.inference;

import dev.tdi.inference.BaselinesJob;
import dev.tdi.inference.ReproduceJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tdi reproduce}: the seed's table beside ours, with ablations and plots. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce the seed's figures on the shipped model and evaluation inputs: the seed's table",
            "beside ours, a rank sweep, coupling baselines, interface sizes, no skip, no interface, temperature,",
            "relaxation curves. Writes DIR/results.json and PNG plots.",
            "With --baselines: only the fair baselines (skip Pareto: epsilon MSE vs long-range lines for hbc/svd/",
            "random local buses and retrained narrowed or pooled skips; interfaces costed, oracle included, on every",
            "model given), at exact fixed points. Writes DIR/baselines.json and DIR/skip-pareto.png."})
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

    @Option(names = "--baselines", description = "run only the fair-baselines section (see the description); --model is its reference"
            + " model (default: the shipped one), --backend is not used (exact fixed points)")
    boolean baselines;

    @Option(names = "--baselines-model", paramLabel = "NAME=DIR", mapFallbackValue = "",
            description = "a further model for --baselines, e.g. skip8=runs/skip8 (repeatable; its config says how its"
                    + " skips and time network differ)")
    Map<String, Path> baselineModels = new LinkedHashMap<>();

    @Option(names = "--baselines-inputs", paramLabel = "N", defaultValue = "100",
            description = "held-out inputs for --baselines (default: ${DEFAULT-VALUE})")
    int baselineInputs;

    @Option(names = "--baselines-ranks", paramLabel = "K,...", split = ",", defaultValue = "1,2,4,8,16",
            description = "bus ranks of the --baselines skip sweep (default: ${DEFAULT-VALUE})")
    int[] baselineRanks;

    @Option(names = "--baselines-couplings", paramLabel = "SPEC;...", split = ";",
            defaultValue = "hbc:k={k},bus=local;svd:k={k},bus=local;random:k={k},bus=local;hbc:budget={sk},bus=local",
            description = "coupling specs of the --baselines skip sweep, each run at every rank: {k} is the rank,"
                    + " {sk} the rank times the number of skips (default: ${DEFAULT-VALUE})")
    java.util.List<String> baselineCouplings;

    @Override
    public Integer call() throws Exception {
        if (baselines) {
            if (baselineInputs < 1) {
                throw new IllegalArgumentException("--baselines-inputs must be >= 1, found " + baselineInputs);
            }
            for (var m : baselineModels.entrySet()) {
                if (m.getValue() == null || m.getValue().toString().isEmpty()
                        || !java.nio.file.Files.isRegularFile(m.getValue().resolve("config.json"))) {
                    throw new IllegalArgumentException("--baselines-model " + m.getKey() + "=" + m.getValue()
                            + ": not a model directory (needs config.json and model.safetensors)");
                }
            }
            BaselinesJob.execute(new BaselinesJob.Params(out, substrate.seed, baselineInputs, baselineRanks,
                    baselineCouplings, substrate.model, baselineModels), System.out);
            return 0;
        }
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
                ranks, temperatures),
                System.out);
        return 0;
    }
}
