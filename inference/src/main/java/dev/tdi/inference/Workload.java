package dev.tdi.inference;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Inputs for evaluation and calibration: Fashion-MNIST images (held-out test split, scaled to [-1, 1]) noised to
 * x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps at seeded random t. Evaluation uses test images 0..n-1, calibration
 * images from index {@link #CALIBRATION_OFFSET} on, so the two never overlap.
 */
public final class Workload {
    /** Default location of the Debian package dataset-fashion-mnist. */
    public static final Path DATASET = Path.of("/usr/share/datasets/fashion-mnist");
    /** First test image used for calibration. */
    public static final int CALIBRATION_OFFSET = 5000;

    private final float[] images;
    private final int size;
    private final int count;

    private Workload(float[] images, int size, int count) {
        this.images = images;
        this.size = size;
        this.count = count;
    }

    /** The Fashion-MNIST test split from {@code dir} (t10k-images-idx3-ubyte.gz). */
    public static Workload fashionMnistTest(Path dir) throws IOException {
        Path f = dir.resolve("t10k-images-idx3-ubyte.gz");
        if (!Files.exists(f)) {
            throw new IOException(f + " is missing: install the Debian package dataset-fashion-mnist");
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f));
             DataInputStream d = new DataInputStream(in)) {
            int magic = d.readInt();
            if (magic != 0x803) {
                throw new IOException(f + ": not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = d.readInt();
            int h = d.readInt();
            int w = d.readInt();
            byte[] raw = d.readNBytes(n * h * w);
            if (raw.length != n * h * w) {
                throw new IOException(f + ": truncated (" + raw.length + " of " + n * h * w + " bytes)");
            }
            float[] x = new float[raw.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (raw[i] & 0xff) / 127.5f - 1f;
            }
            return new Workload(x, h * w, n);
        }
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
