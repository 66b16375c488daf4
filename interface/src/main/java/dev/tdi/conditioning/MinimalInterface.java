package dev.tdi.conditioning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * {@code minimal:b=B,h=H}: the minimal digital interface, a B-dimensional bottleneck encoder of the conditioning
 * input followed by a transfer network with H hidden units that writes one bias per channel of every conditioned
 * module.
 *
 * <h2>Architecture</h2>
 * <pre>
 *   phi(c)  = [2 tau - 1, sin(pi 2^j tau), cos(pi 2^j tau) (j = 0 .. f-1), emb_E(t), onehot(label)]   F = 1 + 2f + E + L
 *   z       = tanh(E phi + e)              E: B x F, e: B        (bottleneck encoder)
 *   u       = relu(W1 z + b1)              W1: H x B, b1: H      (transfer network, hidden layer)
 *   delta   = W2 u + b2                    W2: C x H, b2: C      (one output per bias channel)
 *   bias(c) = mean + delta
 * </pre>
 * or, with a readout of rank R ({@code r=R}, or {@code budget=P} for the largest R whose parameter count is at most
 * P), a code of R values that a linear fan-out spreads over the channels:
 * <pre>
 *   v       = W2 u + b2                    W2: R x H, b2: R      (the conditioning code)
 *   delta   = W3 v                         W3: C x R             (fan-out to the bias channels)
 * </pre>
 * The exact biases are a smooth curve in t through a C-dimensional space, so a few directions carry almost all of
 * their variation; the fan-out learns them, and the parameter count no longer grows as C (H + 1) but as C R.
 * with tau = t / (T - 1) the normalised time step, emb_E(t) the optional transformer sinusoidal embedding of the raw
 * step, [sin(t w_i) (i &lt; E/2), cos(t w_i)] with w_i = 10000^(-i/(E/2)) (the U-Net's own time features;
 * {@code emb=E}, default 0), and L the number of labels seen in calibration (0 for an unconditional model). The features phi are fixed functions of the input (no parameters). {@code mean} is the
 * calibration mean of the oracle's biases: the same fixed device constant the {@code none} interface writes, not
 * a parameter of this interface; the network writes only the deviation from it.
 *
 * <h2>Parameter count</h2>
 * <pre>P = B (F + 1) + H (B + 1) + C (H + 1)            (full readout)
 * P = B (F + 1) + H (B + 1) + R (H + 1) + C R      (readout of rank R)</pre>
 * exactly the weights and biases of E, W1, W2 and W3 ({@link #parameterCount}). With the defaults B = 4, H = 16 and
 * f = 4 (F = 9 unconditional) a full readout costs 120 + 17 C, so the seed's 2,560 is met for C &lt;= 143 channels
 * ({@link #maxChannels}); a rank-R readout costs 120 + 17 R + C R, e.g. 2,430 for C = 368 and R = 6.
 *
 * <h2>Training</h2>
 * Adam (beta1 0.9, beta2 0.999, learning rate lr with a cosine decay to lr/100) on the mean squared error between
 * delta and the oracle's deviation from the mean, each channel divided by its calibration standard deviation
 * (floored at 5 % of the RMS standard deviation over channels, so near-constant channels do not dominate). Repeated
 * calibration inputs are merged and weighted by their multiplicity. Full-batch up to 256 distinct inputs, otherwise
 * mini-batches of 256 from a seeded shuffle. After training the per-channel scales are folded into W2 and b2, so
 * they cost no parameters (into W3 with a rank-R readout). A rank-R fan-out W3 starts at the top R principal
 * directions of the scaled calibration biases (Commons Math eigendecomposition); from random directions the factored
 * readout stalls at several times the full readout's error. Deterministic for a given seed.
 *
 * <p>Multiply-accumulates per inference: F B + B H + H C, or F B + B H + H R + R C with a rank-R readout (plus B tanh
 * and 2f sin/cos evaluations).
 */
public final class MinimalInterface implements ConditioningInterface {
    public static final int DEFAULT_BOTTLENECK = 4;
    public static final int DEFAULT_HIDDEN = 16;
    public static final int DEFAULT_FREQUENCIES = 4;
    public static final int DEFAULT_STEPS = 2000;
    public static final double DEFAULT_LEARNING_RATE = 0.01;
    /** The seed paper's interface size. */
    public static final long SEED_PARAMETERS = 2560;

    private static final int BATCH = 256;

    private final String spec;
    private final BiasLayout layout;
    private final double[] mean;
    private final int frequencies;
    private final int embedding;
    private final int labels;
    private final int b;
    private final int h;
    private final int r;
    private final double[] enc;
    private final double[] encBias;
    private final double[] w1;
    private final double[] b1;
    private final double[] w2;
    private final double[] b2;
    private final double[] w3;
    private final double trainingLoss;

    private MinimalInterface(String spec, BiasLayout layout, double[] mean, int frequencies, int embedding, int labels, int b, int h,
                             int r, double[] theta, double[] scale, double trainingLoss) {
        this.spec = spec;
        this.layout = layout;
        this.mean = mean;
        this.frequencies = frequencies;
        this.embedding = embedding;
        this.labels = labels;
        this.b = b;
        this.h = h;
        this.r = r;
        int f = featureCount(frequencies, embedding, labels);
        int c = layout.channels();
        Offsets o = new Offsets(f, b, h, c, r);
        this.enc = java.util.Arrays.copyOfRange(theta, o.enc, o.encBias);
        this.encBias = java.util.Arrays.copyOfRange(theta, o.encBias, o.w1);
        this.w1 = java.util.Arrays.copyOfRange(theta, o.w1, o.b1);
        this.b1 = java.util.Arrays.copyOfRange(theta, o.b1, o.w2);
        this.w2 = java.util.Arrays.copyOfRange(theta, o.w2, o.b2);
        this.b2 = java.util.Arrays.copyOfRange(theta, o.b2, o.w3);
        this.w3 = java.util.Arrays.copyOfRange(theta, o.w3, o.end);
        for (int i = 0; i < c; i++) {
            if (r > 0) {
                for (int j = 0; j < r; j++) {
                    w3[i * r + j] *= scale[i];
                }
            } else {
                for (int j = 0; j < h; j++) {
                    w2[i * h + j] *= scale[i];
                }
                b2[i] *= scale[i];
            }
        }
        this.trainingLoss = trainingLoss;
    }

    /** Number of input features F = 1 + 2f + E + L. */
    public static int featureCount(int frequencies, int embedding, int labels) {
        return 1 + 2 * frequencies + embedding + labels;
    }

    /** P = B (F + 1) + H (B + 1) + C (H + 1), the full readout. */
    public static long parameterCount(int features, int bottleneck, int hidden, int channels) {
        return parameterCount(features, bottleneck, hidden, channels, 0);
    }

    /** P with a readout of rank {@code rank}: B (F + 1) + H (B + 1) + R (H + 1) + C R; rank 0 is the full readout. */
    public static long parameterCount(int features, int bottleneck, int hidden, int channels, int rank) {
        long front = (long) bottleneck * (features + 1) + (long) hidden * (bottleneck + 1);
        return rank == 0 ? front + (long) channels * (hidden + 1)
                : front + (long) rank * (hidden + 1) + (long) channels * rank;
    }

    /**
     * The largest readout rank R &lt; C whose parameter count stays within {@code budget}, or 0 if none does
     * (even R = 1 is over it).
     */
    public static int maxReadoutRank(long budget, int features, int bottleneck, int hidden, int channels) {
        int best = 0;
        for (int rank = 1; rank < channels && parameterCount(features, bottleneck, hidden, channels, rank) <= budget;
             rank++) {
            best = rank;
        }
        return best;
    }

    /** The largest C whose parameter count stays within {@code budget}, or -1 if even C = 0 does not. */
    public static int maxChannels(long budget, int features, int bottleneck, int hidden) {
        long fixed = parameterCount(features, bottleneck, hidden, 0);
        return fixed > budget ? -1 : (int) ((budget - fixed) / (hidden + 1));
    }

    /** The fixed features phi(c) (see the class comment). */
    public static double[] features(ConditioningInput c, int frequencies, int embedding, int labels) {
        double[] phi = new double[featureCount(frequencies, embedding, labels)];
        double tau = c.timesteps() == 1 ? 0 : (double) c.timestep() / (c.timesteps() - 1);
        phi[0] = 2 * tau - 1;
        for (int j = 0; j < frequencies; j++) {
            double w = Math.PI * (1 << j) * tau;
            phi[1 + 2 * j] = Math.sin(w);
            phi[2 + 2 * j] = Math.cos(w);
        }
        int half = embedding / 2;
        for (int i = 0; i < half; i++) {
            double w = Math.exp(-Math.log(10000.0) * i / half);
            phi[1 + 2 * frequencies + i] = Math.sin(c.timestep() * w);
            phi[1 + 2 * frequencies + half + i] = Math.cos(c.timestep() * w);
        }
        if (c.label() >= labels && labels > 0 || c.label() >= 0 && labels == 0) {
            throw new IllegalArgumentException("label " + c.label() + " was not seen in calibration (labels 0.."
                    + (labels - 1) + ")");
        }
        if (c.label() >= 0) {
            phi[1 + 2 * frequencies + embedding + c.label()] = 1;
        }
        return phi;
    }

    @Override public String spec() { return spec; }

    @Override
    public long parameters() {
        return parameterCount(featureCount(frequencies, embedding, labels), b, h, layout.channels(), r);
    }

    @Override
    public long multiplyAccumulates() {
        long front = (long) featureCount(frequencies, embedding, labels) * b + (long) b * h;
        return r == 0 ? front + (long) h * layout.channels() : front + (long) h * r + (long) r * layout.channels();
    }

    public int bottleneck() { return b; }
    public int hidden() { return h; }
    /** Rank of the readout (the conditioning code's length), 0 for a full readout. */
    public int readoutRank() { return r; }
    public int features() { return featureCount(frequencies, embedding, labels); }
    public int channels() { return layout.channels(); }
    public BiasLayout layout() { return layout; }

    /** The normalised training MSE at the last step (per channel, in units of the channel's scale squared). */
    public double trainingLoss() {
        return trainingLoss;
    }

    /** The calibration-mean biases (the fixed device constant the deviation is added to), flattened. */
    public double[] mean() {
        return mean.clone();
    }

    /**
     * The parameter count written out, e.g. {@code 4*(9+1) + 16*(4+1) + 24*(16+1) = 528}, or with a rank-6 readout
     * {@code 4*(9+1) + 16*(4+1) + 6*(16+1) + 368*6 = 2430}.
     */
    public String parameterFormula() {
        int f = features();
        if (r > 0) {
            return String.format(Locale.ROOT, "%d*(%d+1) + %d*(%d+1) + %d*(%d+1) + %d*%d = %d", b, f, h, b, r, h,
                    layout.channels(), r, parameters());
        }
        return String.format(Locale.ROOT, "%d*(%d+1) + %d*(%d+1) + %d*(%d+1) = %d", b, f, h, b, layout.channels(), h,
                parameters());
    }

    /** A one-paragraph description: architecture, channels, parameter count and how it compares with 2,560. */
    public String describe() {
        int f = features();
        int max = maxChannels(SEED_PARAMETERS, f, b, h);
        return spec + ": " + f + " fixed features (2t-1, " + frequencies + " sin/cos pairs"
                + (embedding > 0 ? ", sinusoidal embedding " + embedding : "")
                + (labels > 0 ? ", one-hot of " + labels + " labels" : "") + ") -> tanh bottleneck " + b
                + " -> relu transfer " + h + (r > 0 ? " -> code " + r + " -> linear fan-out" : "") + " -> "
                + layout.channels() + " bias channels (" + layout + "); parameters "
                + parameterFormula() + (parameters() <= SEED_PARAMETERS
                ? " <= " + SEED_PARAMETERS + " (the seed's size)"
                : " > " + SEED_PARAMETERS + (r > 0 ? "" : ": the seed's size needs C <= " + max + " at b=" + b
                + ", h=" + h + " (the output layer costs C*(h+1) = " + (long) layout.channels() * (h + 1)
                + "), or a readout of rank r=" + maxReadoutRank(SEED_PARAMETERS, f, b, h, layout.channels())));
    }

    @Override
    public Map<String, float[]> biases(ConditioningInput input) {
        return layout.unflatten(flatBiases(input));
    }

    /** The biases for one input, flattened in layout order. */
    public double[] flatBiases(ConditioningInput input) {
        double[] phi = features(input, frequencies, embedding, labels);
        int f = phi.length;
        double[] z = new double[b];
        for (int i = 0; i < b; i++) {
            double s = encBias[i];
            for (int j = 0; j < f; j++) {
                s += enc[i * f + j] * phi[j];
            }
            z[i] = Math.tanh(s);
        }
        double[] u = new double[h];
        for (int i = 0; i < h; i++) {
            double s = b1[i];
            for (int j = 0; j < b; j++) {
                s += w1[i * b + j] * z[j];
            }
            u[i] = Math.max(s, 0);
        }
        int c = layout.channels();
        int m = r > 0 ? r : c;
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            double s = b2[i];
            for (int j = 0; j < h; j++) {
                s += w2[i * h + j] * u[j];
            }
            v[i] = s;
        }
        double[] out = new double[c];
        for (int i = 0; i < c; i++) {
            out[i] = mean[i] + (r > 0 ? dotRow(w3, i * r, v, r) : v[i]);
        }
        return out;
    }

    /** sum_j w[offset + j] v[j], j &lt; n: one row of a row-major matrix times v. */
    private static double dotRow(double[] w, int offset, double[] v, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += w[offset + j] * v[j];
        }
        return s;
    }

    /** Where each weight block starts in the flat parameter vector; W2 and b2 have m = (R > 0 ? R : C) rows. */
    private record Offsets(int enc, int encBias, int w1, int b1, int w2, int b2, int w3, int end) {
        Offsets(int f, int b, int h, int c, int r) {
            this(f, b, h, c, r, r > 0 ? r : c);
        }

        private Offsets(int f, int b, int h, int c, int r, int m) {
            this(0, b * f, b * f + b, b * f + b + h * b, b * f + b + h * b + h, b * f + b + h * b + h + m * h,
                    b * f + b + h * b + h + m * h + m, b * f + b + h * b + h + m * h + m + (r > 0 ? c * r : 0));
        }
    }

    /**
     * Fits the interface (see the class comment).
     *
     * @param spec the spec to report, e.g. {@code minimal:b=4,h=16}
     */
    public static MinimalInterface fit(String spec, List<ConditioningInput> calibration, BiasOracle oracle, int b,
                                       int h, int frequencies, int embedding, int steps, double lr, long seed) {
        return fit(spec, calibration, oracle, b, h, 0, frequencies, embedding, steps, lr, seed);
    }

    /**
     * Fits the interface with a readout of rank {@code r} (0: full readout, one output per channel).
     *
     * @param spec the spec to report, e.g. {@code minimal:b=4,h=16,r=6}
     */
    public static MinimalInterface fit(String spec, List<ConditioningInput> calibration, BiasOracle oracle, int b,
                                       int h, int r, int frequencies, int embedding, int steps, double lr, long seed) {
        if (calibration.isEmpty()) {
            throw new IllegalArgumentException("no calibration inputs");
        }
        BiasLayout layout = BiasLayout.of(oracle.biases(calibration.get(0)));
        int c = layout.channels();
        // merge repeated inputs
        Map<ConditioningInput, Integer> counts = new LinkedHashMap<>();
        int labels = 0;
        for (ConditioningInput in : calibration) {
            counts.merge(in, 1, Integer::sum);
            labels = Math.max(labels, in.label() + 1);
        }
        List<ConditioningInput> distinct = new ArrayList<>(counts.keySet());
        int n = distinct.size();
        int f = featureCount(frequencies, embedding, labels);
        double[][] x = new double[n][];
        double[][] y = new double[n][];
        double[] weight = new double[n];
        double[] mean = new double[c];
        for (int s = 0; s < n; s++) {
            x[s] = features(distinct.get(s), frequencies, embedding, labels);
            y[s] = layout.flatten(oracle.biases(distinct.get(s)));
            weight[s] = counts.get(distinct.get(s)) / (double) calibration.size();
            for (int j = 0; j < c; j++) {
                mean[j] += weight[s] * y[s][j];
            }
        }
        double[] std = new double[c];
        for (int s = 0; s < n; s++) {
            for (int j = 0; j < c; j++) {
                double d = y[s][j] - mean[j];
                std[j] += weight[s] * d * d;
            }
        }
        double rms = 0;
        for (int j = 0; j < c; j++) {
            std[j] = Math.sqrt(std[j]);
            rms += std[j] * std[j];
        }
        rms = Math.sqrt(rms / Math.max(c, 1));
        double[] scale = new double[c];
        for (int j = 0; j < c; j++) {
            scale[j] = rms == 0 ? 1 : Math.max(std[j], 0.05 * rms);
        }
        for (int s = 0; s < n; s++) {
            for (int j = 0; j < c; j++) {
                y[s][j] = (y[s][j] - mean[j]) / scale[j];
            }
        }

        if (r >= c) {
            throw new ConditioningSpecException("conditioning interface 'minimal': readout rank r=" + r
                    + " is not below the model's " + c + " bias channels; omit r for a full readout");
        }
        Offsets o = new Offsets(f, b, h, c, r);
        int m = r > 0 ? r : c;
        double[] theta = new double[o.end];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = o.enc; i < o.encBias; i++) {
            theta[i] = rnd.nextGaussian() / Math.sqrt(f);
        }
        for (int i = o.w1; i < o.b1; i++) {
            theta[i] = rnd.nextGaussian() * Math.sqrt(2.0 / b);
        }
        for (int i = o.b1; i < o.w2; i++) {
            theta[i] = 0.1;
        }
        for (int i = o.w2; i < o.b2; i++) {
            theta[i] = rnd.nextGaussian() / Math.sqrt(h);
        }
        if (r > 0) {
            // The fan-out starts at the top-r principal directions of the (scaled) calibration biases: a factored
            // readout trained from random directions stalls far above the full readout's error.
            double[][] pcs = principalDirections(y, weight, r);
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < r; j++) {
                    theta[o.w3 + i * r + j] = pcs[j][i];
                }
            }
        }
        double[] m1 = new double[theta.length];
        double[] m2 = new double[theta.length];
        double[] grad = new double[theta.length];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int batch = Math.min(n, BATCH);
        int cursor = n;
        double loss = Double.NaN;
        double[] z = new double[b];
        double[] p = new double[h];
        double[] u = new double[h];
        double[] dy = new double[c];
        double[] v = new double[m];
        double[] dv = new double[m];
        double[] du = new double[h];
        double[] dz = new double[b];
        for (int step = 1; step <= steps; step++) {
            if (batch < n && cursor + batch > n) {
                for (int i = n - 1; i > 0; i--) { // seeded Fisher-Yates
                    int j = rnd.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                cursor = 0;
            } else if (batch == n) {
                cursor = 0;
            }
            java.util.Arrays.fill(grad, 0);
            double wsum = 0;
            for (int q = 0; q < batch; q++) {
                wsum += weight[order[cursor + q]];
            }
            loss = 0;
            for (int q = 0; q < batch; q++) {
                int s = order[cursor + q];
                double[] phi = x[s];
                double ws = weight[s] / wsum;
                for (int i = 0; i < b; i++) {
                    double a = theta[o.encBias + i];
                    for (int j = 0; j < f; j++) {
                        a += theta[o.enc + i * f + j] * phi[j];
                    }
                    z[i] = Math.tanh(a);
                }
                for (int i = 0; i < h; i++) {
                    double a = theta[o.b1 + i];
                    for (int j = 0; j < b; j++) {
                        a += theta[o.w1 + i * b + j] * z[j];
                    }
                    p[i] = a;
                    u[i] = Math.max(a, 0);
                }
                for (int i = 0; i < m; i++) {
                    double a = theta[o.b2 + i];
                    int base = o.w2 + i * h;
                    for (int j = 0; j < h; j++) {
                        a += theta[base + j] * u[j];
                    }
                    v[i] = a;
                }
                for (int i = 0; i < c; i++) {
                    double a = r > 0 ? dotRow(theta, o.w3 + i * r, v, r) : v[i];
                    double res = a - y[s][i];
                    loss += ws * res * res / c;
                    dy[i] = 2 * ws * res / c;
                }
                if (r > 0) {
                    java.util.Arrays.fill(dv, 0);
                    for (int i = 0; i < c; i++) {
                        double d = dy[i];
                        for (int j = 0; j < r; j++) {
                            grad[o.w3 + i * r + j] += d * v[j];
                            dv[j] += theta[o.w3 + i * r + j] * d;
                        }
                    }
                } else {
                    System.arraycopy(dy, 0, dv, 0, c);
                }
                java.util.Arrays.fill(du, 0);
                for (int i = 0; i < m; i++) {
                    int base = o.w2 + i * h;
                    double d = dv[i];
                    grad[o.b2 + i] += d;
                    for (int j = 0; j < h; j++) {
                        grad[base + j] += d * u[j];
                        du[j] += theta[base + j] * d;
                    }
                }
                java.util.Arrays.fill(dz, 0);
                for (int i = 0; i < h; i++) {
                    if (p[i] <= 0) {
                        continue;
                    }
                    double d = du[i];
                    grad[o.b1 + i] += d;
                    for (int j = 0; j < b; j++) {
                        grad[o.w1 + i * b + j] += d * z[j];
                        dz[j] += theta[o.w1 + i * b + j] * d;
                    }
                }
                for (int i = 0; i < b; i++) {
                    double d = dz[i] * (1 - z[i] * z[i]);
                    grad[o.encBias + i] += d;
                    for (int j = 0; j < f; j++) {
                        grad[o.enc + i * f + j] += d * phi[j];
                    }
                }
            }
            if (batch < n) {
                cursor += batch;
            }
            double rate = lr * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * (step - 1) / steps)));
            double c1 = 1 - Math.pow(0.9, step);
            double c2 = 1 - Math.pow(0.999, step);
            for (int i = 0; i < theta.length; i++) {
                m1[i] = 0.9 * m1[i] + 0.1 * grad[i];
                m2[i] = 0.999 * m2[i] + 0.001 * grad[i] * grad[i];
                theta[i] -= rate * (m1[i] / c1) / (Math.sqrt(m2[i] / c2) + 1e-8);
            }
        }
        return new MinimalInterface(spec, layout, mean, frequencies, embedding, labels, b, h, r, theta, scale, loss);
    }

    /** The top-k eigenvectors ([j][channel]) of the weighted second-moment matrix sum_s w_s y_s y_s^T. */
    private static double[][] principalDirections(double[][] y, double[] weight, int k) {
        int c = y[0].length;
        double[][] m = new double[c][c];
        for (int s = 0; s < y.length; s++) {
            for (int i = 0; i < c; i++) {
                double wi = weight[s] * y[s][i];
                for (int j = 0; j <= i; j++) {
                    m[i][j] += wi * y[s][j];
                }
            }
        }
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < i; j++) {
                m[j][i] = m[i][j];
            }
        }
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(m, false));
        double[] lambda = eig.getRealEigenvalues();
        Integer[] order = new Integer[c];
        for (int i = 0; i < c; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(lambda[b], lambda[a]));
        double[][] out = new double[k][];
        for (int j = 0; j < k; j++) {
            out[j] = eig.getEigenvector(order[j]).toArray();
        }
        return out;
    }

    /** Binds {@code minimal}. */
    public static final class Factory implements ConditioningInterfaceFactory {
        @Override public String name() { return "minimal"; }

        @Override
        public String usage() {
            return "minimal[:b=B,h=H] (bottleneck B 1..64, default 4; transfer units H 1..1024, default 16)"
                    + " [,f=0..16 sin/cos pairs of t, default 4] [,emb=0..1024 even, sinusoidal embedding of t, default 0] [,steps=1..1000000 Adam steps, default 2000]"
                    + " [,lr=learning rate in (0, 1], default 0.01]"
                    + " [,r=1..1024 readout rank: a code of r values fanned out to the channels | ,budget=P: the largest"
                    + " r with at most P parameters]";
        }

        /** The parsed spec; r = 0 and budget &gt; 0 when the readout rank is chosen from the budget at fit time. */
        private record Settings(String spec, int b, int h, int r, long budget, int f, int emb, int steps, double lr) {
        }

        private Settings parse(Map<String, String> parameters) {
            InterfaceParameters p = new InterfaceParameters(name(), parameters, usage());
            p.requireOnly("b", "h", "f", "emb", "steps", "lr", "r", "budget");
            if (p.has("r") && p.has("budget")) {
                throw p.fail("give r or budget, not both");
            }
            int b = p.intValue("b", 1, 64, DEFAULT_BOTTLENECK);
            int h = p.intValue("h", 1, 1024, DEFAULT_HIDDEN);
            int f = p.intValue("f", 0, 16, DEFAULT_FREQUENCIES);
            int emb = p.intValue("emb", 0, 1024, 0);
            if (emb % 2 != 0) {
                throw p.fail("emb=" + emb + " must be even");
            }
            int steps = p.intValue("steps", 1, 1_000_000, DEFAULT_STEPS);
            double lr = p.doubleValue("lr", Double.MIN_VALUE, 1, DEFAULT_LEARNING_RATE);
            int r = p.intValue("r", 1, 1024, 0);
            long budget = p.has("budget") ? p.intValue("budget", 1, Integer.MAX_VALUE) : 0;
            String spec = "minimal:b=" + b + ",h=" + h + (p.has("f") ? ",f=" + f : "") + (p.has("emb") ? ",emb=" + emb : "")
                    + (p.has("steps") ? ",steps=" + steps : "") + (p.has("lr") ? ",lr=" + lr : "");
            return new Settings(spec, b, h, r, budget, f, emb, steps, lr);
        }

        @Override
        public void validate(Map<String, String> parameters) {
            parse(parameters);
        }

        @Override
        public ConditioningInterface create(Map<String, String> parameters, List<ConditioningInput> calibration,
                                            BiasOracle oracle, long seed) {
            Settings s = parse(parameters);
            if (calibration.isEmpty()) {
                throw new IllegalArgumentException("no calibration inputs");
            }
            int r = s.r();
            if (s.budget() > 0) {
                int labels = calibration.stream().mapToInt(ConditioningInput::label).max().orElse(-1) + 1;
                int c = BiasLayout.of(oracle.biases(calibration.get(0))).channels();
                int features = featureCount(s.f(), s.emb(), labels);
                r = maxReadoutRank(s.budget(), features, s.b(), s.h(), c);
                if (r == 0) {
                    throw new ConditioningSpecException("conditioning interface 'minimal': budget=" + s.budget()
                            + " is below the smallest readout with b=" + s.b() + ", h=" + s.h() + " and the model's "
                            + c + " bias channels (" + parameterCount(features, s.b(), s.h(), c, 1)
                            + " parameters at r=1); raise the budget or lower b and h");
                }
            }
            return fit(r > 0 ? s.spec() + ",r=" + r : s.spec(), calibration, oracle, s.b(), s.h(), r, s.f(),
                    s.emb(), s.steps(), s.lr(), seed);
        }
    }
}
