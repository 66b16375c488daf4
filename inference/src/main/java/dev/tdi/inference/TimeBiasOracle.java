package dev.tdi.inference;

import dev.tdi.conditioning.BiasOracle;
import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.unet.Layer;
import dev.tdi.unet.UNet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exact conditioning biases of the digital U-Net: for every time-biased layer, its FiLM shift
 * {@code net.timeBias(layer, t)} (one value per channel), keyed by the layer's bias field name (the layer name).
 * The static bias is not part of it: the compiler writes h = static bias + interface bias. It reports the time
 * network's parameters and multiply-accumulates, which the {@code oracle} interface is charged.
 */
public final class TimeBiasOracle implements BiasOracle {
    private final UNet net;

    public TimeBiasOracle(UNet net) {
        this.net = net;
    }

    @Override
    public Map<String, float[]> biases(ConditioningInput input) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Layer layer : net.layers()) {
            if (layer.timeBias()) {
                out.put(layer.name(), net.timeBias(layer.name(), input.timestep()));
            }
        }
        return out;
    }

    /** The U-Net's time network: its MLP and every layer's time projection ({@link UNet#timeNetworkParameters()}). */
    @Override
    public long parameters() {
        return net.timeNetworkParameters();
    }

    /** One evaluation of the time network per inference ({@link UNet#timeNetworkMacs()}). */
    @Override
    public long multiplyAccumulates() {
        return net.timeNetworkMacs();
    }
}
