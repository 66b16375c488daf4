package dev.tdi.substrate.sim;

/**
 * The inner loops of the simulator, on float arrays. Two implementations: {@link VectorKernels} (the Vector API,
 * loaded only when {@code jdk.incubator.vector} is in the boot layer) and {@link ScalarKernels} (plain Java).
 * <p>
 * Every kernel fixes its summation order in code (vector accumulators are summed lane by lane in order, never with
 * {@code reduceLanes}, whose order is unspecified), and uses only IEEE-exact operations (add, mul, fma, div,
 * sqrt): so a kernel gives the same bits whether it runs interpreted or compiled, on any thread.
 */
interface Kernels {

    /** A one-line description, e.g. "Vector API, 512-bit FloatVector (16 lanes)". */
    String description();

    /** True for the Vector API kernels. */
    boolean vectorized();

    /** The matrix kernel the convolutions run on in their GEMM form ({@link ConvGemm}), on the same path. */
    dev.tdi.kernels.gemm.GemmKernel gemm();

    /** sum_i a[ao + i] b[bo + i], i &lt; n. */
    float dot(float[] a, int ao, float[] b, int bo, int n);

    /** out[r] = dot(w[w0 + r ws ..], x[xo ..], n) for r &lt; 4. */
    void dot4x1(float[] w, int w0, int ws, float[] x, int xo, int n, float[] out);

    /** out[4 r + c] = dot(w[w0 + r ws ..], x_c[xo ..], n) for r, c &lt; 4: one read of 4 rows serves 4 chains. */
    void dot4x4(float[] w, int w0, int ws, float[] x0, float[] x1, float[] x2, float[] x3, int xo, int n,
                float[] out);

    /** y[yo + i] += a x[xo + i]. */
    void axpy(float a, float[] x, int xo, float[] y, int yo, int n);

    /** y[yo + i] += a0 x[x0 + i] + a1 x[x1 + i] + a2 x[x2 + i] + a3 x[x3 + i]. */
    void axpy4(float a0, float a1, float a2, float a3, float[] x, int x0, int x1, int x2, int x3, float[] y,
               int yo, int n);

    /**
     * sum_{k in [from, to)} val[k] x[xo + idx[k]], in the fixed order of four partial sums (k - from = j mod 4 into
     * sum j, the tail into sum 0) combined as (s0 + s1) + (s2 + s3).
     */
    float gatherDot(float[] val, int[] idx, int from, int to, float[] x, int xo);

    /**
     * {@link #gatherDot} for {@code chains} chains at once from a unit-major copy of the source
     * ({@code xt[unit * chains + c]}), SIMD across chains, out[c] = the sum of chain c in the same order.
     */
    void gatherDotChains(float[] val, int[] idx, int from, int to, float[] xt, int chains, float[] out);

    /**
     * One output row of a stride-1 convolution on a zero-padded input: for b &lt; yw,
     * y[yo + b] += alpha sum_{i, ky, kx} w[wo + (i kh + ky) kw + kx] xp[i plane + (row + ky) pw + kx + b],
     * summed over (i, ky, kx) in that order from zero. {@code xp} must extend at least 4 vector lengths past the
     * last element read.
     */
    void convRow(float[] w, int wo, int ni, int kh, int kw, float[] xp, int plane, int pw, int row, float[] y, int yo,
                 int yw, float alpha);

    /** g[go + i] = k x[xo + i] + c. */
    void affine(float[] x, int xo, float[] g, int go, int n, float k, float c);

    /** g[go + i] -= h[ho + i]. */
    void sub(float[] h, int ho, float[] g, int go, int n);

    /**
     * The residual of one target block: with a the pre-activation, r = x - rho(a); g += w r; then a is overwritten
     * by the back-propagated error w rho'(a) r (relu'(0) = 0).
     */
    void residual(float[] a, int ao, float[] x, int xo, float[] g, int go, int n, float w, boolean relu);

    /** n standard normal draws for units unit0 .. unit0 + n - 1 of one chain and step (see {@link Noise}). */
    void gaussian(int k0, int k1, int k2, int k3, int unit0, float[] out, int oo, int n);

    /**
     * One Euler-Maruyama update x += -dt g + sigma z (z ignored when null), walls by reflection into [lo, hi]
     * when {@code walls}, then the divergence test |x| &lt;= bound.
     *
     * @return the index (0-based, within the block) of the first unit that failed the test, or -1
     */
    int update(float[] x, int xo, float[] g, int go, float[] z, int n, float dt, float sigma, boolean walls,
               float lo, float hi, float bound);

    /** sum[so + i] += x[xo + i] (double accumulators of the window mean). */
    default void accumulate(float[] x, int xo, double[] sum, int so, int n) {
        for (int i = 0; i < n; i++) {
            sum[so + i] += x[xo + i];
        }
    }

    /** The kernels this JVM can run: vectorised when jdk.incubator.vector is present and not disabled. */
    static Kernels load(boolean allowVector) {
        return KernelsLoader.load(allowVector);
    }
}
