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
    /**
     * The convolution this operator is the adjoint of: it maps our output image (outC x outH x outW) back to our
     * input image (inC x inH x inW) with the same [inC][outC][kh][kw] kernel, stride and padding (its output size
     * is exactly inH x inW because 0 <= outputPadding < stride). apply and applyTranspose swap through it.
     */
    private final Conv2dOperator adjoint;

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
        this.adjoint = new Conv2dOperator(outChannels, oh, ow, inChannels, kernelHeight, kernelWidth, stride,
                padding, this.kernel);
    }

    @Override public OperatorKind kind() { return OperatorKind.CONV_TRANSPOSE2D; }
    @Override public int rows() { return outChannels * outHeight * outWidth; }
    @Override public int cols() { return inChannels * inHeight * inWidth; }
    @Override public long parameters() { return kernel.length; }
    @Override public double maxAbsWeight() { return Operator.maxAbs(kernel); }
    @Override public double minAbsNonZeroWeight() { return Operator.minAbsNonZero(kernel); }

    @Override
    public ConvTranspose2dOperator withWeightsBelowZeroed(double threshold) {
        return new ConvTranspose2dOperator(inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth,
                stride, padding, outputPadding, Operator.zeroBelow(kernel, threshold));
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
        return adjoint.couplings(); // the same (output, input) pairs, seen from the other side
    }

    @Override
    public void apply(double[] x, int xOff, double[] y, int yOff) {
        adjoint.applyTranspose(x, xOff, y, yOff);
    }

    @Override
    public void applyTranspose(double[] x, int xOff, double[] y, int yOff) {
        adjoint.apply(x, xOff, y, yOff);
    }

    @Override
    public String describe() {
        return "CONV_TRANSPOSE2D " + inChannels + "x" + outChannels + "x" + kernelHeight + "x" + kernelWidth
                + " stride " + stride + " pad " + padding + " outpad " + outputPadding + " (" + inChannels + "x"
                + inHeight + "x" + inWidth + " -> " + outChannels + "x" + outHeight + "x" + outWidth + ")";
    }
}
