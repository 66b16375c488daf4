package dev.tdi.substrate.sim;

import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.program.SparseOperator;
import java.util.Random;

/** Small random programs covering every factor and operator kind. */
final class TestPrograms {
    private TestPrograms() {
    }

    static float[] randn(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return v;
    }

    /** An operator of the kind, rows x cols where the kind allows it (convolutions fix their own shapes). */
    static Operator operator(OperatorKind kind, Random rnd, int variant) {
        return switch (kind) {
            case DENSE -> new DenseOperator(13, 11, randn(rnd, 13 * 11, 0.08));
            case SPARSE -> {
                float[] d = randn(rnd, 19 * 23, 0.15);
                for (int i = 0; i < d.length; i++) {
                    if (rnd.nextDouble() < 0.8) {
                        d[i] = 0;
                    }
                }
                yield SparseOperator.fromDense(19, 23, d);
            }
            case CONV2D -> variant == 0
                    ? new Conv2dOperator(2, 9, 7, 3, 3, 3, 1, 1, randn(rnd, 3 * 2 * 9, 0.1))
                    : new Conv2dOperator(2, 9, 8, 3, 3, 2, 2, 1, randn(rnd, 3 * 2 * 6, 0.12));
            case CONV_TRANSPOSE2D -> variant == 0
                    ? new ConvTranspose2dOperator(3, 4, 5, 2, 3, 3, 1, 1, 0, randn(rnd, 3 * 2 * 9, 0.1))
                    : new ConvTranspose2dOperator(3, 4, 5, 2, 3, 3, 2, 1, 1, randn(rnd, 3 * 2 * 9, 0.12));
            case LOW_RANK -> new LowRankOperator(37, 29, 3, randn(rnd, 37 * 3, 0.12), randn(rnd, 29 * 3, 0.12));
        };
    }

    /** A symmetric operator of the kind (dense, sparse, low-rank) on n units. */
    static Operator symmetric(OperatorKind kind, Random rnd, int n) {
        return switch (kind) {
            case DENSE -> new DenseOperator(n, n, symmetricDense(rnd, n, 0.06));
            case SPARSE -> {
                float[] d = symmetricDense(rnd, n, 0.15);
                for (int i = 0; i < n; i++) {
                    for (int j = i; j < n; j++) {
                        if (rnd.nextDouble() < 0.75) {
                            d[i * n + j] = 0;
                            d[j * n + i] = 0;
                        }
                    }
                }
                yield SparseOperator.fromDense(n, n, d);
            }
            case LOW_RANK -> {
                float[] u = randn(rnd, n * 2, 0.15);
                yield new LowRankOperator(n, n, 2, u, u);
            }
            default -> throw new IllegalArgumentException(kind + " has no symmetric form here");
        };
    }

    static float[] symmetricDense(Random rnd, int n, double scale) {
        float[] d = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                float v = (float) (rnd.nextGaussian() * scale);
                d[i * n + j] = v;
                d[j * n + i] = v;
            }
        }
        return d;
    }

    /**
     * A program exercising one operator kind in every role: a cross coupling, a self coupling where the kind has a
     * symmetric form, an identity residual and a relu residual (one source clamped), with quadratic, rectified and
     * box on-sites, biases, a clamp and per-module step sizes left to the caller.
     */
    static Program everything(OperatorKind kind, int variant, long seed) {
        Random rnd = new Random(seed);
        Operator w = operator(kind, rnd, variant);
        Operator w2 = operator(kind, rnd, variant);
        Operator w3 = operator(kind, rnd, variant);
        int rows = w.rows(), cols = w.cols();
        Program.Builder b = Program.builder()
                .module("t", rows).module("s", cols).module("r", rows).module("q", rows).module("c", cols);
        b.onSite("t", Potential.quadratic(1.0, 0.1)).onSite("s", Potential.rectified(1.5, 0.3))
                .onSite("r", Potential.quadratic(0.5, -0.2)).onSite("r", Potential.box(-0.6, 0.7))
                .onSite("q", Potential.quadratic(1.0, 0.0));
        b.coupling("t", "s", w);
        b.bias("t", randn(rnd, rows, 0.3));
        b.bias("sb", "s", randn(rnd, cols, 0.3));
        b.clamp("c", randn(rnd, cols, 0.8));
        b.residual("r", Activation.IDENTITY, randn(rnd, rows, 0.2), 2.0, new Factor.Source("s", w2));
        b.residual("q", Activation.RELU, randn(rnd, rows, 0.2), 1.5, new Factor.Source("c", w3),
                new Factor.Source("s", w));
        if (kind == OperatorKind.DENSE || kind == OperatorKind.SPARSE || kind == OperatorKind.LOW_RANK) {
            b.module("m", 17).onSite("m", Potential.quadratic(1.2, 0.4)).coupling("m", "m", symmetric(kind, rnd, 17));
        }
        return b.build();
    }
}
