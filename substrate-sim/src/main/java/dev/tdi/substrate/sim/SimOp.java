package dev.tdi.substrate.sim;

import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.SparseOperator;

/**
 * An operator laid out for the simulator. States are chain-major ({@code x[chain][unit]}); every method takes all
 * chains at once and reads the operator's weights once per call for the whole batch. Work is split into tasks
 * that each own a disjoint block of the output, fixed by the operator alone, so results do not depend on threads.
 */
abstract class SimOp {
    final int rows;
    final int cols;

    SimOp(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    /** y_c[yo ..] += alpha W x_c[xo ..] for every chain c. */
    abstract void apply(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha);

    /** y_c[yo ..] += alpha W^T x_c[xo ..] for every chain c. */
    abstract void applyTranspose(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha);

    /** Heap bytes this layout holds. */
    abstract long heapBytes();

    /** Multiply-adds of one application to one chain. */
    abstract long macs();

    /** Bytes one application moves from memory for a batch of {@code chains} (weights once, states per chain). */
    abstract long bytes(int chains);

    /**
     * The heap bytes {@link #compile} will allocate for {@code op}, without allocating it.
     *
     * @param transpose whether W^T will be applied too
     */
    static long estimateBytes(Operator op, boolean transpose) {
        return switch (op) {
            case DenseOperator d -> 4L * d.rows() * d.cols();
            case SparseOperator s -> (8L * s.nonZeros() + 4L * (s.rows() + 1)) * (transpose ? 2 : 1) + 4L * s.cols();
            case Conv2dOperator c -> 8L * c.parameters();
            case ConvTranspose2dOperator c -> 8L * c.parameters();
            case LowRankOperator l -> 4L * l.rank() * ((long) l.rows() + l.cols());
        };
    }

    /** Per-chain scratch an application needs (padded inputs of stride-1 convolutions, unit-major sparse sources). */
    static long estimateBytesPerChain(Operator op) {
        return switch (op) {
            case Conv2dOperator c -> convScratchPerChain(c);
            case ConvTranspose2dOperator c -> convScratchPerChain(c);
            case SparseOperator sp -> 4L * Math.max(sp.rows(), sp.cols());
            default -> 0;
        };
    }

    /** Both directions' scratch per chain, in the larger of the two forms (a run may force either). */
    private static long convScratchPerChain(Operator op) {
        long total = 4096;
        for (ConvPlan p : Conv.plans(op, false)) {
            total += Math.max(p.scratchPerChain(ConvForm.STENCIL), p.scratchPerChain(ConvForm.GEMM));
        }
        return total;
    }

    /** Lays {@code op} out for the simulator, convolutions in the form the shape rule picks. */
    static SimOp compile(Operator op, boolean transpose) {
        return compile(op, transpose, ConvForm.AUTO);
    }

    /** Lays {@code op} out for the simulator, convolutions in the given form. */
    static SimOp compile(Operator op, boolean transpose, ConvForm form) {
        return switch (op) {
            case DenseOperator d -> new Dense(d);
            case SparseOperator s -> new Sparse(s, transpose);
            case Conv2dOperator c -> Conv.of(c, form);
            case ConvTranspose2dOperator c -> Conv.of(c, form);
            case LowRankOperator l -> new LowRank(l);
        };
    }

    // ------------------------------------------------------------------------------------------------ dense

    /** Row-major W; W x by blocks of 4 rows x 4 chains, W^T x by column blocks. */
    static final class Dense extends SimOp {
        private static final int ROWS_PER_TASK = 32;
        private static final int COLS_PER_TASK = 512;
        private final float[] w;

        Dense(DenseOperator d) {
            super(d.rows(), d.cols());
            this.w = d.values();
        }

        @Override
        void apply(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            int chains = x.length;
            int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
            pool.run(tasks, 2L * rows * cols * chains, t -> {
                int r0 = t * ROWS_PER_TASK, r1 = Math.min(rows, r0 + ROWS_PER_TASK);
                float[] out = new float[16];
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    int c = 0;
                    for (; c + 4 <= chains; c += 4) {
                        k.dot4x4(w, r * cols, cols, x[c], x[c + 1], x[c + 2], x[c + 3], xo, cols, out);
                        for (int i = 0; i < 4; i++) {
                            for (int j = 0; j < 4; j++) {
                                y[c + j][yo + r + i] += alpha * out[4 * i + j];
                            }
                        }
                    }
                    for (; c < chains; c++) {
                        k.dot4x1(w, r * cols, cols, x[c], xo, cols, out);
                        for (int i = 0; i < 4; i++) {
                            y[c][yo + r + i] += alpha * out[i];
                        }
                    }
                }
                for (; r < r1; r++) {
                    for (int c = 0; c < chains; c++) {
                        y[c][yo + r] += alpha * k.dot(w, r * cols, x[c], xo, cols);
                    }
                }
            });
        }

        @Override
        void applyTranspose(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            int chains = x.length;
            int tasks = (cols + COLS_PER_TASK - 1) / COLS_PER_TASK;
            pool.run(tasks, 2L * rows * cols * chains, t -> {
                int j0 = t * COLS_PER_TASK, n = Math.min(cols, j0 + COLS_PER_TASK) - j0;
                for (int i = 0; i < rows; i++) {
                    for (int c = 0; c < chains; c++) {
                        float a = alpha * x[c][xo + i];
                        if (a != 0) {
                            k.axpy(a, w, i * cols + j0, y[c], yo + j0, n);
                        }
                    }
                }
            });
        }

        @Override long heapBytes() { return 4L * w.length; }
        @Override long macs() { return (long) rows * cols; }
        @Override long bytes(int chains) { return 4L * rows * cols + 4L * chains * (cols + 2L * rows); }
    }

