package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vector kernels against the scalar kernels and double-precision sums, on odd lengths and offsets. */
class KernelsTest {
    private final Kernels v = Kernels.load(true);
    private final Kernels s = ScalarKernels.INSTANCE;
    private final Random rnd = new Random(1);

    private float[] r(int n) {
        return TestPrograms.randn(rnd, n, 1);
    }

    @Test
    void vectorKernelsAreLoadedWithTheModule() {
        assumeFalse(Boolean.getBoolean("tdi.sim.expectFallback"), "the scalar-fallback execution has no module");
        assertTrue(v.vectorized(), "this test JVM runs with --add-modules jdk.incubator.vector: " + v.description());
        assertTrue(SimProvider.vectorized());
        assertTrue(new SimProvider().description().contains("Vector API"));
    }

    @Test
    void dotsMatchDoublePrecision() {
        for (int n : new int[] {0, 1, 7, 16, 33, 100, 1001}) {
            float[] w = r(4 * n + 8), x0 = r(n + 3), x1 = r(n + 3), x2 = r(n + 3), x3 = r(n + 3);
            float[][] xs = {x0, x1, x2, x3};
            float[] out = new float[16], out1 = new float[4];
            v.dot4x4(w, 2, n + 1, x0, x1, x2, x3, 3, n, out);
            v.dot4x1(w, 2, n + 1, x1, 3, n, out1);
            for (int row = 0; row < 4; row++) {
                for (int c = 0; c < 4; c++) {
                    double exact = 0;
                    for (int i = 0; i < n; i++) {
                        exact += (double) w[2 + row * (n + 1) + i] * xs[c][3 + i];
                    }
                    double tol = 1e-5 * (1 + Math.sqrt(n) * 4);
                    assertEquals(exact, out[4 * row + c], tol, "dot4x4 n=" + n);
                    // every dot kernel sums a (row, chain) pair in the same order: identical bits
                    assertEquals(out[4 * row + c], v.dot(w, 2 + row * (n + 1), xs[c], 3, n), 0.0, "dot vs dot4x4");
                    assertEquals(exact, s.dot(w, 2 + row * (n + 1), xs[c], 3, n), tol, "scalar dot");
                }
                assertEquals(out[4 * row + 1], out1[row], 0.0, "dot4x1 vs dot4x4");
            }
        }
    }

    @Test
    void axpyAndGatherMatchScalar() {
        for (int n : new int[] {1, 15, 16, 17, 250}) {
            float[] x = r(n + 40), y1 = r(n + 5), y2 = y1.clone();
            v.axpy(0.7f, x, 3, y1, 2, n);
            s.axpy(0.7f, x, 3, y2, 2, n);
            assertArrayEquals(y2, y1, "axpy n=" + n);
            v.axpy4(0.1f, -0.2f, 0.3f, 0.4f, x, 0, 5, 9, 13, y1, 1, n);
            s.axpy4(0.1f, -0.2f, 0.3f, 0.4f, x, 0, 5, 9, 13, y2, 1, n);
            assertArrayEquals(y2, y1, "axpy4 n=" + n);
            int[] idx = new int[n + 2];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = rnd.nextInt(n + 30);
            }
            float[] val = r(n + 2);
            double exact = 0;
            for (int k = 1; k < n + 1; k++) {
                exact += (double) val[k] * x[4 + idx[k]];
            }
            assertEquals(exact, v.gatherDot(val, idx, 1, n + 1, x, 4), 1e-4 * (1 + Math.sqrt(n)), "gather n=" + n);
        }
    }

    @Test
    void sparseRowsGiveTheSameBitsForOneChainOrMany() {
        int n = 23, cols = 50;
        float[] val = r(n);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = rnd.nextInt(cols);
        }
        for (int chains : new int[] {1, 3, 8, 16, 21}) {
            float[][] x = new float[chains][];
            float[] xt = new float[cols * chains];
            for (int c = 0; c < chains; c++) {
                x[c] = r(cols);
                for (int u = 0; u < cols; u++) {
                    xt[u * chains + c] = x[c][u];
                }
            }
            float[] out = new float[chains], outS = new float[chains];
            v.gatherDotChains(val, idx, 1, n, xt, chains, out);
            s.gatherDotChains(val, idx, 1, n, xt, chains, outS);
            for (int c = 0; c < chains; c++) {
                assertEquals(v.gatherDot(val, idx, 1, n, x[c], 0), out[c], 0.0, "chains " + chains);
                assertEquals(out[c], outS[c], 0.0, "scalar, chains " + chains);
            }
        }
    }

    @Test
    void updateReflectsLikeTheScalarPathAndFindsTheFirstBadUnit() {
        int n = 53;
        float[] x = r(n), g = r(n), z = r(n);
        float[] x1 = x.clone(), x2 = x.clone();
        assertEquals(-1, v.update(x1, 0, g, 0, z, n, 0.3f, 0.8f, true, -0.2f, 0.5f, 100f));
        assertEquals(-1, s.update(x2, 0, g, 0, z, n, 0.3f, 0.8f, true, -0.2f, 0.5f, 100f));
        assertArrayEquals(x2, x1);
        for (float f : x1) {
            assertTrue(f >= -0.2f && f <= 0.5f);
        }
        // reflection, not projection: x = 0.1 stepped to 0.6 lands at 0.4
        float[] one = {0.1f};
        v.update(one, 0, new float[] {-1f}, 0, null, 1, 0.5f, 0, true, -0.2f, 0.5f, 100f);
        assertEquals(0.4f, one[0], 1e-6f);
        float[] big = new float[40];
        big[37] = 1e9f;
        assertEquals(37, v.update(big.clone(), 0, new float[40], 0, null, 40, 0.1f, 0, false, 0, 0, 1e6f));
        big[37] = 0;
        big[21] = Float.NaN;
        assertEquals(21, v.update(big, 0, new float[40], 0, null, 40, 0.1f, 0, false, 0, 0, 1e6f));
    }

    @Test
    void convRowMatchesScalarBitForBit() {
        for (int yw : new int[] {3, 16, 45, 70}) {
            int ni = 2, kh = 3, kw = 3, pw = yw + 2, plane = 5 * pw;
            float[] w = r(ni * kh * kw + 4), xp = r(ni * plane + 300), y1 = r(yw + 9), y2 = y1.clone();
            v.convRow(w, 2, ni, kh, kw, xp, plane, pw, 1, y1, 4, yw, -0.7f);
            s.convRow(w, 2, ni, kh, kw, xp, plane, pw, 1, y2, 4, yw, -0.7f);
            assertArrayEquals(y2, y1, "yw=" + yw);
            assertEquals(y2[4 + yw], y1[4 + yw], 0.0, "no write past the row");
        }
    }

    @Test
    void residualKernelMatchesScalar() {
        int n = 37;
        float[] x = r(n), a1 = r(n), g1 = r(n);
        float[] a2 = a1.clone(), g2 = g1.clone();
        a1[5] = 0;
        a2[5] = 0;
        v.residual(a1, 0, x, 0, g1, 0, n, 1.5f, true);
        s.residual(a2, 0, x, 0, g2, 0, n, 1.5f, true);
        assertArrayEquals(a2, a1);
        assertArrayEquals(g2, g1);
        assertEquals(0f, a1[5], "relu'(0) = 0");
    }
}
