package dev.tdi.unet.classify;

import dev.tdi.unet.Dataset;
import dev.tdi.unet.Kernels;
import dev.tdi.unet.UNet;

import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;

import static dev.tdi.unet.classify.Classifier.C1;
import static dev.tdi.unet.classify.Classifier.C2;
import static dev.tdi.unet.classify.Classifier.CLASSES;
import static dev.tdi.unet.classify.Classifier.FEATURES;
import static dev.tdi.unet.classify.Classifier.FLAT;
import static dev.tdi.unet.classify.Classifier.OFFSETS;
import static dev.tdi.unet.classify.Classifier.S1;
import static dev.tdi.unet.classify.Classifier.SIDE;

/**
 * Trains a {@link Classifier}: softmax cross-entropy, Adam (beta 0.9 / 0.999) with a cosine-decaying learning
 * rate, mini-batches from a per-epoch shuffle.
 *
 * <p><b>Determinism.</b> The shuffle and the initial weights are functions of the seed; a batch is cut into fixed
 * chunks of {@value #CHUNK} images whose gradients are summed image by image, then chunk by chunk in order, so the
 * result does not depend on the number of threads.
 */
public final class ClassifierTrainer {
    /** Images per gradient chunk (fixed, so results do not depend on threads). */
    public static final int CHUNK = 8;

    /** Training options. */
    public record Options(int epochs, int batch, double learningRate, long seed, int limit) {
        /** Checks ranges; errors name the option. */
        public Options {
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs must be >= 1, found " + epochs);
            }
            if (batch < CHUNK || batch % CHUNK != 0) {
                throw new IllegalArgumentException("--batch must be a positive multiple of " + CHUNK + ", found "
                        + batch);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("--lr must be > 0, found " + learningRate);
            }
            if (limit < 0) {
                throw new IllegalArgumentException("--limit must be >= 0 (0 = all images), found " + limit);
            }
        }

