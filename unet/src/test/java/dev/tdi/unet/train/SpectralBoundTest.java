package dev.tdi.unet.train;

import dev.tdi.unet.Dataset;
import dev.tdi.unet.Layer;
import dev.tdi.unet.LayerInput;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator-norm bound of substrate-aware training: each layer's operator against the network's own forward pass,
 * its adjoint, its norm against an exact eigen-decomposition of the dense A^T A, and training that keeps it.
 */
class SpectralBoundTest {
    /** Two blocks per level, three levels, odd sizes: stride-2 convolutions, transposed convolutions, skip merges. */
    private static final UNetConfig CFG = new UNetConfig(7, 1, new int[]{3, 4, 5}, 2, 3, "relu", 8, 6,
            "concat-conv", "conv-transpose", 50, "linear", 1e-4, 0.05);
    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    @AfterEach
    void resetThreads() {
        UNet.setThreads(0);
    }

    /** The plain network, one with narrowed skips (1x1 projections) and one with pooled skips (upsampled merges). */
    private static UNetConfig config(int variant) {
        return switch (variant) {
            case 0 -> CFG;
            case 1 -> CFG.withSkipChannels(2, 2);
            default -> new UNetConfig(8, 1, new int[]{3, 4, 5}, 2, 3, "relu", 8, 6, "concat-conv", "conv-transpose",
                    50, "linear", 1e-4, 0.05).withSkipPool(2, 2); // pooling needs even sizes
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void eachOperatorReproducesTheForwardPassOfItsLayer(int variant) {
        UNet net = UNet.create(config(variant), 3);
        SpectralBound b = new SpectralBound(net, 1);
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[net.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        double t = 17;
        UNet.Forward f = net.forward(x, new double[]{t});
        int checked = 0;
        for (String name : b.layers()) {
            Layer layer = net.layer(name);
            if (layer.inputs().stream().anyMatch(in -> in.source().equals(UNet.INPUT))) {
                continue; // the image's contribution is not part of the bounded operator
            }
            int[] size = b.sizes(name);
            float[] src = new float[size[0]];
            int o = 0;
            for (LayerInput in : layer.inputs()) {
                float[] tap = f.tap(in.source());
                System.arraycopy(tap, 0, src, o, tap.length);
                o += tap.length;
            }
            assertEquals(size[0], o, name);
            float[] pre = new float[size[1]];
            b.applyLayer(name, net.parameters(), src, pre);
            float[] tb = layer.timeBias() ? net.timeBias(name, t) : new float[layer.channels()];
            float[] tap = f.tap(name);
            int plane = layer.height() * layer.width();
            for (int i = 0; i < pre.length; i++) {
                int c = i / plane;
                double a = pre[i] + layer.bias()[c] + tb[c];
                double expected = layer.activation() == dev.tdi.unet.Activation.RELU ? Math.max(0, a) : a;
                assertEquals(expected, tap[i], 1e-5 * (1 + Math.abs(expected)), name + " unit " + i);
            }
            checked++;
        }
        assertTrue(checked >= 8, "layers checked: " + checked);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void theAdjointIsTheTranspose(int variant) {
        UNet net = UNet.create(config(variant), 4);
        SpectralBound b = new SpectralBound(net, 1);
        SplittableRandom r = new SplittableRandom(6);
        for (String name : b.layers()) {
            int[] size = b.sizes(name);
            float[] x = gaussian(size[0], r), y = gaussian(size[1], r);
            float[] ax = new float[size[1]], aty = new float[size[0]];
            b.applyLayer(name, net.parameters(), x, ax);
            b.applyLayerAdjoint(name, net.parameters(), y, aty);
            double lhs = dot(ax, y), rhs = dot(x, aty);
            assertEquals(lhs, rhs, 1e-5 * (Math.abs(lhs) + Math.sqrt(dot(ax, ax) * dot(y, y))), name);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void theEstimateMatchesTheExactLargestSingularValue(int variant) {
        UNet net = UNet.create(config(variant), 7);
        SpectralBound b = new SpectralBound(net, 2);
        Map<String, Double> est = b.estimate(net.parameters(), 300);
        for (String name : b.layers()) {
            double exact = exactNorm(b, name, net.parameters());
            double s = est.get(name);
            assertTrue(s <= exact * (1 + 1e-5), name + ": estimate " + s + " above the exact " + exact);
            assertEquals(exact, s, 2e-3 * exact, name);
        }
    }

    @Test
    void projectionBringsEveryLayerWithinTheBoundAndLeavesTheImageWeights() {
        UNet net = UNet.create(CFG, 8);
        float[] before = net.parameters().clone();
        SpectralBound b = new SpectralBound(net, 3);
        double rho = 0.5;
        b.enforce(net.parameters(), rho, 200);
        for (String name : b.layers()) {
            double exact = exactNorm(b, name, net.parameters());
            assertTrue(exact <= rho * (1 + 2e-3), name + ": " + exact);
        }
        // the first layer reads only the image, and out's image weights are the input skip: both untouched
        for (Layer l : net.layers()) {
            for (LayerInput in : l.inputs()) {
                if (in.source().equals(UNet.INPUT)) {
                    var slot = net.slots().get(in.tensorName());
                    for (int j = slot.offset(); j < slot.offset() + slot.size(); j++) {
                        assertEquals(before[j], net.parameters()[j], in.tensorName());
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> b.project(net.parameters(), 0, 1));
    }

    @Test
    void trainingKeepsTheBoundIsDeterministicAndResumesExactly(@TempDir Path dir) throws Exception {
        double rho = 0.9;
        Trainer a = new Trainer(CFG, opts(dir.resolve("a"), 1, rho), squares7(), false, quiet);
        a.run();
        Trainer b = new Trainer(CFG, opts(dir.resolve("b"), 3, rho), squares7(), false, quiet);
        b.run(5); // stops within the first epoch, then resumes with the saved power-iteration vectors
        Trainer c = new Trainer(CFG, opts(dir.resolve("b"), 3, rho), squares7(), true, quiet);
        c.run();
        assertArrayEquals(a.network().parameters(), c.network().parameters());
        UNet saved = UNetModel.load(dir.resolve("b"));
        assertArrayEquals(a.emaNetwork().parameters(), saved.parameters());
        SpectralBound check = new SpectralBound(saved, 9);
        for (String name : check.layers()) {
            double exact = exactNorm(check, name, saved.parameters());
            assertTrue(exact <= rho * (1 + 1e-3), name + ": the saved model's operator norm " + exact + " > " + rho);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(CFG, opts(dir.resolve("b"), 3, 0.8), squares7(), true, quiet));
        assertTrue(e.getMessage().contains("lipschitz=0.9"), e.getMessage());
    }

    /** 64 images of 7 x 7: a bright 3 x 3 square at one of four places. */
    private static Dataset squares7() {
        int n = 64, s = 7;
        byte[] px = new byte[n * s * s], lb = new byte[n];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < n; i++) {
            int q = i % 4, ox = (q % 2) * 4, oy = (q / 2) * 4;
            lb[i] = (byte) q;
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 3; x++) {
                    px[i * s * s + (oy + y) * s + ox + x] = (byte) (200 + r.nextInt(50));
                }
            }
        }
        return new Dataset(n, s, s, px, lb);
    }

    private static TrainOptions opts(Path out, int threads, double rho) {
        return new TrainOptions(2, 8, 1e-2, 4, 0.9, 42, 0, out, threads, 0, 0, 1.0, rho);
    }

    /** sqrt of the largest eigenvalue of the dense A^T A, by cyclic Jacobi rotations in double. */
    private static double exactNorm(SpectralBound b, String layer, float[] params) {
        int[] size = b.sizes(layer);
        int n = size[0], m = size[1];
        double[][] a = new double[m][n];
        for (int j = 0; j < n; j++) {
            float[] e = new float[n];
            e[j] = 1;
            float[] col = new float[m];
            b.applyLayer(layer, params, e, col);
            for (int i = 0; i < m; i++) {
                a[i][j] = col[i];
            }
        }
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < m; k++) {
                    s += a[k][i] * a[k][j];
                }
                g[i][j] = s;
            }
        }
        return Math.sqrt(largestEigenvalue(g));
    }

    static double largestEigenvalue(double[][] g) {
        int n = g.length;
        for (int sweep = 0; sweep < 60; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += g[p][q] * g[p][q];
                }
            }
            if (off < 1e-22) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(g[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (g[q][q] - g[p][p]) / (2 * g[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) {
                        double gkp = g[k][p], gkq = g[k][q];
                        g[k][p] = c * gkp - s * gkq;
                        g[k][q] = s * gkp + c * gkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double gpk = g[p][k], gqk = g[q][k];
                        g[p][k] = c * gpk - s * gqk;
                        g[q][k] = s * gpk + c * gqk;
                    }
                }
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, g[i][i]);
        }
        return max;
    }

    private static float[] gaussian(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void jacobiFindsTheLargestEigenvalueOfAKnownMatrix() {
        // eigenvalues of [[2,1,0],[1,2,1],[0,1,2]] are 2 - sqrt2, 2, 2 + sqrt2
        double[][] g = {{2, 1, 0}, {1, 2, 1}, {0, 1, 2}};
        assertEquals(2 + Math.sqrt(2), largestEigenvalue(g), 1e-12);
    }
}
