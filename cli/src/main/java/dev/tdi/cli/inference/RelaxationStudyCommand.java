package dev.tdi.cli.inference;

import dev.tdi.inference.RelaxationStudy;
import java.nio.file.Files;
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

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/relaxation-study",
            description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--depths", paramLabel = "D,D,...", split = ",", defaultValue = "4,8,12,16,24,32",
            description = "chain depths, each 1..64 (default: ${DEFAULT-VALUE})")
    int[] depths;

    @Option(names = "--width", paramLabel = "N", defaultValue = "16",
            description = "units per layer, 1..64 (default: ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "weights seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "16384",
            description = "step limit of the convergence search, 1..1048576 (default: ${DEFAULT-VALUE})")
    long maxSteps;

    @Option(names = "--budget", paramLabel = "N", defaultValue = "200",
            description = "steps after which the error is reported, 1..1048576 (default: ${DEFAULT-VALUE})")
    long budget;

    @Override
    public Integer call() throws Exception {
        for (int d : depths) {
            if (d < 1 || d > 64) {
                throw new IllegalArgumentException("--depths: each depth must be in 1..64, found " + d);
            }
        }
        if (width < 1 || width > 64) {
            throw new IllegalArgumentException("--width must be in 1..64, found " + width);
        }
        if (maxSteps < 1 || maxSteps > 1 << 20 || budget < 1 || budget > 1 << 20) {
            throw new IllegalArgumentException("--max-steps and --budget must be in 1..1048576, found " + maxSteps
                    + " and " + budget);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a directory");
        }
        Files.createDirectories(out);
        RelaxationStudy.execute(new RelaxationStudy.Params(out, depths, width, seed, maxSteps, budget), System.out);
        System.out.println("wrote " + out.resolve("relaxation-study.json") + " and the plots beside it");
        return 0;
    }
}
