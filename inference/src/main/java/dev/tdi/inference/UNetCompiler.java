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
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 *   <li>residual weights and step sizes from the {@link RelaxationPlan}.</li>
 * </ul>
 */
public final class UNetCompiler {
    private UNetCompiler() {
    }

    /** Compiler options. */
    public record Options(double eta, double gamma, double maxWeight) {
        /** No bound on the weights' range (floating-point backends). */
        public Options(double eta, double gamma) {
            this(eta, gamma, Double.POSITIVE_INFINITY);
        }

        public static Options defaults() {
            return new Options(RelaxationPlan.AUTO_ETA, RelaxationPlan.DEFAULT_GAMMA);
        }

        /** The same options with the residual weights kept at or below {@code max}. */
        public Options withMaxWeight(double max) {
            return new Options(eta, gamma, max);
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
        RelaxationPlan plan = RelaxationPlan.plan(edges, options.eta(), options.gamma(), options.maxWeight());

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
        return new CompiledUNet(net, program, plan, sites, coupled, strategySpec, decoderModules(layers));
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
