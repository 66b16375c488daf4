package dev.tdi.inference;

import dev.tdi.unet.UNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The evaluation protocol's two splits of the Fashion-MNIST test set (docs/physics.md, "Evaluation protocol"), each
 * with its own seed for the per-input t and noise (input k is test image {@code index(k)} noised by
 * {@link Workload#noised} with the split's seed: t uniform over the schedule, eps standard normal):
 * <ul>
 *   <li>{@link #DEV}: test images 0-249 (inside the shipped 500-image subset, so it runs without downloads), seed
 *       {@value #DEV_SEED}. Defaults, models and configurations are chosen here.</li>
 *   <li>{@link #TEST}: test images 500-4999 (4,500 images; needs the full test set of the Debian package
 *       dataset-fashion-mnist), seed {@value #TEST_SEED}. Frozen: headline figures only, nothing is tuned on it.</li>
 * </ul>
 * Calibration reads test images from {@link Workload#CALIBRATION_OFFSET} (5000) on when the full set is installed,
 * or 250-499 of the shipped subset when it is not, so it never overlaps either split.
 */
public enum EvaluationSplit {
    /** Development split: test images [0, 250), seed {@value #DEV_SEED}. */
    DEV("dev", 0, 250, EvaluationSplit.DEV_SEED),
    /** Frozen test split: test images [500, 5000), seed {@value #TEST_SEED}. */
    TEST("test", 500, 5000, EvaluationSplit.TEST_SEED);

    /** Seed of the dev split's t and noise (the seed the evaluation inputs had before the split existed). */
    public static final long DEV_SEED = 1;
    /** Seed of the test split's t and noise. */
    public static final long TEST_SEED = 20_261_129;

    private final String id;
    private final int first;
    private final int end;
    private final long seed;

    EvaluationSplit(String id, int first, int end, long seed) {
        this.id = id;
        this.first = first;
        this.end = end;
        this.seed = seed;
    }

    /** The split named on the command line: "dev" or "test". */
    public static EvaluationSplit parse(String name) {
        for (EvaluationSplit s : values()) {
            if (s.id.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--split: unknown split '" + name + "'; accepted: dev, test");
    }

    /** The name ("dev" or "test"). */
    public String id() {
        return id;
    }

    /** Number of inputs the split holds. */
    public int size() {
        return end - first;
    }

    /** Test-set index of input k. */
    public int index(int k) {
        if (k < 0 || k >= size()) {
            throw new IllegalArgumentException("input " + k + " is outside the " + id + " split's " + size());
        }
        return first + k;
    }

    /** The seed of this split's t and noise. */
    public long seed() {
        return seed;
    }

    /** One line for reports, e.g. "test (Fashion-MNIST test images 500-4999, seed 20261129)". */
    public String describe() {
        return String.format(Locale.ROOT, "%s (Fashion-MNIST test images %d-%d, seed %d)", id, first, end - 1, seed);
    }

    /**
     * The first n inputs of the split, noised. Fails with one line when the split holds fewer than n inputs or the
     * data lack its images (the test split needs the full test set), or when the data's calibration range overlaps.
     */
    public List<Workload.Noised> inputs(UNet net, Workload data, int n) {
        if (n < 1 || n > size()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--eval: the %s split holds %d inputs"
                    + " (test images %d-%d); asked for %d%s", id, size(), first, end - 1, n,
                    this == DEV ? "; use --split test for more" : ""));
        }
        if (data.count() < first + n) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the %s split needs Fashion-MNIST test"
                    + " images %d-%d but the data (%s) hold %d images; install the full test set with `apt-get"
                    + " install dataset-fashion-mnist` (it installs into %s)", id, first, first + n - 1,
                    data.source(), data.count(), Workload.DATASET));
        }
        int calFrom = data.calibrationOffset();
        if (first + n > calFrom) { // calibration reads images calFrom, calFrom + 1, ...
            throw new IllegalStateException("the " + id + " split's images " + first + "-" + (first + n - 1)
                    + " overlap calibration images from " + calFrom);
        }
        List<Workload.Noised> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(data.noised(net, index(k), seed));
        }
        return out;
    }
}
