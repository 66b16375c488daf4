package dev.tdi.unet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * A denoising U-Net built for execution by relaxation: a DAG of layers
 * {@code out = rho(sum_i Op_i(in_i) + b + timeBias(t))}, see {@link Layer}.
 *
 * <p>Layout: images and activations are float32, batch-major {@code [B][C][H][W]}. The time step t enters only
 * through the digital time-embedding network (sinusoidal embedding, two relu linear layers of width
 * {@code timeHidden}, then one projection per layer giving a per-channel additive bias, a FiLM shift).
 *
 * <p>Layer names for channels {@code [c0..c_{L-1}]} and B blocks per level:
 * {@code enc{l}_{b}} on the way down (the first block of a level > 0 has stride 2; {@code enc{L-1}_*} is the
 * bottleneck), {@code up{l}} (transposed convolution, stride 2), {@code dec{l}_{b}} on the way up
 * ({@code dec{l}_0} has two inputs: {@code up{l}} and the skip {@code enc{l}_{B-1}}), and {@code out}
 * (identity, no time bias), the predicted noise epsilon.
 *
 * <p>Skip options ({@link UNetConfig#skipChannels()}, {@link UNetConfig#skipPool()}): a narrowed skip adds the layer
 * {@code skip{l}} (identity, no time bias: a learned 1x1 convolution of {@code enc{l}_{B-1}} to k channels) and a
 * pooled skip the layer {@code pool{l}} (identity, no time bias, zero bias: a fixed 2x2 average pool, stride 2,
 * whose weights are not parameters), both evaluated right after {@code enc{l}_{B-1}}; {@code dec{l}_0} then reads
 * the last of them, through a stride-2 transposed convolution when the skip is pooled (the upsampling is learned
 * and merged into the decoder's convolution).
 *
 * <p>Thread safety: forward passes may run concurrently; changing {@link #parameters()} while they run may not.
 */
public final class UNet {
    /** The name of the network's input (the noisy image x_t) as a layer source and a tap. */
    public static final String INPUT = "input";

    private final UNetConfig cfg;
    private final float[] params;
    private final float[] fixed; // fixed, untrained weights (average pools of pooled skips)
    private final Map<String, Slot> slots;
    private final Def[] defs;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final int w1, b1, w2, b2; // time MLP offsets
    private final int maxCol, maxAct;
    private final ThreadLocal<Workspace> workspaces;

    /** Where one named tensor lives in the flat parameter vector. */
    public record Slot(String name, int offset, int[] shape) {
        /** Number of values. */
        public int size() {
            return (int) Tensor.numel(shape);
        }
    }

    private static final class In {
        String src;
        int srcIdx; // -1 = image input
        OpKind kind;
        int inC, inH, inW, k, s, p, op, wOff;
        boolean frozen; // weights in the fixed array (not parameters, never trained)
        String tensor;
    }

    private static final class Def {
        String name;
        int c, h, w, bOff, tOff = -1;
        boolean relu;
        In[] in;

        int size() {
            return c * h * w;
        }
    }

    private UNet(UNetConfig cfg, float[] params) {
        cfg.footprint().requireFits(Runtime.getRuntime().maxMemory()); // before any size is computed in int
        this.cfg = cfg;
        Map<String, Slot> sl = new LinkedHashMap<>();
        List<Def> ds = new ArrayList<>();
        int[] off = {0};
        int E = cfg.timeEmbedDim(), Ht = cfg.timeHidden();
        w1 = slot(sl, off, "temb.fc1.w", Ht, E);
        b1 = slot(sl, off, "temb.fc1.b", Ht);
        w2 = slot(sl, off, "temb.fc2.w", Ht, Ht);
        b2 = slot(sl, off, "temb.fc2.b", Ht);
        int[] ch = cfg.channels();
        int L = ch.length, B = cfg.blocksPerLevel(), k = cfg.kernelSize(), p = k / 2;
        int[] hs = new int[L];
        hs[0] = cfg.imageSize();
        for (int l = 1; l < L; l++) {
            hs[l] = (hs[l - 1] + 2 * p - k) / 2 + 1;
        }
        Map<String, Def> byName = new LinkedHashMap<>();
        List<Float> fixedW = new ArrayList<>();
        String[] skipSource = new String[L];
        int[] skipCh = cfg.skipChannels(), skipPool = cfg.skipPool();
        String prev = INPUT;
        for (int l = 0; l < L; l++) {
            for (int b = 0; b < B; b++) {
                Def d = layer(sl, off, byName, "enc" + l + "_" + b, ch[l], hs[l], true, true);
                d.in = new In[]{conv(sl, off, byName, d, prev, 0, b == 0 && l > 0 ? 2 : 1)};
                ds.add(d);
                prev = d.name;
            }
            if (l < L - 1) {
                skipSource[l] = skipLayers(sl, off, byName, ds, fixedW, l, prev, skipCh[l], skipPool[l]);
            }
        }
        for (int l = L - 2; l >= 0; l--) {
            Def up = layer(sl, off, byName, "up" + l, ch[l], hs[l], true, true);
            Def src = byName.get(prev);
            up.in = new In[]{upConv(sl, off, up, src, 0)};
            ds.add(up);
            prev = up.name;
            for (int b = 0; b < B; b++) {
                Def d = layer(sl, off, byName, "dec" + l + "_" + b, ch[l], hs[l], true, true);
                if (b == 0) {
                    Def skip = byName.get(skipSource[l]);
                    d.in = new In[]{conv(sl, off, byName, d, prev, 0, 1),
                            skip.h == d.h ? conv(sl, off, byName, d, skipSource[l], 1, 1)
                                    : upConv(sl, off, d, skip, 1)};
                } else {
                    d.in = new In[]{conv(sl, off, byName, d, prev, 0, 1)};
                }
                ds.add(d);
                prev = d.name;
            }
        }
        Def out = layer(sl, off, byName, "out", cfg.imageChannels(), hs[0], false, false);
        out.in = cfg.inputSkip()
                ? new In[]{conv(sl, off, byName, out, prev, 0, 1), conv(sl, off, byName, out, INPUT, 1, 1)}
                : new In[]{conv(sl, off, byName, out, prev, 0, 1)};
        ds.add(out);
        // Put every layer's offsets in declaration order: static bias and time projection were reserved in layer().
        this.defs = ds.toArray(new Def[0]);
        for (int i = 0; i < defs.length; i++) {
            index.put(defs[i].name, i);
            for (In in : defs[i].in) {
                in.srcIdx = in.src.equals(INPUT) ? -1 : index.get(in.src);
            }
        }
        this.slots = Collections.unmodifiableMap(sl);
        this.fixed = new float[fixedW.size()];
        for (int i = 0; i < fixed.length; i++) {
            fixed[i] = fixedW.get(i);
        }
        if (params == null) {
            params = new float[off[0]];
        } else if (params.length != off[0]) {
            throw new IllegalArgumentException("parameter vector has " + params.length + " values, the config needs "
                    + off[0]);
        }
        this.params = params;
        int mc = 0, ma = 0;
        for (Def d : defs) {
            ma = Math.max(ma, d.size());
            for (In in : d.in) {
                int col = in.kind == OpKind.CONV ? in.inC * in.k * in.k * d.h * d.w
                        : d.c * in.k * in.k * in.inH * in.inW;
                mc = Math.max(mc, col);
            }
        }
        maxCol = mc;
        maxAct = ma;
        workspaces = ThreadLocal.withInitial(Workspace::new);
    }

    private static int slot(Map<String, Slot> sl, int[] off, String name, int... shape) {
        Slot s = new Slot(name, off[0], shape.clone());
        sl.put(name, s);
        off[0] += s.size();
        return s.offset;
    }

    /**
     * Adds the layers that narrow and/or pool the skip of level l after its last encoder layer {@code src};
     * returns the name of the layer the decoder reads as the skip ({@code src} itself if neither is set).
     */
    private String skipLayers(Map<String, Slot> sl, int[] off, Map<String, Def> byName, List<Def> ds,
                              List<Float> fixedW, int l, String src, int k, int pool) {
        String out = src;
        if (k > 0) {
            Def s = byName.get(src);
            Def d = layer(sl, off, byName, "skip" + l, k, s.h, false, false);
            In in = conv(sl, off, byName, d, src, 0, 1, 1);
            d.in = new In[]{in};
            ds.add(d);
            out = d.name;
        }
        if (pool == 2) {
            Def s = byName.get(out);
            Def d = new Def(); // zero bias, no time bias, not trained: a plain 2x2 average pool
            d.name = "pool" + l;
            d.c = s.c;
            d.h = s.h / 2;
            d.w = s.w / 2;
            d.bOff = -1;
            byName.put(d.name, d);
            In in = new In();
            in.src = out;
            in.kind = OpKind.CONV;
            in.inC = s.c;
            in.inH = s.h;
            in.inW = s.w;
            in.k = 2;
            in.s = 2;
            in.p = 0;
            in.frozen = true;
            in.tensor = d.name + ".w0";
            in.wOff = fixedW.size();
            for (int o = 0; o < s.c; o++) {
                for (int i = 0; i < s.c; i++) {
                    for (int j = 0; j < 4; j++) {
                        fixedW.add(o == i ? 0.25f : 0f);
                    }
                }
            }
            d.in = new In[]{in};
            ds.add(d);
            out = d.name;
        }
        return out;
    }

    /** A stride-2 transposed convolution from {@code src} to layer d's resolution, d's input number i. */
    private In upConv(Map<String, Slot> sl, int[] off, Def d, Def src, int i) {
        int k = cfg.kernelSize(), p = k / 2;
        In u = new In();
        u.src = src.name;
        u.kind = OpKind.CONV_TRANSPOSE;
        u.inC = src.c;
        u.inH = src.h;
        u.inW = src.w;
        u.k = k;
        u.s = 2;
        u.p = p;
        u.op = d.h - ((src.h - 1) * 2 - 2 * p + k);
        if (u.op < 0 || u.op >= 2) {
            throw new IllegalArgumentException("U-Net config: cannot upsample " + src.h + " to " + d.h);
        }
        u.tensor = d.name + ".w" + i;
        u.wOff = slot(sl, off, u.tensor, src.c, d.c, k, k);
        return u;
    }

    private Def layer(Map<String, Slot> sl, int[] off, Map<String, Def> byName, String name, int c, int h,
                      boolean relu, boolean timeBias) {
        Def d = new Def();
        d.name = name;
        d.c = c;
        d.h = h;
        d.w = h;
        d.relu = relu;
        d.bOff = slot(sl, off, name + ".b", c);
        if (timeBias) {
            d.tOff = slot(sl, off, name + ".tproj", c, cfg.timeHidden());
        }
        byName.put(name, d);
        return d;
    }

    private In conv(Map<String, Slot> sl, int[] off, Map<String, Def> byName, Def d, String src, int i, int stride) {
        return conv(sl, off, byName, d, src, i, stride, cfg.kernelSize());
    }

    private In conv(Map<String, Slot> sl, int[] off, Map<String, Def> byName, Def d, String src, int i, int stride,
                    int kernel) {
        In in = new In();
        in.src = src;
        in.kind = OpKind.CONV;
        if (src.equals(INPUT)) {
            in.inC = cfg.imageChannels();
            in.inH = cfg.imageSize();
            in.inW = cfg.imageSize();
        } else {
            Def s = byName.get(src);
            in.inC = s.c;
            in.inH = s.h;
            in.inW = s.w;
        }
        in.k = kernel;
        in.s = stride;
        in.p = in.k / 2;
        int oh = (in.inH + 2 * in.p - in.k) / stride + 1;
        if (oh != d.h) {
            throw new IllegalStateException("shape mismatch at " + d.name);
        }
        in.tensor = d.name + ".w" + i;
        in.wOff = slot(sl, off, in.tensor, d.c, in.inC, in.k, in.k);
        return in;
    }

    // ---------------------------------------------------------------------------------------------- creation

    /**
     * A freshly initialised network (He-normal weights, zero biases), reproducible from the seed.
     */
    public static UNet create(UNetConfig cfg, long seed) {
        UNet net = new UNet(cfg, null);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Def d : net.defs) {
            int fanIn = 0;
            for (In in : d.in) {
                fanIn += in.kind == OpKind.CONV ? in.inC * in.k * in.k : Math.max(1, in.inC * in.k * in.k / 4);
            }
            double std = Math.sqrt((d.relu ? 2.0 : 1.0) / fanIn) * (d.relu ? 1.0 : 0.5);
            for (In in : d.in) {
                if (!in.frozen) {
                    net.gauss(rnd, net.slots.get(in.tensor), std);
                }
            }
            if (d.tOff >= 0) {
                net.gauss(rnd, net.slots.get(d.name + ".tproj"), Math.sqrt(1.0 / cfg.timeHidden()));
            }
        }
        if (cfg.inputSkip()) { // start the linear path at eps = x_t, exact at high noise
            Slot s = net.slots.get("out.w1");
            int C = cfg.imageChannels(), k = cfg.kernelSize();
            for (int c = 0; c < C; c++) {
                net.params[s.offset + ((c * C + c) * k + k / 2) * k + k / 2] += 1f;
            }
        }
        net.gauss(rnd, net.slots.get("temb.fc1.w"), Math.sqrt(2.0 / cfg.timeEmbedDim()));
        net.gauss(rnd, net.slots.get("temb.fc2.w"), Math.sqrt(2.0 / cfg.timeHidden()));
        return net;
    }

    private void gauss(SplittableRandom rnd, Slot s, double std) {
        for (int i = 0; i < s.size(); i++) {
            params[s.offset + i] = (float) (rnd.nextGaussian() * std);
        }
    }

    /**
     * A network from named tensors (as read from safetensors). Every tensor the config needs must be present
     * with its exact shape, and no other tensor may be present.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or mis-shaped tensor
     */
    public static UNet fromTensors(UNetConfig cfg, Map<String, Tensor> tensors) {
        UNet net = new UNet(cfg, null);
        for (Slot s : net.slots.values()) {
            Tensor t = tensors.get(s.name);
            if (t == null) {
                throw new IllegalArgumentException("missing tensor \"" + s.name + "\" (shape "
                        + Arrays.toString(s.shape) + ") required by the config");
            }
            if (!Arrays.equals(t.shape(), s.shape)) {
                throw new IllegalArgumentException("tensor \"" + s.name + "\" has shape " + Arrays.toString(t.shape())
                        + " but the config needs " + Arrays.toString(s.shape));
            }
            System.arraycopy(t.data(), 0, net.params, s.offset, s.size());
        }
        for (String name : tensors.keySet()) {
            if (!net.slots.containsKey(name)) {
                throw new IllegalArgumentException("unexpected tensor \"" + name
                        + "\": the config does not use it (is this the config the weights were trained with?)");
            }
        }
        return net;
    }

    /** A network of the same config with a copy of the given flat parameter vector. */
    public static UNet withParameters(UNetConfig cfg, float[] params) {
        return new UNet(cfg, params.clone());
    }

    /** A deep copy. */
    public UNet copy() {
        return new UNet(cfg, params.clone());
    }

    // ---------------------------------------------------------------------------------------------- graph API

    /** The config. */
    public UNetConfig config() {
        return cfg;
    }

    /** The layers in topological (evaluation) order, weights copied. */
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>(defs.length);
        for (Def d : defs) {
            out.add(toLayer(d));
        }
        return Collections.unmodifiableList(out);
    }

    /** The names of the layers in evaluation order (the last is {@code out}). */
    public List<String> layerNames() {
        return List.copyOf(index.keySet());
    }

    /** One layer by name. */
    public Layer layer(String name) {
        return toLayer(def(name));
    }

    private Def def(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no layer \"" + name + "\"; layers: " + index.keySet());
        }
        return defs[i];
    }

    private Layer toLayer(Def d) {
        List<LayerInput> ins = new ArrayList<>();
        for (In in : d.in) {
            int n = d.c * in.inC * in.k * in.k;
            float[] w = in.frozen ? Arrays.copyOfRange(fixed, in.wOff, in.wOff + n)
                    : Arrays.copyOfRange(params, in.wOff, in.wOff + n);
            int[] shape = in.kind == OpKind.CONV ? new int[]{d.c, in.inC, in.k, in.k}
                    : new int[]{in.inC, d.c, in.k, in.k};
            ins.add(new LayerInput(in.src, in.kind, w, shape, in.tensor, in.inC, in.inH, in.inW, d.c, in.k, in.s,
                    in.p, in.op));
        }
        float[] bias = d.bOff >= 0 ? Arrays.copyOfRange(params, d.bOff, d.bOff + d.c) : new float[d.c];
        return new Layer(d.name, d.c, d.h, d.w, d.relu ? Activation.RELU : Activation.IDENTITY, bias, d.tOff >= 0,
                List.copyOf(ins));
    }

    /** Output shape {C, H, W} of a layer, or of {@link #INPUT}. */
    public int[] shape(String name) {
        if (name.equals(INPUT)) {
            return new int[]{cfg.imageChannels(), cfg.imageSize(), cfg.imageSize()};
        }
        Def d = def(name);
        return new int[]{d.c, d.h, d.w};
    }

    /** Values per image of the input. */
    public int inputSize() {
        return cfg.imageChannels() * cfg.imageSize() * cfg.imageSize();
    }

    /** Total units of all layers (what the compiled substrate program holds, without the clamped input). */
    public int unitCount() {
        int n = 0;
        for (Def d : defs) {
            n += d.size();
        }
        return n;
    }

    /** Multiply-accumulates of one forward pass per image (convolutions only; the time MLP is separate). */
    public long macsPerImage() {
        long n = 0;
        for (Def d : defs) {
            for (In in : d.in) {
                if (in.frozen) { // an average pool: k*k per output, not the dense product it is stored as
                    n += (long) d.size() * in.k * in.k;
                    continue;
                }
                n += in.kind == OpKind.CONV ? (long) d.size() * in.inC * in.k * in.k
                        : (long) in.inC * in.inH * in.inW * d.c * in.k * in.k;
            }
        }
        return n;
    }

    /**
     * Parameters of the digital time network (what the substrate's conditioning interface replaces): the two
     * layers of the time MLP with their biases and every layer's time projection ({@code timeHidden} per
     * conditioned channel, no bias). 2,448 for the shipped model.
     */
    public long timeNetworkParameters() {
        long e = cfg.timeEmbedDim(), h = cfg.timeHidden();
        return h * e + h + h * h + h + h * conditionedChannels();
    }

    /**
     * Multiply-accumulates of one evaluation of the time network for one t: {@code timeHidden x (timeEmbedDim +
     * timeHidden + conditioned channels)} (2,436 for the shipped model). The {@code timeEmbedDim} sines and cosines
     * of the fixed time features are not multiply-accumulates and are not counted.
     */
    public long timeNetworkMacs() {
        long e = cfg.timeEmbedDim(), h = cfg.timeHidden();
        return h * (e + h + conditionedChannels());
    }

    /** Channels that receive a time bias (the sum of the time-biased layers' channels; 368 for the shipped model). */
    public int conditionedChannels() {
        int n = 0;
        for (Def d : defs) {
            n += d.tOff >= 0 ? d.c : 0;
        }
        return n;
    }

    /** Number of trainable parameters (the fixed average-pool weights of pooled skips are not counted). */
    public int parameterCount() {
        return params.length;
    }

    /** The named tensors and where they live in {@link #parameters()}, in file order. */
    public Map<String, Slot> slots() {
        return slots;
    }

    /**
     * The live flat parameter vector (all tensors back to back, see {@link #slots()}). Writing into it changes
     * the network; it is how the trainer updates weights.
     */
    public float[] parameters() {
        return params;
    }

    /** Every weight tensor, copied, by name (the safetensors names). */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Slot s : slots.values()) {
            m.put(s.name, new Tensor(s.shape.clone(), Arrays.copyOfRange(params, s.offset, s.offset + s.size())));
        }
        return m;
    }

    // ---------------------------------------------------------------------------------------------- time

    /**
     * The fixed time features of step t, [sin(t f_i)..., cos(t f_i)...], i &lt; half: for the "sinusoidal" embedding
     * f_i = 10000^(-i/half) radians per step (periods from 2 pi steps up), for "fourier" f_i = pi (i + 1) / (T - 1),
     * so sin(pi k tau) and cos(pi k tau), k = 1..half, with tau = t / (T - 1) (periods of 2 (T - 1) / k steps).
     */
    public float[] timeEmbedding(double t) {
        int half = cfg.timeEmbedDim() / 2;
        boolean fourier = "fourier".equals(cfg.timeEmbedding());
        float[] e = new float[2 * half];
        for (int i = 0; i < half; i++) {
            double f = fourier ? Math.PI * (i + 1) / (cfg.diffusionSteps() - 1)
                    : Math.exp(-Math.log(10000.0) * i / half);
            e[i] = (float) Math.sin(t * f);
            e[half + i] = (float) Math.cos(t * f);
        }
        return e;
    }

    /** The output of the time-embedding MLP for step t (the vector every time projection reads). */
    public float[] timeHidden(double t) {
        float[] h1 = new float[cfg.timeHidden()], h2 = new float[cfg.timeHidden()];
        timeMlp(timeEmbedding(t), h1, h2);
        return h2;
    }

    private void timeMlp(float[] e, float[] h1, float[] h2) {
        int E = cfg.timeEmbedDim(), Ht = cfg.timeHidden();
        for (int i = 0; i < Ht; i++) {
            float s = params[b1 + i];
            for (int j = 0; j < E; j++) {
                s += params[w1 + i * E + j] * e[j];
            }
            h1[i] = Math.max(s, 0f);
        }
        for (int i = 0; i < Ht; i++) {
            float s = params[b2 + i];
            for (int j = 0; j < Ht; j++) {
                s += params[w2 + i * Ht + j] * h1[j];
            }
            h2[i] = Math.max(s, 0f);
        }
    }

    /**
     * The time bias of a layer at step t: one value per channel, added (with the static bias) to every pixel of
     * the channel's pre-activation. All zeros for a layer without a time bias.
     */
    public float[] timeBias(String layer, double t) {
        Def d = def(layer);
        float[] tb = new float[d.c];
        if (d.tOff >= 0) {
            projectTime(d, timeHidden(t), tb);
        }
        return tb;
    }

    private void projectTime(Def d, float[] h2, float[] tb) {
        int Ht = cfg.timeHidden();
        for (int c = 0; c < d.c; c++) {
            float s = 0;
            for (int j = 0; j < Ht; j++) {
                s += params[d.tOff + c * Ht + j] * h2[j];
            }
            tb[c] = s;
        }
    }

    // ---------------------------------------------------------------------------------------------- forward

    /** Per-thread scratch. */
    private final class Workspace {
        final float[] col = new float[maxCol];
        final float[] dcol = new float[maxCol];
        final float[] e = new float[cfg.timeEmbedDim()];
        final float[] h1 = new float[cfg.timeHidden()], h2 = new float[cfg.timeHidden()];
        final float[] dh1 = new float[cfg.timeHidden()], dh2 = new float[cfg.timeHidden()];
        final float[] tb = new float[maxChannels()];
        float[] wf = new float[0];
        final Kernels.ConvScratch conv = new Kernels.ConvScratch();
        final float[][] act = new float[defs.length][];
        final float[][] grad = new float[defs.length][];

        Workspace() {
            for (int i = 0; i < defs.length; i++) {
                act[i] = new float[defs[i].size()];
                grad[i] = new float[defs[i].size()];
            }
        }
    }

    private int maxChannels() {
        int m = 0;
        for (Def d : defs) {
            m = Math.max(m, d.c);
        }
        return m;
    }

    /** Forward of one image: x at xo; activations to acts[l] at offs[l]. Fills ws.e/h1/h2. */
    private void forwardOne(float[] x, int xo, double t, float[][] acts, int[] offs, Workspace ws) {
        float[] e = timeEmbedding(t);
        System.arraycopy(e, 0, ws.e, 0, e.length);
        timeMlp(ws.e, ws.h1, ws.h2);
        for (int li = 0; li < defs.length; li++) {
            Def d = defs[li];
            float[] out = acts[li];
            int oo = offs[li], P = d.h * d.w;
            if (d.tOff >= 0) {
                projectTime(d, ws.h2, ws.tb);
            }
            for (int c = 0; c < d.c; c++) {
                float h = (d.bOff >= 0 ? params[d.bOff + c] : 0f) + (d.tOff >= 0 ? ws.tb[c] : 0f);
                Arrays.fill(out, oo + c * P, oo + (c + 1) * P, h);
            }
            for (In in : d.in) {
                float[] src = in.srcIdx < 0 ? x : acts[in.srcIdx];
                int so = in.srcIdx < 0 ? xo : offs[in.srcIdx];
                float[] wts = in.frozen ? fixed : params;
                if (in.kind == OpKind.CONV && sameSize(in, d)) {
                    Kernels.convSame(wts, in.wOff, d.c, src, so, in.inC, d.h, d.w, in.k, out, oo, ws.conv);
                } else if (in.kind == OpKind.CONV) {
                    Kernels.im2col(src, so, in.inC, in.inH, in.inW, in.k, in.s, in.p, d.h, d.w, ws.col);
                    Kernels.mmNN(d.c, P, in.inC * in.k * in.k, wts, in.wOff, ws.col, 0, out, oo);
                } else {
                    int M = d.c * in.k * in.k, Pin = in.inH * in.inW;
                    Arrays.fill(ws.col, 0, M * Pin, 0f);
                    Kernels.mmTN(M, Pin, in.inC, wts, in.wOff, src, so, ws.col, 0);
                    Kernels.col2im(ws.col, d.c, d.h, d.w, in.k, in.s, in.p, in.inH, in.inW, out, oo);
                }
            }
            if (d.relu) {
                // a branch-free max vectorises; it differs from a compare-and-store only on -0 (now +0)
                for (int i = oo, n = oo + d.size(); i < n; i++) {
                    out[i] = Math.max(out[i], 0f);
                }
            }
        }
    }

    /**
     * Batched forward pass keeping every layer's output.
     *
     * @param x a batch of images, {@code [B][C][H][W]} flattened ({@code B = t.length})
     * @param t the diffusion step of each image (any real value; training uses integers 0..T-1)
     * @return the taps: the input and every layer's output, each batch-major
     */
    public Forward forward(float[] x, double[] t) {
        return forward(x, t, true);
    }

    /** Batched forward pass with integer time steps. */
    public Forward forward(float[] x, int[] t) {
        return forward(x, toDouble(t), true);
    }

    /** Batched forward pass returning only the output (the predicted epsilon), {@code [B][C][H][W]}. */
    public float[] predict(float[] x, double[] t) {
        return forward(x, t, false).output();
    }

    private static double[] toDouble(int[] t) {
        double[] d = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            d[i] = t[i];
        }
        return d;
    }

    private Forward forward(float[] x, double[] t, boolean keepAll) {
        int B = t.length, n = inputSize();
        if (x.length != B * n) {
            throw new IllegalArgumentException("input has " + x.length + " values, expected " + B + " x " + n);
        }
        float[][] taps = new float[defs.length][];
        for (int i = 0; i < defs.length; i++) {
            if (keepAll || i == defs.length - 1) {
                taps[i] = new float[B * defs[i].size()];
            }
        }
        parallel(B, b -> {
            Workspace ws = workspaces.get();
            float[][] acts = new float[defs.length][];
            int[] offs = new int[defs.length];
            for (int i = 0; i < defs.length; i++) {
                if (taps[i] != null) {
                    acts[i] = taps[i];
                    offs[i] = b * defs[i].size();
                } else {
                    acts[i] = ws.act[i];
                }
            }
            forwardOne(x, b * n, t[b], acts, offs, ws);
        });
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put(INPUT, x);
        for (int i = 0; i < defs.length; i++) {
            if (taps[i] != null) {
                m.put(defs[i].name, taps[i]);
            }
        }
        return new Forward(B, m, defs[defs.length - 1].name);
    }

    /** The taps of one batched forward pass. */
    public static final class Forward {
        private final int batch;
        private final Map<String, float[]> taps;
        private final String outName;

        Forward(int batch, Map<String, float[]> taps, String outName) {
            this.batch = batch;
            this.taps = Collections.unmodifiableMap(taps);
            this.outName = outName;
        }

        /** Batch size. */
        public int batch() {
            return batch;
        }

        /** A tap by name ({@link UNet#INPUT} or a layer name), batch-major {@code [B][C][H][W]}. */
        public float[] tap(String name) {
            float[] v = taps.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no tap \"" + name + "\"; taps: " + taps.keySet());
            }
            return v;
        }

        /** All taps in evaluation order, the input first. */
        public Map<String, float[]> taps() {
            return taps;
        }

        /** The network output (predicted epsilon). */
        public float[] output() {
            return taps.get(outName);
        }
    }

    // ---------------------------------------------------------------------------------------------- backward

    /**
     * Forward and backward of one image for the loss {@code scale * ||out - target||^2}: accumulates the gradient
     * with respect to every parameter into {@code grad} (laid out as {@link #parameters()}).
     *
     * @return {@code ||out - target||^2} (unscaled), in double
     */
    public double lossGradient(float[] x, int xo, double t, float[] target, int to, float scale, float[] grad) {
        return lossGradient(x, xo, t, target, to, scale, grad, null);
    }

    /** As {@link #lossGradient(float[], int, double, float[], int, float, float[])}, also adding dLoss/dx. */
    public double lossGradient(float[] x, int xo, double t, float[] target, int to, float scale, float[] grad,
                               float[] dx) {
        Workspace ws = workspaces.get();
        int[] offs = new int[defs.length];
        forwardOne(x, xo, t, ws.act, offs, ws);
        int last = defs.length - 1;
        for (float[] g : ws.grad) {
            Arrays.fill(g, 0f);
        }
        double loss = 0;
        float[] o = ws.act[last], go = ws.grad[last];
        for (int i = 0; i < o.length; i++) {
            float r = o[i] - target[to + i];
            loss += (double) r * r;
            go[i] = 2f * scale * r;
        }
        int Ht = cfg.timeHidden();
        Arrays.fill(ws.dh2, 0f);
        for (int li = last; li >= 0; li--) {
            Def d = defs[li];
            float[] g = ws.grad[li], a = ws.act[li];
            int P = d.h * d.w;
            if (d.relu) {
                for (int i = 0; i < g.length; i++) {
                    g[i] = a[i] > 0f ? g[i] : 0f;
                }
            }
            for (int c = 0; c < d.c; c++) {
                float s = 0;
                for (int p = c * P, n = p + P; p < n; p++) {
                    s += g[p];
                }
                if (d.bOff >= 0) {
                    grad[d.bOff + c] += s;
                }
                if (d.tOff >= 0) {
                    for (int j = 0; j < Ht; j++) {
                        grad[d.tOff + c * Ht + j] += s * ws.h2[j];
                        ws.dh2[j] += params[d.tOff + c * Ht + j] * s;
                    }
                }
            }
            for (In in : d.in) {
                float[] src = in.srcIdx < 0 ? x : ws.act[in.srcIdx];
                int so = in.srcIdx < 0 ? xo : 0;
                float[] dsrc = in.srcIdx < 0 ? dx : ws.grad[in.srcIdx];
                int dso = in.srcIdx < 0 ? xo : 0;
                float[] wts = in.frozen ? fixed : params;
                if (in.kind == OpKind.CONV) {
                    int K = in.inC * in.k * in.k;
                    if (!in.frozen) { // a fixed average pool has no weight gradient
                        // weight gradient g (C_out x P) times the transposed patches (P x K): contiguous B rows
                        Kernels.im2row(src, so, in.inC, in.inH, in.inW, in.k, in.s, in.p, d.h, d.w, ws.col);
                        Kernels.mmNN(d.c, K, P, g, 0, ws.col, 0, grad, in.wOff);
                    }
                    if (dsrc != null && in.inC >= 4 && sameSize(in, d)) {
                        // a same-size stride-1 convolution's input gradient is the convolution of g with the
                        // flipped, transposed kernel: an implicit long-K product (C_in x C_out k k x P),
                        // instead of a short-K product into patches and a col2im scatter
                        // (from 4 input channels: fewer would leave most of the 4-row register tile empty)
                        flipTransposed(wts, in.wOff, d.c, in.inC, in.k, ws);
                        Kernels.convSame(ws.wf, 0, in.inC, g, 0, d.c, d.h, d.w, in.k, dsrc, dso, ws.conv);
                    } else if (dsrc != null) {
                        Arrays.fill(ws.dcol, 0, K * P, 0f);
                        Kernels.mmTN(K, P, d.c, wts, in.wOff, g, 0, ws.dcol, 0);
                        Kernels.col2im(ws.dcol, in.inC, in.inH, in.inW, in.k, in.s, in.p, d.h, d.w, dsrc, dso);
                    }
                } else {
                    int M = d.c * in.k * in.k, Pin = in.inH * in.inW;
                    if (!in.frozen) {
                        Kernels.im2row(g, 0, d.c, d.h, d.w, in.k, in.s, in.p, in.inH, in.inW, ws.col);
                        Kernels.mmNN(in.inC, M, Pin, src, so, ws.col, 0, grad, in.wOff);
                    }
                    if (dsrc != null) {
                        Kernels.im2col(g, 0, d.c, d.h, d.w, in.k, in.s, in.p, in.inH, in.inW, ws.dcol);
                        Kernels.mmNN(in.inC, Pin, M, wts, in.wOff, ws.dcol, 0, dsrc, dso);
                    }
                }
            }
        }
        // time MLP
        int E = cfg.timeEmbedDim();
        for (int i = 0; i < Ht; i++) {
            if (ws.h2[i] <= 0f) {
                ws.dh2[i] = 0f;
            }
        }
        Arrays.fill(ws.dh1, 0f);
        for (int i = 0; i < Ht; i++) {
            float gi = ws.dh2[i];
            grad[b2 + i] += gi;
            for (int j = 0; j < Ht; j++) {
                grad[w2 + i * Ht + j] += gi * ws.h1[j];
                ws.dh1[j] += params[w2 + i * Ht + j] * gi;
            }
        }
        for (int i = 0; i < Ht; i++) {
            float gi = ws.h1[i] > 0f ? ws.dh1[i] : 0f;
            grad[b1 + i] += gi;
            for (int j = 0; j < E; j++) {
                grad[w1 + i * E + j] += gi * ws.e[j];
            }
        }
        return loss;
    }

    /** A stride-1 convolution with padding k/2 (odd k) whose output has the input's size. */
    private static boolean sameSize(In in, Def d) {
        return in.s == 1 && in.k % 2 == 1 && in.p == in.k / 2 && d.h == in.inH && d.w == in.inW;
    }

    /** ws.wf[c][(o*k + ky)*k + kx] = w[o][c][k-1-ky][k-1-kx] for a conv weight [outC][inC][k][k] at wOff. */
    private void flipTransposed(float[] w, int wOff, int outC, int inC, int k, Workspace ws) {
        int kk = k * k, n = outC * inC * kk;
        if (ws.wf.length < n) {
            ws.wf = new float[n];
        }
        float[] wf = ws.wf;
        for (int o = 0; o < outC; o++) {
            for (int c = 0; c < inC; c++) {
                int src = wOff + (o * inC + c) * kk, dst = (c * outC + o) * kk;
                for (int t = 0; t < kk; t++) {
                    wf[dst + t] = w[src + kk - 1 - t];
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- threads

    private static volatile ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());

    /** Sets the number of threads every batched pass runs on (0 = all cores); results do not depend on it. */
    public static synchronized void setThreads(int threads) {
        int n = threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads;
        if (n != pool.getParallelism()) {
            ForkJoinPool old = pool;
            pool = new ForkJoinPool(n);
            old.shutdown();
        }
    }

    /** The number of threads batched passes use. */
    public static int threads() {
        return pool.getParallelism();
    }

    /** Runs body(i) for i in [0, n) on the pool. */
    public static void parallel(int n, java.util.function.IntConsumer body) {
        if (n == 1) {
            body.accept(0);
            return;
        }
        pool.submit(() -> IntStream.range(0, n).parallel().forEach(body)).join();
    }
}
