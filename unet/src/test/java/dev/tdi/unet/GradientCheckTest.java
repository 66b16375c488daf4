package dev.tdi.unet;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpropagation against central finite differences, for every layer type: a stride-1 convolution from the
 * image, a stride-2 convolution, a transposed convolution, a two-input (skip-merging) convolution, the identity
 * output layer, static biases, time projections, both layers of the time MLP, and the gradient with respect to the
 * input image.
 */
class GradientCheckTest {
    private static final UNetConfig TINY = new UNetConfig(9, 2, new int[]{3, 4, 5}, 2, 3, "relu", 6, 7,
            "concat-conv", "conv-transpose", 100, "linear", 1e-4, 0.02);

    private static final String[] TENSORS = {
            "enc0_0.w0", "enc0_1.w0", "enc1_0.w0", "enc2_1.w0", "up1.w0", "up0.w0", "dec1_0.w0", "dec1_0.w1",
            "dec0_1.w0", "out.w0", "enc0_0.b", "dec0_0.b", "out.b", "enc1_0.tproj", "dec0_1.tproj",
            "temb.fc1.w", "temb.fc1.b", "temb.fc2.w", "temb.fc2.b"};

    private final UNet net = UNet.create(TINY, 7);
    private final float[] x, target;
    private final double t = 37;

    GradientCheckTest() {
        SplittableRandom r = new SplittableRandom(11);
        x = new float[net.inputSize()];
        target = new float[net.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            target[i] = (float) r.nextGaussian();
        }
        // Biases non-zero so that relu units sit away from their kinks in both signs.
        float[] p = net.parameters();
        for (UNet.Slot s : net.slots().values()) {
            if (s.name().endsWith(".b")) {
                for (int i = 0; i < s.size(); i++) {
                    p[s.offset() + i] = (float) (0.3 * r.nextGaussian());
                }
            }
        }
    }

    private double loss() {
        float[] g = new float[net.parameterCount()];
        return net.lossGradient(x, 0, t, target, 0, 1f, g);
    }

    @Test
    void everyLayerTypeMatchesFiniteDifferences() {
        float[] grad = new float[net.parameterCount()];
        net.lossGradient(x, 0, t, target, 0, 1f, grad);
        float[] p = net.parameters();
        SplittableRandom r = new SplittableRandom(3);
        int checked = 0;
        for (String name : TENSORS) {
            UNet.Slot s = net.slots().get(name);
            for (int rep = 0; rep < 6; rep++) {
                int i = s.offset() + r.nextInt(s.size());
                assertMatches(p, i, grad[i], name + "[" + (i - s.offset()) + "]");
                checked++;
            }
        }
        assertEquals(TENSORS.length * 6, checked);
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        float[] grad = new float[net.parameterCount()];
        float[] dx = new float[x.length];
        net.lossGradient(x, 0, t, target, 0, 1f, grad, dx);
        SplittableRandom r = new SplittableRandom(5);
        double norm = 0;
        for (int rep = 0; rep < 12; rep++) {
            int i = r.nextInt(x.length);
            norm += Math.abs(dx[i]);
            assertMatches(x, i, dx[i], "input[" + i + "]");
        }
        assertTrue(norm > 1e-3, "the input gradient must not be trivially zero");
    }

    @Test
    void directionalDerivativeOverAllParameters() {
        float[] grad = new float[net.parameterCount()];
        net.lossGradient(x, 0, t, target, 0, 1f, grad);
        float[] p = net.parameters();
        float[] base = p.clone();
        SplittableRandom r = new SplittableRandom(9);
        float[] v = new float[p.length];
        double gv = 0;
        for (int i = 0; i < p.length; i++) {
            v[i] = (float) r.nextGaussian();
            gv += (double) grad[i] * v[i];
        }
        double h = 1e-3;
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (base[i] + h * v[i]);
        }
        double lp = loss();
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (base[i] - h * v[i]);
        }
        double lm = loss();
        System.arraycopy(base, 0, p, 0, p.length);
        double fd = (lp - lm) / (2 * h);
        assertEquals(fd, gv, 1e-2 * Math.abs(fd) + 1e-3, "directional derivative");
    }

    /**
     * Central differences at three step sizes: a relu unit crossing its kink inside [v - h, v + h] spoils one
     * step size, never all three; a wrong gradient spoils every one.
     */
    private void assertMatches(float[] arr, int i, float analytic, String what) {
        float old = arr[i];
        StringBuilder seen = new StringBuilder();
        for (float h : new float[]{1e-3f, 3e-4f, 3e-3f}) {
            arr[i] = old + h;
            double lp = loss();
            arr[i] = old - h;
            double lm = loss();
            arr[i] = old;
            double fd = (lp - lm) / (2 * h);
            if (Math.abs(fd - analytic) <= 5e-3 + 1e-2 * Math.abs(fd)) {
                return;
            }
            seen.append(" h=").append(h).append(": ").append(fd);
        }
        throw new AssertionError(what + ": backprop " + analytic + " vs finite differences" + seen);
    }
}
