package dev.tdi.substrate.fpga;

import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.program.SparseOperator;
import java.util.Random;

/** Test programs. */
final class Programs {
    private Programs() {
    }

    static float[] random(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * (2 * r.nextDouble() - 1));
        }
        return v;
    }

    /**
     * Uniform magnitudes in [scale/64, scale] with random signs: no entry far below the rest, so the program's
     * coupling spread stays within the device's declared range (DeviceRanges) however many entries it has.
     */
    static float[] spread(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double m = scale * (1.0 / 64 + (63.0 / 64) * r.nextDouble());
            v[i] = (float) (r.nextBoolean() ? m : -m);
        }
        return v;
    }

    /** A Gaussian: two coupled modules with stiffness, a dense coupling and biases. */
    static Program gaussian() {
        Random r = new Random(7);
        return Program.builder()
                .module("a", 4).module("b", 3)
                .onSite("a", Potential.quadratic(2.0, 0.25))
                .onSite("b", Potential.quadratic(3.0, -0.5))
                .coupling("a", "b", new DenseOperator(4, 3, random(r, 12, 0.4)))
                .bias("a", random(r, 4, 1.0))
                .bias("b", random(r, 3, 1.0))
                .build();
    }

    /** Every factor and operator kind at once, small. */
    static Program everything() {
        Random r = new Random(11);
        // img: 1x4x4 clamped input; c1: conv 2x1x3x3 pad 1 -> 2x4x4 relu residual; d: conv stride 2 -> 2x2x2;
        // u: conv-transpose back to 1x4x4 identity residual with a low-rank skip from img; s: sparse-coupled pair.
        Program.Builder b = Program.builder()
                .module("img", 16).module("c1", 32).module("d", 8).module("u", 16).module("s", 5).module("box", 3);
        b.clamp("img", random(r, 16, 1.0));
        b.residual("c1", Activation.RELU, random(r, 32, 0.1), 1.0,
                new Factor.Source("img", new Conv2dOperator(1, 4, 4, 2, 3, 3, 1, 1, random(r, 18, 0.5))));
        b.onSite("c1", Potential.rectified(0.5, 0.0));
        b.residual("d", Activation.IDENTITY, random(r, 8, 0.1), 2.0,
                new Factor.Source("c1", new Conv2dOperator(2, 4, 4, 2, 2, 2, 2, 0, random(r, 16, 0.5))));
        b.residual("u", Activation.RELU, random(r, 16, 0.1), 1.5,
                new Factor.Source("d", new ConvTranspose2dOperator(2, 2, 2, 1, 2, 2, 2, 0, 0, random(r, 8, 0.5))),
                new Factor.Source("img", new LowRankOperator(16, 16, 2, random(r, 32, 0.3), random(r, 32, 0.3))));
        float[] dense = new float[25];
        for (int i = 0; i < 5; i++) {
            dense[i * 5 + i] = 0.2f;
            if (i + 1 < 5) {
                dense[i * 5 + i + 1] = dense[(i + 1) * 5 + i] = 0.3f;
            }
        }
        b.onSite("s", Potential.quadratic(1.5, 0.1));
        b.coupling("s", "s", SparseOperator.fromDense(5, 5, dense));
        b.coupling("s", "d", new DenseOperator(5, 8, random(r, 40, 0.1)));
        b.bias("s", random(r, 5, 0.5));
        b.onSite("box", Potential.box(-0.5, 0.75));
        b.onSite("box", Potential.quadratic(1.0, 0.3));
        return b.build();
    }

    /**
     * A U-Net-shaped program at Fashion-MNIST scale (39,200 units): clamped 1x28x28 input, a relu conv encoder
     * level, a strided conv down, a bottleneck, a conv-transpose up with a rank-8 skip from the encoder, and an
     * identity conv output.
     */
    static Program unetLike() {
        Random r = new Random(21);
        Program.Builder b = Program.builder().module("in", 784).module("e1", 16 * 784).module("d1", 32 * 196)
                .module("bn", 32 * 196).module("u1", 16 * 784).module("out", 784);
        b.clamp("in", spread(r, 784, 1.0));
        b.residual("e1", Activation.RELU, spread(r, 16 * 784, 0.05), 1.0,
                new Factor.Source("in", new Conv2dOperator(1, 28, 28, 16, 3, 3, 1, 1, spread(r, 144, 0.3))));
        b.residual("d1", Activation.RELU, spread(r, 32 * 196, 0.05), 1.0,
                new Factor.Source("e1", new Conv2dOperator(16, 28, 28, 32, 4, 4, 2, 1, spread(r, 8192, 0.05))));
        b.residual("bn", Activation.RELU, spread(r, 32 * 196, 0.05), 1.0,
                new Factor.Source("d1", new Conv2dOperator(32, 14, 14, 32, 3, 3, 1, 1, spread(r, 9216, 0.05))));
        b.residual("u1", Activation.RELU, spread(r, 16 * 784, 0.05), 1.0,
                new Factor.Source("bn", new ConvTranspose2dOperator(32, 14, 14, 16, 4, 4, 2, 1, 0,
                        spread(r, 8192, 0.05))),
                new Factor.Source("e1", new LowRankOperator(16 * 784, 16 * 784, 8, spread(r, 16 * 784 * 8, 0.01),
                        spread(r, 16 * 784 * 8, 0.01))));
        b.residual("out", Activation.IDENTITY, spread(r, 784, 0.05), 1.0,
                new Factor.Source("u1", new Conv2dOperator(16, 28, 28, 1, 3, 3, 1, 1, spread(r, 144, 0.1))));
        return b.build();
    }

    /**
     * Weights far beyond 2^11 (a residual of weight 10^5, beyond Q15.16 itself, and a stiffness of 3000), so
     * modules get force exponents; a coupling between two modules of different exponents and a Bias on a scaled
     * module. Stable step sizes are about 0.5 / weight: {@link #SCALED_DT}.
     */
    static Program scaled() {
        Random r = new Random(31);
        return Program.builder().module("in", 6).module("h", 8).module("out", 4)
                .clamp("in", random(r, 6, 1.0))
                .residual("h", Activation.RELU, random(r, 8, 0.2), 1e5,
                        new Factor.Source("in", new DenseOperator(8, 6, random(r, 48, 0.5))))
                .residual("out", Activation.IDENTITY, random(r, 4, 0.2), 1.0,
                        new Factor.Source("h", new DenseOperator(4, 8, random(r, 32, 0.5))))
                .onSite("out", Potential.quadratic(3000.0, 0.1))
                .coupling("h", "out", new DenseOperator(8, 4, random(r, 32, 2.0)))
                .bias("hb", "h", random(r, 8, 3.0))
                .build();
    }

    /** Per-module step sizes for {@link #scaled()}, in module order (the clamped input's is unused). */
    static final double[] SCALED_DT = {0.1, 0.5 / 1e5, 0.5 / 3000};
}
