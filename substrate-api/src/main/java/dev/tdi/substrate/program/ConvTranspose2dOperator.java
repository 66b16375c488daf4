package dev.tdi.substrate.program;

/**
 * A transposed 2-D convolution with PyTorch's ConvTranspose2d semantics (no bias): the source module is an image
 * of inChannels x inHeight x inWidth, the target one of outChannels x outHeight x outWidth with
 * outHeight = (inHeight - 1) stride - 2 padding + kernelHeight + outputPadding (likewise for width).
 * <pre>y[oc, iy*stride - padding + ky, ix*stride - padding + kx] += K[ic, oc, ky, kx] x[ic, iy, ix]</pre>
 * dropping the contributions that fall outside the output image. It is the adjoint of a {@link Conv2dOperator}
 * with the same kernel, stride and padding.
 */
public final class ConvTranspose2dOperator implements Operator {
    private final int inChannels;
    private final int inHeight;
    private final int inWidth;
    private final int outChannels;
    private final int kernelHeight;
    private final int kernelWidth;
    private final int stride;
    private final int padding;
    private final int outputPadding;
    private final int outHeight;
    private final int outWidth;
    private final float[] kernel;

    /** @param kernel [inChannels][outChannels][kernelHeight][kernelWidth], row-major (copied) */
    public ConvTranspose2dOperator(int inChannels, int inHeight, int inWidth, int outChannels, int kernelHeight,
                                   int kernelWidth, int stride, int padding, int outputPadding, float[] kernel) {
        Operator.requirePositive("conv-transpose2d inChannels", inChannels);
        Operator.requirePositive("conv-transpose2d inHeight", inHeight);
        Operator.requirePositive("conv-transpose2d inWidth", inWidth);
        Operator.requirePositive("conv-transpose2d outChannels", outChannels);
        Operator.requirePositive("conv-transpose2d kernelHeight", kernelHeight);
        Operator.requirePositive("conv-transpose2d kernelWidth", kernelWidth);
        Operator.requirePositive("conv-transpose2d stride", stride);
        if (padding < 0 || outputPadding < 0 || outputPadding >= stride) {
            throw new InvalidProgramException("conv-transpose2d needs padding >= 0 and 0 <= outputPadding < stride,"
                    + " found padding " + padding + ", outputPadding " + outputPadding + ", stride " + stride);
        }
        int oh = (inHeight - 1) * stride - 2 * padding + kernelHeight + outputPadding;
        int ow = (inWidth - 1) * stride - 2 * padding + kernelWidth + outputPadding;
        if (oh <= 0 || ow <= 0) {
            throw new InvalidProgramException("conv-transpose2d output would be empty (" + oh + "x" + ow + ")");
        }
        Operator.requireLength("conv-transpose2d kernel (inC x outC x kh x kw = " + inChannels + "x" + outChannels
                + "x" + kernelHeight + "x" + kernelWidth + ")", kernel.length,
                (long) inChannels * outChannels * kernelHeight * kernelWidth);
        this.inChannels = inChannels;
        this.inHeight = inHeight;
        this.inWidth = inWidth;
        this.outChannels = outChannels;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.stride = stride;
        this.padding = padding;
        this.outputPadding = outputPadding;
        this.outHeight = oh;
        this.outWidth = ow;
        this.kernel = kernel.clone();
    }

    @Override public OperatorKind kind() { return OperatorKind.CONV_TRANSPOSE2D; }
    @Override public int rows() { return outChannels * outHeight * outWidth; }
    @Override public int cols() { return inChannels * inHeight * inWidth; }
    @Override public long parameters() { return kernel.length; }
    @Override public double maxAbsWeight() { return Operator.maxAbs(kernel); }
    @Override public long firstNonFinite() { return Operator.firstNonFinite(kernel); }

    public int inChannels() { return inChannels; }
    public int inHeight() { return inHeight; }
    public int inWidth() { return inWidth; }
    public int outChannels() { return outChannels; }
    public int outHeight() { return outHeight; }
    public int outWidth() { return outWidth; }
    public int kernelHeight() { return kernelHeight; }
    public int kernelWidth() { return kernelWidth; }
    public int stride() { return stride; }
    public int padding() { return padding; }
    public int outputPadding() { return outputPadding; }

