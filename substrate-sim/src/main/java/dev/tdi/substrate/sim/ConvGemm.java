package dev.tdi.substrate.sim;

import dev.tdi.kernels.gemm.Gemm;
import java.util.Arrays;

/**
 * The convolution directions that run on the blocked matrix kernel of module {@code kernels}
 * ({@link dev.tdi.kernels.gemm.GemmKernel}), with the batch's chains in the product's column (N) dimension, so one
 * pass over a task's weights serves every chain in it and a chain's input is read once per task, not once per
 * output channel as in the stencil form.
 *
 * <p>Work is cut into "units": one output row of one chain (gathers) or one chain (the scatter, whose outputs
 * overlap between input rows). A task owns a contiguous run of units and writes only their outputs. The kernel
 * sums each output element in an order fixed by the sum length K and the vector width alone (never by N, the
 * element's column, the task split or the thread), so a chain's bits are the same for any batch size and any
 * thread count. Every output is added to y as {@code y = fma(alpha, sum, y)}, as the stencil does (through
 * {@link Kernels#axpy}, whose vector and scalar forms are that fma per element).
 */
final class ConvGemm {
    /** Columns of one task's product: about the kernel's column block, so a task's output block stays in L2. */
    static final int TASK_COLUMNS = 1536;
    /** Fewest tasks a phase is cut into when it has enough units (two cores and a caller that works too). */
    static final int MIN_TASKS = 4;

    private ConvGemm() {
    }

    /** Units per task: about {@link #TASK_COLUMNS} columns, but at least {@link #MIN_TASKS} tasks when possible. */
    static int unitsPerTask(int units, int columnsPerUnit) {
        int byColumns = Math.max(1, TASK_COLUMNS / Math.max(1, columnsPerUnit));
        int bySpread = Math.max(1, (units + MIN_TASKS - 1) / MIN_TASKS);
        return Math.min(byColumns, bySpread);
    }

    /**
     * A stride-1 gather as an implicit GEMM: y[o, a, b] += sum w[o, i, ky, kx] x[i, a - ph + ky, b - pw + kx].
     * The chains' inputs are copied into one zero-padded image whose rows hold every chain side by side
     * (padded[i][r][chain][col], row width chains x cols), so tap (i, ky, kx) of wide output column
     * n = a (chains cols) + chain cols + b is padded at a fixed offset from n: B's row k is a shifted contiguous
     * row ({@code gemmRows}), no patch matrix is written. The wide grid has cols - yw extra columns per chain row,
     * which are computed and dropped.
     */
    static final class RowsGather implements SimOp.ConvDirection {
        private final int no, ni, kh, kw, ph, pw, xh, xw, yh, yw, rows, cols, depth;
        private final float[] w;
        private int chains = -1, perTask, tasks;
        private float[] padded;
        private int[][] taskRows;
        private float[][] taskOut;

        RowsGather(int no, int ni, int kh, int kw, int ph, int pw, int xh, int xw, int yh, int yw, float[] w) {
            this.no = no;
            this.ni = ni;
            this.kh = kh;
            this.kw = kw;
            this.ph = ph;
            this.pw = pw;
            this.xh = xh;
            this.xw = xw;
            this.yh = yh;
            this.yw = yw;
            this.w = w;
            this.rows = Math.max(xh + ph, yh + kh - 1);
            this.cols = Math.max(xw + pw, yw + kw - 1);
            this.depth = ni * kh * kw;
        }

        @Override
        public boolean onMatrixKernel() {
            return true;
        }

        @Override
        public int weights() {
            return w.length;
        }

        /** Heap bytes per chain: the padded input and the wide output. */
        static long scratchPerChain(int no, int ni, int kh, int kw, int ph, int pw, int xh, int xw, int yh, int yw) {
            long rows = Math.max(xh + ph, yh + kh - 1), cols = Math.max(xw + pw, yw + kw - 1);
            return 4L * (ni * rows * cols + (long) no * yh * cols);
        }