    // ----------------------------------------------------------------------------------------------- sparse

    /**
     * CSR rows; from {@link #INTERLEAVE} chains on, a unit-major copy of the source makes each row's sums SIMD across
     * chains (every row's weights read once for the batch). W^T x runs on a transposed copy (CSC).
     */
    static final class Sparse extends SimOp {
        private static final int ROWS_PER_TASK = 256;
        private final int[] ptr, idx, tPtr, tIdx;
        private final float[] val, tVal;

        Sparse(SparseOperator s, boolean transpose) {
            super(s.rows(), s.cols());
            ptr = s.rowPtr();
            idx = s.colIdx();
            val = s.values();
            if (transpose) {
                int nnz = val.length;
                tPtr = new int[cols + 1];
                tIdx = new int[nnz];
                tVal = new float[nnz];
                for (int k = 0; k < nnz; k++) {
                    tPtr[idx[k] + 1]++;
                }
                for (int j = 0; j < cols; j++) {
                    tPtr[j + 1] += tPtr[j];
                }
                int[] fill = java.util.Arrays.copyOf(tPtr, cols);
                for (int i = 0; i < rows; i++) {
                    for (int k = ptr[i]; k < ptr[i + 1]; k++) {
                        int p = fill[idx[k]]++;
                        tIdx[p] = i;
                        tVal[p] = val[k];
                    }
                }
            } else {
                tPtr = tIdx = null;
                tVal = null;
            }
        }

        /** From this many chains on, a unit-major copy of the source makes the rows SIMD across chains. */
        static final int INTERLEAVE = 4;

        private static void sweep(Kernels k, Pool pool, int n, int[] ptr, int[] idx, float[] val, float[][] x, int xo,
                                  int xn, float[][] y, int yo, float alpha) {
            int chains = x.length;
            int tasks = (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
            if (chains >= INTERLEAVE) {
                float[] xt = new float[xn * chains];
                pool.run((xn + 4095) / 4096, (long) xn * chains, t -> {
                    int u1 = Math.min(xn, (t + 1) * 4096);
                    for (int u = t * 4096; u < u1; u++) {
                        for (int c = 0; c < chains; c++) {
                            xt[u * chains + c] = x[c][xo + u];
                        }
                    }
                });
                pool.run(tasks, 2L * val.length * chains, t -> {
                    int r0 = t * ROWS_PER_TASK, r1 = Math.min(n, r0 + ROWS_PER_TASK);
                    float[] out = new float[chains];
                    for (int r = r0; r < r1; r++) {
                        if (ptr[r] == ptr[r + 1]) {
                            continue;
                        }
                        k.gatherDotChains(val, idx, ptr[r], ptr[r + 1], xt, chains, out);
                        for (int c = 0; c < chains; c++) {
                            y[c][yo + r] += alpha * out[c];
                        }
                    }
                });
                return;
            }
            pool.run(tasks, 2L * val.length * chains, t -> {
                int r0 = t * ROWS_PER_TASK, r1 = Math.min(n, r0 + ROWS_PER_TASK);
                for (int r = r0; r < r1; r++) {
                    int from = ptr[r], to = ptr[r + 1];
                    if (from == to) {
                        continue;
                    }
                    for (int c = 0; c < chains; c++) {
                        y[c][yo + r] += alpha * k.gatherDot(val, idx, from, to, x[c], xo);
                    }
                }
            });
        }

        @Override
        void apply(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            sweep(k, pool, rows, ptr, idx, val, x, xo, cols, y, yo, alpha);
        }

        @Override
        void applyTranspose(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            if (tPtr == null) {
                throw new IllegalStateException("sparse operator compiled without its transpose");
            }
            sweep(k, pool, cols, tPtr, tIdx, tVal, x, xo, rows, y, yo, alpha);
        }

        @Override
        long heapBytes() {
            return (8L * val.length + 4L * ptr.length) + (tPtr == null ? 0 : 8L * tVal.length + 4L * tPtr.length);
        }

        @Override long macs() { return val.length; }
        @Override long bytes(int chains) { return 8L * val.length + 4L * rows + 4L * chains * (cols + 2L * rows); }
    }

