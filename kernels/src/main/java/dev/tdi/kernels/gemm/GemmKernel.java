package dev.tdi.kernels.gemm;

/**
 * One implementation of the single-precision matrix product the convolutions of the U-Net and the simulator run on:
 * {@code C += A B} with A and B read through strides, so one entry point serves A B, A^T B and A B^T.
 *
 * <p>A(m, k) = {@code a[ao + m*ams + k*aks]}, B(k, n) = {@code b[bo + k*bks + n*bns]}, and C is row-major:
 * C(m, n) = {@code c[co + m*ldc + n]}. Every implementation sums in a fixed order that depends only on the sizes,
 * never on threads or timing, and runs on the calling thread only (callers parallelise over independent products).
 */
public interface GemmKernel {
    /** A short name for reports: {@code "vector-512"}, {@code "scalar"}. */
    String name();

    /** C(m, n) += sum_k A(m, k) B(k, n) for m &lt; M, n &lt; N, k &lt; K (see the class comment for the layouts). */
    void gemm(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int bo, int bks, int bns,
              float[] c, int co, int ldc);

    /**
     * C(m, n) += sum_k A(m, k) B(k, n) with B's rows anywhere in {@code b}: B(k, n) = {@code b[bRows[k] + n]}.
     * This is the implicit GEMM of a stride-1 convolution over a zero-padded image (row k is the tap's shifted
     * view, no patch matrix). {@code b} must hold {@link Gemm#ROW_SLACK} floats past every row's end (vector
     * kernels read whole vectors; the extra lanes never reach C).
     */
    void gemmRows(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int[] bRows, float[] c,
                  int co, int ldc);
}