        private void layout(int n) {
            if (n == chains) {
                return;
            }
            int rowWidth = n * cols, plane = rows * rowWidth, units = yh * n;
            perTask = unitsPerTask(units, cols);
            tasks = (units + perTask - 1) / perTask;
            padded = new float[ni * plane + cols + kw + Gemm.ROW_SLACK];
            taskRows = new int[tasks][depth];
            taskOut = new float[tasks][];
            for (int t = 0; t < tasks; t++) {
                int u0 = t * perTask, u1 = Math.min(units, u0 + perTask);
                taskOut[t] = new float[no * (u1 - u0) * cols];
                for (int i = 0; i < ni; i++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            taskRows[t][(i * kh + ky) * kw + kx] = i * plane + ky * rowWidth + kx + u0 * cols;
                        }
                    }
                }
            }
            chains = n;
        }

        @Override
        public void run(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha, long macs) {
            int n = x.length;
            layout(n);
            int rowWidth = n * cols, plane = rows * rowWidth, units = yh * n;
            float[] pad = padded;
            pool.run(n, (long) n * ni * xh * xw, c -> {
                for (int i = 0; i < ni; i++) {
                    for (int r = 0; r < xh; r++) {
                        System.arraycopy(x[c], xo + (i * xh + r) * xw, pad, i * plane + (r + ph) * rowWidth
                                + c * cols + pw, xw);
                    }
                }
            });
            var gemm = k.gemm();
            pool.run(tasks, 2L * macs * n, t -> {
                int u0 = t * perTask, u1 = Math.min(units, u0 + perTask), width = (u1 - u0) * cols;
                float[] out = taskOut[t];
                Arrays.fill(out, 0f);
                gemm.gemmRows(no, width, depth, w, 0, depth, 1, pad, taskRows[t], out, 0, width);
                for (int u = u0; u < u1; u++) {
                    int a = u / n, c = u % n;
                    float[] yc = y[c];
                    for (int o = 0; o < no; o++) {
                        k.axpy(alpha, out, o * width + (u - u0) * cols, yc, yo + (o * yh + a) * yw, yw);
                    }
                }
            });
        }
    }

    /**
     * A gather of any stride through a patch matrix: y[o, a, b] += sum w[o, i, ky, kx] x[i, a s - p + ky,
     * b s - p + kx] (0 outside). A task gathers the patches of its output rows (one unit: one output row of one
     * chain) into a K x N matrix, K = ni kh kw, and multiplies the kernel (no x K) by it.
     */
    static final class PatchGather implements SimOp.ConvDirection {
        private final int no, ni, kh, kw, s, p, xh, xw, yh, yw, depth;
        private final float[] w;
        private int chains = -1, perTask, tasks;
        private float[][] taskCol, taskOut;

        PatchGather(int no, int ni, int kh, int kw, int s, int p, int xh, int xw, int yh, int yw, float[] w) {
            this.no = no;
            this.ni = ni;
            this.kh = kh;
            this.kw = kw;
            this.s = s;
            this.p = p;
            this.xh = xh;
            this.xw = xw;
            this.yh = yh;
            this.yw = yw;
            this.w = w;
            this.depth = ni * kh * kw;
        }

        @Override
        public boolean onMatrixKernel() {
            return true;
        }

        @Override
        public int weights() {
            return w.length;
        }

        /** Heap bytes per chain: its patches and outputs. */
        static long scratchPerChain(int no, int ni, int kh, int kw, int yh, int yw) {
            return 4L * ((long) ni * kh * kw + no) * yh * yw;
        }

        private void layout(int n) {
            if (n == chains) {
                return;
            }
            int units = yh * n;
            perTask = unitsPerTask(units, yw);
            tasks = (units + perTask - 1) / perTask;
            taskCol = new float[tasks][];
            taskOut = new float[tasks][];
            for (int t = 0; t < tasks; t++) {
                int width = (Math.min(units, (t + 1) * perTask) - t * perTask) * yw;
                taskCol[t] = new float[depth * width];
                taskOut[t] = new float[no * width];
            }
            chains = n;
        }

        @Override
        public void run(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha, long macs) {
            int n = x.length;
            layout(n);
            int units = yh * n;
            var gemm = k.gemm();
            pool.run(tasks, 2L * macs * n, t -> {
                int u0 = t * perTask, u1 = Math.min(units, u0 + perTask), width = (u1 - u0) * yw;
                float[] col = taskCol[t], out = taskOut[t];
                for (int u = u0; u < u1; u++) {
                    patches(x[u % n], xo, u / n, col, width, (u - u0) * yw);
                }
                Arrays.fill(out, 0f);
                gemm.gemm(no, width, depth, w, 0, depth, 1, col, 0, width, 1, out, 0, width);
                for (int u = u0; u < u1; u++) {
                    int a = u / n;
                    float[] yc = y[u % n];
                    for (int o = 0; o < no; o++) {
                        k.axpy(alpha, out, o * width + (u - u0) * yw, yc, yo + (o * yh + a) * yw, yw);
                    }
                }
            });
        }

        /** col[k width + j0 + b] = x[i, a s - p + ky, b s - p + kx] (0 outside) for k = (i, ky, kx), b &lt; yw. */
        private void patches(float[] x, int xo, int a, float[] col, int width, int j0) {
            for (int i = 0; i < ni; i++) {
                for (int ky = 0; ky < kh; ky++) {
                    int r = a * s - p + ky;
                    for (int kx = 0; kx < kw; kx++) {
                        int d = ((i * kh + ky) * kw + kx) * width + j0;
                        if (r < 0 || r >= xh) {
                            Arrays.fill(col, d, d + yw, 0f);
                            continue;
                        }
                        // b s - p + kx in [0, xw)  <=>  b in [b0, b1)
                        int b0 = Math.min(yw, Math.max(0, Math.ceilDiv(p - kx, s)));
                        int b1 = Math.max(b0, Math.min(yw, Math.floorDiv(xw - 1 + p - kx, s) + 1));
                        int xr = xo + (i * xh + r) * xw - p + kx;
                        for (int b = 0; b < b0; b++) {
                            col[d + b] = 0f;
                        }
                        if (s == 1) {
                            System.arraycopy(x, xr + b0, col, d + b0, b1 - b0);
                        } else {
                            for (int b = b0; b < b1; b++) {
                                col[d + b] = x[xr + b * s];
                            }
                        }
                        for (int b = b1; b < yw; b++) {
                            col[d + b] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * A scatter of any stride as a product then an overlapping add: y[o, a s - p + ky, b s - p + kx] +=
     * sum_i w[o, i, ky, kx] x[i, a, b]. A task (one block of chains x one block of output channels) copies its
     * chains' inputs side by side (ni x N), multiplies the kernel rearranged as (o, ky, kx) x i by them, and adds
     * each product row to its shifted, strided place in y ({@code col2im}) in the fixed order o, ky, kx, a, b.
     */
    static final class ProductScatter implements SimOp.ConvDirection {
        private final int no, ni, kh, kw, s, p, xh, xw, yh, yw, taps, pixels, outBlocks;
        /** The kernel as a row-major (no kh kw) x ni matrix: a[(o kh kw + t) ni + i] = w[o, i, t]. */
        private final float[] a;
        private int chains = -1, perTask, chainBlocks;
        private float[][] taskIn, taskOut;

        ProductScatter(int no, int ni, int kh, int kw, int s, int p, int xh, int xw, int yh, int yw, float[] w) {
            this.no = no;
            this.ni = ni;
            this.kh = kh;
            this.kw = kw;
            this.s = s;
            this.p = p;
            this.xh = xh;
            this.xw = xw;
            this.yh = yh;
            this.yw = yw;
            this.taps = kh * kw;
            this.pixels = xh * xw;
            this.a = new float[w.length];
            for (int o = 0; o < no; o++) {
                for (int i = 0; i < ni; i++) {
                    for (int t = 0; t < taps; t++) {
                        a[(o * taps + t) * ni + i] = w[(o * ni + i) * taps + t];
                    }
                }
            }
            // two blocks of output channels, so that even one chain is two tasks (they write disjoint channels)
            this.outBlocks = no >= 8 ? 2 : 1;
        }

        @Override
        public boolean onMatrixKernel() {
            return true;
        }

        @Override
        public int weights() {
            return a.length;
        }

        /** Heap bytes per chain: its inputs side by side and the product rows. */
        static long scratchPerChain(int no, int ni, int kh, int kw, int xh, int xw) {
            return 4L * ((long) ni + (long) no * kh * kw) * xh * xw;
        }

        private void layout(int n) {
            if (n == chains) {
                return;
            }
            perTask = unitsPerTask(n, pixels);
            chainBlocks = (n + perTask - 1) / perTask;
            int tasks = chainBlocks * outBlocks, oPerBlock = (no + outBlocks - 1) / outBlocks;
            taskIn = new float[tasks][];
            taskOut = new float[tasks][];
            for (int t = 0; t < tasks; t++) {
                int cb = t / outBlocks, width = (Math.min(n, (cb + 1) * perTask) - cb * perTask) * pixels;
                taskIn[t] = new float[ni * width];
                taskOut[t] = new float[oPerBlock * taps * width];
            }
            chains = n;
        }

        @Override
        public void run(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha, long macs) {
            int n = x.length;
            layout(n);
            var gemm = k.gemm();
            int oPerBlock = (no + outBlocks - 1) / outBlocks;
            pool.run(chainBlocks * outBlocks, 2L * macs * n, t -> {
                int cb = t / outBlocks, ob = t % outBlocks;
                int c0 = cb * perTask, c1 = Math.min(n, c0 + perTask), width = (c1 - c0) * pixels;
                int o0 = ob * oPerBlock, o1 = Math.min(no, o0 + oPerBlock);
                float[] in = taskIn[t], out = taskOut[t];
                for (int c = c0; c < c1; c++) {
                    for (int i = 0; i < ni; i++) {
                        System.arraycopy(x[c], xo + i * pixels, in, i * width + (c - c0) * pixels, pixels);
                    }
                }
                int m = (o1 - o0) * taps;
                Arrays.fill(out, 0, m * width, 0f);
                gemm.gemm(m, width, ni, a, o0 * taps * ni, ni, 1, in, 0, width, 1, out, 0, width);
                for (int c = c0; c < c1; c++) {
                    scatter(out, width, (c - c0) * pixels, o0, o1, y[c], yo, alpha);
                }
            });
        }

        /** y[o, a s - p + ky, b s - p + kx] += alpha z[(o - o0, ky, kx)][j0 + a xw + b], in order o, ky, kx, a, b. */
        private void scatter(float[] z, int width, int j0, int o0, int o1, float[] y, int yo, float alpha) {
            for (int o = o0; o < o1; o++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int zr = ((o - o0) * taps + ky * kw + kx) * width + j0;
                        // target column b s - p + kx in [0, yw)
                        int b0 = Math.max(0, Math.ceilDiv(p - kx, s));
                        int b1 = Math.min(xw, Math.floorDiv(yw - 1 + p - kx, s) + 1);
                        for (int ai = 0; ai < xh; ai++) {
                            int r = ai * s - p + ky;
                            if (r < 0 || r >= yh) {
                                continue;
                            }
                            int yr = yo + (o * yh + r) * yw - p + kx, zi = zr + ai * xw;
                            for (int b = b0; b < b1; b++) {
                                int d = yr + b * s;
                                y[d] = Math.fma(alpha, z[zi + b], y[d]);
                            }
                        }
                    }
                }
            }
        }
    }
}
