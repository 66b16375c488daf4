package dev.tdi.unet;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The matrix products of {@link Kernels} with the Vector API; loaded only when jdk.incubator.vector is present. */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorKernels() {
    }

    /** c[m][n] += sum_k a[m][k] b[k][n]; a is M x K, b is K x N, c is M x N, all row-major at the offsets. */
    static void mmNN(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        mm(M, N, K, a, ao, K, 1, b, bo, c, co);
    }

    /** c[m][n] += sum_k a[k][m] b[k][n]; a is stored K x M (so this multiplies by its transpose). */
    static void mmTN(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        mm(M, N, K, a, ao, 1, M, b, bo, c, co);
    }

    /** Shared body: a(m,k) = a[ao + m*sm + k*sk]. Four rows of c at a time, vectorised along n. */
    private static void mm(int M, int N, int K, float[] a, int ao, int sm, int sk, float[] b, int bo,
                           float[] c, int co) {
        int nv = N - N % L;
        int m = 0;
        for (; m + 4 <= M; m += 4) {
            int a0 = ao + m * sm, a1 = a0 + sm, a2 = a1 + sm, a3 = a2 + sm;
            for (int n = 0; n < nv; n += L) {
                FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
                for (int k = 0; k < K; k++) {
                    FloatVector bv = FloatVector.fromArray(S, b, bo + k * N + n);
                    int ks = k * sk;
                    c0 = bv.fma(FloatVector.broadcast(S, a[a0 + ks]), c0);
                    c1 = bv.fma(FloatVector.broadcast(S, a[a1 + ks]), c1);
                    c2 = bv.fma(FloatVector.broadcast(S, a[a2 + ks]), c2);
                    c3 = bv.fma(FloatVector.broadcast(S, a[a3 + ks]), c3);
                }
                int r = co + m * N + n;
                FloatVector.fromArray(S, c, r).add(c0).intoArray(c, r);
                FloatVector.fromArray(S, c, r + N).add(c1).intoArray(c, r + N);
                FloatVector.fromArray(S, c, r + 2 * N).add(c2).intoArray(c, r + 2 * N);
                FloatVector.fromArray(S, c, r + 3 * N).add(c3).intoArray(c, r + 3 * N);
            }
            for (int n = nv; n < N; n++) {
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int k = 0; k < K; k++) {
                    float bv = b[bo + k * N + n];
                    int ks = k * sk;
                    s0 += a[a0 + ks] * bv;
                    s1 += a[a1 + ks] * bv;
                    s2 += a[a2 + ks] * bv;
                    s3 += a[a3 + ks] * bv;
                }
                int r = co + m * N + n;
                c[r] += s0;
                c[r + N] += s1;
                c[r + 2 * N] += s2;
                c[r + 3 * N] += s3;
            }
        }
        for (; m < M; m++) {
            int a0 = ao + m * sm;
            for (int n = 0; n < nv; n += L) {
                FloatVector c0 = FloatVector.zero(S);
                for (int k = 0; k < K; k++) {
                    FloatVector bv = FloatVector.fromArray(S, b, bo + k * N + n);
                    c0 = bv.fma(FloatVector.broadcast(S, a[a0 + k * sk]), c0);
                }
                int r = co + m * N + n;
                FloatVector.fromArray(S, c, r).add(c0).intoArray(c, r);
            }
            for (int n = nv; n < N; n++) {
                float s0 = 0;
                for (int k = 0; k < K; k++) {
                    s0 += a[a0 + k * sk] * b[bo + k * N + n];
                }
                c[co + m * N + n] += s0;
            }
        }
    }

    /** c[m][n] += sum_k a[m][k] b[n][k]; a is M x K, b is N x K (dot products along k). */
    static void mmNT(int M, int N, int K, float[] a, int ao, float[] b, int bo, float[] c, int co) {
        int kv = K - K % L;
        // Lane sums in a fixed lane order: reduceLanes(ADD) leaves the order unspecified, and the interpreter and
        // the JIT-compiled intrinsic do differ, which made results depend on warm-up (and so on thread count).
        float[] lanes = new float[4 * L];
        for (int m = 0; m < M; m++) {
            int ar = ao + m * K;
            int n = 0;
            for (; n + 4 <= N; n += 4) {
                int b0 = bo + n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int k = 0; k < kv; k += L) {
                    FloatVector av = FloatVector.fromArray(S, a, ar + k);
                    s0 = av.fma(FloatVector.fromArray(S, b, b0 + k), s0);
                    s1 = av.fma(FloatVector.fromArray(S, b, b1 + k), s1);
                    s2 = av.fma(FloatVector.fromArray(S, b, b2 + k), s2);
                    s3 = av.fma(FloatVector.fromArray(S, b, b3 + k), s3);
                }
                s0.intoArray(lanes, 0);
                s1.intoArray(lanes, L);
                s2.intoArray(lanes, 2 * L);
                s3.intoArray(lanes, 3 * L);
                float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
                for (int i = 0; i < L; i++) {
                    t0 += lanes[i];
                    t1 += lanes[L + i];
                    t2 += lanes[2 * L + i];
                    t3 += lanes[3 * L + i];
                }
                for (int k = kv; k < K; k++) {
                    float av = a[ar + k];
                    t0 += av * b[b0 + k];
                    t1 += av * b[b1 + k];
                    t2 += av * b[b2 + k];
                    t3 += av * b[b3 + k];
                }
                int r = co + m * N + n;
                c[r] += t0;
                c[r + 1] += t1;
                c[r + 2] += t2;
                c[r + 3] += t3;
            }
            for (; n < N; n++) {
                int b0 = bo + n * K;
                FloatVector s0 = FloatVector.zero(S);
                for (int k = 0; k < kv; k += L) {
                    s0 = FloatVector.fromArray(S, a, ar + k).fma(FloatVector.fromArray(S, b, b0 + k), s0);
                }
                s0.intoArray(lanes, 0);
                float t0 = 0;
                for (int i = 0; i < L; i++) {
                    t0 += lanes[i];
                }
                for (int k = kv; k < K; k++) {
                    t0 += a[ar + k] * b[b0 + k];
                }
                c[co + m * N + n] += t0;
            }
        }
    }
}
