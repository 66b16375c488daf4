package dev.tdi.unet;

import java.util.Arrays;

/**
 * The dense kernels behind the U-Net: three row-major matrix products and the {@code im2col}/{@code col2im} pair
 * that turns 2-D convolutions and transposed convolutions into them.
 *
 * <p>The products run on the Vector API ({@code VectorKernels}) when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (the ./tdi launcher and the tests do so), and on plain scalar loops
 * otherwise (see {@link #vectorized()}): slower, same results up to float rounding.
 *
 * <p>All products <em>accumulate</em> into {@code c}. Every loop has a fixed order, so a result depends only on
 * the inputs (and on the machine's vector width), never on threads.
 */
public final class Kernels {
    private static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("tdi.unet.scalar");

    private Kernels() {
    }

    /** Whether the Vector API is in use (false: scalar fallback, or -Dtdi.unet.scalar=true). */
    public static boolean vectorized() {
        return VECTOR;
    }

    /** c[m][n] += sum_k a[m][k] b[k][n]; a is M x K, b is K x N, c is M x N, all row-major at the offsets. */
    public static void mmNN(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        if (VECTOR) {
            VectorKernels.mmNN(M, N, K, a, ao, b, bo, c, co);
        } else {
            scalarMm(M, N, K, a, ao, K, 1, b, bo, c, co);
        }
    }

    /** c[m][n] += sum_k a[k][m] b[k][n]; a is stored K x M (so this multiplies by its transpose). */
    public static void mmTN(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        if (VECTOR) {
            VectorKernels.mmTN(M, N, K, a, ao, b, bo, c, co);
        } else {
            scalarMm(M, N, K, a, ao, 1, M, b, bo, c, co);
        }
    }

    /** c[m][n] += sum_k a[m][k] b[n][k]; a is M x K, b is N x K (dot products along k). */
    public static void mmNT(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        if (VECTOR) {
            VectorKernels.mmNT(M, N, K, a, ao, b, bo, c, co);
            return;
        }
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                float s = 0;
                for (int k = 0; k < K; k++) {
                    s += a[ao + m * K + k] * b[bo + n * K + k];
                }
                c[co + m * N + n] += s;
            }
        }
    }

    private static void scalarMm(int M, int N, int K, float[] a, int ao, int sm, int sk, float[] b, int bo,
                                 float[] c, int co) {
        for (int m = 0; m < M; m++) {
            int cr = co + m * N;
            for (int k = 0; k < K; k++) {
                float av = a[ao + m * sm + k * sk];
                int br = bo + k * N;
                for (int n = 0; n < N; n++) {
                    c[cr + n] += av * b[br + n];
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
                    for (int y = 0; y < chh; y++) {
                        int iy = y * s - p + ky;
                        int rr = row + y * cww;
                        if (iy < 0 || iy >= sh) {
                            Arrays.fill(col, rr, rr + cww, 0f);
                            continue;
                        }
                        int base = so + (c * sh + iy) * sw;
                        for (int x = 0; x < cww; x++) {
                            int ix = x * s - p + kx;
                            col[rr + x] = (ix >= 0 && ix < sw) ? src[base + ix] : 0f;
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
                    for (int y = 0; y < chh; y++) {
                        int iy = y * s - p + ky;
                        if (iy < 0 || iy >= dh) {
                            continue;
                        }
                        int base = dOff + (c * dh + iy) * dw;
                        int rr = row + y * cww;
                        for (int x = 0; x < cww; x++) {
                            int ix = x * s - p + kx;
                            if (ix >= 0 && ix < dw) {
                                dst[base + ix] += col[rr + x];
                            }
                        }
                    }
                }
            }
        }
    }
}
