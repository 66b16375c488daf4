package dev.tdi.coupling;

import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Operator;

import java.util.SplittableRandom;

/** Synthetic skips with known structure. */
final class Synthetic {
    private Synthetic() {
    }

    static DenseOperator denseW(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() / Math.sqrt(cols));
        }
        return new DenseOperator(rows, cols, v);
    }

    static Conv2dOperator convW(int inC, int h, int w, int outC, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] k = new float[outC * inC * 9];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) (r.nextGaussian() / 3);
        }
        return new Conv2dOperator(inC, h, w, outC, 3, 3, 1, 1, k);
    }

    /**
     * n samples of dimension d: sum_{j < rank} a_nj scale_j b_j with b_j fixed random directions and a_nj
     * standard Gaussian (exact rank {@code rank}, up to float rounding), plus isotropic noise of std {@code noise}.
     */
    static float[][] planted(int n, int d, int rank, double decay, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] b = new double[rank][];
        for (int j = 0; j < rank; j++) {
            b[j] = Linalg.gaussian(r, d);
        }
        float[][] x = new float[n][d];
        for (int s = 0; s < n; s++) {
            double[] row = new double[d];
            double scale = 1;
            for (int j = 0; j < rank; j++) {
                Linalg.axpy(scale * r.nextGaussian(), b[j], row);
                scale *= decay;
            }
            for (int i = 0; i < d; i++) {
                x[s][i] = (float) (row[i] + noise * r.nextGaussian());
            }
        }
        return x;
    }

    static SkipConnection skip(String name, int level, Operator w, float[][] x) {
        return new SkipConnection(name, level, "enc" + level, "dec" + level, w, x);
    }

    /** sqrt(sum_n ||W x_n - W' x_n||^2 / sum_n ||W x_n||^2); W' = 0 for a dropped skip. */
    static double relError(SkipConnection s, CoupledSkip c) {
        Operator approx = switch (c) {
            case CoupledSkip.Dropped d -> null;
            case CoupledSkip.Direct d -> d.w();
            case CoupledSkip.Bus b -> b.w();
            case CoupledSkip.LocalBus b -> b.w();
            case CoupledSkip.Wired w -> w.w();
        };
        double e = Projections.dataEnergy(s);
        return Math.sqrt((approx == null ? e : Projections.residualEnergy(s, approx)) / e);
    }
}
