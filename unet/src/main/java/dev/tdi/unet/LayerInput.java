package dev.tdi.unet;

/**
 * One input of a {@link Layer}: the layer adds {@code Op(source)} to its pre-activation.
 *
 * @param source        the name of the source: {@link UNet#INPUT} (the noisy image x_t) or an earlier layer
 * @param kind          convolution or transposed convolution
 * @param weight        a copy of the weight, row-major in {@code weightShape}: [outC][inC][k][k] for
 *                      {@link OpKind#CONV}, [inC][outC][k][k] for {@link OpKind#CONV_TRANSPOSE} (PyTorch layouts)
 * @param weightShape   the weight's shape
 * @param tensorName    the weight's name in the safetensors file
 * @param inChannels    channels of the source
 * @param inHeight      height of the source
 * @param inWidth       width of the source
 * @param outChannels   channels of the layer
 * @param kernel        kernel height and width
 * @param stride        stride (both axes)
 * @param padding       padding (both axes)
 * @param outputPadding output padding of a transposed convolution (0 for a convolution)
 */
public record LayerInput(String source, OpKind kind, float[] weight, int[] weightShape, String tensorName,
                         int inChannels, int inHeight, int inWidth, int outChannels, int kernel, int stride,
                         int padding, int outputPadding) {
}
