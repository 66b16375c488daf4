package dev.tdi.kernels.gemm;

/**
 * The plain-Java fallback: an m-k-n loop (the innermost loop runs along a row of B and C, so the JIT can still
 * auto-vectorise it when B's rows are contiguous). Used when the Vector API is missing or too narrow.
 */
final class ScalarGemm implements GemmKernel {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void gemm(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int bo, int bks, int bns,
                     float[] c, int co, int ldc) {
        Gemm.checkBounds(M, N, K, a, ao, ams, aks, b, bo, bks, bns, c, co, ldc);
        for (int m = 0; m < M; m++) {
            int cr = co + m * ldc;
            for (int k = 0; k < K; k++) {
                float av = a[ao + m * ams + k * aks];
                int br = bo + k * bks;
                if (bns == 1) {
                    for (int n = 0; n < N; n++) {
                        c[cr + n] += av * b[br + n];
                    }
                } else {
                    for (int n = 0; n < N; n++) {
                        c[cr + n] += av * b[br + n * bns];
                    }
                }
            }
        }
    }

    @Override
    public void gemmRows(int M, int N, int K, float[] a, int ao, int ams, int aks, float[] b, int[] bRows,
                         float[] c, int co, int ldc) {
        Gemm.checkRows(M, N, K, a, ao, ams, aks, b, bRows, c, co, ldc);
        for (int m = 0; m < M; m++) {
            int cr = co + m * ldc;
            for (int k = 0; k < K; k++) {
                float av = a[ao + m * ams + k * aks];
                int br = bRows[k];
                for (int n = 0; n < N; n++) {
                    c[cr + n] += av * b[br + n];
                }
            }
        }
    }
}
