package dev.tdi.inference;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.Dataset;
import dev.tdi.unet.EvaluationSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Inputs for evaluation and calibration: Fashion-MNIST images (held-out test split, scaled to [-1, 1]) noised to
 * x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps at seeded random t. Evaluation inputs come from an
 * {@link EvaluationSplit} (dev: test images 0-249, test: 500-4999), calibration images from
 * {@link #calibrationOffset()} on, so the two never overlap.
 */
public final class Workload {
    /** Default location of the Debian package dataset-fashion-mnist. */
    public static final Path DATASET = Path.of("/usr/share/datasets/fashion-mnist");
    /** First test image used for calibration. */
    public static final int CALIBRATION_OFFSET = 5000;

    private final float[] images;
    private final int size;
    private final int count;

    private final String source;

    private Workload(float[] images, int size, int count, String source) {
        this.images = images;
        this.size = size;
        this.count = count;
        this.source = source;
    }

    /**
     * The Fashion-MNIST test split from the Debian package dataset-fashion-mnist when installed, else the evaluation
     * subset shipped with the unet module ({@code EvaluationSet}, the first 500 test images).
     */
    public static Workload load() throws IOException {
        Dataset d;
        String source;
        try {
            d = Dataset.load(DATASET, false);
            source = "Fashion-MNIST test split, " + DATASET;
        } catch (IOException e) {
            try {
                d = EvaluationSet.loadDefault();
                source = "shipped evaluation subset (EvaluationSet, first " + EvaluationSet.SIZE
                        + " Fashion-MNIST test images)";
            } catch (RuntimeException e2) {
                throw new IOException(e.getMessage() + "; and the shipped evaluation subset is not available: "
                        + e2.getMessage(), e);
            }
        }
        int n = d.count();
        float[] x = d.images(0, n);
        return new Workload(x, d.height() * d.width(), n, source);
    }

    /** A workload over given images (count x size values on [-1, 1]), for tests. */
    static Workload of(float[] images, int size, int count, String source) {
        return new Workload(images, size, count, source);
    }

    /** Where the images came from. */
    public String source() {
        return source;
    }

    /** First image used for calibration: {@link #CALIBRATION_OFFSET}, or the second half of a small set. */
    public int calibrationOffset() {
        return count > CALIBRATION_OFFSET ? CALIBRATION_OFFSET : count / 2;
    }

    /** Images available for calibration. */
    public int calibrationAvailable() {
        return count - calibrationOffset();
    }

    /** Images available for evaluation (never overlapping calibration). */
    public int evaluationAvailable() {
        return calibrationOffset();
    }

    /** Image i, [-1, 1]. */
    public float[] image(int i) {
        if (i < 0 || i >= count) {
            throw new IllegalArgumentException("image " + i + " outside [0, " + count + ")");
        }
        return java.util.Arrays.copyOfRange(images, i * size, (i + 1) * size);
    }

    public int count() {
        return count;
    }

    /** abar_t of the network's schedule (linear or cosine, as in its config). */
    public static double alphaBar(UNetConfig cfg, int t) {
        int n = cfg.diffusionSteps();
        if ("cosine".equals(cfg.schedule())) {
            double s = 0.008;
            double f0 = Math.cos(s / (1 + s) * Math.PI / 2);
            double ft = Math.cos(((t + 1.0) / n + s) / (1 + s) * Math.PI / 2);
            return Math.max(1e-8, (ft * ft) / (f0 * f0));
        }
        double ab = 1;
        for (int i = 0; i <= t; i++) {
            double beta = cfg.betaStart() + (cfg.betaEnd() - cfg.betaStart()) * i / (n - 1.0);
            ab *= 1 - beta;
        }
        return ab;
    }

    /** A noised input. */
    public record Noised(int index, int t, float[] x0, float[] eps, float[] xt) {
    }

    /** Image {@code index} noised at a t drawn from {@code seed} (uniform over the schedule). */
    public Noised noised(UNet net, int index, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        int t = r.nextInt(net.config().diffusionSteps());
        return noisedAt(net, index, t, r);
    }

    /** Image {@code index} noised at a given t. */
    public Noised noisedAt(UNet net, int index, int t, SplittableRandom r) {
        float[] x0 = image(index);
        if (x0.length != net.inputSize()) {
            throw new IllegalArgumentException("the network takes " + net.inputSize() + " pixels, the dataset has "
                    + x0.length);
        }
        double ab = alphaBar(net.config(), t);
        float[] eps = new float[x0.length];
        float[] xt = new float[x0.length];
        for (int i = 0; i < x0.length; i++) {
            eps[i] = (float) gaussian(r);
            xt[i] = (float) (Math.sqrt(ab) * x0[i] + Math.sqrt(1 - ab) * eps[i]);
        }
        return new Noised(index, t, x0, eps, xt);
    }

    static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
