package dev.tdi.kernels.gemm;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Both kernels (scalar always; vector when the JVM has jdk.incubator.vector, as the build's tests do) against a
 * double-precision reference, on sizes that are not multiples of the lane count, the 4-row tile, the 3-vector strip
 * or the k block, in the three layouts the U-Net uses (A B, A^T B, A B^T), at non-zero offsets and accumulating
 * into a non-zero C, with B packed and (when B's rows are contiguous and the array has room for whole vectors past
 * the last column) read in place.
 *
 * <p>Bound: any order of summing K float products into c0 is within (K + 2) u (|c0| + sum_k |a_mk b_kn|) of the
 * exact value, u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5, with one more
 * rounding for adding the block sum to c0); the reference itself is double (error ~1e-16 relative, negligible).
 */
class GemmTest {
    private static final int[] AWKWARD = {1, 3, 17, 33, 65};
    private static final double U = Math.ulp(1.0f) / 2;

    static Stream<GemmKernel> kernels() {
        List<GemmKernel> k = new ArrayList<>();
        k.add(GemmProvider.scalar());
        GemmProvider.vector().ifPresent(k::add);
        return k.stream();
    }

    /** Under -Dtdi.gemm.bits (the 256-bit run of the build), skip where the machine's vectors are narrower. */
    @BeforeAll
    static void widthIsAvailable() {
        String bits = System.getProperty("tdi.gemm.bits");
        assumeTrue(bits == null || Integer.parseInt(bits) <= FloatVector.SPECIES_PREFERRED.vectorBitSize(),
                "this machine's vectors are narrower than -Dtdi.gemm.bits=" + bits);
    }

    @Test
    void theRequestedWidthIsTheOneInUse() {
        String bits = System.getProperty("tdi.gemm.bits");
        String expected = "vector-" + (bits == null ? FloatVector.SPECIES_PREFERRED.vectorBitSize() : bits);
        assertTrue(GemmProvider.vector().orElseThrow().name().startsWith(expected),
                GemmProvider.vector().orElseThrow().name());
    }

