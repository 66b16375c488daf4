package dev.tdi.coupling;

import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Operator;

/**
 * Helpers shared by projection strategies (hbc, svd, random and users' own): every one of them realises a skip as
 * U V^T = P P^T W_skip for an orthonormal decoder-side basis P (D_dec x k), i.e. U = P and V = W_skip^T P, and
 * differs only in how P is chosen.
 */
public final class Projections {
    private Projections() {
    }

    /**
     * The bus P P^T W for the orthonormal basis {@code basis} ([j][decoder unit], k vectors); an empty basis drops
     * the skip.
     */
    public static CoupledSkip bus(Operator w, double[][] basis) {
        int k = basis.length;
        if (k == 0) {
            return new CoupledSkip.Dropped();
        }
        int rows = w.rows();
        int cols = w.cols();
        float[] u = new float[rows * k];
        float[] v = new float[cols * k];
        for (int j = 0; j < k; j++) {
            double[] p = basis[j];
            Operator.requireLength("basis vector " + j, p.length, rows);
            double[] vj = new double[cols];
            w.applyTranspose(p, 0, vj, 0);
            for (int i = 0; i < rows; i++) {
                u[i * k + j] = (float) p[i];
            }
            for (int i = 0; i < cols; i++) {
                v[i * k + j] = (float) vj[i];
            }
        }
        return new CoupledSkip.Bus(new LowRankOperator(rows, cols, k, u, v));
    }

    /**
     * The skip's contribution over its calibration set as a matrix-free map S = W_skip X_enc^T (D_dec x N):
     * S a = W (X^T a), S^T b = X (W^T b).
     */
    public static Linalg.LinearMap dataMap(SkipConnection skip) {
        Operator w = skip.operator();
        float[][] x = skip.calibration();
        requireCalibration(skip);
        return new Linalg.LinearMap() {
            @Override public int rows() { return w.rows(); }
            @Override public int cols() { return x.length; }

            @Override
            public double[] apply(double[] a) {
                double[] z = new double[w.cols()];
                for (int n = 0; n < x.length; n++) {
                    double an = a[n];
                    if (an != 0) {
                        float[] xn = x[n];
                        for (int i = 0; i < z.length; i++) {
                            z[i] += an * xn[i];
                        }
                    }
                }
                double[] y = new double[w.rows()];
                w.apply(z, 0, y, 0);
                return y;
            }

            @Override
            public double[] applyTranspose(double[] b) {
                double[] wt = new double[w.cols()];
                w.applyTranspose(b, 0, wt, 0);
                double[] out = new double[x.length];
                for (int n = 0; n < x.length; n++) {
                    float[] xn = x[n];
                    double s = 0;
                    for (int i = 0; i < wt.length; i++) {
                        s += xn[i] * wt[i];
                    }
                    out[n] = s;
                }
                return out;
            }
        };
    }

    /** The columns s_n = W_skip x_n of S, one per calibration sample. */
    public static double[][] dataColumns(SkipConnection skip) {
        requireCalibration(skip);
        Operator w = skip.operator();
        double[][] s = new double[skip.calibration().length][];
        for (int n = 0; n < s.length; n++) {
            s[n] = new double[w.rows()];
            w.apply(Linalg.toDouble(skip.calibration()[n]), 0, s[n], 0);
        }
        return s;
    }

    /** ||S||_F^2 = sum_n ||W x_n||^2. */
    public static double dataEnergy(SkipConnection skip) {
        return residualEnergy(skip, null);
    }

    /**
     * sum_n ||W x_n - W' x_n||^2 over the calibration set: the squared Frobenius error of {@code approx} in the
     * data metric (null approx: the skip's energy).
     */
    public static double residualEnergy(SkipConnection skip, Operator approx) {
        requireCalibration(skip);
        Operator w = skip.operator();
        double e = 0;
        double[] y = new double[w.rows()];
        for (float[] xf : skip.calibration()) {
            double[] x = Linalg.toDouble(xf);
            java.util.Arrays.fill(y, 0);
            w.apply(x, 0, y, 0);
            if (approx != null) {
                double[] ya = new double[w.rows()];
                approx.apply(x, 0, ya, 0);
                for (int i = 0; i < y.length; i++) {
                    y[i] -= ya[i];
                }
            }
            e += Linalg.dot(y, y);
        }
        return e;
    }

    static void requireCalibration(SkipConnection skip) {
        float[][] x = skip.calibration();
        if (x == null || x.length == 0) {
            throw new IllegalArgumentException("skip " + skip.name() + " has no calibration activations");
        }
        for (int n = 0; n < x.length; n++) {
            if (x[n].length != skip.operator().cols()) {
                throw new IllegalArgumentException("skip " + skip.name() + ": calibration sample " + n + " has "
                        + x[n].length + " units, the operator takes " + skip.operator().cols());
            }
        }
    }
}
