package dev.tdi.bench;

import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.program.SparseOperator;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The benchmark programs, one per operator kind, each of about D units, all stable (the quadratic part is
 * positive definite with eigenvalues in about [0.5, 1.5], so dt = 0.1 is well inside the stability limit).
 * The peer harness implements exactly these energies (see benchmarks/peers/peers.py):
 * <ul>
 *   <li>{@code dense}: one module x of D units; (1/2)(x - mu)^2 on-site, (1/2) x^T W x with W dense symmetric,
 *       entries of scale 0.25 / sqrt(D), and a bias h.</li>
 *   <li>{@code sparse}: modules a and b of D/2 units, on-site on both, and -x_b^T W x_a with W a random CSR
 *       matrix of {@link #SPARSE_ROW} non-zeros per row: the gradient needs W x_a and W^T x_b.</li>
 *   <li>{@code conv}: modules a and b, each {@link #CONV_CHANNELS} channels x H x W (D = 2 C H W), on-site on both,
 *       and -x_b^T K x_a with K a 3x3 stride-1 padding-1 convolution C -&gt; C: the gradient needs K x_a and
 *       K^T x_b (a transposed convolution).</li>
 *   <li>{@code lowrank}: modules a and b of D/2 units and -x_b^T U V^T x_a, rank k: the gradient needs
 *       U (V^T x_a) and V (U^T x_b).</li>
 * </ul>
 */
public final class BenchPrograms {
    /** Average non-zeros per row of the sparse program. */
    public static final int SPARSE_ROW = 16;
    /** Channels of the convolution program. */
    public static final int CONV_CHANNELS = 8;
    /** On-site stiffness and centre of every program. */
    public static final double K = 1.0, MU = 0.1;

    private BenchPrograms() {
    }

    /** The operator kinds benchmarked. */
    public enum Kind {
        DENSE, SPARSE, CONV, LOWRANK;

        public String id() {
            return name().toLowerCase();
        }

        public static Kind of(String s) {
            return valueOf(s.trim().toUpperCase());
        }
    }

    /** The image side of the conv program of about d units. */
    public static int convSide(int d) {
        return Math.max(4, (int) Math.round(Math.sqrt(d / (2.0 * CONV_CHANNELS))));
    }

    /** Builds the program of a kind with about {@code d} units (rank {@code k} for low-rank). */
    public static Program build(Kind kind, int d, int k, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return switch (kind) {
            case DENSE -> {
                float s = (float) (0.25 / Math.sqrt(d));
                float[] w = new float[d * d];
                for (int i = 0; i < d; i++) {
                    for (int j = i; j < d; j++) {
                        float v = (float) (rnd.nextDouble(-1.732, 1.732) * s);
                        w[i * d + j] = v;
                        w[j * d + i] = v;
                    }
                }
                yield Program.builder().module("x", d).onSite("x", Potential.quadratic(K, MU))
                        .coupling("x", "x", new DenseOperator(d, d, w)).bias("x", uniform(rnd, d, 0.2)).build();
            }
            case SPARSE -> {
                int h = d / 2;
                yield Program.builder().module("a", h).module("b", h)
                        .onSite("a", Potential.quadratic(K, MU)).onSite("b", Potential.quadratic(K, MU))
                        .coupling("b", "a", sparseRandom(rnd, h, h)).build();
            }
            case CONV -> {
                int c = CONV_CHANNELS, side = convSide(d);
                float[] ker = uniform(rnd, c * c * 9, 0.5 / Math.sqrt(c * 9.0));
                int n = c * side * side;
                yield Program.builder().module("a", n).module("b", n)
                        .onSite("a", Potential.quadratic(K, MU)).onSite("b", Potential.quadratic(K, MU))
                        .coupling("b", "a", new Conv2dOperator(c, side, side, c, 3, 3, 1, 1, ker)).build();
            }
            case LOWRANK -> {
                int h = d / 2;
                double s = 0.5 / Math.sqrt(h) * 1.732;
                yield Program.builder().module("a", h).module("b", h)
                        .onSite("a", Potential.quadratic(K, MU)).onSite("b", Potential.quadratic(K, MU))
                        .coupling("b", "a", new LowRankOperator(h, h, k, uniform(rnd, h * k, s), uniform(rnd, h * k, s)))
                        .build();
            }
        };
    }

    private static float[] uniform(SplittableRandom rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble(-1, 1) * scale);
        }
        return v;
    }

    /** A random CSR matrix with SPARSE_ROW distinct columns per row, values of scale 0.25 / sqrt(SPARSE_ROW). */
    private static SparseOperator sparseRandom(SplittableRandom rnd, int rows, int cols) {
        int per = Math.min(SPARSE_ROW, cols);
        int[] ptr = new int[rows + 1];
        int[] idx = new int[rows * per];
        float[] val = new float[rows * per];
        double s = 0.25 / Math.sqrt(per) * 1.732;
        int m = 0;
        for (int i = 0; i < rows; i++) {
            int from = m;
            while (m - from < per) {
                int j = rnd.nextInt(cols);
                boolean seen = false;
                for (int a = from; a < m; a++) {
                    seen |= idx[a] == j;
                }
                if (!seen) {
                    idx[m++] = j;
                }
            }
            Arrays.sort(idx, from, m);
            for (int a = from; a < m; a++) {
                val[a] = (float) (rnd.nextDouble(-1, 1) * s);
            }
            ptr[i + 1] = m;
        }
        return new SparseOperator(rows, cols, ptr, idx, val);
    }
}
