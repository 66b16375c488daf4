package dev.tdi.unet;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layer graph API is a complete description of the network: a naive scalar evaluator that sees only
 * {@link UNet#layers()} and {@link UNet#timeBias} (what the substrate compiler sees) reproduces every tap of the
 * vectorised forward pass.
 */
class LayerGraphTest {
    private static final UNetConfig CFG = new UNetConfig(11, 2, new int[]{3, 4, 5}, 2, 3, "relu", 6, 9,
            "concat-conv", "conv-transpose", 100, "cosine", 1e-4, 0.02);

    /** Direct-loop convolution or transposed convolution (PyTorch semantics), one image. */
    static double[] apply(LayerInput in, double[] src, int oh, int ow) {
        float[] wf = in.weight();
        double[] w = new double[wf.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = wf[i];
        }
        return apply(in, w, src, oh, ow);
    }

    /** As above with the weight given in double. */
    static double[] apply(LayerInput in, double[] w, double[] src, int oh, int ow) {
        int C = in.outChannels(), Ci = in.inChannels(), k = in.kernel(), s = in.stride(), p = in.padding();
        int H = in.inHeight(), W = in.inWidth();
        double[] out = new double[C * oh * ow];
        for (int co = 0; co < C; co++) {
            for (int ci = 0; ci < Ci; ci++) {
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        if (in.kind() == OpKind.CONV) {
                            double wv = w[((co * Ci + ci) * k + ky) * k + kx];
                            for (int y = 0; y < oh; y++) {
                                for (int x = 0; x < ow; x++) {
                                    int iy = y * s - p + ky, ix = x * s - p + kx;
                                    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                                        out[(co * oh + y) * ow + x] += wv * src[(ci * H + iy) * W + ix];
                                    }
                                }
                            }
                        } else {
                            double wv = w[((ci * C + co) * k + ky) * k + kx];
                            for (int y = 0; y < H; y++) {
                                for (int x = 0; x < W; x++) {
                                    int oy = y * s - p + ky, ox = x * s - p + kx;
                                    if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) {
                                        out[(co * oh + oy) * ow + ox] += wv * src[(ci * H + y) * W + x];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void naiveEvaluationOfTheGraphReproducesEveryTap() {
        UNet net = UNet.create(CFG, 3);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < net.parameterCount(); i++) {
            net.parameters()[i] += (float) (0.05 * r.nextGaussian()); // biases non-zero too
        }
        int B = 3, n = net.inputSize();
        float[] x = new float[B * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        double[] t = {0, 13.25, 99};
        UNet.Forward f = net.forward(x, t);
        List<Layer> layers = net.layers();
        assertEquals("out", layers.get(layers.size() - 1).name());
        assertEquals(List.of("enc0_0", "enc0_1", "enc1_0", "enc1_1", "enc2_0", "enc2_1", "up1", "dec1_0", "dec1_1",
                "up0", "dec0_0", "dec0_1", "out"), net.layerNames());
        for (int b = 0; b < B; b++) {
            Map<String, double[]> act = new HashMap<>();
            double[] in = new double[n];
            for (int i = 0; i < n; i++) {
                in[i] = x[b * n + i];
            }
            act.put(UNet.INPUT, in);
            for (Layer l : layers) {
                int P = l.height() * l.width();
                double[] a = new double[l.size()];
                float[] tb = net.timeBias(l.name(), t[b]);
                assertEquals(l.channels(), tb.length);
                for (int c = 0; c < l.channels(); c++) {
                    for (int p = 0; p < P; p++) {
                        a[c * P + p] = l.bias()[c] + (l.timeBias() ? tb[c] : 0);
                    }
                }
                for (LayerInput li : l.inputs()) {
                    double[] o = apply(li, act.get(li.source()), l.height(), l.width());
                    for (int i = 0; i < a.length; i++) {
                        a[i] += o[i];
                    }
                }
                for (int i = 0; i < a.length; i++) {
                    a[i] = l.activation() == Activation.RELU ? Math.max(0, a[i]) : a[i];
                }
                act.put(l.name(), a);
                float[] tap = f.tap(l.name());
                double err = 0, ref = 0;
                for (int i = 0; i < a.length; i++) {
                    err = Math.max(err, Math.abs(tap[b * a.length + i] - a[i]));
                    ref = Math.max(ref, Math.abs(a[i]));
                }
                assertTrue(err <= 1e-5 * Math.max(ref, 1e-3), l.name() + " image " + b + ": error " + err);
            }
        }
        Layer dec = net.layer("dec1_0");
        assertEquals(2, dec.inputs().size());
        assertEquals("enc1_1", dec.inputs().get(1).source());
        Layer up = net.layer("up0");
        assertEquals(OpKind.CONV_TRANSPOSE, up.inputs().get(0).kind());
        assertArrayEquals(new int[]{4, 3, 3, 3}, up.inputs().get(0).weightShape());
        assertEquals(0, up.inputs().get(0).outputPadding()); // 6 -> 11
        assertFalse(net.layer("out").timeBias());
        assertEquals(Activation.IDENTITY, net.layer("out").activation());
    }

    @Test
    void batchedEqualsOneByOneAndPredictEqualsOutput() {
        UNet net = UNet.create(CFG, 5);
        int n = net.inputSize();
        float[] x = new float[4 * n];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        double[] t = {1, 2, 50, 99};
        float[] all = net.predict(x, t);
        assertArrayEquals(all, net.forward(x, t).output());
        for (int b = 0; b < 4; b++) {
            float[] one = net.predict(java.util.Arrays.copyOfRange(x, b * n, (b + 1) * n), new double[]{t[b]});
            assertArrayEquals(one, java.util.Arrays.copyOfRange(all, b * n, (b + 1) * n));
        }
    }

    @Test
    void defaultSizes() {
        UNet net = UNet.create(UNetConfig.defaults(), 1);
        assertEquals(101_136, net.unitCount());
        // 129,690 in the layers (with the 3x3 input skip into "out") + 2,448 in the 6-wide time network
        assertEquals(132_138, net.parameterCount());
        assertEquals(20_102_544L, net.macsPerImage()); // 40.2 MFLOP
    }
}