    // ------------------------------------------------------------------------------------------ convolution

    /**
     * One direction of a 2-D convolution in one of two forms, both split by output channel:
     * gather, y[o, a, b] += w[o, i, ky, kx] x[i, a s - p + ky, b s - p + kx]; and scatter,
     * y[o, a s - p + ky, b s - p + kx] += w[o, i, ky, kx] x[i, a, b]. Stride 1 runs as SIMD row axpys.
     */
    interface ConvDirection {
        void run(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha, long macs);

        int weights();

        /** Whether this direction runs on the blocked matrix kernel ({@link ConvGemm}) rather than the stencil. */
        default boolean onMatrixKernel() {
            return false;
        }
    }

    record ConvPlan(boolean scatter, int no, int ni, int kh, int kw, int s, int p, int xh, int xw, int yh, int yw,
                    float[] w) implements ConvDirection {

        @Override
        public int weights() {
            return w.length;
        }

        /** The stencil form of this plan: stride 1 as a gather over a zero-padded input, otherwise this loop. */
        ConvDirection fast() {
            if (s != 1) {
                return this;
            }
            if (!scatter) {
                return new PaddedGather(no, ni, kh, kw, p, p, xh, xw, yh, yw, w);
            }
            if (!scatterIsGather()) {
                return this;
            }
            return new PaddedGather(no, ni, kh, kw, kh - 1 - p, kw - 1 - p, xh, xw, yh, yw, flipped());
        }

        /** The matrix-kernel form: an implicit GEMM (stride 1), a patch matrix (strided gather) or GEMM + col2im. */
        ConvDirection gemm() {
            if (!scatter) {
                return s == 1 ? new ConvGemm.RowsGather(no, ni, kh, kw, p, p, xh, xw, yh, yw, w)
                        : new ConvGemm.PatchGather(no, ni, kh, kw, s, p, xh, xw, yh, yw, w);
            }
            if (scatterIsGather()) {
                return new ConvGemm.RowsGather(no, ni, kh, kw, kh - 1 - p, kw - 1 - p, xh, xw, yh, yw, flipped());
            }
            return new ConvGemm.ProductScatter(no, ni, kh, kw, s, p, xh, xw, yh, yw, w);
        }

        /** This plan in the requested form; {@code AUTO} applies {@link #gemmWins}. */
        ConvDirection form(ConvForm form) {
            return switch (form) {
                case STENCIL -> fast();
                case GEMM -> gemm();
                case AUTO -> gemmWins() ? gemm() : fast();
            };
        }

        /**
         * The rule that picks the form (measured per shape and batch: docs/sim.md, "Convolutions on the matrix
         * kernel"). It depends on the shape alone, never on the batch, so a chain's bits do not depend on the
         * batch size.
         */
        boolean gemmWins() {
            return ConvRule.gemmWins(scatter, no, ni, kh, kw, s);
        }

        /** Heap bytes per chain this plan's form allocates (padded inputs, patches, product blocks). */
        long scratchPerChain(ConvForm form) {
            boolean gemm = form == ConvForm.GEMM || (form == ConvForm.AUTO && gemmWins());
            boolean rows = s == 1 && (!scatter || scatterIsGather());
            int ph = scatter ? kh - 1 - p : p, pw = scatter ? kw - 1 - p : p;
            if (!gemm) {
                return rows ? 4L * ni * Math.max(xh + ph, yh + kh - 1) * Math.max(xw + pw, yw + kw - 1) + 1024 : 0;
            }
            if (rows) {
                return ConvGemm.RowsGather.scratchPerChain(no, ni, kh, kw, ph, pw, xh, xw, yh, yw);
            }
            return scatter ? ConvGemm.ProductScatter.scratchPerChain(no, ni, kh, kw, xh, xw)
                    : ConvGemm.PatchGather.scratchPerChain(no, ni, kh, kw, yh, yw);
        }

        /** A stride-1 scatter whose padding leaves every output inside the input's reach: a flipped gather. */
        private boolean scatterIsGather() {
            return s == 1 && p <= kh - 1 && p <= kw - 1;
        }

        // y[o, a - p + ky, b - p + kx] += w x[i, a, b]  ==  y[o, r, c] += w~ x[i, r - p~h + ky', c - p~w + kx']
        // with the kernel flipped (ky' = kh - 1 - ky) and padding p~ = k - 1 - p
        private float[] flipped() {
            float[] f = new float[w.length];
            for (int q = 0; q < no * ni; q++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        f[(q * kh + ky) * kw + kx] = w[(q * kh + kh - 1 - ky) * kw + kw - 1 - kx];
                    }
                }
            }
            return f;
        }

