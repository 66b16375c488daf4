package dev.tdi.substrate.program;

/**
 * A 2-D convolution stencil (cross-correlation, as in PyTorch's Conv2d, no bias): the source module is an image
 * of inChannels x inHeight x inWidth (channel-major), the target inChannels' image of outChannels x outHeight x
 * outWidth with outHeight = (inHeight + 2 padding - kernelHeight) / stride + 1 (and likewise for width).
 * <pre>y[oc, oy, ox] += sum_{ic, ky, kx} K[oc, ic, ky, kx] x[ic, oy*stride - padding + ky, ox*stride - padding + kx]</pre>
 * with zero padding outside the image.
 */
public final class Conv2dOperator implements Operator {
    private final int inChannels;
    private final int inHeight;
    private final int inWidth;
    private final int outChannels;
    private final int kernelHeight;
    private final int kernelWidth;
    private final int stride;
    private final int padding;
    private final int outHeight;
    private final int outWidth;
    private final float[] kernel;

    /** @param kernel [outChannels][inChannels][kernelHeight][kernelWidth], row-major (copied) */
    public Conv2dOperator(int inChannels, int inHeight, int inWidth, int outChannels, int kernelHeight,
                          int kernelWidth, int stride, int padding, float[] kernel) {
        Operator.requirePositive("conv2d inChannels", inChannels);
        Operator.requirePositive("conv2d inHeight", inHeight);
        Operator.requirePositive("conv2d inWidth", inWidth);
        Operator.requirePositive("conv2d outChannels", outChannels);
        Operator.requirePositive("conv2d kernelHeight", kernelHeight);
        Operator.requirePositive("conv2d kernelWidth", kernelWidth);
        Operator.requirePositive("conv2d stride", stride);
        if (padding < 0) {
            throw new InvalidProgramException("conv2d padding must be >= 0, found " + padding);
        }
        int oh = Math.floorDiv(inHeight + 2 * padding - kernelHeight, stride) + 1;
        int ow = Math.floorDiv(inWidth + 2 * padding - kernelWidth, stride) + 1;
        if (oh <= 0 || ow <= 0) {
            throw new InvalidProgramException("conv2d kernel " + kernelHeight + "x" + kernelWidth
                    + " does not fit the padded " + inHeight + "x" + inWidth + " input (padding " + padding + ")");
        }
        Operator.requireLength("conv2d kernel (outC x inC x kh x kw = " + outChannels + "x" + inChannels + "x"
                + kernelHeight + "x" + kernelWidth + ")", kernel.length,
                (long) outChannels * inChannels * kernelHeight * kernelWidth);
        this.inChannels = inChannels;
        this.inHeight = inHeight;
        this.inWidth = inWidth;
        this.outChannels = outChannels;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.stride = stride;
        this.padding = padding;
        this.outHeight = oh;
        this.outWidth = ow;
        this.kernel = kernel.clone();
    }

    @Override public OperatorKind kind() { return OperatorKind.CONV2D; }
    @Override public int rows() { return outChannels * outHeight * outWidth; }
    @Override public int cols() { return inChannels * inHeight * inWidth; }
    @Override public long parameters() { return kernel.length; }
    @Override public double maxAbsWeight() { return Operator.maxAbs(kernel); }
    @Override public double minAbsNonZeroWeight() { return Operator.minAbsNonZero(kernel); }

    @Override
    public Conv2dOperator withWeightsBelowZeroed(double threshold) {
        return new Conv2dOperator(inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth, stride,
                padding, Operator.zeroBelow(kernel, threshold));
    }
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

    /** A copy of the kernel, [outC][inC][kh][kw]. */
    public float[] kernel() {
        return kernel.clone();
    }

    /** K[oc, ic, ky, kx]. */
    public float weight(int oc, int ic, int ky, int kx) {
        return kernel[((oc * inChannels + ic) * kernelHeight + ky) * kernelWidth + kx];
    }

    @Override
    public long couplings() {
        // In-bounds taps per output pixel, times the channel pairs, counting only non-zero kernel entries.
        long pairs = 0;
        for (int ky = 0; ky < kernelHeight; ky++) {
            long rowsIn = 0;
            for (int oy = 0; oy < outHeight; oy++) {
                int iy = oy * stride - padding + ky;
                if (iy >= 0 && iy < inHeight) {
                    rowsIn++;
                }
            }
            for (int kx = 0; kx < kernelWidth; kx++) {
                long colsIn = 0;
                for (int ox = 0; ox < outWidth; ox++) {
                    int ix = ox * stride - padding + kx;
                    if (ix >= 0 && ix < inWidth) {
                        colsIn++;
                    }
                }
                long nonZeroChannelPairs = 0;
                for (int oc = 0; oc < outChannels; oc++) {
                    for (int ic = 0; ic < inChannels; ic++) {
                        if (weight(oc, ic, ky, kx) != 0) {
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
        walk(x, xOff, y, yOff, false);
    }

    @Override
    public void applyTranspose(double[] x, int xOff, double[] y, int yOff) {
        walk(x, xOff, y, yOff, true);
    }

    /**
     * Visits every in-bounds (output pixel, input pixel, weight) triple once: y_out += w x_in, or for the adjoint
     * y_in += w x_out. One walk serves both, so the two can never disagree on which pairs are coupled.
     */
    private void walk(double[] x, int xOff, double[] y, int yOff, boolean adjoint) {
        int inPlane = inHeight * inWidth;
        int outPlane = outHeight * outWidth;
        for (int oc = 0; oc < outChannels; oc++) {
            for (int ic = 0; ic < inChannels; ic++) {
                for (int ky = 0; ky < kernelHeight; ky++) {
                    for (int kx = 0; kx < kernelWidth; kx++) {
                        double w = weight(oc, ic, ky, kx);
                        if (w == 0) {
                            continue;
                        }
                        for (int oy = 0; oy < outHeight; oy++) {
                            int iy = oy * stride - padding + ky;
                            if (iy < 0 || iy >= inHeight) {
                                continue;
                            }
                            int outRow = oc * outPlane + oy * outWidth;
                            int inRow = ic * inPlane + iy * inWidth;
                            for (int ox = 0; ox < outWidth; ox++) {
                                int ix = ox * stride - padding + kx;
                                if (ix < 0 || ix >= inWidth) {
                                    continue;
                                }
                                if (adjoint) {
                                    y[yOff + inRow + ix] += w * x[xOff + outRow + ox];
                                } else {
                                    y[yOff + outRow + ox] += w * x[xOff + inRow + ix];
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
        return "CONV2D " + outChannels + "x" + inChannels + "x" + kernelHeight + "x" + kernelWidth + " stride "
                + stride + " pad " + padding + " (" + inChannels + "x" + inHeight + "x" + inWidth + " -> "
                + outChannels + "x" + outHeight + "x" + outWidth + ")";
    }
}
