package dev.tdi.inference;

import dev.tdi.unet.Layer;
import dev.tdi.unet.LayerInput;
import dev.tdi.unet.UNet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a U-Net has a long skip: the input {@code inputIndex} of layer {@code layer}, whose source is a layer other
 * than the one evaluated just before it (for the default model: the {@code enc{l}_{B-1}} input of {@code dec{l}_0}).
 * A path from the clamped input image (the output layer's input skip) is not a skip site: x_t is written by DACs, so
 * a copy of it is written next to every layer that reads it (counted as DAC writes, not as long-range lines).
 *
 * @param layer      the decoder layer reading the skip
 * @param inputIndex index into the layer's inputs
 * @param source     the encoder layer the skip comes from
 * @param level      the U-Net level (from the layer name dec{l}_*, else the skip's rank in the model)
 */
public record SkipSite(String layer, int inputIndex, String source, int level) {
    private static final Pattern LEVEL = Pattern.compile("^(?:dec|up)(\\d+)(?:_\\d+)?$");

    /** Every skip of the network, in evaluation order. */
    public static List<SkipSite> find(UNet net) {
        List<SkipSite> out = new ArrayList<>();
        List<Layer> layers = net.layers();
        String previous = UNet.INPUT;
        for (Layer layer : layers) {
            List<LayerInput> inputs = layer.inputs();
            for (int i = 0; i < inputs.size(); i++) {
                String src = inputs.get(i).source();
                if (inputs.size() > 1 && !src.equals(previous) && !src.equals(UNet.INPUT)) {
                    out.add(new SkipSite(layer.name(), i, inputs.get(i).source(), levelOf(layer.name(), out.size())));
                }
            }
            previous = layer.name();
        }
        return out;
    }

    /** The level encoded in a layer name such as dec1_0 or up1, or {@code fallback}. */
    public static int levelOf(String layerName, int fallback) {
        Matcher m = LEVEL.matcher(layerName);
        return m.matches() ? Integer.parseInt(m.group(1)) : fallback;
    }
}
