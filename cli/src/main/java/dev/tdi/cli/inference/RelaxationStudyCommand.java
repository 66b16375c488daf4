package dev.tdi.cli.inference;

import dev.tdi.cli.validation.Output;
import dev.tdi.cli.validation.Range;
import dev.tdi.inference.RelaxationStudy;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdi relaxation-study}: steps to converge and error against dynamic range, per way of relaxing. */
@Command(name = "relaxation-study", mixinStandardHelpOptions = true,
        description = {"Compares graded weights, uniform weights (as trained, and Lipschitz-bounded) and the hold",
            "schedule on random deep linear chains: dynamic range, condition number, steps to converge, error after",
            "a step budget. Writes DIR/relaxation-study.json and four PNG plots (about a minute)."})
public final class RelaxationStudyCommand implements Callable<Integer> {

    @Output(writes = {"relaxation-study.json", "steps-vs-depth.png", "steps-vs-range.png", "error-vs-range.png",
        "condition-vs-depth.png"})
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

    @Override
    public Integer call() throws Exception {
        RelaxationStudy.execute(new RelaxationStudy.Params(out, depths, width, seed, maxSteps, budget), System.out);
        System.out.println("wrote " + out.resolve("relaxation-study.json") + " and the plots beside it");
        return 0;
    }
}
