package dev.tdi.cli.inference;

import dev.tdi.cli.validation.Output;
import dev.tdi.cli.validation.Range;
import dev.tdi.inference.Jobs;
import dev.tdi.inference.RelaxationStudy;
import dev.tdi.inference.UNetRelaxationStudy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdi relaxation-study}: steps to converge and error against dynamic range, per way of relaxing. */
@Command(name = "relaxation-study", mixinStandardHelpOptions = true,
        description = {"Compares graded weights, uniform weights (as trained, and Lipschitz-bounded) and the hold",
            "schedule on random deep linear chains: dynamic range, condition number, steps to converge, error after",
            "a step budget. Writes DIR/relaxation-study.json and four PNG plots (about a minute).",
            "With --unet, also measures the same approaches on trained U-Nets (dense skips, exact time biases, sim",
            "with its range lifted): largest layer norm, dynamic range, steps to converge and the epsilon MSE ratio",
            "after the budget; writes DIR/unet-relaxation.json and two plots (a few minutes per model)."})
public final class RelaxationStudyCommand implements Callable<Integer> {

    @Output(writes = {"relaxation-study.json", "steps-vs-depth.png", "steps-vs-range.png", "error-vs-range.png",
        "condition-vs-depth.png", "unet-relaxation.json", "unet-steps-vs-range.png", "unet-error-vs-range.png"})
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/relaxation-study",
            description = "output directory, created if absent; its study files are replaced (default: ${DEFAULT-VALUE})")
    Path out;

    @Range(min = 1, max = 64)
    @Option(names = "--depths", paramLabel = "D,D,...", split = ",", defaultValue = "4,8,12,16,24,32",
            description = "chain depths, each 1..64 (default: ${DEFAULT-VALUE})")
    int[] depths;

    @Range(min = 1, max = 64)
    @Option(names = "--width", paramLabel = "N", defaultValue = "16",
            description = "units per layer, 1..64 (default: ${DEFAULT-VALUE})")
    int width;

    @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "weights seed, any integer (default: ${DEFAULT-VALUE})")
    long seed;

    @Range(min = 1, max = 1 << 20)
    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "16384",
            description = "step limit of the convergence search, 1..1048576 (default: ${DEFAULT-VALUE})")
    long maxSteps;

    @Range(min = 1, max = 1 << 20)
    @Option(names = "--budget", paramLabel = "N", defaultValue = "200",
            description = "steps after which the error is reported, 1..1048576 (default: ${DEFAULT-VALUE})")
    long budget;

    @Option(names = "--unet", paramLabel = "NAME[=DIR]", mapFallbackValue = "",
            description = "a trained U-Net to study beside the chains, e.g. --unet shipped --unet lip=runs/lip09"
                    + " (repeatable, in this order; NAME without a DIR is the shipped model)")
    Map<String, Path> unets = new LinkedHashMap<>();

    @Range(min = 1, max = 5000)
    @Option(names = "--unet-inputs", paramLabel = "N", defaultValue = "32",
            description = "dev-split inputs for the U-Nets' output error, 1..5000 (default: ${DEFAULT-VALUE})")
    int unetInputs;

    @Range(min = 8, max = 1 << 16)
    @Option(names = "--unet-max-steps", paramLabel = "N", defaultValue = "2048",
            description = "step limit of the U-Nets' convergence search, 8..65536 (default: ${DEFAULT-VALUE})")
    long unetMaxSteps;

    @Override
    public Integer call() throws Exception {
        Map<String, Path> models = new LinkedHashMap<>();
        for (var m : unets.entrySet()) { // check every directory before any work
            Path dir = m.getValue() == null || m.getValue().toString().isEmpty() ? null : m.getValue();
            if (dir != null && !Files.isRegularFile(dir.resolve("config.json"))) {
                throw new IllegalArgumentException("--unet " + m.getKey() + "=" + dir + ": not a model directory"
                        + " (needs config.json and model.safetensors); give NAME alone for the shipped model");
            }
            models.put(m.getKey(), dir);
        }
        RelaxationStudy.execute(new RelaxationStudy.Params(out, depths, width, seed, maxSteps, budget), System.out);
        System.out.println("wrote " + out.resolve("relaxation-study.json") + " and the plots beside it");
        if (!models.isEmpty()) {
            UNetRelaxationStudy.execute(new UNetRelaxationStudy.Params(models, unetInputs, seed,
                    Jobs.DEFAULT_TEMPERATURE, unetMaxSteps, budget, Jobs.DEFAULT_WINDOW), out, System.out);
            System.out.println("wrote " + out.resolve("unet-relaxation.json") + " and the plots beside it");
        }
        return 0;
    }
}
