package dev.tdi.inference;

import dev.tdi.coupling.CoupledSkip;
import dev.tdi.substrate.program.Program;
import dev.tdi.unet.Layer;
import dev.tdi.unet.UNet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A U-Net compiled to a substrate program: module {@code input} clamped to x_t, one module and one Residual per
 * layer (bias field named after the layer), the skips as the coupling strategy realised them, and the relaxation
 * plan (weights and step sizes).
 *
 * @param net            the digital network (the oracle)
 * @param program        the substrate program
 * @param plan           residual weights and per-module step sizes
 * @param skips          the skip sites, in order
 * @param coupled        how each skip was realised (same order)
 * @param strategy       the coupling strategy's spec
 * @param decoderModules the decoder modules (every layer after the last encoder layer, output included)
 * @param rangeFit       how the couplings were fitted into the backend's dynamic range
 */
public record CompiledUNet(UNet net, Program program, RelaxationPlan plan, List<SkipSite> skips,
                           List<CoupledSkip> coupled, String strategy, List<String> decoderModules,
                           RangeFit rangeFit) {

    /** The clamped module holding x_t. */
    public static final String INPUT = UNet.INPUT;

    /**
     * How the compiler fitted the program into the backend's coupling range: every coupling below
     * {@code threshold} (the largest over the range's ratio) was set to zero.
     *
     * @param threshold      the magnitude below which couplings were zeroed (0: none were)
     * @param zeroedWeights  stored weights set to zero
     * @param storedWeights  stored weights in all residual sources
     * @param zeroedFraction the fraction of the sources' squared Frobenius norm removed
     */
    public record RangeFit(double threshold, long zeroedWeights, long storedWeights, double zeroedFraction) {
        /** Nothing zeroed. */
        public static RangeFit none() {
            return new RangeFit(0, 0, 0, 0);
        }
    }

    public CompiledUNet {
        skips = List.copyOf(skips);
        coupled = List.copyOf(coupled);
        decoderModules = List.copyOf(decoderModules);
    }

    /** A compiled network whose couplings needed no fitting. */
    public CompiledUNet(UNet net, Program program, RelaxationPlan plan, List<SkipSite> skips,
                        List<CoupledSkip> coupled, String strategy, List<String> decoderModules) {
        this(net, program, plan, skips, coupled, strategy, decoderModules, RangeFit.none());
    }

    /** The dynamic range the program asks of the device. */
    public dev.tdi.substrate.ProgramRange range() {
        return dev.tdi.substrate.ProgramRange.of(program);
    }

    /** Couplings of the skips as realised. */
    public long skipCouplings() {
        return coupled.stream().mapToLong(CoupledSkip::couplings).sum();
    }

    /** Long-range lines of the skips as realised. */
    public long longRangeLines() {
        return coupled.stream().mapToLong(CoupledSkip::longRangeLines).sum();
    }

    /** The per-pixel bias field of a layer: (static bias + extra) per channel, broadcast over its pixels. */
    public float[] biasField(String layerName, float[] extraPerChannel) {
        Layer layer = net.layer(layerName);
        float[] b = layer.bias();
        if (extraPerChannel != null && extraPerChannel.length != b.length) {
            throw new IllegalArgumentException("bias for layer '" + layerName + "' has " + extraPerChannel.length
                    + " channels, expected " + b.length);
        }
        int hw = layer.height() * layer.width();
        float[] h = new float[layer.size()];
        for (int c = 0; c < b.length; c++) {
            float v = b[c] + (extraPerChannel == null ? 0f : extraPerChannel[c]);
            java.util.Arrays.fill(h, c * hw, (c + 1) * hw, v);
        }
        return h;
    }

    /** The layers that receive a conditioning (time) bias, in order. */
    public List<String> conditionedLayers() {
        return net.layers().stream().filter(Layer::timeBias).map(Layer::name).toList();
    }

    /** Decoder modules grouped by U-Net level (the output layer counts as level 0). */
    public Map<Integer, List<String>> decoderLevels() {
        Map<Integer, List<String>> m = new java.util.TreeMap<>();
        for (String d : decoderModules) {
            m.computeIfAbsent(SkipSite.levelOf(d, 0), k -> new java.util.ArrayList<>()).add(d);
        }
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }

    /** Layers that read the clamped input image (each gets its own DAC-written copy of x_t). */
    public long inputReaders() {
        return net.layers().stream().filter(l -> l.inputs().stream().anyMatch(i -> i.source().equals(INPUT)))
                .count();
    }

    /** Total bias channels written per inference (conditioned layers' channels). */
    public int conditionedChannels() {
        return net.layers().stream().filter(Layer::timeBias).mapToInt(Layer::channels).sum();
    }
}
