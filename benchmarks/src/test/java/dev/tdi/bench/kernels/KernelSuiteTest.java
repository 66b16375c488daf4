package dev.tdi.bench.kernels;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel suite's shapes, its convolution ops (against a direct double-precision convolution) and its verdicts. */
class KernelSuiteTest {
    private static final UNet NET = UNetModel.loadDefault();

    @Test
    void theDefaultNetworkHasTenConvolutionShapesCoveringEveryInput() {
        List<ConvShape> shapes = ConvShape.of(NET);
        assertEquals(10, shapes.size(), shapes.toString()); // with the output layer's input skip, conv1-1
        long macs = shapes.stream().mapToLong(s -> s.macs() * s.layers().split(" ").length).sum();
        assertEquals(NET.macsPerImage(), macs, "the shapes' multiply-adds add up to the network's");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvShape.named(NET, "x"));
        assertTrue(e.getMessage().startsWith("no convolution shape \"x\" in the U-Net; shapes: [conv1-16s1@28"),
                e.getMessage());
    }

    @Test
    void forwardMatchesADirectConvolutionAndBackwardIsItsAdjoint() {
        for (String name : new String[]{"conv16-16s1@28", "conv16-32s2@28", "convT32-16s2@14"}) {
            ConvShape s = ConvShape.named(NET, name);
            ConvOps ops = new ConvOps(s, 2);
            float[] y = ops.forward().clone();
            double[] ref = direct(s, ops.weights(), ops.input(), 2);
            double maxErr = 0, maxRef = 0;
            for (int i = 0; i < y.length; i++) {
                maxErr = Math.max(maxErr, Math.abs(y[i] - ref[i]));
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
            }
            // float sums of at most 288 products of O(1) terms: far inside 1e-4 of the largest output
            assertTrue(maxErr <= 1e-4 * maxRef, name + ": forward error " + maxErr + " (max " + maxRef + ")");
            // <conv(x), gy> = <x, conv^T(gy)>: the input gradient is the forward operator's adjoint
            float[] gx = ops.backward();
            float[] gy = ops.outputGradient(), x = ops.input();
            double lhs = 0, rhs = 0, mag = 0;
            for (int i = 0; i < y.length; i++) {
                lhs += (double) y[i] * gy[i];
                mag += Math.abs((double) y[i] * gy[i]);
            }
            for (int i = 0; i < x.length; i++) {
                rhs += (double) x[i] * gx[i];
            }
            assertEquals(lhs, rhs, 1e-5 * mag, name + ": <conv x, gy> = <x, conv^T gy>");
        }
    }

    @Test
    void targetsAreJudgedFromTheRows() {
        List<KernelSuite.Row> rows = List.of(
                new KernelSuite.Row("conv-fwd-a-b64", "conv_fwd", "a", "", 2, 64, 600, 1, 1, 1),
                new KernelSuite.Row("conv-bwd-a-b64", "conv_bwd", "a", "", 2, 64, 100, 1, 1, 1),
                new KernelSuite.Row("unet-forward-b64", "unet_fwd", "", "", 1, 64, 1, 0, 100, 100),
                new KernelSuite.Row("unet-forward-b1", "unet_fwd", "", "", 1, 1, 1, 0, 100, 100),
                new KernelSuite.Row("unet-train-step-b64", "unet_train", "", "", 1, 64, 1, 0, 64e9 / 2000, 1));
        Map<String, Object> peer = Map.of("cases", Map.of("unet-forward-b64", Map.of("median_ns", 200.0),
                "unet-forward-b1", Map.of("median_ns", 200.0)));
        // FMA peak 1000 GFLOP/s: forward 600 GFLOP/s (60 %) passes, backward 100 (10 %) fails
        String md = KernelSuite.markdown(rows, peer, Map.of(), 1e12, 1e11);
        assertTrue(md.contains("forward, >= 50% of FMA peak | 600.0 GFLOP/s") && md.contains("(60% of 1000 GFLOP/s)"
                + " | yes |"), md);
        assertTrue(md.contains("(10% of 1000 GFLOP/s) | **no** |"), md);
        assertTrue(md.contains("batch 64 >= 1.5x PyTorch CPU | 640000000 images/s, PyTorch 320000000: 2.00x | yes"), md);
        assertTrue(md.contains("batch 1 >= 3.0x PyTorch CPU | 10000000 images/s, PyTorch 5000000: 2.00x | **no**"), md);
        assertTrue(md.contains("2000 images/s = 4.00x"), md);
    }

    /** The convolution by its definition, in double: out[b][o][y][x] = sum w * in over the kernel's taps. */
    private static double[] direct(ConvShape s, float[] w, float[] x, int batch) {
        int ic = s.inC(), oc = s.outC(), k = s.k(), st = s.stride(), p = s.pad();
        int ih = s.inH(), iw = s.inW(), oh = s.outH(), ow = s.outW();
        double[] y = new double[batch * oc * oh * ow];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < ic; c++) {
                for (int o = 0; o < oc; o++) {
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            // conv: w[o][c][ky][kx], in (y*st - p + ky); transposed: w[c][o][ky][kx], out (iy*st - p + ky)
                            double wv = s.transpose() ? w[((c * oc + o) * k + ky) * k + kx]
                                    : w[((o * ic + c) * k + ky) * k + kx];
                            int ny = s.transpose() ? ih : oh, nx = s.transpose() ? iw : ow;
                            for (int a = 0; a < ny; a++) {
                                for (int bb = 0; bb < nx; bb++) {
                                    int ya = a * st - p + ky, xa = bb * st - p + kx;
                                    if (s.transpose()) {
                                        if (ya >= 0 && ya < oh && xa >= 0 && xa < ow) {
                                            y[((b * oc + o) * oh + ya) * ow + xa] +=
                                                    wv * x[((b * ic + c) * ih + a) * iw + bb];
                                        }
                                    } else if (ya >= 0 && ya < ih && xa >= 0 && xa < iw) {
                                        y[((b * oc + o) * oh + a) * ow + bb] += wv * x[((b * ic + c) * ih + ya) * iw + xa];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }
}
