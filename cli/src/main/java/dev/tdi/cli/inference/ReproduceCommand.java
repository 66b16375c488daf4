package dev.tdi.cli.inference;

import dev.tdi.inference.BaselinesJob;
import dev.tdi.inference.ReproduceJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
            "relaxation curves. Writes DIR/results.json and PNG plots.",
            "With --baselines: only the fair baselines (skip Pareto: epsilon MSE vs long-range lines for hbc/svd/",
            "random local buses and retrained narrowed or pooled skips; interfaces costed, oracle included, on every",
            "model given), at exact fixed points. Writes DIR/baselines.json and DIR/skip-pareto.png."})
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

    @Option(names = "--baselines", description = "run only the fair-baselines section (see the description); --model is its reference"
            + " model (default: the shipped one), --backend is not used (exact fixed points)")
    boolean baselines;

    @Option(names = "--baselines-model", paramLabel = "NAME=DIR", mapFallbackValue = "",
            description = "a further model for --baselines, e.g. skip8=runs/skip8 (repeatable; its config says how its"
                    + " skips and time network differ)")
    Map<String, Path> baselineModels = new LinkedHashMap<>();

    @Range(min = 1, max = 5000)
    @Option(names = "--baselines-inputs", paramLabel = "N", defaultValue = "100",
            description = "held-out inputs for --baselines, 1..5000 (default: ${DEFAULT-VALUE})")
    int baselineInputs;

    @Range(min = 1, max = 4096)
    @Option(names = "--baselines-ranks", paramLabel = "K,...", split = ",", defaultValue = "1,2,4,8,16",
            description = "bus ranks of the --baselines skip sweep, each 1..4096 (default: ${DEFAULT-VALUE})")
    int[] baselineRanks;

    @Option(names = "--baselines-couplings", paramLabel = "SPEC;...", split = ";",
            defaultValue = "hbc:k={k},bus=local;svd:k={k},bus=local;random:k={k},bus=local;hbc:budget={sk},bus=local",
            description = "coupling specs of the --baselines skip sweep, each run at every rank: {k} is the rank,"
                    + " {sk} the rank times the number of skips (default: ${DEFAULT-VALUE})")
    java.util.List<String> baselineCouplings;

    @Option(names = "--resume", description = "continue a stopped run in --out: every configuration already measured"
            + " (DIR/stages/NN.json, written as each finishes) is read back instead of measured again; the stages must"
            + " come from the same model, backend, seed, split and --eval, else the run refuses naming the file")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        if (baselines) {
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
                substrate.batch(), resume),
                System.out);
        return 0;
    }
}
