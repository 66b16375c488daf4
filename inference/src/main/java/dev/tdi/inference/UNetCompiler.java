package dev.tdi.inference;

import dev.tdi.coupling.CoupledSkip;
import dev.tdi.coupling.CouplingStrategy;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.Program;
import dev.tdi.unet.Layer;
import dev.tdi.unet.LayerInput;
import dev.tdi.unet.UNet;
import dev.tdi.substrate.Range;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a U-Net into a substrate {@link Program} (docs/physics.md, "Compilation"):
 * <ul>
 *   <li>module {@code input} (the noisy image x_t), clamped;</li>
 *   <li>one module per layer output, declared in evaluation order;</li>
 *   <li>one Residual per layer, U_l = (w_l/2) ||x_l - rho(sum_i W_i x_{s_i} + h_l)||^2, its sources the layer's
 *       inputs as Conv2d / ConvTranspose2d operators, rho relu or identity, bias field named after the layer
 *       holding h_l = static bias + conditioning bias, broadcast over the pixels;</li>
 *   <li>each skip source rewritten by the {@link CouplingStrategy}: dropped, kept ({@code Direct}), or replaced by
 *       its rank-k bus U V^T ({@code Bus}, folded into the residual as a {@code LowRankOperator} source: the k
 *       bus units x_bus = V^T x_enc are eliminated exactly, see docs/physics.md), or by its local bus
 *       ({@code LocalBus}, folded likewise into a convolution of the skip's shape);</li>
 *   <li>residual weights and step sizes from the {@link RelaxationPlan} (by default a hold schedule with uniform
 *       weights);</li>
 *   <li>the couplings fitted into the backend's coupling {@link Range}: a program whose largest coupling exceeds
 *       the range's largest magnitude, or whose weights exceed the stiffness range, is refused naming the layer,
 *       the value and the range; couplings smaller than the largest over the range's ratio are set to zero, as a
 *       device with that resolution would realise them ({@link CompiledUNet.RangeFit}).</li>
 * </ul>
 */
public final class UNetCompiler {
    private UNetCompiler() {
    }

    /**
     * Compiler options.
     *
     * @param eta            graded and uniform plans: the relaxation fraction per step (NaN: automatic)
     * @param gamma          graded plans: the bound on downstream pull
     * @param maxWeight      graded plans: the largest residual weight
     * @param kind           how the device relaxes
     * @param holdWindow     scheduled plans: steps per phase, all averaged into the held value
     * @param couplingRange  the backend's coupling range (the program is fitted into it)
     * @param stiffnessRange the backend's stiffness range (residual weights must fit it)
     */
    public record Options(double eta, double gamma, double maxWeight, RelaxationPlan.Kind kind, long holdWindow,
                          Range couplingRange, Range stiffnessRange) {
        /** A graded plan with no bound on the weights' range (the form before schedules). */
        public Options(double eta, double gamma) {
            this(eta, gamma, Double.POSITIVE_INFINITY);
        }

        /** A graded plan with weights at or below {@code maxWeight}. */
        public Options(double eta, double gamma, double maxWeight) {
            this(eta, gamma, maxWeight, RelaxationPlan.Kind.GRADED, 0, Range.UNBOUNDED, Range.UNBOUNDED);
        }

        /** The default: a hold schedule with uniform weights, no range bound until a backend's is given. */
        public static Options defaults() {
            return new Options(RelaxationPlan.AUTO_ETA, RelaxationPlan.DEFAULT_GAMMA, Double.POSITIVE_INFINITY,
                    RelaxationPlan.Kind.SCHEDULED, RelaxationPlan.DEFAULT_HOLD_WINDOW, Range.UNBOUNDED,
                    Range.UNBOUNDED);
        }

        /** The same options with the residual weights kept at or below {@code max}. */
        public Options withMaxWeight(double max) {
            return new Options(eta, gamma, max, kind, holdWindow, couplingRange, stiffnessRange);
        }

        /** The same options with another kind of plan. */
        public Options withKind(RelaxationPlan.Kind k) {
            return new Options(eta, gamma, maxWeight, k, k == RelaxationPlan.Kind.SCHEDULED && holdWindow < 1
                    ? RelaxationPlan.DEFAULT_HOLD_WINDOW : holdWindow, couplingRange, stiffnessRange);
        }

        /** The same options with another hold window. */
        public Options withHoldWindow(long window) {
            return new Options(eta, gamma, maxWeight, kind, window, couplingRange, stiffnessRange);
        }

        /** The same options with another gamma (graded plans). */
        public Options withGamma(double g) {
            return new Options(eta, g, maxWeight, kind, holdWindow, couplingRange, stiffnessRange);
        }

        /** The same options fitted to a backend's ranges. */
        public Options withRanges(Range coupling, Range stiffness) {
            return new Options(eta, gamma, maxWeight, kind, holdWindow, coupling, stiffness);
        }
    }

    /**
     * The skip connections of the network with their calibration activations, as a coupling strategy sees them.
     *
     * @param calibration digital forward pass on the calibration inputs (its taps give the encoder activations)
     */
    public static List<SkipConnection> skipConnections(UNet net, UNet.Forward calibration) {
        List<SkipConnection> out = new ArrayList<>();
        int n = calibration.batch();
        for (SkipSite site : SkipSite.find(net)) {
            Layer layer = net.layer(site.layer());
            Operator op = Operators.of(layer, layer.inputs().get(site.inputIndex()));
            float[] tap = calibration.tap(site.source());
            int d = op.cols();
            if (tap.length != (long) n * d) {
                throw new CompileException("calibration tap '" + site.source() + "' has " + tap.length
                        + " values, expected " + n + " x " + d);
            }
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = java.util.Arrays.copyOfRange(tap, i * d, (i + 1) * d);
            }
            out.add(new SkipConnection("skip" + site.level(), site.level(), site.source(), site.layer(), op, rows));
        }
        return out;
    }

    /** Compiles with skips realised by {@code strategy} on {@code skips} (from {@link #skipConnections}). */
    public static CompiledUNet compile(UNet net, CouplingStrategy strategy, List<SkipConnection> skips,
                                       Options options) {
        List<CoupledSkip> coupled = strategy.couple(skips);
        if (coupled.size() != skips.size()) {
            throw new CompileException("coupling strategy " + strategy.spec() + " returned " + coupled.size()
                    + " realisations for " + skips.size() + " skips");
        }
        return compile(net, coupled, strategy.spec(), options);
    }

    /** Compiles with the given skip realisations, one per {@link SkipSite#find} site, in order. */
    public static CompiledUNet compile(UNet net, List<CoupledSkip> coupled, String strategySpec, Options options) {
        List<SkipSite> sites = SkipSite.find(net);
        if (coupled.size() != sites.size()) {
            throw new CompileException("the network has " + sites.size() + " skips but " + coupled.size()
                    + " realisations were given");
        }
        List<Layer> layers = net.layers();
        if (layers.isEmpty()) {
            throw new CompileException("the network has no layers");
        }
        Set<String> known = new HashSet<>();
        known.add(UNet.INPUT);
        List<RelaxationPlan.Edge> edges = new ArrayList<>();
        for (Layer layer : layers) {
            if (known.contains(layer.name())) {
                throw new CompileException("layer '" + layer.name() + "' is defined twice");
            }
            if (layer.inputs().isEmpty()) {
                throw new CompileException("layer '" + layer.name() + "' has no inputs");
            }
            List<Map.Entry<String, Operator>> sources = new ArrayList<>();
            for (int i = 0; i < layer.inputs().size(); i++) {
                LayerInput in = layer.inputs().get(i);
                if (!known.contains(in.source())) {
                    throw new CompileException("layer '" + layer.name() + "' reads '" + in.source()
                            + "', which is not an earlier layer or the input (layers must be in evaluation order)");
                }
                Operator op = Operators.of(layer, in);
                int expectCols = in.source().equals(UNet.INPUT) ? net.inputSize() : net.layer(in.source()).size();
                if (op.cols() != expectCols) {
                    throw new CompileException("layer '" + layer.name() + "': input from '" + in.source()
                            + "' expects " + op.cols() + " values but the source has " + expectCols
                            + " (shape mismatch)");
                }
                int site = siteIndex(sites, layer.name(), i);
                if (site >= 0) {
                    CoupledSkip cs = coupled.get(site);
                    switch (cs) {
                        case CoupledSkip.Dropped d -> op = null;
                        case CoupledSkip.Direct d -> op = checked(d.w(), op, layer, in);
                        case CoupledSkip.Bus b -> op = checked(b.w(), op, layer, in);
                        case CoupledSkip.LocalBus b -> op = checked(b.w(), op, layer, in);
                        case CoupledSkip.Wired w -> op = checked(w.w(), op, layer, in);
                    }
                }
                if (op != null) {
                    sources.add(new AbstractMap.SimpleImmutableEntry<>(in.source(), op));
                }
            }
            if (sources.isEmpty()) {
                throw new CompileException("layer '" + layer.name() + "' would have no sources left after the"
                        + " coupling strategy " + strategySpec + " dropped its skips");
            }
            edges.add(new RelaxationPlan.Edge(layer.name(), sources));
            known.add(layer.name());
        }
        RelaxationPlan plan = switch (options.kind()) {
            case SCHEDULED -> RelaxationPlan.scheduled(edges, 1.0, options.holdWindow());
            case UNIFORM -> RelaxationPlan.uniform(edges, options.eta());
            case GRADED -> RelaxationPlan.plan(edges, options.eta(), options.gamma(), options.maxWeight());
        };
        checkStiffness(plan, options.stiffnessRange());
        RangeFitter fitter = new RangeFitter(edges, plan, options.couplingRange());
        edges = fitter.fitted();

        Program.Builder b = Program.builder();
        b.module(UNet.INPUT, net.inputSize());
        for (Layer layer : layers) {
            b.module(layer.name(), layer.size());
        }
        b.clamp(UNet.INPUT, new float[net.inputSize()]);
        CompiledUNet shell = new CompiledUNet(net, null, plan, sites, coupled, strategySpec, List.of());
        try {
            for (int li = 0; li < layers.size(); li++) {
                Layer layer = layers.get(li);
                RelaxationPlan.Edge e = edges.get(li);
                List<Factor.Source> src = e.sources().stream()
                        .map(s -> new Factor.Source(s.getKey(), s.getValue())).toList();
                Activation rho = switch (layer.activation()) {
                    case RELU -> Activation.RELU;
                    case IDENTITY -> Activation.IDENTITY;
                };
                b.factor(new Factor.Residual(layer.name(), layer.name(), src, rho, shell.biasField(layer.name(), null),
                        plan.weights().get(layer.name())));
            }
        } catch (InvalidProgramException ex) {
            throw new CompileException("the compiled program is invalid: " + ex.getMessage(), ex);
        }
        Program program = b.build();
        return new CompiledUNet(net, program, plan, sites, coupled, strategySpec, decoderModules(layers),
                fitter.report());
    }

    /** Refuses residual weights outside the stiffness range, naming the layer, its weight and the range. */
    private static void checkStiffness(RelaxationPlan plan, Range range) {
        double max = plan.weights().values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double min = plan.weights().values().stream().mapToDouble(Double::doubleValue).min().orElse(1);
        for (var e : plan.weights().entrySet()) {
            if (e.getValue() > range.maxMagnitude()) {
                throw new CompileException(String.format(Locale.ROOT, "layer '%s': its residual weight %.4g exceeds"
                        + " the backend's stiffness range %s; use the scheduled plan (uniform weights)", e.getKey(),
                        e.getValue(), range));
            }
        }
        if (max / min > range.maxRatio()) {
            String smallest = plan.weights().entrySet().stream().filter(e -> e.getValue() == min).findFirst()
                    .map(Map.Entry::getKey).orElse("?");
            String largest = plan.weights().entrySet().stream().filter(e -> e.getValue() == max).findFirst()
                    .map(Map.Entry::getKey).orElse("?");
            throw new CompileException(String.format(Locale.ROOT, "the %s plan's residual weights span %.4g"
                    + " (layer '%s' %.4g to layer '%s' %.4g), beyond the backend's stiffness range %s; use the"
                    + " scheduled plan (uniform weights) or a larger gamma", plan.kind(), max / min, largest, max,
                    smallest, min, range));
        }
    }

    /**
     * Fits the residual sources into a coupling range: refuses a largest coupling w |W_ij| beyond the range's
     * largest magnitude, and zeroes every coupling below the largest over the range's ratio.
     */
    private static final class RangeFitter {
        private final List<RelaxationPlan.Edge> fitted = new ArrayList<>();
        private final CompiledUNet.RangeFit report;

        RangeFitter(List<RelaxationPlan.Edge> edges, RelaxationPlan plan, Range range) {
            double max = 0;
            double min = Double.POSITIVE_INFINITY;
            String maxAt = "";
            for (RelaxationPlan.Edge e : edges) {
                double w = plan.weights().get(e.target());
                for (Map.Entry<String, Operator> s : e.sources()) {
                    double hi = w * s.getValue().maxAbsWeight();
                    double lo = w * s.getValue().minAbsNonZeroWeight();
                    if (hi > max) {
                        max = hi;
                        maxAt = e.target() + " <- " + s.getKey();
                    }
                    if (lo > 0) {
                        min = Math.min(min, lo);
                    }
                }
            }
            if (max > range.maxMagnitude()) {
                throw new CompileException(String.format(Locale.ROOT, "layer %s: a coupling of magnitude %.4g"
                        + " exceeds the backend's coupling range %s (scale the network's energy down)", maxAt, max,
                        range));
            }
            double threshold = max / range.maxRatio();
            if (!(min < threshold)) {
                fitted.addAll(edges);
                report = new CompiledUNet.RangeFit(0, 0, storedWeights(edges), 0);
                return;
            }
            long zeroed = 0;
            double removed = 0;
            double total = 0;
            for (RelaxationPlan.Edge e : edges) {
                double w = plan.weights().get(e.target());
                List<Map.Entry<String, Operator>> sources = new ArrayList<>();
                for (Map.Entry<String, Operator> s : e.sources()) {
                    float[] values = weightsOf(s.getValue());
                    for (float v : values) {
                        total += (double) v * v;
                        if (v != 0 && Math.abs(v) < threshold / w) {
                            zeroed++;
                            removed += (double) v * v;
                        }
                    }
                    sources.add(new AbstractMap.SimpleImmutableEntry<>(s.getKey(),
                            s.getValue().withWeightsBelowZeroed(threshold / w)));
                }
                fitted.add(new RelaxationPlan.Edge(e.target(), sources));
            }
            report = new CompiledUNet.RangeFit(threshold, zeroed, storedWeights(edges),
                    total > 0 ? removed / total : 0);
        }

        List<RelaxationPlan.Edge> fitted() {
            return fitted;
        }

        CompiledUNet.RangeFit report() {
            return report;
        }

        private static long storedWeights(List<RelaxationPlan.Edge> edges) {
            return edges.stream().flatMap(e -> e.sources().stream()).mapToLong(s -> s.getValue().parameters()).sum();
        }

        private static float[] weightsOf(Operator op) {
            return switch (op) {
                case dev.tdi.substrate.program.Conv2dOperator c -> c.kernel();
                case dev.tdi.substrate.program.ConvTranspose2dOperator c -> c.kernel();
                case dev.tdi.substrate.program.DenseOperator d -> d.values();
                case dev.tdi.substrate.program.SparseOperator sp -> sp.values();
                case dev.tdi.substrate.program.LowRankOperator lr -> {
                    float[] u = lr.u(), v = lr.v();
                    float[] both = java.util.Arrays.copyOf(u, u.length + v.length);
                    System.arraycopy(v, 0, both, u.length, v.length);
                    yield both;
                }
            };
        }
    }

    private static Operator checked(Operator replacement, Operator trained, Layer layer, LayerInput in) {
        if (replacement.rows() != trained.rows() || replacement.cols() != trained.cols()) {
            throw new CompileException("layer '" + layer.name() + "': the coupling strategy's operator for the skip"
                    + " from '" + in.source() + "' is " + replacement.rows() + " x " + replacement.cols()
                    + ", expected " + trained.rows() + " x " + trained.cols());
        }
        return replacement;
    }

    private static int siteIndex(List<SkipSite> sites, String layer, int input) {
        for (int i = 0; i < sites.size(); i++) {
            if (sites.get(i).layer().equals(layer) && sites.get(i).inputIndex() == input) {
                return i;
            }
        }
        return -1;
    }

    /** Every layer after the last encoder layer (names starting with "enc"); all layers if there is none. */
    static List<String> decoderModules(List<Layer> layers) {
        int last = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().startsWith("enc")) {
                last = i;
            }
        }
        return layers.subList(last + 1, layers.size()).stream().map(Layer::name).toList();
    }
}
