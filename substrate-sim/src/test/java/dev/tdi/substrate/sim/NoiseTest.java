package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The counter-based Gaussian generator: same bits on both paths, and the right distribution. */
class NoiseTest {
    static final int N = 1 << 20;

    @Test
    void vectorAndScalarDrawTheSameBits() {
        Kernels v = Kernels.load(true);
        float[] a = new float[1003], b = new float[1003];
        v.gaussian(1, -7, 123456, 99, 77, a, 0, a.length);
        ScalarKernels.INSTANCE.gaussian(1, -7, 123456, 99, 77, b, 0, b.length);
        assertArrayEquals(b, a);
    }

    @Test
    void polynomialLogAndSineAreAccurate() {
        for (int j = 1; j <= 1 << 24; j += 4099) {
            float u = j * 0x1p-24f;
            assertEquals(Math.log(u), Noise.log(u), 2e-6 * (1 + Math.abs(Math.log(u))), "log " + u);
            assertEquals(Math.sin(Math.PI * (u - 0.5)), Noise.sinHalfTurn(u), 2e-6, "sin " + u);
            assertTrue(Noise.log(u) <= 0, "log(u) <= 0 for u <= 1");
        }
    }

    @Test
    void drawsAreStandardNormal() {
        Kernels k = Kernels.load(true);
        float[] z = new float[N];
        long key = Noise.stepKey(dev.tdi.substrate.ChainSeeds.of(3, 0), 0);
        long key2 = Noise.stepKey2(key);
        k.gaussian((int) key, (int) (key >>> 32), (int) key2, (int) (key2 >>> 32), 0, z, 0, N);
        double m1 = 0, m2 = 0, m4 = 0, lag = 0;
        int below = 0, tail = 0;
        for (int i = 0; i < N; i++) {
            double v = z[i];
            m1 += v;
            m2 += v * v;
            m4 += v * v * v * v;
            if (i > 0) {
                lag += v * z[i - 1];
            }
            below += v < -1 ? 1 : 0;
            tail += Math.abs(v) > 3 ? 1 : 0;
        }
        m1 /= N;
        m2 /= N;
        m4 /= N;
        lag /= N - 1;
        // 5 standard errors: mean se 1/sqrt(N), variance se sqrt(2/N), fourth moment se sqrt(96/N)
        assertEquals(0, m1, 5 / Math.sqrt(N), "mean");
        assertEquals(1, m2, 5 * Math.sqrt(2.0 / N), "variance");
        assertEquals(3, m4, 5 * Math.sqrt(96.0 / N), "fourth moment");
        assertEquals(0, lag, 5 / Math.sqrt(N), "lag-1 correlation of neighbouring units");
        double pBelow = 0.15865525393145707; // Phi(-1)
        assertEquals(pBelow, below / (double) N, 5 * Math.sqrt(pBelow * (1 - pBelow) / N), "P(z < -1)");
        double pTail = 0.0026997960632601965; // P(|z| > 3)
        assertEquals(pTail, tail / (double) N, 5 * Math.sqrt(pTail / N), "P(|z| > 3)");
    }

    @Test
    void stepsAndChainsAreUncorrelated() {
        Kernels k = Kernels.load(true);
        int n = 1 << 16;
        float[] a = draw(k, 1, 0, 5, n), b = draw(k, 1, 0, 6, n), c = draw(k, 1, 1, 5, n);
        assertTrue(Math.abs(corr(a, b)) < 5 / Math.sqrt(n), "consecutive steps");
        assertTrue(Math.abs(corr(a, c)) < 5 / Math.sqrt(n), "neighbouring chains");
    }

    private static float[] draw(Kernels k, long seed, int chain, long step, int n) {
        long key = Noise.stepKey(dev.tdi.substrate.ChainSeeds.of(seed, chain), step);
        long key2 = Noise.stepKey2(key);
        float[] z = new float[n];
        k.gaussian((int) key, (int) (key >>> 32), (int) key2, (int) (key2 >>> 32), 0, z, 0, n);
        return z;
    }

    private static double corr(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s / a.length;
    }
}
