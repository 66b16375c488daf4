package dev.tdi.kernels.gemm;

/**
 * Single-precision matrix products (the U-Net's convolutions, the simulator's conv operators), on the kernel
 * {@link GemmProvider} chose for this JVM.
 * All products <em>accumulate</em> into C and sum in a fixed order (see {@link GemmKernel}); none starts threads.
 */
public final class Gemm {
    private static final GemmKernel KERNEL = GemmProvider.select();

    private Gemm() {
    }

    /** The kernel in use. */
    public static GemmKernel kernel() {
        return KERNEL;
    }

    /** c[m][n] += sum_k a[m][k] b[k][n]; a is M x K, b is K x N, c is M x N, all row-major at the offsets. */
    public static void nn(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        KERNEL.gemm(M, N, K, a, ao, K, 1, b, bo, N, 1, c, co, N);
    }

    /** c[m][n] += sum_k a[k][m] b[k][n]; a is stored K x M (so this multiplies by its transpose). */
    public static void tn(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        KERNEL.gemm(M, N, K, a, ao, 1, M, b, bo, N, 1, c, co, N);
    }

    /** c[m][n] += sum_k a[m][k] b[n][k]; a is M x K, b is N x K (dot products along k). */
    public static void nt(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        KERNEL.gemm(M, N, K, a, ao, K, 1, b, bo, 1, K, c, co, N);
    }

    /** Floats {@link GemmKernel#gemmRows} may read past the end of a B row (a 512-bit vector less one float). */
    public static final int ROW_SLACK = 15;

    /** C(m, n) += sum_k A(m, k) b[bRows[k] + n], A row-major M x K (see {@link GemmKernel#gemmRows}). */
    public static void rows(int M, int N, int K, float[] a, int ao, float[] b, int[] bRows, float[] c, int co) {
        KERNEL.gemmRows(M, N, K, a, ao, K, 1, b, bRows, c, co, N);
    }

    static void checkRows(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int[] bRows,
                          float[] c, int co, int ldc) {
        if (bRows.length < K) {
            throw new IllegalArgumentException("gemm: " + bRows.length + " B row offsets for K = " + K);
        }
        if (M < 0 || N < 0 || K < 0 || ams < 0 || aks < 0 || ldc < N) {
            throw new IllegalArgumentException("gemm: negative size or stride, or ldc < N: M=" + M + " N=" + N
                    + " K=" + K + " strides a " + ams + "," + aks + " ldc " + ldc);
        }
        if (M == 0 || N == 0 || K == 0) {
            return;
        }
        check("A", a.length, ao, ao + (long) (M - 1) * ams + (long) (K - 1) * aks);
        check("C", c.length, co, co + (long) (M - 1) * ldc + N - 1);
        for (int k = 0; k < K; k++) {
            check("B row " + k, b.length - ROW_SLACK, bRows[k], (long) bRows[k] + N - 1);
        }
    }

    /** Throws a one-line IndexOutOfBoundsException when a product would read or write outside its arrays. */
    static void checkBounds(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int bo, int bks,
                            int bns, float[] c, int co, int ldc) {
        if (M < 0 || N < 0 || K < 0 || ams < 0 || aks < 0 || bks < 0 || bns < 0 || ldc < N) {
            throw new IllegalArgumentException("gemm: negative size or stride, or ldc < N: M=" + M + " N=" + N
                    + " K=" + K + " strides a " + ams + "," + aks + " b " + bks + "," + bns + " ldc " + ldc);
        }
        if (M == 0 || N == 0 || K == 0) {
            return;
        }
        check("A", a.length, ao, ao + (long) (M - 1) * ams + (long) (K - 1) * aks);
        check("B", b.length, bo, bo + (long) (K - 1) * bks + (long) (N - 1) * bns);
        check("C", c.length, co, co + (long) (M - 1) * ldc + N - 1);
    }

    private static void check(String what, int length, int first, long last) {
        if (first < 0 || last >= length) {
            throw new IndexOutOfBoundsException("gemm: " + what + " spans [" + first + ", " + last + "] but has "
                    + length + " elements");
        }
    }
}