    @Test
    void theBuildTestsTheVectorKernel() {
        assertTrue(GemmProvider.vector().isPresent(), "the unet tests run with --add-modules jdk.incubator.vector,"
                + " so both kernels are tested");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void awkwardSizesMatchTheDoubleReference(GemmKernel kernel) {
        SplittableRandom r = new SplittableRandom(13);
        for (int m : AWKWARD) {
            for (int n : AWKWARD) {
                for (int k : AWKWARD) {
                    for (Layout layout : Layout.values()) {
                        check(kernel, layout, m, n, k, r, 0);
                        check(kernel, layout, m, n, k, r, 64);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theUNetShapesAndLargeBlocksMatchTheDoubleReference(GemmKernel kernel) {
        SplittableRandom r = new SplittableRandom(14);
        // conv forward (C_out x P x 9 C_in), input gradient (9 C_in x P x C_out), weight gradient (C_out x 9 C_in
        // x P), the 1-channel output layer, and sizes past the k block (192) and column block (1536)
        int[][] shapes = {{16, 784, 144}, {64, 49, 576}, {288, 196, 32}, {1, 784, 144}, {32, 288, 196},
            {5, 1600, 400}, {67, 1537, 193}};
        for (int[] s : shapes) {
            for (Layout layout : Layout.values()) {
                check(kernel, layout, s[0], s[1], s[2], r, 64);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void rowsAnywhereInBMatchTheDoubleReference(GemmKernel kernel) {
        SplittableRandom r = new SplittableRandom(16);
        int[][] shapes = {{1, 1, 1}, {3, 17, 5}, {17, 33, 65}, {16, 840, 144}, {5, 1600, 400}, {65, 3, 193}};
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2], ao = 2, co = 3;
            float[] a = random(r, ao + m * k), b = random(r, 2 * n + 40 + Gemm.ROW_SLACK);
            float[] c = random(r, co + m * n), c0 = c.clone();
            int[] rows = new int[k];
            for (int p = 0; p < k; p++) {
                rows[p] = r.nextInt(n + 40); // overlapping, unordered rows, as a convolution's taps are
            }
            kernel.gemmRows(m, n, k, a, ao, k, 1, b, rows, c, co, n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = c0[co + i * n + j], mag = Math.abs(exact);
                    for (int p = 0; p < k; p++) {
                        double x = (double) a[ao + i * k + p] * b[rows[p] + j];
                        exact += x;
                        mag += Math.abs(x);
                    }
                    double err = Math.abs(c[co + i * n + j] - exact), bound = (k + 2) * U * mag;
                    assertTrue(err <= bound, kernel.name() + " rows " + m + "x" + n + "x" + k + " at (" + i + ","
                            + j + "): error " + err + " > bound " + bound);
                }
            }
        }
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> kernel.gemmRows(1, 4, 1,
                new float[1], 0, 1, 1, new float[4 + Gemm.ROW_SLACK], new int[]{1}, new float[4], 0, 4));
        assertTrue(e.getMessage().contains("B row 0 spans [1, 4]"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theSameInputsGiveTheSameBitsOnAnyThread(GemmKernel kernel) throws Exception {
        SplittableRandom r = new SplittableRandom(15);
        int m = 33, n = 197, k = 401;
        float[] a = random(r, m * k), b = random(r, k * n);
        float[] c1 = new float[m * n];
        kernel.gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c1, 0, n);
        float[][] c2 = new float[4][m * n];
        Thread[] ts = new Thread[4];
        for (int i = 0; i < ts.length; i++) {
            int ii = i;
            ts[i] = new Thread(() -> kernel.gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c2[ii], 0, n));
            ts[i].start();
        }
        for (int i = 0; i < ts.length; i++) {
            ts[i].join();
            assertArrayEquals(c1, c2[i], "thread " + i);
        }
    }

    @Test
    void badBoundsAndOverridesGiveOneLineErrors() {
        GemmKernel s = GemmProvider.scalar();
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> s.gemm(2, 2, 2, new float[3], 0, 2, 1, new float[4], 0, 2, 1, new float[4], 0, 2));
        assertTrue(e.getMessage().contains("A spans [0, 3] but has 3 elements"), e.getMessage());
        String old = System.getProperty(GemmProvider.PROPERTY);
        try {
            System.setProperty(GemmProvider.PROPERTY, "fast");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, GemmProvider::select);
            assertEquals("-Dtdi.gemm=fast: accepted auto, vector, scalar", bad.getMessage());
            System.setProperty(GemmProvider.PROPERTY, "scalar");
            assertEquals("scalar", GemmProvider.select().name());
            System.setProperty(GemmProvider.PROPERTY, "auto");
            assertEquals(GemmProvider.vectorUnsuitable().isEmpty() ? "vector" : "scalar",
                    GemmProvider.select().name().substring(0, 6));
        } finally {
            if (old == null) {
                System.clearProperty(GemmProvider.PROPERTY);
            } else {
                System.setProperty(GemmProvider.PROPERTY, old);
            }
        }
    }

    /** The three ways the U-Net's convolutions read A and B. */
    private enum Layout { NN, TN, NT }

    /** One product; {@code bPad} floats after B let the vector kernel read B in place (0: it must pack B). */
    private static void check(GemmKernel kernel, Layout layout, int m, int n, int k, SplittableRandom r, int bPad) {
        int ao = 3, bo = 5, co = 7;
        float[] a = random(r, ao + m * k), b = random(r, bo + k * n + bPad), c = random(r, co + m * n + 2);
        float[] c0 = c.clone();
        int ams = layout == Layout.TN ? 1 : k, aks = layout == Layout.TN ? m : 1;
        int bks = layout == Layout.NT ? 1 : n, bns = layout == Layout.NT ? k : 1;
        kernel.gemm(m, n, k, a, ao, ams, aks, b, bo, bks, bns, c, co, n);
        for (int i = 0; i < co; i++) {
            assertEquals(c0[i], c[i], "C before the offset is untouched");
        }
        for (int i = co + m * n; i < c.length; i++) {
            assertEquals(c0[i], c[i], "C after the product is untouched");
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = c0[co + i * n + j], mag = Math.abs(c0[co + i * n + j]);
                for (int p = 0; p < k; p++) {
                    double x = (double) a[ao + i * ams + p * aks] * b[bo + p * bks + j * bns];
                    exact += x;
                    mag += Math.abs(x);
                }
                double err = Math.abs(c[co + i * n + j] - exact), bound = (k + 2) * U * mag;
                if (err > bound) {
                    throw new AssertionError(kernel.name() + " " + layout + " " + m + "x" + n + "x" + k + " at ("
                            + i + "," + j + "): error " + err + " > bound " + bound);
                }
            }
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }
}