    /** A copy of the kernel, [inC][outC][kh][kw]. */
    public float[] kernel() {
        return kernel.clone();
    }

    /** K[ic, oc, ky, kx]. */
    public float weight(int ic, int oc, int ky, int kx) {
        return kernel[((ic * outChannels + oc) * kernelHeight + ky) * kernelWidth + kx];
    }

    @Override
    public long couplings() {
        long pairs = 0;
        for (int ky = 0; ky < kernelHeight; ky++) {
            long rowsIn = 0;
            for (int iy = 0; iy < inHeight; iy++) {
                int oy = iy * stride - padding + ky;
                if (oy >= 0 && oy < outHeight) {
                    rowsIn++;
                }
            }
            for (int kx = 0; kx < kernelWidth; kx++) {
                long colsIn = 0;
                for (int ix = 0; ix < inWidth; ix++) {
                    int ox = ix * stride - padding + kx;
                    if (ox >= 0 && ox < outWidth) {
                        colsIn++;
                    }
                }
                long nonZeroChannelPairs = 0;
                for (int ic = 0; ic < inChannels; ic++) {
                    for (int oc = 0; oc < outChannels; oc++) {
                        if (weight(ic, oc, ky, kx) != 0) {
                            nonZeroChannelPairs++;
                        }
                    }
                }
                pairs += rowsIn * colsIn * nonZeroChannelPairs;
            }
        }
        return pairs;
    }

    @Override
    public void apply(double[] x, int xOff, double[] y, int yOff) {
        int inPlane = inHeight * inWidth;
        int outPlane = outHeight * outWidth;
        for (int ic = 0; ic < inChannels; ic++) {
            for (int oc = 0; oc < outChannels; oc++) {
                for (int ky = 0; ky < kernelHeight; ky++) {
                    for (int kx = 0; kx < kernelWidth; kx++) {
                        double w = weight(ic, oc, ky, kx);
                        if (w == 0) {
                            continue;
                        }
                        for (int iy = 0; iy < inHeight; iy++) {
                            int oy = iy * stride - padding + ky;
                            if (oy < 0 || oy >= outHeight) {
                                continue;
                            }
                            int xRow = xOff + ic * inPlane + iy * inWidth;
                            int yRow = yOff + oc * outPlane + oy * outWidth;
                            for (int ix = 0; ix < inWidth; ix++) {
                                int ox = ix * stride - padding + kx;
                                if (ox >= 0 && ox < outWidth) {
                                    y[yRow + ox] += w * x[xRow + ix];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void applyTranspose(double[] x, int xOff, double[] y, int yOff) {
        int inPlane = inHeight * inWidth;
        int outPlane = outHeight * outWidth;
        for (int ic = 0; ic < inChannels; ic++) {
            for (int oc = 0; oc < outChannels; oc++) {
                for (int ky = 0; ky < kernelHeight; ky++) {
                    for (int kx = 0; kx < kernelWidth; kx++) {
                        double w = weight(ic, oc, ky, kx);
                        if (w == 0) {
                            continue;
                        }
                        for (int iy = 0; iy < inHeight; iy++) {
                            int oy = iy * stride - padding + ky;
                            if (oy < 0 || oy >= outHeight) {
                                continue;
                            }
                            int yRow = yOff + ic * inPlane + iy * inWidth;
                            int xRow = xOff + oc * outPlane + oy * outWidth;
                            for (int ix = 0; ix < inWidth; ix++) {
                                int ox = ix * stride - padding + kx;
                                if (ox >= 0 && ox < outWidth) {
                                    y[yRow + ix] += w * x[xRow + ox];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public String describe() {
        return "CONV_TRANSPOSE2D " + inChannels + "x" + outChannels + "x" + kernelHeight + "x" + kernelWidth
                + " stride " + stride + " pad " + padding + " outpad " + outputPadding + " (" + inChannels + "x"
                + inHeight + "x" + inWidth + " -> " + outChannels + "x" + outHeight + "x" + outWidth + ")";
    }
}