        /** The recipe of the shipped classifier. */
        public static Options defaults() {
            return new Options(4, 64, 2e-3, 1, 0);
        }
    }

    private ClassifierTrainer() {
    }

    /** Trains on {@code data} (all images, or the first {@code limit}); logs one line per epoch when log is set. */
    public static Classifier train(Dataset data, Options o, PrintStream log) {
        checkShape(data);
        int n = o.limit() > 0 ? Math.min(o.limit(), data.count()) : data.count();
        float[] x = data.images(0, n);
        Classifier c = Classifier.initial(o.seed());
        float[] w = c.w;
        float[] m = new float[w.length];
        float[] v = new float[w.length];
        int stepsPerEpoch = Math.max(1, n / o.batch());
        long total = (long) stepsPerEpoch * o.epochs();
        long step = 0;
        int chunks = o.batch() / CHUNK;
        long start = System.nanoTime();
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            int[] order = shuffle(n, new SplittableRandom(o.seed() * 1_000_003L + epoch));
            double lossSum = 0;
            int seen = 0;
            for (int s = 0; s < stepsPerEpoch; s++) {
                int first = s * o.batch();
                int count = Math.min(o.batch(), n - first);
                float[][] g = new float[chunks][];
                double[] loss = new double[chunks];
                float scale = 1f / count;
                UNet.parallel(chunks, k -> {
                    g[k] = new float[w.length];
                    for (int i = k * CHUNK; i < Math.min(count, (k + 1) * CHUNK); i++) {
                        int img = order[first + i];
                        loss[k] += backward(c, x, img * SIDE * SIDE, data.label(img), scale, g[k]);
                    }
                });
                for (int k = 1; k < chunks; k++) {
                    for (int j = 0; j < w.length; j++) {
                        g[0][j] += g[k][j];
                    }
                }
                for (double l : loss) {
                    lossSum += l;
                }
                seen += count;
                step++;
                double lr = o.learningRate() * 0.5 * (1 + Math.cos(Math.PI * (step - 1) / total));
                adam(w, g[0], m, v, lr, step);
            }
            if (log != null) {
                log.printf(Locale.ROOT, "epoch %d/%d: mean training loss %.4f (%d images, %.0f s)%n", epoch + 1,
                        o.epochs(), lossSum / seen, seen, (System.nanoTime() - start) / 1e9);
            }
        }
        return c;
    }

    /** The fraction of the first n images of {@code data} that the classifier labels correctly. */
    public static double accuracy(Classifier c, Dataset data, int n) {
        checkShape(data);
        int m = Math.min(n, data.count());
        Classifier.Output out = c.classify(data.images(0, m), m);
        int right = 0;
        for (int i = 0; i < m; i++) {
            if (out.label(i) == data.label(i)) {
                right++;
            }
        }
        return (double) right / m;
    }

    private static void checkShape(Dataset data) {
        if (data.height() != SIDE || data.width() != SIDE) {
            throw new IllegalArgumentException("the classifier takes 28x28 images; the data are " + data.height()
                    + "x" + data.width());
        }
    }

    private static int[] shuffle(int n, SplittableRandom r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static void adam(float[] w, float[] g, float[] m, float[] v, double lr, long step) {
        double b1 = 0.9;
        double b2 = 0.999;
        double c1 = 1 - Math.pow(b1, step);
        double c2 = 1 - Math.pow(b2, step);
        for (int j = 0; j < w.length; j++) {
            m[j] = (float) (b1 * m[j] + (1 - b1) * g[j]);
            v[j] = (float) (b2 * v[j] + (1 - b2) * g[j] * g[j]);
            w[j] -= (float) (lr * (m[j] / c1) / (Math.sqrt(v[j] / c2) + 1e-8));
        }
    }

    /**
     * Forward and backward of one image for the loss {@code scale * cross-entropy}: accumulates the gradient into
     * {@code g} (laid out like the parameters) and returns the unscaled cross-entropy.
     */
    static double backward(Classifier c, float[] x, int xo, int label, float scale, float[] g) {
        float[] w = c.w;
        Classifier.Pass p = c.forward(x, xo);
        float[] prob = Classifier.softmax(p.logits);
        double loss = -Math.log(Math.max(prob[label], 1e-30));
        float[] dl = new float[CLASSES];
        for (int k = 0; k < CLASSES; k++) {
            dl[k] = scale * (prob[k] - (k == label ? 1 : 0));
            g[OFFSETS[7] + k] += dl[k];
        }
        // fc2: dW = dl f^T, df = W^T dl, through the ReLU
        Kernels.mmNN(CLASSES, FEATURES, 1, dl, 0, p.f, 0, g, OFFSETS[6]);
        float[] df = new float[FEATURES];
        Kernels.mmNN(1, FEATURES, CLASSES, dl, 0, w, OFFSETS[6], df, 0);
        for (int j = 0; j < FEATURES; j++) {
            df[j] = p.f[j] > 0 ? df[j] : 0;
            g[OFFSETS[5] + j] += df[j];
        }
        // fc1
        Kernels.mmNN(FEATURES, FLAT, 1, df, 0, p.p2, 0, g, OFFSETS[4]);
        float[] dp2 = new float[FLAT];
        Kernels.mmNN(1, FLAT, FEATURES, df, 0, w, OFFSETS[4], dp2, 0);
        // pool 2 and ReLU 2
        float[] dz2 = unpool(dp2, p.a2, p.z2);
        int pos2 = S1 * S1;
        for (int ch = 0; ch < C2; ch++) {
            float s = 0;
            for (int i = 0; i < pos2; i++) {
                s += dz2[ch * pos2 + i];
            }
            g[OFFSETS[3] + ch] += s;
        }
        Kernels.mmNT(C2, C1 * 9, pos2, dz2, 0, p.col2, 0, g, OFFSETS[2]);
        float[] dcol2 = new float[C1 * 9 * pos2];
        Kernels.mmTN(C1 * 9, pos2, C2, w, OFFSETS[2], dz2, 0, dcol2, 0);
        float[] dp1 = new float[C1 * pos2];
        Kernels.col2im(dcol2, C1, S1, S1, 3, 1, 1, S1, S1, dp1, 0);
        // pool 1 and ReLU 1
        float[] dz1 = unpool(dp1, p.a1, p.z1);
        int pos1 = SIDE * SIDE;
        for (int ch = 0; ch < C1; ch++) {
            float s = 0;
            for (int i = 0; i < pos1; i++) {
                s += dz1[ch * pos1 + i];
            }
            g[OFFSETS[1] + ch] += s;
        }
        Kernels.mmNT(C1, 9, pos1, dz1, 0, p.col1, 0, g, OFFSETS[0]);
        return loss;
    }

    /** Routes each pooled gradient to the position its maximum came from, where the ReLU was active. */
    private static float[] unpool(float[] d, int[] arg, float[] z) {
        float[] out = new float[z.length];
        for (int i = 0; i < d.length; i++) {
            if (z[arg[i]] > 0) {
                out[arg[i]] += d[i];
            }
        }
        return out;
    }
}
