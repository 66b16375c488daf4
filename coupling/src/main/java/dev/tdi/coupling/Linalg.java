package dev.tdi.coupling;

import dev.tdi.substrate.program.Operator;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The few dense and matrix-free linear-algebra routines the strategies need: Gram-route and randomized truncated
 * SVDs (left singular vectors only) and orthonormalisation. Vectors are plain {@code double[]}; a set of k vectors
 * of length m is a {@code double[k][m]}.
 */
public final class Linalg {
    /** Singular values below this fraction of the largest are treated as zero (numerical rank). */
    public static final double RANK_TOLERANCE = 1e-6;

    private Linalg() {
    }

    /** A linear map A (rows x cols) given only by its products. */
    public interface LinearMap {
        int rows();

        int cols();

        /** Returns A x (length rows). */
        double[] apply(double[] x);

        /** Returns A^T y (length cols). */
        double[] applyTranspose(double[] y);
    }

    /** An operator as a {@link LinearMap}. */
    public static LinearMap of(Operator w) {
        return new LinearMap() {
            @Override public int rows() { return w.rows(); }
            @Override public int cols() { return w.cols(); }

            @Override
            public double[] apply(double[] x) {
                double[] y = new double[w.rows()];
                w.apply(x, 0, y, 0);
                return y;
            }

            @Override
            public double[] applyTranspose(double[] y) {
                double[] x = new double[w.cols()];
                w.applyTranspose(y, 0, x, 0);
                return x;
            }
        };
    }

    /**
     * Top left singular vectors and singular values, in descending order, truncated to the numerical rank
     * (singular values above {@link #RANK_TOLERANCE} times the largest).
     *
     * @param u     [j][row], orthonormal
     * @param sigma descending
     */
    public record Svd(double[][] u, double[] sigma) {
        public int rank() {
            return sigma.length;
        }

        /** The first k vectors and values (k at most the rank). */
        public Svd head(int k) {
            return new Svd(Arrays.copyOf(u, k), Arrays.copyOf(sigma, k));
        }
    }

    /**
     * Left singular vectors of S = [s_1 .. s_N] (columns given as {@code columns[n]}) through the N x N Gram
     * S^T S = V Sigma^2 V^T (Commons Math {@link EigenDecomposition}): u_j = S v_j / sigma_j, re-orthonormalised.
     *
     * @param k at most this many vectors
     */
    public static Svd gram(double[][] columns, int k) {
        int n = columns.length;
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double d = dot(columns[i], columns[j]);
                g[i][j] = d;
                g[j][i] = d;
            }
        }
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(g, false));
        double[] lambda = eig.getRealEigenvalues();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(lambda[b], lambda[a]));
        double top = Math.sqrt(Math.max(lambda[order[0]], 0));
        int m = columns[0].length;
        List<double[]> us = new ArrayList<>();
        List<Double> sig = new ArrayList<>();
        for (int r = 0; r < Math.min(k, n) && top > 0; r++) {
            double s = Math.sqrt(Math.max(lambda[order[r]], 0));
            if (s <= RANK_TOLERANCE * top) {
                break;
            }
            double[] v = eig.getEigenvector(order[r]).toArray();
            double[] u = new double[m];
            for (int i = 0; i < n; i++) {
                axpy(v[i] / s, columns[i], u);
            }
            us.add(u);
            sig.add(s);
        }
        return finish(us, sig);
    }

    /**
     * Randomized truncated SVD (Halko, Martinsson and Tropp 2011, algorithms 4.4 and 5.1): a Gaussian range finder
     * with {@code oversample} extra columns and {@code power} re-orthonormalised power iterations, then the exact
     * SVD of the small projected matrix Q^T A (Commons Math). Seeded; deterministic.
     */
    public static Svd randomized(LinearMap a, int k, int oversample, int power, long seed) {
        int m = a.rows();
        int n = a.cols();
        int l = Math.min(k + oversample, Math.min(m, n));
        SplittableRandom rnd = new SplittableRandom(seed);
        List<double[]> y = new ArrayList<>(l);
        for (int i = 0; i < l; i++) {
            y.add(a.apply(gaussian(rnd, n)));
        }
        List<double[]> q = orthonormalise(y);
        for (int it = 0; it < power && !q.isEmpty(); it++) {
            List<double[]> z = new ArrayList<>(q.size());
            for (double[] qi : q) {
                z.add(a.applyTranspose(qi));
            }
            z = orthonormalise(z);
            List<double[]> y2 = new ArrayList<>(z.size());
            for (double[] zi : z) {
                y2.add(a.apply(zi));
            }
            q = orthonormalise(y2);
        }
        if (q.isEmpty()) {
            return new Svd(new double[0][], new double[0]);
        }
        double[][] b = new double[q.size()][];
        for (int i = 0; i < q.size(); i++) {
            b[i] = a.applyTranspose(q.get(i));
        }
        RealMatrix bm = new Array2DRowRealMatrix(b, false);
        SingularValueDecomposition svd = new SingularValueDecomposition(bm);
        double[] s = svd.getSingularValues();
        RealMatrix ub = svd.getU();
        List<double[]> us = new ArrayList<>();
        List<Double> sig = new ArrayList<>();
        for (int j = 0; j < Math.min(k, s.length); j++) {
            if (s[0] <= 0 || s[j] <= RANK_TOLERANCE * s[0]) {
                break;
            }
            double[] u = new double[m];
            for (int i = 0; i < q.size(); i++) {
                axpy(ub.getEntry(i, j), q.get(i), u);
            }
            us.add(u);
            sig.add(s[j]);
        }
        return finish(us, sig);
    }

    /**
     * k orthonormal Gaussian random vectors of length m (a Haar-distributed basis of a random k-dimensional
     * subspace), seeded.
     */
    public static double[][] randomOrthonormal(int m, int k, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<double[]> out = new ArrayList<>();
        while (out.size() < k) {
            List<double[]> trial = new ArrayList<>(out);
            trial.add(gaussian(rnd, m));
            out = orthonormalise(trial);
        }
        return out.toArray(new double[0][]);
    }

    private static Svd finish(List<double[]> us, List<Double> sig) {
        // Re-orthonormalise (the Gram route loses orthogonality in the small singular values); the span is kept.
        List<double[]> q = orthonormalise(us);
        if (q.size() < us.size()) {
            sig = sig.subList(0, q.size());
        }
        double[] s = new double[sig.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = sig.get(i);
        }
        return new Svd(q.toArray(new double[0][]), s);
    }

    /**
     * Modified Gram-Schmidt, applied twice ("twice is enough"); a vector that loses all but 1e-10 of its norm is
     * linearly dependent on the earlier ones and is dropped. Returns new arrays; the inputs are not changed.
     */
    public static List<double[]> orthonormalise(List<double[]> vectors) {
        List<double[]> out = new ArrayList<>(vectors.size());
        for (double[] v0 : vectors) {
            double[] v = v0.clone();
            double original = norm(v);
            if (original == 0) {
                continue;
            }
            for (int pass = 0; pass < 2; pass++) {
                for (double[] q : out) {
                    axpy(-dot(q, v), q, v);
                }
            }
            double nv = norm(v);
            if (nv <= 1e-10 * original) {
                continue;
            }
            scale(1 / nv, v);
            out.add(v);
        }
        return out;
    }

    public static double[] gaussian(SplittableRandom rnd, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = rnd.nextGaussian();
        }
        return g;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    public static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** y += alpha x. */
    public static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    public static void scale(double alpha, double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= alpha;
        }
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
