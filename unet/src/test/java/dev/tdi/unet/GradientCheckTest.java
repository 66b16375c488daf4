package dev.tdi.unet;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpropagation (float, vectorised) against central finite differences of the same network evaluated in double
 * precision ({@link DoubleReference}), for every layer type: a stride-1 convolution from the image, a stride-2
 * convolution, a transposed convolution, a two-input (skip-merging) convolution, the identity output layer with its
 * input skip, static biases, time projections, both layers of the time MLP, and the input image. Steps of 1e-6 in
 * double make relu kinks crossed by a step vanishingly rare, and the float-vs-double gap is far below tolerance.
 */
class GradientCheckTest {
    private static final UNetConfig TINY = new UNetConfig(9, 2, new int[]{3, 4, 5}, 2, 3, "relu", 6, 7,
            "concat-conv", "conv-transpose", 100, "linear", 1e-4, 0.02, true);

    private static final String[] TENSORS = {
            "enc0_0.w0", "enc0_1.w0", "enc1_0.w0", "enc2_1.w0", "up1.w0", "up0.w0", "dec1_0.w0", "dec1_0.w1",
            "dec0_1.w0", "out.w0", "out.w1", "enc0_0.b", "dec0_0.b", "out.b", "enc1_0.tproj", "dec0_1.tproj",
            "temb.fc1.w", "temb.fc1.b", "temb.fc2.w", "temb.fc2.b"};
    private static final double H = 1e-6;

    private final UNet net = UNet.create(TINY, 7);
    private final float[] x, target;
    private final double[] xd, pd;
    private final double t = 37;

    GradientCheckTest() {
        SplittableRandom r = new SplittableRandom(11);
        x = new float[net.inputSize()];
        target = new float[net.inputSize()];
        xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            xd[i] = x[i];
            target[i] = (float) r.nextGaussian();
        }
        float[] p = net.parameters();
        for (UNet.Slot s : net.slots().values()) { // non-zero biases, so relu units see both signs
            if (s.name().endsWith(".b")) {
                for (int i = 0; i < s.size(); i++) {
                    p[s.offset() + i] = (float) (0.3 * r.nextGaussian());
                }
            }
        }
        pd = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            pd[i] = p[i];
        }
    }

    private double fd(double[] arr, int i) {
        double old = arr[i];
        arr[i] = old + H;
        double lp = DoubleReference.loss(net, pd, xd, t, target);
        arr[i] = old - H;
        double lm = DoubleReference.loss(net, pd, xd, t, target);
        arr[i] = old;
        return (lp - lm) / (2 * H);
    }

    @Test
    void theDoubleReferenceIsTheSameNetwork() {
        float[] o = net.predict(x, new double[]{t});
        double[] od = DoubleReference.forward(net, pd, xd, t);
        for (int i = 0; i < o.length; i++) {
            assertEquals(od[i], o[i], 1e-5 * (1 + Math.abs(od[i])));
        }
    }

    @Test
    void everyLayerTypeMatchesFiniteDifferences() {
        float[] grad = new float[net.parameterCount()];
        net.lossGradient(x, 0, t, target, 0, 1f, grad);
        SplittableRandom r = new SplittableRandom(3);
        int nonZero = 0;
        for (String name : TENSORS) {
            UNet.Slot s = net.slots().get(name);
            for (int rep = 0; rep < 6; rep++) {
                int i = s.offset() + r.nextInt(s.size());
                double f = fd(pd, i);
                assertEquals(f, grad[i], 1e-3 * (1 + Math.abs(f)),
                        name + "[" + (i - s.offset()) + "]: backprop " + grad[i] + " vs finite difference " + f);
                nonZero += Math.abs(f) > 1e-3 ? 1 : 0;
            }
        }
        assertTrue(nonZero > TENSORS.length * 3, "most checked gradients must be non-trivial: " + nonZero);
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        float[] grad = new float[net.parameterCount()];
        float[] dx = new float[x.length];
        net.lossGradient(x, 0, t, target, 0, 1f, grad, dx);
        SplittableRandom r = new SplittableRandom(5);
        for (int rep = 0; rep < 16; rep++) {
            int i = r.nextInt(x.length);
            double f = fd(xd, i);
            assertEquals(f, dx[i], 1e-3 * (1 + Math.abs(f)), "input[" + i + "]");
        }
    }

    @Test
    void directionalDerivativeOverAllParameters() {
        float[] grad = new float[net.parameterCount()];
        net.lossGradient(x, 0, t, target, 0, 1f, grad);
        SplittableRandom r = new SplittableRandom(9);
        double[] v = new double[pd.length], plus = pd.clone(), minus = pd.clone();
        double gv = 0;
        for (int i = 0; i < pd.length; i++) {
            v[i] = r.nextGaussian();
            gv += grad[i] * v[i];
            plus[i] += H * v[i];
            minus[i] -= H * v[i];
        }
        double f = (DoubleReference.loss(net, plus, xd, t, target) - DoubleReference.loss(net, minus, xd, t, target))
                / (2 * H);
        assertEquals(f, gv, 1e-4 * Math.abs(f) + 1e-3, "directional derivative");
    }
}
