package dev.tdi.unet;

import dev.tdi.kernels.gemm.Gemm;
import dev.tdi.kernels.gemm.GemmProvider;

import java.util.Arrays;

/**
 * The dense kernels behind the U-Net: three row-major matrix products and the {@code im2col}/{@code col2im} pair
 * (and {@code im2row}, the transposed gather) that turns 2-D convolutions and transposed convolutions into them.
 *
 * <p>The products run on {@link Gemm} (package {@code dev.tdi.kernels.gemm}): a packed, cache-blocked, register-tiled
 * Vector API kernel when the JVM was started with {@code --add-modules jdk.incubator.vector} (the ./tdi launcher
 * and the tests do so), a scalar loop otherwise ({@link GemmProvider}); same results up to float rounding.
 *
 * <p>All products <em>accumulate</em> into {@code c}. Every loop has a fixed order, so a result depends only on
 * the inputs (and on the machine's vector width), never on threads.
 */
public final class Kernels {
    private Kernels() {
    }

    /** Whether the Vector API kernel is in use (false: scalar fallback, or -Dtdi.gemm=scalar). */
    public static boolean vectorized() {
        return !Gemm.kernel().name().equals("scalar");
    }

    /** c[m][n] += sum_k a[m][k] b[k][n]; a is M x K, b is K x N, c is M x N, all row-major at the offsets. */
    public static void mmNN(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        Gemm.nn(M, N, K, a, ao, b, bo, c, co);
    }

    /** c[m][n] += sum_k a[k][m] b[k][n]; a is stored K x M (so this multiplies by its transpose). */
    public static void mmTN(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        Gemm.tn(M, N, K, a, ao, b, bo, c, co);
    }

    /** c[m][n] += sum_k a[m][k] b[n][k]; a is M x K, b is N x K (dot products along k). */
    public static void mmNT(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        Gemm.nt(M, N, K, a, ao, b, bo, c, co);
    }

    /** Per-thread scratch of {@link #convSame}, grown on demand. */
    public static final class ConvScratch {
        private float[] pad = new float[0];
        private float[] wide = new float[0];
        private int[] rows = new int[0];
    }

