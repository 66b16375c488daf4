package dev.tdi.unet.classify;

import dev.tdi.unet.Kernels;
import dev.tdi.unet.Tensor;
import dev.tdi.unet.UNet;
import dev.tdi.unet.io.Safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small Fashion-MNIST CNN that tdi trains itself ({@link ClassifierTrainer}) to judge generated samples: its
 * class probabilities give class agreement and the confident fraction, its penultimate layer the feature space of
 * the Frechet distance (docs/physics.md, "Metrics").
 *
 * <p>Architecture (fixed): 28x28 greyscale in [-1, 1] -> conv 3x3 1->16 (pad 1), ReLU, 2x2 max-pool -> conv 3x3
 * 16->32 (pad 1), ReLU, 2x2 max-pool -> dense 1568->{@value #FEATURES}, ReLU (the <em>features</em>) -> dense
 * {@value #FEATURES}->10 (logits). 105,866 parameters. Stateless after construction, so safe for concurrent use.
 */
public final class Classifier {
    /** Image side. */
    public static final int SIDE = 28;
    /** Classes. */
    public static final int CLASSES = 10;
    /** Width of the penultimate (feature) layer. */
    public static final int FEATURES = 64;
    static final int C1 = 16;
    static final int C2 = 32;
    static final int S1 = SIDE / 2;
    static final int S2 = SIDE / 4;
    static final int FLAT = C2 * S2 * S2;
    /** Tensor names and shapes, in file order. */
    static final String[] NAMES = {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
        "fc1.bias", "fc2.weight", "fc2.bias"};
    static final int[][] SHAPES = {{C1, 1, 3, 3}, {C1}, {C2, C1, 3, 3}, {C2}, {FEATURES, FLAT}, {FEATURES},
        {CLASSES, FEATURES}, {CLASSES}};
    private static final String RESOURCE = "/dev/tdi/unet/classifier/model.safetensors";

    /** Offsets of each tensor in the flat parameter vector. */
    static final int[] OFFSETS = new int[NAMES.length + 1];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            OFFSETS[i + 1] = OFFSETS[i] + (int) Tensor.numel(SHAPES[i]);
        }
    }

    /** Total parameter count. */
    public static final int PARAMETERS = OFFSETS[NAMES.length];

    final float[] w;
    private final Map<String, String> metadata;

    Classifier(float[] params, Map<String, String> metadata) {
        if (params.length != PARAMETERS) {
            throw new IllegalArgumentException("the classifier has " + PARAMETERS + " parameters, got "
                    + params.length);
        }
        this.w = params;
        this.metadata = Map.copyOf(metadata);
    }

    /** A freshly initialised classifier (He-normal weights, zero biases), deterministic by seed. */
    public static Classifier initial(long seed) {
        float[] p = new float[PARAMETERS];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < NAMES.length; i += 2) {
            int[] s = SHAPES[i];
            int fanIn = (int) (Tensor.numel(s) / s[0]);
            double std = Math.sqrt(2.0 / fanIn);
            for (int j = OFFSETS[i]; j < OFFSETS[i + 1]; j++) {
                p[j] = (float) (std * r.nextGaussian());
            }
        }
        return new Classifier(p, Map.of());
    }

    /** The shipped classifier (trained by {@code ./tdi train-classifier}, see docs/classifier.md). */
    public static Classifier loadDefault() {
        try (InputStream in = Classifier.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + RESOURCE + " is missing from the tdi-unet jar; train one with"
                        + " `./tdi train-classifier`");
            }
            return fromContent(Safetensors.read(in.readAllBytes(), "resource " + RESOURCE), "resource " + RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A classifier saved by {@link #save}. */
    public static Classifier load(Path file) throws IOException {
        return fromContent(Safetensors.read(file), file.toString());
    }

    private static Classifier fromContent(Safetensors.Content c, String name) {
        float[] p = new float[PARAMETERS];
        for (int i = 0; i < NAMES.length; i++) {
            Tensor t = c.tensors().get(NAMES[i]);
            if (t == null) {
                throw new IllegalArgumentException(name + ": tensor '" + NAMES[i] + "' is missing; a tdi classifier"
                        + " holds " + String.join(", ", NAMES));
            }
            if (!java.util.Arrays.equals(t.shape(), SHAPES[i])) {
                throw new IllegalArgumentException(name + ": tensor '" + NAMES[i] + "' has shape "
                        + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(SHAPES[i]));
            }
            System.arraycopy(t.data(), 0, p, OFFSETS[i], t.data().length);
        }
        return new Classifier(p, c.metadata());
    }

    /** Writes the weights as safetensors with the given metadata (training command, seed, accuracy). */
    public void save(Path file, Map<String, String> meta) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            t.put(NAMES[i], new Tensor(SHAPES[i], java.util.Arrays.copyOfRange(w, OFFSETS[i], OFFSETS[i + 1])));
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "tdi-classifier");
        m.putAll(meta);
        java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        Safetensors.write(file, t, m);
    }

    /** Metadata stored with the weights (empty for a fresh classifier). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The penultimate features and the class probabilities of n images. */
    public record Output(int n, float[] features, float[] probabilities) {
        /** Feature vector of image i (length {@link #FEATURES}). */
        public double[] feature(int i) {
            double[] f = new double[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                f[j] = features[i * FEATURES + j];
            }
            return f;
        }

        /** The most probable class of image i. */
        public int label(int i) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (probabilities[i * CLASSES + c] > probabilities[i * CLASSES + best]) {
                    best = c;
                }
            }
            return best;
        }

        /** The largest class probability of image i. */
        public double confidence(int i) {
            return probabilities[i * CLASSES + label(i)];
        }
    }

    /** Classifies n images of 28x28 values in [-1, 1] (flattened, image after image), in parallel. */
    public Output classify(float[] images, int n) {
        if (images.length != n * SIDE * SIDE) {
            throw new IllegalArgumentException("the classifier takes 28x28 images: " + n + " images need "
                    + n * SIDE * SIDE + " values, got " + images.length);
        }
        float[] feat = new float[n * FEATURES];
        float[] prob = new float[n * CLASSES];
        UNet.parallel(n, i -> {
            Pass p = forward(images, i * SIDE * SIDE);
            System.arraycopy(p.f, 0, feat, i * FEATURES, FEATURES);
            System.arraycopy(softmax(p.logits), 0, prob, i * CLASSES, CLASSES);
        });
        return new Output(n, feat, prob);
    }

    /** Every intermediate of one image's forward pass (what the backward pass needs). */
    static final class Pass {
        final float[] col1 = new float[9 * SIDE * SIDE];
        final float[] z1 = new float[C1 * SIDE * SIDE];
        final float[] p1 = new float[C1 * S1 * S1];
        final int[] a1 = new int[C1 * S1 * S1];
        final float[] col2 = new float[C1 * 9 * S1 * S1];
        final float[] z2 = new float[C2 * S1 * S1];
        final float[] p2 = new float[FLAT];
        final int[] a2 = new int[FLAT];
        final float[] f = new float[FEATURES];
        final float[] logits = new float[CLASSES];
    }

    Pass forward(float[] x, int xo) {
        Pass p = new Pass();
        Kernels.im2col(x, xo, 1, SIDE, SIDE, 3, 1, 1, SIDE, SIDE, p.col1);
        conv(p.col1, 0, p.z1, C1, 9, SIDE * SIDE);
        pool(p.z1, C1, SIDE, p.p1, p.a1);
        Kernels.im2col(p.p1, 0, C1, S1, S1, 3, 1, 1, S1, S1, p.col2);
        conv(p.col2, 2, p.z2, C2, C1 * 9, S1 * S1);
        pool(p.z2, C2, S1, p.p2, p.a2);
        dense(p.p2, 4, p.f, FEATURES, FLAT, true);
        dense(p.f, 6, p.logits, CLASSES, FEATURES, false);
        return p;
    }

    /** z = relu(W col + b) for the conv tensor pair starting at {@code wi}. */
    private void conv(float[] col, int wi, float[] z, int out, int k, int positions) {
        for (int c = 0; c < out; c++) {
            java.util.Arrays.fill(z, c * positions, (c + 1) * positions, w[OFFSETS[wi + 1] + c]);
        }
        Kernels.mmNN(out, positions, k, w, OFFSETS[wi], col, 0, z, 0);
        for (int i = 0; i < z.length; i++) {
            z[i] = Math.max(0f, z[i]);
        }
    }

    /** 2x2 max-pool with stride 2, remembering where each maximum came from. */
    private static void pool(float[] z, int channels, int side, float[] out, int[] arg) {
        int h = side / 2;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < h; x++) {
                    int corner = (c * side + 2 * y) * side + 2 * x;
                    int best = corner;
                    for (int d : new int[]{1, side, side + 1}) {
                        if (z[corner + d] > z[best]) {
                            best = corner + d;
                        }
                    }
                    out[(c * h + y) * h + x] = z[best];
                    arg[(c * h + y) * h + x] = best;
                }
            }
        }
    }

    /** y = W x + b (ReLU when asked) for the dense tensor pair starting at {@code wi}. */
    private void dense(float[] x, int wi, float[] y, int out, int in, boolean relu) {
        System.arraycopy(w, OFFSETS[wi + 1], y, 0, out);
        Kernels.mmNT(1, out, in, x, 0, w, OFFSETS[wi], y, 0);
        if (relu) {
            for (int i = 0; i < out; i++) {
                y[i] = Math.max(0f, y[i]);
            }
        }
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }
}
