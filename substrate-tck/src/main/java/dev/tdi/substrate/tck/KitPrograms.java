package dev.tdi.substrate.tck;

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
import java.util.SplittableRandom;

/** The small programs the conformance kit runs. Weights are seeded, so every backend sees the same numbers. */
public final class KitPrograms {
    private KitPrograms() {
    }

    /** Uniform values in [-scale, scale), seeded. */
    public static float[] uniform(SplittableRandom rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /**
     * A Gaussian program: x (4 units, k = 1.5) coupled to y (3 units, k = 1) through a dense W, with a bias on x
     * and a quadratic center on y. Precision eigenvalues lie in about [0.5, 2.5].
     */
    public static Program gaussianCoupled() {
        SplittableRandom rng = new SplittableRandom(7);
        return Program.builder()
                .module("x", 4)
                .module("y", 3)
                .onSite("x", Potential.quadratic(1.5, 0.0))
                .onSite("y", Potential.quadratic(1.0, 0.4))
                .coupling("x", "y", new DenseOperator(4, 3, uniform(rng, 12, 0.35)))
                .bias("x", new float[] {0.5f, -0.25f, 0.8f, 0.1f})
                .build();
    }

    /**
     * A Gaussian program with an identity Residual: u (3) quadratic, v (4) = W u + h through a residual of weight
     * 2 with a weak on-site spring on v, plus a clamped input c (2) coupled to u.
     */
    public static Program gaussianResidual() {
        SplittableRandom rng = new SplittableRandom(11);
        return Program.builder()
                .module("c", 2)
                .module("u", 3)
                .module("v", 4)
                .clamp("c", new float[] {1.0f, -0.5f})
                .onSite("u", Potential.quadratic(1.0, 0.0))
                .coupling("u", "c", new DenseOperator(3, 2, uniform(rng, 6, 0.5)))
                .onSite("v", Potential.quadratic(0.25, 0.0))
                .residual("v", Activation.IDENTITY, uniform(rng, 4, 0.5), 2.0,
                        new Factor.Source("u", new DenseOperator(4, 3, uniform(rng, 12, 0.5))))
                .build();
    }

    /**
     * A layered relu network: in (4, clamped) -> h1 (6, relu) -> h2 (5, relu) -> out (3, identity), every layer a
     * Residual of weight 1. At low temperature it relaxes to the forward pass.
     */
    public static Program reluNetwork() {
        SplittableRandom rng = new SplittableRandom(3);
        return Program.builder()
                .module("in", 4)
                .module("h1", 6)
                .module("h2", 5)
                .module("out", 3)
                .clamp("in", new float[] {0.9f, -0.4f, 0.3f, 0.7f})
                .residual("h1", Activation.RELU, uniform(rng, 6, 0.3), 1.0,
                        new Factor.Source("in", new DenseOperator(6, 4, uniform(rng, 24, 0.6))))
                .residual("h2", Activation.RELU, uniform(rng, 5, 0.3), 1.0,
                        new Factor.Source("h1", new DenseOperator(5, 6, uniform(rng, 30, 0.5))))
                .residual("out", Activation.IDENTITY, uniform(rng, 3, 0.3), 1.0,
                        new Factor.Source("h2", new DenseOperator(3, 5, uniform(rng, 15, 0.5))))
                .build();
    }

    /**
     * Two modules that want very different step sizes: {@code stiff} (2 units, k = 8) and {@code soft} (3 units,
     * k = 0.5), weakly coupled, with a bias on soft. Run with dt = 0.05 and soft's own dt = 0.8 every mode has
     * dt lambda in about [0.35, 0.45]; with dt = 0.05 everywhere soft relaxes 16 times more slowly.
     */
    public static Program twoSpeed() {
        SplittableRandom rng = new SplittableRandom(19);
        return Program.builder()
                .module("stiff", 2)
                .module("soft", 3)
                .onSite("stiff", Potential.quadratic(8.0, 0.25))
                .onSite("soft", Potential.quadratic(0.5, -0.5))
                .coupling("stiff", "soft", new DenseOperator(2, 3, uniform(rng, 6, 0.3)))
                .bias("soft", new float[] {0.3f, -0.2f, 0.1f})
                .build();
    }

    /**
     * A relu pair of {@code n} units each: s with a quadratic on-site (k, mu) and t = relu(s) through a relu Residual
     * of weight w and zero bias (an identity operator). Integrating t out leaves s's own Gaussian N(mu, T / k), and
     * t given s is N(relu(s), T / w): the marginal of t is a rectified Gaussian plus noise, in closed form.
     */
    public static Program reluPair(int n, double k, double mu, double w) {
        float[] identity = new float[n * n];
        for (int i = 0; i < n; i++) {
            identity[i * n + i] = 1;
        }
        return Program.builder()
                .module("s", n)
                .module("t", n)
                .onSite("s", Potential.quadratic(k, mu))
                .residual("t", Activation.RELU, new float[n], w, new Factor.Source("s", new DenseOperator(n, n, identity)))
                .build();
    }

    /**
     * A feed-forward Gaussian chain: c (2, clamped) -> u (3) = W1 c + h1 through an identity Residual of weight 1,
     * -> v (2) = W2 u + h2 through one of weight 2. Each free module is the target of one Residual and nothing else,
     * so ancestral sampling (a depth schedule) draws its Boltzmann distribution.
     */
    public static Program feedForward() {
        SplittableRandom rng = new SplittableRandom(23);
        return Program.builder()
                .module("c", 2)
                .module("u", 3)
                .module("v", 2)
                .clamp("c", new float[] {0.8f, -0.6f})
                .residual("u", Activation.IDENTITY, uniform(rng, 3, 0.4), 1.0,
                        new Factor.Source("c", new DenseOperator(3, 2, uniform(rng, 6, 0.7))))
                .residual("v", Activation.IDENTITY, uniform(rng, 2, 0.4), 2.0,
                        new Factor.Source("u", new DenseOperator(2, 3, uniform(rng, 6, 0.7))))
                .build();
    }

    /** The forward pass of {@link #reluNetwork()} computed directly, layer by layer: {h1, h2, out}. */
    public static double[][] reluNetworkForward(Program p) {
        double[] x = toDouble(p.clampOf("in").values());
        double[][] out = new double[3][];
        String[] layers = {"h1", "h2", "out"};
        for (int l = 0; l < 3; l++) {
            Factor.Residual r = residualOf(p, layers[l]);
            double[] a = toDouble(r.h());
            r.sources().get(0).w().apply(x, 0, a, 0);
            for (int i = 0; i < a.length; i++) {
                a[i] = r.rho().apply(a[i]);
            }
            out[l] = a;
            x = a;
        }
        return out;
    }

    /** The Residual factor targeting a module. */
    public static Factor.Residual residualOf(Program p, String target) {
        return p.factors().stream().filter(f -> f instanceof Factor.Residual r && r.target().equals(target))
                .map(f -> (Factor.Residual) f).findFirst().orElseThrow();
    }

    /** Operators of every kind mapping a 9-unit source (a 1x3x3 image) to an 18-unit target (2x3x3). */
    public static Operator operatorOfKind(OperatorKind kind) {
        SplittableRandom rng = new SplittableRandom(kind.ordinal() + 100);
        return switch (kind) {
            case DENSE -> new DenseOperator(18, 9, uniform(rng, 18 * 9, 0.1));
            case SPARSE -> SparseOperator.fromDense(18, 9, sparsify(uniform(rng, 18 * 9, 0.2), rng));
            case CONV2D -> new Conv2dOperator(1, 3, 3, 2, 3, 3, 1, 1, uniform(rng, 18, 0.2));
            // 1x3x3 -> 2x3x3: stride 1, padding 1, kernel 3 gives (3-1) - 2 + 3 = 3.
            case CONV_TRANSPOSE2D -> new ConvTranspose2dOperator(1, 3, 3, 2, 3, 3, 1, 1, 0, uniform(rng, 18, 0.2));
            case LOW_RANK -> new LowRankOperator(18, 9, 2, uniform(rng, 36, 0.3), uniform(rng, 18, 0.3));
        };
    }

    private static float[] sparsify(float[] v, SplittableRandom rng) {
        for (int i = 0; i < v.length; i++) {
            if (rng.nextDouble() < 0.7) {
                v[i] = 0;
            }
        }
        return v;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