    /**
     * A same-size stride-1 convolution (odd k, padding k/2), accumulated into out:
     * out[o][y][x] += sum w[o][c][ky][kx] src[c][y - k/2 + ky][x - k/2 + kx] (0 outside), w row-major
     * [outC][C k k] at wo. An implicit GEMM: src is copied once into a zero-padded image of width W + k - 1, and
     * the product reads each tap's row straight from it (tap (c, ky, kx) of output pixel n = y (W + k - 1) + x is
     * padded[c][y + ky][x + kx], a shifted contiguous row), over an output grid k - 1 columns wider than the image
     * whose extra columns are dropped; no patch matrix is written.
     */
    public static void convSame(float[] w, int wo, int outC, float[] src, int so, int C, int h, int wd, int k,
                                float[] out, int oo, ConvScratch s) {
        int p = k / 2, hp = h + 2 * p, wp = wd + 2 * p, plane = hp * wp, K = C * k * k, N = h * wp;
        int padLen = C * plane + k + Gemm.ROW_SLACK;
        if (s.pad.length < padLen) {
            s.pad = new float[padLen];
        }
        if (s.wide.length < outC * N) {
            s.wide = new float[outC * N];
        }
        if (s.rows.length < K) {
            s.rows = new int[K];
        }
        float[] pad = s.pad, wide = s.wide;
        int[] rows = s.rows;
        Arrays.fill(pad, 0, padLen, 0f);
        for (int c = 0; c < C; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(src, so + (c * h + y) * wd, pad, c * plane + (y + p) * wp + p, wd);
            }
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    rows[(c * k + ky) * k + kx] = c * plane + ky * wp + kx;
                }
            }
        }
        Arrays.fill(wide, 0, outC * N, 0f);
        Gemm.rows(outC, N, K, w, wo, pad, rows, wide, 0);
        for (int o = 0; o < outC; o++) {
            for (int y = 0; y < h; y++) {
                int d = oo + (o * h + y) * wd, q = o * N + y * wp;
                for (int x = 0; x < wd; x++) {
                    out[d + x] += wide[q + x];
                }
            }
        }
    }

    /**
     * The transposed gather: row[(y*cw + x) * C*k*k + (ch*k + ky)*k + kx] = src[ch][y*s - p + ky][x*s - p + kx]
     * (0 outside), so that a weight gradient g (C_out x P) times row (P x C k k) is a plain A B product whose B
     * rows are contiguous (cheaper to pack than im2col's transpose). Overwrites row.
     */
    public static void im2row(float[] src, int so, int C, int sh, int sw, int k, int s, int p, int chh, int cww,
                              float[] row) {
        int kk = C * k * k;
        // one output row y at a time (its cww x kk block is L1-sized); innermost over x with a fixed stride, no
        // per-element bounds test: the in-range x run of each tap is computed once
        for (int y = 0; y < chh; y++) {
            int r0 = y * cww * kk;
            for (int c = 0; c < C; c++) {
                for (int ky = 0; ky < k; ky++) {
                    int iy = y * s - p + ky;
                    for (int kx = 0; kx < k; kx++) {
                        int col = r0 + (c * k + ky) * k + kx;
                        if (iy < 0 || iy >= sh) {
                            for (int x = 0; x < cww; x++) {
                                row[col + x * kk] = 0f;
                            }
                            continue;
                        }
                        int x0 = firstInside(p - kx, s), x1 = Math.min(cww, lastInside(sw - 1 + p - kx, s) + 1);
                        int base = so + (c * sh + iy) * sw + kx - p;
                        for (int x = 0; x < Math.min(x0, cww); x++) {
                            row[col + x * kk] = 0f;
                        }
                        for (int x = x0; x < x1; x++) {
                            row[col + x * kk] = src[base + x * s];
                        }
                        for (int x = Math.max(x1, x0); x < cww; x++) {
                            row[col + x * kk] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Gathers patches: col[(ch*k + ky)*k + kx][y*cw + x] = src[ch][y*s - p + ky][x*s - p + kx] (0 outside), for
     * a source of C x sh x sw and a column grid of ch x cw positions. Overwrites col.
     */
    public static void im2col(float[] src, int so, int C, int sh, int sw, int k, int s, int p, int chh, int cww,
                              float[] col) {
        int P = chh * cww;
        for (int c = 0; c < C; c++) {
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int row = ((c * k + ky) * k + kx) * P;
                    // the x range whose source column x*s - p + kx lies inside [0, sw)
                    int x0 = firstInside(p - kx, s), x1 = Math.min(cww, lastInside(sw - 1 + p - kx, s) + 1);
                    for (int y = 0; y < chh; y++) {
                        int iy = y * s - p + ky;
                        int rr = row + y * cww;
                        if (iy < 0 || iy >= sh || x1 <= x0) {
                            Arrays.fill(col, rr, rr + cww, 0f);
                            continue;
                        }
                        int base = so + (c * sh + iy) * sw + kx - p;
                        // the padding runs are 0-2 floats: plain loops, cheaper than Arrays.fill calls
                        for (int x = 0; x < x0; x++) {
                            col[rr + x] = 0f;
                        }
                        if (s == 1) {
                            System.arraycopy(src, base + x0, col, rr + x0, x1 - x0);
                        } else {
                            for (int x = x0; x < x1; x++) {
                                col[rr + x] = src[base + x * s];
                            }
                        }
                        for (int x = x1; x < cww; x++) {
                            col[rr + x] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: dst[ch][y*s-p+ky][x*s-p+kx] += col[...][y*cw+x]. Accumulates into dst. */
    public static void col2im(float[] col, int C, int dh, int dw, int k, int s, int p, int chh, int cww,
                              float[] dst, int dOff) {
        int P = chh * cww;
        for (int c = 0; c < C; c++) {
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int row = ((c * k + ky) * k + kx) * P;
                    int x0 = firstInside(p - kx, s), x1 = Math.min(cww, lastInside(dw - 1 + p - kx, s) + 1);
                    for (int y = 0; y < chh; y++) {
                        int iy = y * s - p + ky;
                        if (iy < 0 || iy >= dh) {
                            continue;
                        }
                        int base = dOff + (c * dh + iy) * dw + kx - p;
                        int rr = row + y * cww;
                        if (s == 1) {
                            for (int x = x0; x < x1; x++) {
                                dst[base + x] += col[rr + x];
                            }
                        } else {
                            for (int x = x0; x < x1; x++) {
                                dst[base + x * s] += col[rr + x];
                            }
                        }
                    }
                }
            }
        }
    }

    /** The smallest x &gt;= 0 with x*s &gt;= lo (lo may be negative). */
    private static int firstInside(int lo, int s) {
        return lo <= 0 ? 0 : (lo + s - 1) / s;
    }

    /** The largest x with x*s &lt;= hi, or -1 when hi &lt; 0. */
    private static int lastInside(int hi, int s) {
        return hi < 0 ? -1 : hi / s;
    }
}
