package dev.tdi.unet;

import dev.tdi.unet.sample.Sampler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The samplers against a case with a known answer: when the data are one point c, the exact epsilon predictor is
 * eps*(x, t) = (x - sqrt(ab_t) c) / sqrt(1 - ab_t), and both DDPM and DDIM must land on c.
 */
class SamplerTest {
    private static final int P = 5;
    private static final float[] C = {0.5f, -0.25f, 0.9f, 0f, -1f};

    private static Sampler exact(NoiseSchedule ns) {
        return new Sampler((x, t) -> {
            float[] e = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                double ab = ns.alphaBar((int) t[i / P]);
                e[i] = (float) ((x[i] - Math.sqrt(ab) * C[i % P]) / Math.sqrt(1 - ab));
            }
            return e;
        }, ns, P);
    }

    @Test
    void ddpmAndDdimRecoverAPointMass() {
        NoiseSchedule ns = NoiseSchedule.of(UNetConfig.defaults());
        Sampler s = exact(ns);
        for (float[] x : new float[][]{s.ddpm(3, 7), s.ddim(3, 20, 7)}) {
            for (int i = 0; i < x.length; i++) {
                assertEquals(C[i % P], x[i], 1e-4);
            }
        }
    }

    @Test
    void ddpmWithAWrongModelDoesNotLandOnThePoint() {
        NoiseSchedule ns = NoiseSchedule.of(UNetConfig.defaults());
        float[] x = new Sampler((xx, t) -> new float[xx.length], ns, P).ddpm(2, 3);
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d += Math.abs(x[i] - C[i % P]);
        }
        assertTrue(d > 0.5, "the test above must be able to fail");
    }

    @Test
    void seededAndPrefixStable() {
        UNet net = UNet.create(new UNetConfig(8, 1, new int[]{2, 3}, 1, 3, "relu", 4, 5, "concat-conv",
                "conv-transpose", 20, "linear", 1e-4, 0.1), 1);
        Sampler s = new Sampler(net);
        float[] a = s.ddim(3, 5, 11), b = s.ddim(3, 5, 11), c = s.ddim(2, 5, 11);
        assertArrayEquals(a, b);
        assertArrayEquals(java.util.Arrays.copyOf(a, c.length), c);
        float[] d = s.ddpm(2, 11);
        for (float v : d) {
            assertTrue(Float.isFinite(v));
        }
    }
}
