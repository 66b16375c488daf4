package dev.tdi.unet.train;

import dev.tdi.unet.Kernels;
import dev.tdi.unet.Layer;
import dev.tdi.unet.LayerInput;
import dev.tdi.unet.OpKind;
import dev.tdi.unet.UNet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Substrate-aware training: a bound on the operator norm of every layer as the substrate sees it
 * (docs/physics.md, section 4.2).
 *
 * <p>On the substrate each layer is a module relaxing towards {@code rho(sum_s W_s x_s + h)}; the sources that matter
 * for a free relaxation are the other modules (the clamped image is a constant). With every layer's linear map from
 * its module sources, {@code A_l : (x_s1, x_s2, ...) -> sum_s W_s x_s} (convolutions and transposed convolutions at
 * the layer's own resolution, zero padding, exactly the operators the compiler writes), bounded by
 * {@code ||A_l||_2 <= rho < 1}, the downstream pull on a module never outweighs its own residual and a relaxation
 * with uniform weights converges in a number of steps that does not grow with depth.
 *
 * <p>The bound is kept by projection (spectral normalisation in the form of Miyato et al., ICLR 2018, applied as a
 * constraint after each optimiser step, as in Gouk et al., Machine Learning 110, 393 (2021)): one power iteration per
 * layer per step on {@code A_l^T A_l}, warm-started from the previous step's vector, estimates {@code sigma_l}; where
 * {@code sigma_l > rho} the layer's module-source weights are scaled by {@code rho / sigma_l}. The weights from the
 * image and the fixed average pools are not touched. Power iteration approaches {@code sigma} from below, so
 * {@link #enforce} runs many iterations before the final projection of a model that is saved.
 *
 * <p>Deterministic: the vectors start from the seed, each layer is computed by one thread in a fixed order, so the
 * result does not depend on the number of threads.
 */
public final class SpectralBound {
    /** The power-iteration vectors' tensor-name prefix in a checkpoint. */
    public static final String CHECKPOINT_PREFIX = "lipschitz.";

    private final List<Op> ops;

    /** One layer's operator from its module sources. */
    private static final class Op {
        final String layer;
        final int outSize, outH, outW;
        final List<LayerInput> inputs;
        final int[] weightOffsets, inputOffsets;
        final int inSize;
        final float[] v;

        Op(String layer, int outH, int outW, int outSize, List<LayerInput> inputs, int[] weightOffsets) {
            this.layer = layer;
            this.outH = outH;
            this.outW = outW;
            this.outSize = outSize;
            this.inputs = inputs;
            this.weightOffsets = weightOffsets;
            this.inputOffsets = new int[inputs.size()];
            int n = 0;
            for (int i = 0; i < inputs.size(); i++) {
                inputOffsets[i] = n;
                LayerInput in = inputs.get(i);
                n += in.inChannels() * in.inHeight() * in.inWidth();
            }
            this.inSize = n;
            this.v = new float[n];
        }
    }

    /**
     * The bounded operators of {@code net}'s layers (those with at least one trainable input from another layer),
     * with power-iteration vectors drawn from {@code seed}.
     */
    public SpectralBound(UNet net, long seed) {
        List<Op> list = new ArrayList<>();
        var slots = net.slots();
        for (Layer l : net.layers()) {
            List<LayerInput> ins = new ArrayList<>();
            List<Integer> offs = new ArrayList<>();
            for (LayerInput in : l.inputs()) {
                var slot = slots.get(in.tensorName());
                if (!in.source().equals(UNet.INPUT) && slot != null) { // a fixed pool has no slot
                    ins.add(in);
                    offs.add(slot.offset());
                }
            }
            if (!ins.isEmpty()) {
                list.add(new Op(l.name(), l.height(), l.width(), l.size(), List.copyOf(ins), offs.stream().mapToInt(Integer::intValue)
                        .toArray()));
            }
        }
        this.ops = Collections.unmodifiableList(list);
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
            for (int j = 0; j < op.inSize; j++) {
                op.v[j] = (float) r.nextGaussian();
            }
            normalise(op.v);
        }
    }

    private SpectralBound(List<Op> ops) {
        this.ops = ops;
    }

    /** An independent copy (same layers, a copy of the current vectors). */
    public SpectralBound copy() {
        List<Op> list = new ArrayList<>();
        for (Op op : ops) {
            Op c = new Op(op.layer, op.outH, op.outW, op.outSize, op.inputs, op.weightOffsets);
            System.arraycopy(op.v, 0, c.v, 0, op.v.length);
            list.add(c);
        }
        return new SpectralBound(Collections.unmodifiableList(list));
    }

    /** The names of the bounded layers, in network order. */
    public List<String> layers() {
        return ops.stream().map(o -> o.layer).toList();
    }

    /**
     * Runs {@code iterations} power iterations per layer on the weights in {@code params} (a parameter vector of the
     * network's layout) and returns the estimate of each layer's operator norm, by layer name.
     */
    public Map<String, Double> estimate(float[] params, int iterations) {
        double[] s = new double[ops.size()];
        UNet.parallel(ops.size(), i -> s[i] = iterate(ops.get(i), params, iterations));
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            m.put(ops.get(i).layer, s[i]);
        }
        return m;
    }

    /**
     * One projection step: {@code iterations} power iterations per layer, then every layer whose estimate exceeds
     * {@code rho} has its module-source weights scaled by {@code rho / sigma}. Returns the estimates before scaling.
     */
    public Map<String, Double> project(float[] params, double rho, int iterations) {
        if (!(rho > 0)) {
            throw new IllegalArgumentException("the operator-norm bound must be > 0, found " + rho);
        }
        Map<String, Double> s = estimate(params, iterations);
        for (Op op : ops) {
            double sigma = s.get(op.layer);
            if (sigma > rho) {
                float f = (float) (rho / sigma);
                for (int i = 0; i < op.inputs.size(); i++) {
                    int o = op.weightOffsets[i], n = op.inputs.get(i).weight().length;
                    for (int j = o; j < o + n; j++) {
                        params[j] *= f;
                    }
                }
            }
        }
        return s;
    }

    /**
     * Brings every layer of {@code params} within {@code rho} for a model that is kept: projects with
     * {@code iterations} power iterations until no estimate exceeds {@code rho} by more than one part in 10^4 (at most
     * 5 rounds). Returns the last estimates.
     */
    public Map<String, Double> enforce(float[] params, double rho, int iterations) {
        Map<String, Double> s = project(params, rho, iterations);
        for (int round = 0; round < 5 && s.values().stream().anyMatch(x -> x > rho * (1 + 1e-4)); round++) {
            s = project(params, rho, iterations);
        }
        return estimate(params, 1);
    }

    /** The power-iteration vectors by checkpoint tensor name (copies). */
    public Map<String, float[]> vectors() {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (Op op : ops) {
            m.put(CHECKPOINT_PREFIX + op.layer, op.v.clone());
        }
        return m;
    }

    /**
     * Restores the vectors of {@link #vectors()}.
     *
     * @throws IllegalArgumentException naming the tensor when one is missing or has the wrong length
     */
    public void restore(Map<String, float[]> saved, String file) {
        for (Op op : ops) {
            String name = CHECKPOINT_PREFIX + op.layer;
            float[] v = saved.get(name);
            if (v == null) {
                throw new IllegalArgumentException(file + ": missing tensor \"" + name + "\" (the power-iteration"
                        + " vector of the operator-norm bound)");
            }
            if (v.length != op.inSize) {
                throw new IllegalArgumentException(file + ": tensor \"" + name + "\" holds " + v.length
                        + " values, the layer's sources have " + op.inSize);
            }
            System.arraycopy(v, 0, op.v, 0, v.length);
        }
    }

    /** Operator norms of every bounded layer of {@code net}, by {@code iterations} power iterations from seed 0. */
    public static Map<String, Double> norms(UNet net, int iterations) {
        return new SpectralBound(net, 0).estimate(net.parameters(), iterations);
    }

    private static double iterate(Op op, float[] params, int iterations) {
        float[] y = new float[op.outSize];
        float[] z = new float[op.inSize];
        double sigma = 0;
        for (int it = 0; it < iterations; it++) {
            Arrays.fill(y, 0f);
            apply(op, params, op.v, y);
            sigma = Math.sqrt(dot(y, y)); // ||A v|| with ||v|| = 1: a lower bound that converges to sigma
            Arrays.fill(z, 0f);
            applyAdjoint(op, params, y, z);
            if (!normalise(z)) {
                break; // A v = 0: the operator is zero on this vector (a zero layer); sigma = 0 here
            }
            System.arraycopy(z, 0, op.v, 0, z.length);
        }
        return sigma;
    }

    /** y += A x, x the concatenated sources. */
    static void apply(Op op, float[] params, float[] x, float[] y) {
        for (int i = 0; i < op.inputs.size(); i++) {
            LayerInput in = op.inputs.get(i);
            int xo = op.inputOffsets[i], wo = op.weightOffsets[i];
            int outC = in.outChannels(), outH = op.outH, outW = op.outW, P = outH * outW;
            int k = in.kernel(), s = in.stride(), p = in.padding();
            if (in.kind() == OpKind.CONV) {
                float[] col = new float[in.inChannels() * k * k * P];
                Kernels.im2col(x, xo, in.inChannels(), in.inHeight(), in.inWidth(), k, s, p, outH, outW, col);
                Kernels.mmNN(outC, P, in.inChannels() * k * k, params, wo, col, 0, y, 0);
            } else {
                int pin = in.inHeight() * in.inWidth();
                float[] col = new float[outC * k * k * pin];
                Kernels.mmTN(outC * k * k, pin, in.inChannels(), params, wo, x, xo, col, 0);
                Kernels.col2im(col, outC, outH, outW, k, s, p, in.inHeight(), in.inWidth(), y, 0);
            }
        }
    }

    /** z += A^T y, z the concatenated sources. */
    static void applyAdjoint(Op op, float[] params, float[] y, float[] z) {
        for (int i = 0; i < op.inputs.size(); i++) {
            LayerInput in = op.inputs.get(i);
            int zo = op.inputOffsets[i], wo = op.weightOffsets[i];
            int outC = in.outChannels(), outH = op.outH, outW = op.outW, P = outH * outW;
            int k = in.kernel(), s = in.stride(), p = in.padding();
            if (in.kind() == OpKind.CONV) {
                float[] col = new float[in.inChannels() * k * k * P];
                Kernels.mmTN(in.inChannels() * k * k, P, outC, params, wo, y, 0, col, 0);
                Kernels.col2im(col, in.inChannels(), in.inHeight(), in.inWidth(), k, s, p, outH, outW, z, zo);
            } else {
                int pin = in.inHeight() * in.inWidth();
                float[] col = new float[outC * k * k * pin];
                Kernels.im2col(y, 0, outC, outH, outW, k, s, p, in.inHeight(), in.inWidth(), col);
                Kernels.mmNN(in.inChannels(), pin, outC * k * k, params, wo, col, 0, z, zo);
            }
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** Scales v to unit norm; false (v untouched) when it is zero. */
    private static boolean normalise(float[] v) {
        double n = Math.sqrt(dot(v, v));
        if (!(n > 0)) {
            return false;
        }
        float f = (float) (1 / n);
        for (int i = 0; i < v.length; i++) {
            v[i] *= f;
        }
        return true;
    }

    /** Package access for tests: y += A_l x for the named layer. */
    void applyLayer(String layer, float[] params, float[] x, float[] y) {
        apply(op(layer), params, x, y);
    }

    /** Package access for tests: z += A_l^T y for the named layer. */
    void applyLayerAdjoint(String layer, float[] params, float[] y, float[] z) {
        applyAdjoint(op(layer), params, y, z);
    }

    /** Package access for tests: the sizes (in, out) of the named layer's operator. */
    int[] sizes(String layer) {
        Op op = op(layer);
        return new int[]{op.inSize, op.outSize};
    }

    private Op op(String layer) {
        return ops.stream().filter(o -> o.layer.equals(layer)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no bounded layer \"" + layer + "\""));
    }
}
