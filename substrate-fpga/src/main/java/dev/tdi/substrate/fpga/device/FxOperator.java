package dev.tdi.substrate.fpga.device;

/**
 * A coupling image held by the device: y += W x and y += W^T x over raw Q.16 inputs into exact Q.32 64-bit
 * accumulators. The only rounding inside an operator is the low-rank bus register (Q15.16, saturating).
 */
public abstract sealed class FxOperator {
    final int rows;
    final int cols;

    FxOperator(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    /** y[yOff..] += W x[xOff..]; returns the number of internal saturations. */
    abstract int apply(int[] x, int xOff, long[] y, int yOff);

    /** y[yOff..] += W^T x[xOff..]; returns the number of internal saturations. */
    abstract int applyTranspose(int[] x, int xOff, long[] y, int yOff);

    /** Multiply-accumulates per apply (for throughput accounting). */
    abstract long macs();

    static final class Dense extends FxOperator {
        final int[] w;

        Dense(int rows, int cols, int[] w) {
            super(rows, cols);
            this.w = w;
        }

        @Override
        int apply(int[] x, int xOff, long[] y, int yOff) {
            for (int i = 0; i < rows; i++) {
                long s = 0;
                int base = i * cols;
                for (int j = 0; j < cols; j++) {
                    s += (long) w[base + j] * x[xOff + j];
                }
                y[yOff + i] += s;
            }
            return 0;
        }

        @Override
        int applyTranspose(int[] x, int xOff, long[] y, int yOff) {
            for (int i = 0; i < rows; i++) {
                long xi = x[xOff + i];
                if (xi == 0) {
                    continue;
                }
                int base = i * cols;
                for (int j = 0; j < cols; j++) {
                    y[yOff + j] += w[base + j] * xi;
                }
            }
            return 0;
        }

        @Override
        long macs() {
            return (long) rows * cols;
        }
    }

    static final class Sparse extends FxOperator {
        final int[] ptr;
        final int[] idx;
        final int[] w;

        Sparse(int rows, int cols, int[] ptr, int[] idx, int[] w) {
            super(rows, cols);
            this.ptr = ptr;
            this.idx = idx;
            this.w = w;
        }

        @Override
        int apply(int[] x, int xOff, long[] y, int yOff) {
            for (int i = 0; i < rows; i++) {
                long s = 0;
                for (int k = ptr[i]; k < ptr[i + 1]; k++) {
                    s += (long) w[k] * x[xOff + idx[k]];
                }
                y[yOff + i] += s;
            }
            return 0;
        }

        @Override
        int applyTranspose(int[] x, int xOff, long[] y, int yOff) {
            for (int i = 0; i < rows; i++) {
                long xi = x[xOff + i];
                for (int k = ptr[i]; k < ptr[i + 1]; k++) {
                    y[yOff + idx[k]] += w[k] * xi;
                }
            }
            return 0;
        }

        @Override
        long macs() {
            return w.length;
        }
    }

    /** A 2-D convolution stencil (cross-correlation), kernel [outC][inC][kh][kw]. */
    static final class Conv extends FxOperator {
        final int inC, inH, inW, outC, kh, kw, stride, pad, outH, outW;
        final int[] k;

        Conv(int inC, int inH, int inW, int outC, int kh, int kw, int stride, int pad, int outH, int outW, int[] k) {
            super(outC * outH * outW, inC * inH * inW);
            this.inC = inC;
            this.inH = inH;
            this.inW = inW;
            this.outC = outC;
            this.kh = kh;
            this.kw = kw;
            this.stride = stride;
            this.pad = pad;
            this.outH = outH;
            this.outW = outW;
            this.k = k;
        }

        @Override
        int apply(int[] x, int xOff, long[] y, int yOff) {
            int inPlane = inH * inW;
            int outPlane = outH * outW;
            for (int oc = 0; oc < outC; oc++) {
                for (int ic = 0; ic < inC; ic++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            long wv = k[((oc * inC + ic) * kh + ky) * kw + kx];
                            if (wv == 0) {
                                continue;
                            }
                            int oxLo = firstOut(kx, inW);
                            int oxHi = lastOut(kx, inW);
                            for (int oy = 0; oy < outH; oy++) {
                                int iy = oy * stride - pad + ky;
                                if (iy < 0 || iy >= inH) {
                                    continue;
                                }
                                int yRow = yOff + oc * outPlane + oy * outW;
                                int xRow = xOff + ic * inPlane + iy * inW - pad + kx;
                                if (stride == 1) {
                                    for (int ox = oxLo; ox <= oxHi; ox++) {
                                        y[yRow + ox] += wv * x[xRow + ox];
                                    }
                                } else {
                                    for (int ox = oxLo; ox <= oxHi; ox++) {
                                        y[yRow + ox] += wv * x[xRow + ox * stride];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return 0;
        }

        @Override
        int applyTranspose(int[] x, int xOff, long[] y, int yOff) {
            int inPlane = inH * inW;
            int outPlane = outH * outW;
            for (int oc = 0; oc < outC; oc++) {
                for (int ic = 0; ic < inC; ic++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            long wv = k[((oc * inC + ic) * kh + ky) * kw + kx];
                            if (wv == 0) {
                                continue;
                            }
                            int oxLo = firstOut(kx, inW);
                            int oxHi = lastOut(kx, inW);
                            for (int oy = 0; oy < outH; oy++) {
                                int iy = oy * stride - pad + ky;
                                if (iy < 0 || iy >= inH) {
                                    continue;
                                }
                                int xRow = xOff + oc * outPlane + oy * outW;
                                int yRow = yOff + ic * inPlane + iy * inW - pad + kx;
                                if (stride == 1) {
                                    for (int ox = oxLo; ox <= oxHi; ox++) {
                                        y[yRow + ox] += wv * x[xRow + ox];
                                    }
                                } else {
                                    for (int ox = oxLo; ox <= oxHi; ox++) {
                                        y[yRow + ox * stride] += wv * x[xRow + ox];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return 0;
        }

        /** First output column whose input column ox*stride - pad + kx is >= 0. */
        private int firstOut(int kx, int inWidth) {
            int need = pad - kx;
            return need <= 0 ? 0 : (need + stride - 1) / stride;
        }

        /** Last output column whose input column is < inWidth. */
        private int lastOut(int kx, int inWidth) {
            int last = Math.floorDiv(inWidth - 1 + pad - kx, stride);
            return Math.min(outW - 1, last);
        }

        @Override
        long macs() {
            return (long) k.length * outH * outW;
        }
    }

    /** A transposed convolution, kernel [inC][outC][kh][kw] (PyTorch ConvTranspose2d). */
    static final class ConvT extends FxOperator {
        final int inC, inH, inW, outC, kh, kw, stride, pad, outH, outW;
        final int[] k;

        ConvT(int inC, int inH, int inW, int outC, int kh, int kw, int stride, int pad, int outH, int outW,
              int[] k) {
            super(outC * outH * outW, inC * inH * inW);
            this.inC = inC;
            this.inH = inH;
            this.inW = inW;
            this.outC = outC;
            this.kh = kh;
            this.kw = kw;
            this.stride = stride;
            this.pad = pad;
            this.outH = outH;
            this.outW = outW;
            this.k = k;
        }

        @Override
        int apply(int[] x, int xOff, long[] y, int yOff) {
            int inPlane = inH * inW;
            int outPlane = outH * outW;
            for (int ic = 0; ic < inC; ic++) {
                for (int oc = 0; oc < outC; oc++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            long wv = k[((ic * outC + oc) * kh + ky) * kw + kx];
                            if (wv == 0) {
                                continue;
                            }
                            int ixLo = first(kx);
                            int ixHi = last(kx);
                            for (int iy = 0; iy < inH; iy++) {
                                int oy = iy * stride - pad + ky;
                                if (oy < 0 || oy >= outH) {
                                    continue;
                                }
                                int xRow = xOff + ic * inPlane + iy * inW;
                                int yRow = yOff + oc * outPlane + oy * outW - pad + kx;
                                if (stride == 1) {
                                    for (int ix = ixLo; ix <= ixHi; ix++) {
                                        y[yRow + ix] += wv * x[xRow + ix];
                                    }
                                } else {
                                    for (int ix = ixLo; ix <= ixHi; ix++) {
                                        y[yRow + ix * stride] += wv * x[xRow + ix];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return 0;
        }

        @Override
        int applyTranspose(int[] x, int xOff, long[] y, int yOff) {
            int inPlane = inH * inW;
            int outPlane = outH * outW;
            for (int ic = 0; ic < inC; ic++) {
                for (int oc = 0; oc < outC; oc++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            long wv = k[((ic * outC + oc) * kh + ky) * kw + kx];
                            if (wv == 0) {
                                continue;
                            }
                            int ixLo = first(kx);
                            int ixHi = last(kx);
                            for (int iy = 0; iy < inH; iy++) {
                                int oy = iy * stride - pad + ky;
                                if (oy < 0 || oy >= outH) {
                                    continue;
                                }
                                int yRow = yOff + ic * inPlane + iy * inW;
                                int xRow = xOff + oc * outPlane + oy * outW - pad + kx;
                                if (stride == 1) {
                                    for (int ix = ixLo; ix <= ixHi; ix++) {
                                        y[yRow + ix] += wv * x[xRow + ix];
                                    }
                                } else {
                                    for (int ix = ixLo; ix <= ixHi; ix++) {
                                        y[yRow + ix] += wv * x[xRow + ix * stride];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return 0;
        }

        /** First input column whose output column ix*stride - pad + kx is >= 0. */
        private int first(int kx) {
            int need = pad - kx;
            return need <= 0 ? 0 : (need + stride - 1) / stride;
        }

        /** Last input column whose output column is < outW. */
        private int last(int kx) {
            return Math.min(inW - 1, Math.floorDiv(outW - 1 + pad - kx, stride));
        }

        @Override
        long macs() {
            return (long) k.length * inH * inW;
        }
    }

    /** U V^T through a k-unit bus register (Q15.16, saturating, round half up). */
    static final class LowRank extends FxOperator {
        final int rank;
        final int[] u;
        final int[] v;

        LowRank(int rows, int cols, int rank, int[] u, int[] v) {
            super(rows, cols);
            this.rank = rank;
            this.u = u;
            this.v = v;
        }

        @Override
        int apply(int[] x, int xOff, long[] y, int yOff) {
            return through(v, cols, u, rows, x, xOff, y, yOff);
        }

        @Override
        int applyTranspose(int[] x, int xOff, long[] y, int yOff) {
            return through(u, rows, v, cols, x, xOff, y, yOff);
        }

        private int through(int[] in, int nIn, int[] out, int nOut, int[] x, int xOff, long[] y, int yOff) {
            long[] acc = new long[rank];
            for (int i = 0; i < nIn; i++) {
                long xi = x[xOff + i];
                int base = i * rank;
                for (int j = 0; j < rank; j++) {
                    acc[j] += in[base + j] * xi;
                }
            }
            int sat = 0;
            long[] bus = new long[rank];
            for (int j = 0; j < rank; j++) {
                long b = Fx.rnd(acc[j], Fx.FRAC);
                if (Fx.outside32(b)) {
                    sat++;
                }
                bus[j] = Fx.sat32(b);
            }
            for (int i = 0; i < nOut; i++) {
                long s = 0;
                int base = i * rank;
                for (int j = 0; j < rank; j++) {
                    s += out[base + j] * bus[j];
                }
                y[yOff + i] += s;
            }
            return sat;
        }

        @Override
        long macs() {
            return (long) rank * (rows + cols);
        }
    }
}