        @Override
        public void run(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha, long macs) {
            int chains = x.length;
            pool.run(no, 2L * macs * chains, o -> {
                for (int c = 0; c < chains; c++) {
                    float[] xc = x[c], yc = y[c];
                    for (int i = 0; i < ni; i++) {
                        for (int ky = 0; ky < kh; ky++) {
                            for (int kx = 0; kx < kw; kx++) {
                                float wv = alpha * w[((o * ni + i) * kh + ky) * kw + kx];
                                if (wv == 0) {
                                    continue;
                                }
                                if (scatter) {
                                    scatter(k, wv, xc, xo + i * xh * xw, yc, yo + o * yh * yw, ky, kx);
                                } else {
                                    gather(k, wv, xc, xo + i * xh * xw, yc, yo + o * yh * yw, ky, kx);
                                }
                            }
                        }
                    }
                }
            });
        }

        private void gather(Kernels k, float wv, float[] x, int xb, float[] y, int yb, int ky, int kx) {
            // b s - p + kx in [0, xw)  <=>  b in [ceil((p - kx) / s), floor((xw - 1 + p - kx) / s)]
            int b0 = Math.max(0, Math.ceilDiv(p - kx, s));
            int b1 = Math.min(yw, Math.floorDiv(xw - 1 + p - kx, s) + 1);
            if (b1 <= b0) {
                return;
            }
            for (int a = 0; a < yh; a++) {
                int row = a * s - p + ky;
                if (row < 0 || row >= xh) {
                    continue;
                }
                int xr = xb + row * xw, yr = yb + a * yw;
                if (s == 1) {
                    k.axpy(wv, x, xr + b0 - p + kx, y, yr + b0, b1 - b0);
                } else {
                    for (int b = b0; b < b1; b++) {
                        y[yr + b] = Math.fma(wv, x[xr + b * s - p + kx], y[yr + b]);
                    }
                }
            }
        }

