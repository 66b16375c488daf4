package dev.tdi.substrate.tck;

import dev.tdi.substrate.GaussianReference;
import dev.tdi.substrate.Integrator;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Program;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The exact finite-step statistics of a Gaussian program run by a backend that declares {@code integrator}, with
 * per-unit step sizes D = diag(dt_i) (a module's own step size, or the run's).
 * <p>
 * With precision A and mean m (from {@link GaussianReference}), in the coordinates y = D^{-1/2} (x - m) one step
 * is y' = F y + noise with S = D^{1/2} A D^{1/2} (symmetric, eigenvalues mu, eigenvectors V):
 * <ul>
 *   <li>Euler-Maruyama: F = I - S, noise sqrt(2T) xi, so Cov(y) = T V diag(1 / (mu (1 - mu / 2))) V^T (stable for
 *       mu &lt; 2). With D = dt I this is GaussianReference#eulerMaruyamaCovariance.</li>
 *   <li>Exact in distribution, continuous time: F = exp(-S) (the OU flow with mobility D over one sampling interval),
 *       so Cov(y) = T S^{-1}, i.e. Cov(x) = T A^{-1} whatever D.</li>
 * </ul>
 * Cov(x) = D^{1/2} Cov(y) D^{1/2}. So per-module step sizes leave the mean unchanged but change the finite-step
 * covariance of Euler-Maruyama, and both the drift's and the noise's dt must be the module's.
 */
final class StepReference {
    private final GaussianReference gaussian;
    private final Integrator integrator;
    private final double temperature;
    private final int[] free;         // free position -> unit
    private final double[] sqrtDt;    // per free position
    private final double[] mu;        // eigenvalues of S
    private final RealMatrix v;       // eigenvectors of S (columns)

    StepReference(Program program, Integrator integrator, double stepSize, Map<String, Double> moduleStepSizes,
                  double temperature) {
        this(GaussianReference.of(program), integrator, stepSize, moduleStepSizes, temperature);
    }

    StepReference(GaussianReference gaussian, Integrator integrator, double stepSize,
                  Map<String, Double> moduleStepSizes, double temperature) {
        this.gaussian = gaussian;
        this.integrator = integrator;
        this.temperature = temperature;
        Program p = gaussian.program();
        int n = p.units();
        int f = gaussian.freeUnits();
        free = new int[f];
        sqrtDt = new double[f];
        double[] unitDt = new double[n];
        for (ModuleSpec m : p.modules()) {
            double dt = moduleStepSizes.getOrDefault(m.name(), stepSize);
            for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                unitDt[i] = dt;
            }
        }
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (gaussian.covariance(i, i, 1.0) > 0) {
                free[k] = i;
                sqrtDt[k++] = Math.sqrt(unitDt[i]);
            }
        }
        if (k != f) {
            throw new IllegalStateException("free units " + k + " != " + f);
        }
        // A over free units: the inverse of the T = 1 covariance.
        RealMatrix cov = new Array2DRowRealMatrix(f, f);
        for (int a = 0; a < f; a++) {
            for (int b = 0; b < f; b++) {
                cov.setEntry(a, b, gaussian.covariance(free[a], free[b], 1.0));
            }
        }
        RealMatrix precision = new LUDecomposition(cov).getSolver().getInverse();
        RealMatrix s = new Array2DRowRealMatrix(f, f);
        for (int a = 0; a < f; a++) {
            for (int b = 0; b < f; b++) {
                double e = sqrtDt[a] * precision.getEntry(a, b) * sqrtDt[b];
                s.setEntry(a, b, e);
            }
        }
        for (int a = 0; a < f; a++) { // symmetrise the round-off
            for (int b = a + 1; b < f; b++) {
                double e = (s.getEntry(a, b) + s.getEntry(b, a)) / 2;
                s.setEntry(a, b, e);
                s.setEntry(b, a, e);
            }
        }
        EigenDecomposition eig = new EigenDecomposition(s);
        mu = eig.getRealEigenvalues();
        v = eig.getV();
        if (integrator == Integrator.EULER_MARUYAMA) {
            for (double m : mu) {
                if (!(m > 0 && m < 2)) {
                    throw new InvalidProgramException("Euler-Maruyama is unstable here (a mode has dt lambda = " + m
                            + ", outside (0, 2))");
                }
            }
        }
    }

    /** The exact mean, every unit (clamped ones at their clamp values): A^{-1} b whatever the integrator. */
    double[] mean() {
        return gaussian.mean();
    }

    /** The exact stationary covariance under the integrator and step sizes, indexed by unit. */
    double[][] covariance() {
        int n = gaussian.program().units();
        int f = free.length;
        double[] scale = new double[f];
        for (int k = 0; k < f; k++) {
            scale[k] = integrator == Integrator.EULER_MARUYAMA ? temperature / (mu[k] * (1 - mu[k] / 2))
                    : temperature / mu[k];
        }
        double[][] cov = new double[n][n];
        for (int a = 0; a < f; a++) {
            for (int b = 0; b < f; b++) {
                double sum = 0;
                for (int k = 0; k < f; k++) {
                    sum += v.getEntry(a, k) * scale[k] * v.getEntry(b, k);
                }
                cov[free[a]][free[b]] = sqrtDt[a] * sum * sqrtDt[b];
            }
        }
        return cov;
    }

    /** The state after {@code steps} noiseless steps from {@code x0} (T = 0): x_n = m + D^1/2 F^n D^-1/2 (x0 - m). */
    double[] afterSteps(float[] x0, long steps) {
        double[] m = gaussian.mean();
        int f = free.length;
        double[] y = new double[f];
        for (int a = 0; a < f; a++) {
            y[a] = (x0[free[a]] - m[free[a]]) / sqrtDt[a];
        }
        double[] c = v.transpose().operate(y);
        for (int k = 0; k < f; k++) {
            c[k] *= integrator == Integrator.EULER_MARUYAMA ? Math.pow(1 - mu[k], steps) : Math.exp(-mu[k] * steps);
        }
        double[] yn = v.operate(c);
        double[] x = m.clone();
        for (int a = 0; a < f; a++) {
            x[free[a]] = m[free[a]] + sqrtDt[a] * yn[a];
        }
        return x;
    }

    /** The slowest mode's rate per step (smallest eigenvalue of S). */
    double slowestRate() {
        double min = Double.POSITIVE_INFINITY;
        for (double m : mu) {
            min = Math.min(min, m);
        }
        return min;
    }

    /** The integrated autocorrelation time (steps) of the slowest mode: it bounds every unit's. */
    double autocorrelationTime() {
        return Tolerances.autocorrelationTime(integrator, slowestRate());
    }
}
