package dev.tdi.unet;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The skip options of {@link UNetConfig}: a skip narrowed to k channels at training time (layer {@code skip{l}}, a
 * learned 1x1 projection) and a 2x2 average-pooled skip (layer {@code pool{l}}, fixed weights, upsampled by the
 * decoder's transposed convolution). Shapes and parameter counts by hand, the new layers against loops written
 * here, and backpropagation through them against finite differences in double.
 */
class SkipOptionsTest {
    /** Levels 10 x 10, 5 x 5, 3 x 3; both skips narrowed to 2 channels, and the level-0 one also pooled. */
    private static final UNetConfig BASE = new UNetConfig(10, 1, new int[]{3, 4, 5}, 2, 3, "relu", 6, 5,
            "concat-conv", "conv-transpose", 100, "linear", 1e-4, 0.02, true, "fourier");
    private static final UNetConfig BOTH = BASE.withSkipChannels(2, 2).withSkipPool(2, 1);

    private static UNet randomised(UNetConfig cfg, long seed) {
        UNet net = UNet.create(cfg, seed);
        SplittableRandom r = new SplittableRandom(seed + 1);
        float[] p = net.parameters();
        for (UNet.Slot s : net.slots().values()) { // non-zero biases, so relu units see both signs
            if (s.name().endsWith(".b")) {
                for (int i = 0; i < s.size(); i++) {
                    p[s.offset() + i] = (float) (0.3 * r.nextGaussian());
                }
            }
        }
        return net;
    }

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void theDefaultsHaveNoSkipLayersAndWriteNoKeys() {
        UNetConfig d = UNetConfig.defaults();
        assertArrayEquals(new int[]{0, 0}, d.skipChannels());
        assertArrayEquals(new int[]{1, 1}, d.skipPool());
        assertFalse(d.hasSkipOptions());
        assertFalse(d.toJson().contains("skipChannels") || d.toJson().contains("skipPool"), d.toJson());
        assertFalse(UNet.create(d, 1).layerNames().stream().anyMatch(n -> n.startsWith("skip") || n.startsWith("pool")));
    }

    @Test
    void narrowedAndPooledLayersHaveTheirShapesAndParameters() {
        UNet plain = UNet.create(BASE, 1), net = UNet.create(BOTH, 1);
        assertEquals(List.of("enc0_0", "enc0_1", "skip0", "pool0", "enc1_0", "enc1_1", "skip1", "enc2_0", "enc2_1",
                "up1", "dec1_0", "dec1_1", "up0", "dec0_0", "dec0_1", "out"), net.layerNames());
        assertArrayEquals(new int[]{2, 10, 10}, net.shape("skip0"));
        assertArrayEquals(new int[]{2, 5, 5}, net.shape("pool0"));
        assertArrayEquals(new int[]{2, 5, 5}, net.shape("skip1"));
        assertEquals("pool0", net.layer("dec0_0").inputs().get(1).source());
        assertEquals(OpKind.CONV_TRANSPOSE, net.layer("dec0_0").inputs().get(1).kind());
        assertEquals("skip1", net.layer("dec1_0").inputs().get(1).source());
        assertEquals(1, net.layer("skip0").inputs().get(0).kernel());
        assertFalse(net.layer("skip0").timeBias());
        assertFalse(net.layer("pool0").timeBias());
        assertEquals(Activation.IDENTITY, net.layer("pool0").activation());
        // by hand: skip0 = 2x3 1x1 weights + 2 biases, skip1 = 2x4 + 2; dec0_0's skip input: 3x3x3x3 -> [2][3][3][3]
        // (transposed), dec1_0's: [4][4][3][3] -> [4][2][3][3]; the pool has no parameters
        int expect = plain.parameterCount() + (2 * 3 + 2) + (2 * 4 + 2) + (2 * 3 * 9 - 3 * 3 * 9) + (4 * 2 * 9 - 4 * 4 * 9);
        assertEquals(expect, net.parameterCount());
        assertFalse(net.slots().containsKey("pool0.w0"));
        assertFalse(net.slots().containsKey("pool0.b"));
        assertArrayEquals(new int[]{2, 3, 3, 3}, net.slots().get("dec0_0.w1").shape());
        // units: + skip0 (2x10x10) + pool0 (2x5x5) + skip1 (2x5x5)
        assertEquals(plain.unitCount() + 200 + 50 + 50, net.unitCount());
    }

    @Test
    void skipLayersMatchLoopsWrittenHere() {
        UNet net = randomised(BOTH, 3);
        int n = 2;
        float[] x = gaussian(n * net.inputSize(), 5);
        UNet.Forward f = net.forward(x, new double[]{12, 77});
        float[] enc = f.tap("enc0_1"), skip = f.tap("skip0"), pool = f.tap("pool0");
        float[] w = net.layer("skip0").inputs().get(0).weight(), b = net.layer("skip0").bias();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                for (int p = 0; p < 100; p++) {
                    double s = b[k];
                    for (int c = 0; c < 3; c++) {
                        s += w[k * 3 + c] * enc[(i * 3 + c) * 100 + p];
                    }
                    assertEquals(s, skip[(i * 2 + k) * 100 + p], 1e-5 * (1 + Math.abs(s)), "skip0");
                }
                for (int y = 0; y < 5; y++) {
                    for (int xx = 0; xx < 5; xx++) {
                        int o = (i * 2 + k) * 100;
                        double avg = (skip[o + 2 * y * 10 + 2 * xx] + skip[o + 2 * y * 10 + 2 * xx + 1]
                                + skip[o + (2 * y + 1) * 10 + 2 * xx] + skip[o + (2 * y + 1) * 10 + 2 * xx + 1]) / 4;
                        assertEquals(avg, pool[(i * 2 + k) * 25 + y * 5 + xx], 1e-6 * (1 + Math.abs(avg)), "pool0");
                    }
                }
            }
        }
    }

    @Test
    void backpropagationThroughNarrowedAndPooledSkipsMatchesFiniteDifferences() {
        UNet net = randomised(BOTH, 7);
        float[] x = gaussian(net.inputSize(), 11), target = gaussian(net.inputSize(), 13);
        double t = 41;
        float[] p = net.parameters();
        double[] pd = new double[p.length], xd = new double[x.length];
        for (int i = 0; i < p.length; i++) {
            pd[i] = p[i];
        }
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        float[] o = net.predict(x, new double[]{t});
        double[] od = DoubleReference.forward(net, pd, xd, t);
        for (int i = 0; i < o.length; i++) {
            assertEquals(od[i], o[i], 1e-5 * (1 + Math.abs(od[i])), "double reference, output " + i);
        }
        float[] grad = new float[net.parameterCount()];
        net.lossGradient(x, 0, t, target, 0, 1f, grad);
        SplittableRandom r = new SplittableRandom(3);
        int nonZero = 0;
        String[] tensors = {"skip0.w0", "skip0.b", "skip1.w0", "skip1.b", "dec0_0.w1", "dec1_0.w1", "enc0_1.w0",
                "enc0_0.b", "enc1_1.w0"};
        for (String name : tensors) {
            UNet.Slot s = net.slots().get(name);
            for (int rep = 0; rep < 5; rep++) {
                int i = s.offset() + r.nextInt(s.size());
                double old = pd[i], h = 1e-6;
                pd[i] = old + h;
                double lp = DoubleReference.loss(net, pd, xd, t, target);
                pd[i] = old - h;
                double lm = DoubleReference.loss(net, pd, xd, t, target);
                pd[i] = old;
                double fd = (lp - lm) / (2 * h);
                assertEquals(fd, grad[i], 1e-3 * (1 + Math.abs(fd)), name + ": backprop vs finite difference");
                nonZero += Math.abs(fd) > 1e-3 ? 1 : 0;
            }
        }
        assertTrue(nonZero > tensors.length * 2, "most checked gradients must be non-trivial: " + nonZero);
    }

    @Test
    void jsonRoundTripsTheSkipOptions() {
        UNetConfig back = UNetConfig.fromJson(BOTH.toJson());
        assertEquals(BOTH, back);
        assertArrayEquals(new int[]{2, 2}, back.skipChannels());
        assertArrayEquals(new int[]{2, 1}, back.skipPool());
        assertEquals(BASE, UNetConfig.fromJson(BASE.toJson()));
    }

    @Test
    void badSkipOptionsAreNamed() {
        assertMessage(() -> BASE.withSkipPool(3, 1), "skipPool must be 1 or 2");
        assertMessage(() -> BASE.withSkipPool(1, 2), "skipPool 2 needs an even size at level 1, which is 5 x 5");
        assertMessage(() -> BASE.withSkipChannels(2), "skipChannels must list one value per skip level (2)");
        assertMessage(() -> BASE.withSkipChannels(-1, 0), "skipChannels must be >= 0");
        assertMessage(() -> UNetConfig.fromJson(BOTH.toJson().replace("\"skipPool\": [\n    2,", "\"skipPool\": [\n    4,")),
                "\"skipPool\"[0] is 4, outside the accepted range: an integer in 1..2"); // the strict reader names it
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