        private void scatter(Kernels k, float wv, float[] x, int xb, float[] y, int yb, int ky, int kx) {
            // target column b s - p + kx in [0, yw)
            int b0 = Math.max(0, Math.ceilDiv(p - kx, s));
            int b1 = Math.min(xw, Math.floorDiv(yw - 1 + p - kx, s) + 1);
            if (b1 <= b0) {
                return;
            }
            for (int a = 0; a < xh; a++) {
                int row = a * s - p + ky;
                if (row < 0 || row >= yh) {
                    continue;
                }
                int xr = xb + a * xw, yr = yb + row * yw;
                if (s == 1) {
                    k.axpy(wv, x, xr + b0, y, yr + b0 - p + kx, b1 - b0);
                } else {
                    for (int b = b0; b < b1; b++) {
                        int t = yr + b * s - p + kx;
                        y[t] = Math.fma(wv, x[xr + b], y[t]);
                    }
                }
            }
        }
    }

    /**
     * A stride-1 gather over a zero-padded copy of the input, so every tap of an output row is a contiguous SIMD
     * load and the row's sum stays in registers ({@link Kernels#convRow}).
     */
    static final class PaddedGather implements ConvDirection {
        private final int no, ni, kh, kw, ph, pw, xh, xw, yh, yw, rows, cols;
        private final float[] w;
        private float[][] padded = new float[0][];

        PaddedGather(int no, int ni, int kh, int kw, int ph, int pw, int xh, int xw, int yh, int yw, float[] w) {
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
        }

        @Override
        public int weights() {
            return w.length;
        }

        @Override
        public void run(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha, long macs) {
            int chains = x.length;
            int plane = rows * cols;
            int size = ni * plane + 4 * 64 + kw;
            if (padded.length != chains || padded[0].length != size) {
                padded = new float[chains][size];
            }
            float[][] xp = padded;
            pool.run(chains, (long) chains * ni * plane, c -> {
                float[] p = xp[c];
                for (int i = 0; i < ni; i++) {
                    for (int r = 0; r < xh; r++) {
                        System.arraycopy(x[c], xo + (i * xh + r) * xw, p, i * plane + (r + ph) * cols + pw, xw);
                    }
                }
            });
            int kk = ni * kh * kw;
            pool.run(no, 2L * macs * chains, o -> {
                for (int c = 0; c < chains; c++) {
                    for (int a = 0; a < yh; a++) {
                        k.convRow(w, o * kk, ni, kh, kw, xp[c], plane, cols, a, y[c], yo + (o * yh + a) * yw, yw, alpha);
                    }
                }
            });
        }
    }

    /** A convolution or transposed convolution as two {@link ConvPlan}s. */
    static final class Conv extends SimOp {
        private final ConvDirection forward, backward;
        private final long macs;

        private Conv(int rows, int cols, ConvPlan forward, ConvPlan backward, long macs, ConvForm form) {
            super(rows, cols);
            this.forward = forward.form(form);
            this.backward = backward.form(form);
            this.macs = macs;
        }

        /** Swaps the first two axes of a [a][b][kh][kw] kernel. */
        private static float[] swap(float[] k, int a, int b, int kk) {
            float[] out = new float[k.length];
            for (int i = 0; i < a; i++) {
                for (int j = 0; j < b; j++) {
                    System.arraycopy(k, (i * b + j) * kk, out, (j * a + i) * kk, kk);
                }
            }
            return out;
        }

        /** A convolution or transposed convolution in the given form. */
        static Conv of(Operator op, ConvForm form) {
            ConvPlan[] p = plans(op, true);
            long macs = op instanceof Conv2dOperator c ? c.couplings() : ((ConvTranspose2dOperator) op).couplings();
            return new Conv(op.rows(), op.cols(), p[0], p[1], macs, form);
        }

        /**
         * The forward and backward plans of a convolution or transposed convolution; without the kernels (null
         * weights) when {@code weights} is false, for the memory estimate.
         */
        static ConvPlan[] plans(Operator op, boolean weights) {
            if (op instanceof Conv2dOperator c) {
                int kk = c.kernelHeight() * c.kernelWidth();
                float[] k = weights ? c.kernel() : null; // [oc][ic]
                return new ConvPlan[] {
                    new ConvPlan(false, c.outChannels(), c.inChannels(), c.kernelHeight(), c.kernelWidth(),
                            c.stride(), c.padding(), c.inHeight(), c.inWidth(), c.outHeight(), c.outWidth(), k),
                    new ConvPlan(true, c.inChannels(), c.outChannels(), c.kernelHeight(), c.kernelWidth(),
                            c.stride(), c.padding(), c.outHeight(), c.outWidth(), c.inHeight(), c.inWidth(),
                            weights ? swap(k, c.outChannels(), c.inChannels(), kk) : null)};
            }
            ConvTranspose2dOperator c = (ConvTranspose2dOperator) op;
            int kk = c.kernelHeight() * c.kernelWidth();
            float[] k = weights ? c.kernel() : null; // [ic][oc]
            return new ConvPlan[] {
                new ConvPlan(true, c.outChannels(), c.inChannels(), c.kernelHeight(), c.kernelWidth(),
                        c.stride(), c.padding(), c.inHeight(), c.inWidth(), c.outHeight(), c.outWidth(),
                        weights ? swap(k, c.inChannels(), c.outChannels(), kk) : null),
                new ConvPlan(false, c.inChannels(), c.outChannels(), c.kernelHeight(), c.kernelWidth(),
                        c.stride(), c.padding(), c.outHeight(), c.outWidth(), c.inHeight(), c.inWidth(), k)};
        }

        @Override
        void apply(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            forward.run(k, pool, x, xo, y, yo, alpha, macs);
        }

        @Override
        void applyTranspose(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            backward.run(k, pool, x, xo, y, yo, alpha, macs);
        }

        /** The direction W x runs in. */
        ConvDirection forward() {
            return forward;
        }

        /** The direction W^T x runs in. */
        ConvDirection backward() {
            return backward;
        }

        @Override long heapBytes() { return 4L * (forward.weights() + backward.weights()); }
        @Override long macs() { return macs; }
        @Override long bytes(int chains) { return 4L * chains * (cols + 2L * rows); }
    }

    // ------------------------------------------------------------------------------------------- low rank

    /**
     * W = U V^T with both factors stored column-major (k x n), so the bus V^T x is k SIMD dot products over
     * fixed chunks of the source (partial buses summed in chunk order) and U bus is k SIMD axpys per target chunk.
     */
    static final class LowRank extends SimOp {
        private static final int CHUNK = 4096;
        private final int rank;
        private final float[] ut, vt;

        LowRank(LowRankOperator l) {
            super(l.rows(), l.cols());
            rank = l.rank();
            ut = transpose(l.u(), l.rows(), rank);
            vt = transpose(l.v(), l.cols(), rank);
        }

        private static float[] transpose(float[] m, int n, int k) {
            float[] t = new float[m.length];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    t[j * n + i] = m[i * k + j];
                }
            }
            return t;
        }

        /** y += alpha A B^T x with A (ny x k) and B (nx x k) column-major. */
        private void run(Kernels k, Pool pool, float[] a, int ny, float[] b, int nx, float[][] x, int xo,
                         float[][] y, int yo, float alpha) {
            int chains = x.length;
            int inChunks = (nx + CHUNK - 1) / CHUNK;
            float[][] partial = new float[inChunks][chains * rank];
            pool.run(inChunks, 2L * nx * rank * chains, t -> {
                int i0 = t * CHUNK, n = Math.min(nx, i0 + CHUNK) - i0;
                float[] part = partial[t];
                for (int c = 0; c < chains; c++) {
                    for (int j = 0; j < rank; j++) {
                        part[c * rank + j] = k.dot(b, j * nx + i0, x[c], xo + i0, n);
                    }
                }
            });
            float[] bus = new float[chains * rank];
            for (float[] part : partial) {
                for (int q = 0; q < bus.length; q++) {
                    bus[q] += part[q];
                }
            }
            for (int q = 0; q < bus.length; q++) {
                bus[q] *= alpha;
            }
            int outChunks = (ny + CHUNK - 1) / CHUNK;
            pool.run(outChunks, 2L * ny * rank * chains, t -> {
                int i0 = t * CHUNK, n = Math.min(ny, i0 + CHUNK) - i0;
                for (int c = 0; c < chains; c++) {
                    int base = c * rank;
                    int j = 0;
                    for (; j + 4 <= rank; j += 4) {
                        k.axpy4(bus[base + j], bus[base + j + 1], bus[base + j + 2], bus[base + j + 3], a,
                                j * ny + i0, (j + 1) * ny + i0, (j + 2) * ny + i0, (j + 3) * ny + i0, y[c], yo + i0, n);
                    }
                    for (; j < rank; j++) {
                        k.axpy(bus[base + j], a, j * ny + i0, y[c], yo + i0, n);
                    }
                }
            });
        }

        @Override
        void apply(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            run(k, pool, ut, rows, vt, cols, x, xo, y, yo, alpha);
        }

        @Override
        void applyTranspose(Kernels k, Pool pool, float[][] x, int xo, float[][] y, int yo, float alpha) {
            run(k, pool, vt, cols, ut, rows, x, xo, y, yo, alpha);
        }

        @Override long heapBytes() { return 4L * (ut.length + vt.length); }
        @Override long macs() { return (long) rank * ((long) rows + cols); }
        @Override long bytes(int chains) { return 4L * rank * ((long) rows + cols) + 4L * chains * (cols + 2L * rows); }
    }
}
