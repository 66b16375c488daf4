package dev.tdi.unet;

import java.util.List;

/**
 * One layer of the U-Net, and one energy factor on the substrate:
 * {@code out = rho(sum_i Op_i(in_i) + h)}, {@code h[c] = bias[c] + timeBias(t)[c]} broadcast over the pixels.
 *
 * @param name       the layer's name (also its tap and the substrate module's name)
 * @param channels   output channels
 * @param height     output height
 * @param width      output width
 * @param activation rho
 * @param bias       a copy of the static bias, one per channel
 * @param timeBias   whether the layer receives a time bias (see {@link UNet#timeBias(String, double)})
 * @param inputs     the inputs, in order (a decoder layer merging a skip has two)
 */
public record Layer(String name, int channels, int height, int width, Activation activation, float[] bias,
                    boolean timeBias, List<LayerInput> inputs) {

    /** Number of units (channels x height x width). */
    public int size() {
        return channels * height * width;
    }
}
