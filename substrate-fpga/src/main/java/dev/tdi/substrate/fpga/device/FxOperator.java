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

        // Exact integer sums: the gather and scatter kernels serve every stride (stride 1 is one phase plane).
        @Override
        int apply(int[] x, int xOff, long[] y, int yOff) {
            gather(k, x, xOff, inC, inH, inW, y, yOff, outC, outH, outW, kh, kw, stride, pad);
            return 0;
        }

        @Override
        int applyTranspose(int[] x, int xOff, long[] y, int yOff) {
            scatter(k, x, xOff, outC, outH, outW, y, yOff, inC, inH, inW, kh, kw, stride, pad);
            return 0;
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

        /** y[oc, iy s - p + ky, ix s - p + kx] += K[ic, oc, ky, kx] x[ic, iy, ix]: a scatter. */
        @Override
        int apply(int[] x, int xOff, long[] y, int yOff) {
            scatter(k, x, xOff, inC, inH, inW, y, yOff, outC, outH, outW, kh, kw, stride, pad);
            return 0;
        }

        /** y[ic, iy, ix] += K[ic, oc, ky, kx] x[oc, iy s - p + ky, ix s - p + kx]: a gather. */
        @Override
        int applyTranspose(int[] x, int xOff, long[] y, int yOff) {
            gather(k, x, xOff, outC, outH, outW, y, yOff, inC, inH, inW, kh, kw, stride, pad);
            return 0;
        }

        @Override
        long macs() {
            return (long) k.length * inH * inW;
        }
    }

    /**
     * The gather form of a strided stencil, over exact integer sums:
     * {@code y[d, oy, ox] += sum_{c, ky, kx} K[d][c][ky][kx] src[c, oy s - p + ky, ox s - p + kx]} (zero outside
     * src). The zero-padded source is split into s x s phase planes of pitch P = ceil((wS + 2p) / s), so tap
     * (ky, kx) reads phase (ky mod s, kx mod s) at offset (ky div s, kx div s) with unit stride, and every tap is
     * one contiguous multiply-add over (oH - 1) P + oW elements (columns past oW are scratch and dropped).
     */
    static void gather(int[] k, int[] x, int xOff, int cS, int hS, int wS, long[] y, int yOff, int cD, int oH,
                       int oW, int kh, int kw, int s, int p) {
        int hd = (hS + 2 * p + s - 1) / s;
        int pd = (wS + 2 * p + s - 1) / s;
        int[][] ph = new int[s * s][cS * hd * pd];
        for (int c = 0; c < cS; c++) {
            for (int iy = 0; iy < hS; iy++) {
                int r = iy + p;
                int src = xOff + (c * hS + iy) * wS;
                int rowBase = (c * hd + r / s) * pd;
                for (int ix = 0; ix < wS; ix++) {
                    int col = ix + p;
                    ph[(r % s) * s + col % s][rowBase + col / s] = x[src + ix];
                }
            }
        }
        int span = (oH - 1) * pd + oW;
        long[] acc = new long[oH * pd];
        for (int d = 0; d < cD; d++) {
            java.util.Arrays.fill(acc, 0);
            for (int c = 0; c < cS; c++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        long wv = k[((d * cS + c) * kh + ky) * kw + kx];
                        if (wv == 0) {
                            continue;
                        }
                        int[] plane = ph[(ky % s) * s + kx % s];
                        int base = (c * hd + ky / s) * pd + kx / s;
                        for (int i = 0; i < span; i++) {
                            acc[i] += wv * plane[base + i];
                        }
                    }
                }
            }
            for (int oy = 0; oy < oH; oy++) {
                int dst = yOff + (d * oH + oy) * oW;
                int src = oy * pd;
                for (int ox = 0; ox < oW; ox++) {
                    y[dst + ox] += acc[src + ox];
                }
            }
        }
    }

    /**
     * The scatter form, the adjoint of {@link #gather}:
     * {@code y[c, oy s - p + ky, ox s - p + kx] += K[d][c][ky][kx] x[d, oy, ox]} (dropping what falls outside y).
     * x is laid out at pitch P with zeros past oW; the zero-padded destination is accumulated in s x s phase planes
     * with one contiguous multiply-add per tap, then folded back.
     */
    static void scatter(int[] k, int[] x, int xOff, int cD, int oH, int oW, long[] y, int yOff, int cS, int hS,
                        int wS, int kh, int kw, int s, int p) {
        int hd = (hS + 2 * p + s - 1) / s;
        int pd = (wS + 2 * p + s - 1) / s;
        int[] xq = new int[cD * oH * pd];
        for (int d = 0; d < cD; d++) {
            for (int oy = 0; oy < oH; oy++) {
                System.arraycopy(x, xOff + (d * oH + oy) * oW, xq, (d * oH + oy) * pd, oW);
            }
        }
        int span = (oH - 1) * pd + oW;
        long[][] ph = new long[s * s][hd * pd];
        for (int c = 0; c < cS; c++) {
            for (long[] plane : ph) {
                java.util.Arrays.fill(plane, 0);
            }
            for (int d = 0; d < cD; d++) {
                int xBase = d * oH * pd;
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        long wv = k[((d * cS + c) * kh + ky) * kw + kx];
                        if (wv == 0) {
                            continue;
                        }
                        long[] plane = ph[(ky % s) * s + kx % s];
                        int base = (ky / s) * pd + kx / s;
                        for (int i = 0; i < span; i++) {
                            plane[base + i] += wv * xq[xBase + i];
                        }
                    }
                }
            }
            for (int iy = 0; iy < hS; iy++) {
                int r = iy + p;
                int dst = yOff + (c * hS + iy) * wS;
                int rowBase = (r / s) * pd;
                for (int ix = 0; ix < wS; ix++) {
                    int col = ix + p;
                    y[dst + ix] += ph[(r % s) * s + col % s][rowBase + col / s];
                }
            }
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
