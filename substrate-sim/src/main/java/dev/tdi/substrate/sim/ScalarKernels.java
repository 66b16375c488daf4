package dev.tdi.substrate.sim;

/** The plain-Java kernels: the fallback where the Vector API is absent, and a check on the vector kernels. */
final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String description() {
        return "scalar Java kernels";
    }

    @Override
    public boolean vectorized() {
        return false;
    }

    private static final dev.tdi.kernels.gemm.GemmKernel GEMM = dev.tdi.kernels.gemm.GemmProvider.scalar();

    @Override
    public dev.tdi.kernels.gemm.GemmKernel gemm() {
        return GEMM;
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s = Math.fma(a[ao + i], b[bo + i], s);
        }
        return s;
    }

    @Override
    public void dot4x1(float[] w, int w0, int ws, float[] x, int xo, int n, float[] out) {
        for (int r = 0; r < 4; r++) {
            out[r] = dot(w, w0 + r * ws, x, xo, n);
        }
    }

    @Override
    public void dot4x4(float[] w, int w0, int ws, float[] x0, float[] x1, float[] x2, float[] x3, int xo, int n,
                       float[] out) {
        for (int r = 0; r < 4; r++) {
            int wr = w0 + r * ws;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int i = 0; i < n; i++) {
                float wv = w[wr + i];
                s0 = Math.fma(wv, x0[xo + i], s0);
                s1 = Math.fma(wv, x1[xo + i], s1);
                s2 = Math.fma(wv, x2[xo + i], s2);
                s3 = Math.fma(wv, x3[xo + i], s3);
            }
            out[4 * r] = s0;
            out[4 * r + 1] = s1;
            out[4 * r + 2] = s2;
            out[4 * r + 3] = s3;
        }
    }

    @Override
    public void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = Math.fma(a, x[xo + i], y[yo + i]);
        }
    }

    @Override
    public void axpy4(float a0, float a1, float a2, float a3, float[] x, int x0, int x1, int x2, int x3, float[] y,
                      int yo, int n) {
        for (int i = 0; i < n; i++) {
            float s = Math.fma(a0, x[x0 + i], y[yo + i]);
            s = Math.fma(a1, x[x1 + i], s);
            s = Math.fma(a2, x[x2 + i], s);
            y[yo + i] = Math.fma(a3, x[x3 + i], s);
        }
    }

    @Override
    public float gatherDot(float[] val, int[] idx, int from, int to, float[] x, int xo) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = from;
        for (; k + 4 <= to; k += 4) {
            s0 = Math.fma(val[k], x[xo + idx[k]], s0);
            s1 = Math.fma(val[k + 1], x[xo + idx[k + 1]], s1);
            s2 = Math.fma(val[k + 2], x[xo + idx[k + 2]], s2);
            s3 = Math.fma(val[k + 3], x[xo + idx[k + 3]], s3);
        }
        for (; k < to; k++) {
            s0 = Math.fma(val[k], x[xo + idx[k]], s0);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void gatherDotChains(float[] val, int[] idx, int from, int to, float[] xt, int chains, float[] out) {
        for (int c = 0; c < chains; c++) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int k = from;
            for (; k + 4 <= to; k += 4) {
                s0 = Math.fma(val[k], xt[idx[k] * chains + c], s0);
                s1 = Math.fma(val[k + 1], xt[idx[k + 1] * chains + c], s1);
                s2 = Math.fma(val[k + 2], xt[idx[k + 2] * chains + c], s2);
                s3 = Math.fma(val[k + 3], xt[idx[k + 3] * chains + c], s3);
            }
            for (; k < to; k++) {
                s0 = Math.fma(val[k], xt[idx[k] * chains + c], s0);
            }
            out[c] = (s0 + s1) + (s2 + s3);
        }
    }

    @Override
    public void convRow(float[] w, int wo, int ni, int kh, int kw, float[] xp, int plane, int pw, int row, float[] y,
                        int yo, int yw, float alpha) {
        for (int b = 0; b < yw; b++) {
            float acc = 0;
            for (int i = 0; i < ni; i++) {
                for (int ky = 0; ky < kh; ky++) {
                    int base = i * plane + (row + ky) * pw + b;
                    int wb = wo + (i * kh + ky) * kw;
                    for (int kx = 0; kx < kw; kx++) {
                        acc = Math.fma(w[wb + kx], xp[base + kx], acc);
                    }
                }
            }
            y[yo + b] = Math.fma(alpha, acc, y[yo + b]);
        }
    }

    @Override
    public void affine(float[] x, int xo, float[] g, int go, int n, float k, float c) {
        for (int i = 0; i < n; i++) {
            g[go + i] = Math.fma(k, x[xo + i], c);
        }
    }

    @Override
    public void sub(float[] h, int ho, float[] g, int go, int n) {
        for (int i = 0; i < n; i++) {
            g[go + i] -= h[ho + i];
        }
    }

    @Override
    public void residual(float[] a, int ao, float[] x, int xo, float[] g, int go, int n, float w, boolean relu) {
        for (int i = 0; i < n; i++) {
            float ai = a[ao + i];
            float rho = relu ? Math.max(ai, 0f) : ai;
            float r = x[xo + i] - rho;
            g[go + i] = Math.fma(w, r, g[go + i]);
            a[ao + i] = relu && !(ai > 0) ? 0f : w * r;
        }
    }

    @Override
    public void gaussian(int k0, int k1, int k2, int k3, int unit0, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = Noise.gaussian(k0, k1, k2, k3, unit0 + i);
        }
    }

    @Override
    public int update(float[] x, int xo, float[] g, int go, float[] z, int n, float dt, float sigma, boolean walls,
                      float lo, float hi, float bound) {
        for (int i = 0; i < n; i++) {
            float v = Math.fma(-dt, g[go + i], x[xo + i]);
            if (z != null) {
                v = Math.fma(sigma, z[i], v);
            }
            if (walls) {
                v = reflect(v, lo, hi);
            }
            x[xo + i] = v;
            if (!(Math.abs(v) <= bound)) {
                return i;
            }
        }
        return -1;
    }

    /** Reflection in the wall that was crossed, then a clamp into [lo, hi] (the vector kernel does the same with blends). */
    static float reflect(float v, float lo, float hi) {
        if (v < lo) {
            v = 2 * lo - v;
        } else if (v > hi) {
            v = 2 * hi - v;
        }
        return Math.min(Math.max(v, lo), hi);
    }
}
