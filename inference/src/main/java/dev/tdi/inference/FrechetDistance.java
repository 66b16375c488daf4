package dev.tdi.inference;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The Frechet distance between two Gaussians fitted to feature vectors (the FID construction, here in the
 * penultimate feature space of tdi's own classifier, docs/physics.md "Metrics"):
 * {@code FD = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2))}.
 *
 * <p>{@code tr((S_a S_b)^(1/2))} is computed as {@code tr((S_a^(1/2) S_b S_a^(1/2))^(1/2))}: the two matrices are
 * similar, and the second is symmetric positive semi-definite, so both square roots come from a Commons Math
 * eigen-decomposition of a symmetric matrix (symmetrised as (M + M^T)/2 against rounding; eigenvalues below zero,
 * which only rounding can produce, are taken as zero).
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /** A fitted Gaussian: mean, covariance (unbiased, n - 1) and the number of vectors behind it. */
    public record Gaussian(double[] mean, double[][] covariance, int count) {
    }

    /** Fits mean and covariance to n vectors of equal length (n >= 2). */
    public static Gaussian fit(double[][] x) {
        int n = x.length;
        if (n < 2) {
            throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, found " + n);
        }
        int d = x[0].length;
        double[] mu = new double[d];
        for (double[] v : x) {
            if (v.length != d) {
                throw new IllegalArgumentException("feature vectors of length " + d + " and " + v.length);
            }
            for (int j = 0; j < d; j++) {
                mu[j] += v[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= n;
        }
        double[][] cov = new double[d][d];
        for (double[] v : x) {
            for (int i = 0; i < d; i++) {
                double di = v[i] - mu[i];
                for (int j = i; j < d; j++) {
                    cov[i][j] += di * (v[j] - mu[j]);
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                cov[i][j] /= n - 1;
                cov[j][i] = cov[i][j];
            }
        }
        return new Gaussian(mu, cov, n);
    }

    /** FD between the Gaussians fitted to two sets of feature vectors. */
    public static double between(double[][] a, double[][] b) {
        return between(fit(a), fit(b));
    }

    /** FD between two Gaussians. */
    public static double between(Gaussian a, Gaussian b) {
        int d = a.mean().length;
        if (b.mean().length != d) {
            throw new IllegalArgumentException("Gaussians of dimension " + d + " and " + b.mean().length);
        }
        double fd = 0;
        for (int j = 0; j < d; j++) {
            double m = a.mean()[j] - b.mean()[j];
            fd += m * m;
        }
        RealMatrix sa = new Array2DRowRealMatrix(a.covariance());
        RealMatrix sb = new Array2DRowRealMatrix(b.covariance());
        RealMatrix root = sqrtPsd(sa);
        double crossTrace = traceOfSqrt(root.multiply(sb).multiply(root));
        return fd + sa.getTrace() + sb.getTrace() - 2 * crossTrace;
    }

    /** The PSD square root of a symmetric matrix: V diag(sqrt(max(0, lambda))) V^T. */
    static RealMatrix sqrtPsd(RealMatrix m) {
        EigenDecomposition e = new EigenDecomposition(symmetrised(m));
        double[] lambda = e.getRealEigenvalues();
        RealMatrix v = e.getV();
        int d = lambda.length;
        double[][] s = new double[d][d];
        for (int i = 0; i < d; i++) {
            s[i][i] = Math.sqrt(Math.max(0, lambda[i]));
        }
        return v.multiply(new Array2DRowRealMatrix(s, false)).multiply(v.transpose());
    }

    /** tr(M^(1/2)) of a symmetric PSD matrix: the sum of the square roots of its eigenvalues. */
    static double traceOfSqrt(RealMatrix m) {
        double t = 0;
        for (double l : new EigenDecomposition(symmetrised(m)).getRealEigenvalues()) {
            t += Math.sqrt(Math.max(0, l));
        }
        return t;
    }

    private static RealMatrix symmetrised(RealMatrix m) {
        return m.add(m.transpose()).scalarMultiply(0.5);
    }
}
