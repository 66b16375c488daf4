package dev.tdi.substrate;

import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.Arrays;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The exact equilibrium of a Gaussian program: one made only of quadratic OnSite, Coupling, Bias, identity
 * Residual and Clamp factors. Its energy is U(x) = (1/2) x_f^T A x_f - b^T x_f + const over the free units
 * x_f, so the Boltzmann distribution exp(-U/T) is N(A^{-1} b, T A^{-1}). A and b are assembled factor by factor:
 * <ul>
 *   <li>OnSite quadratic (k, mu): A_ii += k, b_i += k mu;</li>
 *   <li>Coupling a != b: A_ab -= W, A_ba -= W^T; self-coupling: A_aa += W;</li>
 *   <li>Bias h: b += h;</li>
 *   <li>identity Residual: with M = [I, -W_1, ..., -W_n] on (x_t, x_s1, ...), A += w M^T M, b += w M^T h;</li>
 *   <li>Clamp: clamped units are constants, so b_f -= A_fc x_c.</li>
 * </ul>
 * The precision is factored by Cholesky (Commons Math); small programs only (dense N x N).
 */
public final class GaussianReference {
    /** The largest number of free units assembled densely. */
    public static final int MAX_FREE_UNITS = 4096;

    private final Program program;
    private final int[] freeIndex;       // unit -> position among free units, or -1
    private final int[] freeUnits;       // position -> unit
    private final RealMatrix precision;  // A over free units
    private final double[] mean;         // over all units (clamped units at their clamp values)
    private final RealMatrix inverse;    // A^{-1}

    private GaussianReference(Program program, Map<String, float[]> biasOverrides,
                              Map<String, float[]> clampOverrides) {
        this.program = program;
        int n = program.units();
        double[] fixedValue = new double[n];
        boolean[] clamped = new boolean[n];
        for (String m : program.clampedModules()) {
            ModuleSpec s = program.module(m);
            float[] v = clampOverrides.getOrDefault(m, program.clampOf(m).values());
            for (int i = 0; i < s.size(); i++) {
                clamped[s.offset() + i] = true;
                fixedValue[s.offset() + i] = v[i];
            }
        }
        freeIndex = new int[n];
        int free = 0;
        for (int i = 0; i < n; i++) {
            freeIndex[i] = clamped[i] ? -1 : free++;
        }
        if (free > MAX_FREE_UNITS) {
            throw new InvalidProgramException("the Gaussian reference assembles the precision densely; this program"
                    + " has " + free + " free units, more than " + MAX_FREE_UNITS);
        }
        freeUnits = new int[free];
        for (int i = 0; i < n; i++) {
            if (freeIndex[i] >= 0) {
                freeUnits[freeIndex[i]] = i;
            }
        }

        // Assemble over all units first (clamped included), then partition.
        double[][] a = new double[n][n];
        double[] b = new double[n];
        for (Factor f : program.factors()) {
            switch (f) {
                case Factor.OnSite o -> {
                    if (!(o.potential() instanceof Potential.Quadratic q)) {
                        throw notGaussian(f);
                    }
                    ModuleSpec m = program.module(o.module());
                    for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                        a[i][i] += q.stiffness();
                        b[i] += q.stiffness() * q.center();
                    }
                }
                case Factor.Coupling c -> {
                    ModuleSpec ma = program.module(c.a());
                    ModuleSpec mb = program.module(c.b());
                    double[] w = c.w().toDense();
                    int rows = c.w().rows();
                    int cols = c.w().cols();
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            double v = w[i * cols + j];
                            if (c.isSelf()) {
                                a[ma.offset() + i][mb.offset() + j] += v;
                            } else {
                                a[ma.offset() + i][mb.offset() + j] -= v;
                                a[mb.offset() + j][ma.offset() + i] -= v;
                            }
                        }
                    }
                }
                case Factor.Bias bias -> {
                    ModuleSpec m = program.module(bias.module());
                    float[] h = biasOverrides.getOrDefault(bias.field(), bias.h());
                    for (int i = 0; i < m.size(); i++) {
                        b[m.offset() + i] += h[i];
                    }
                }
                case Factor.Residual r -> {
                    if (r.rho() != Activation.IDENTITY) {
                        throw notGaussian(f);
                    }
                    addResidual(r, biasOverrides.getOrDefault(r.field(), r.h()), a, b);
                }
                case Factor.Clamp c -> { }
            }
        }
        double[][] aff = new double[free][free];
        double[] bf = new double[free];
        for (int p = 0; p < free; p++) {
            int i = freeUnits[p];
            double bi = b[i];
            for (int j = 0; j < n; j++) {
                if (clamped[j]) {
                    bi -= a[i][j] * fixedValue[j];
                }
            }
            bf[p] = bi;
            for (int q = 0; q < free; q++) {
                aff[p][q] = a[i][freeUnits[q]];
            }
        }
        precision = new Array2DRowRealMatrix(aff, false);
        DecompositionSolver solver;
        try {
            solver = new CholeskyDecomposition(precision, 1e-9, 1e-12).getSolver();
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new InvalidProgramException("the program's precision matrix is not positive definite, so it has"
                    + " no Gaussian equilibrium (raise on-site stiffness or weaken couplings): " + e.getMessage());
        }
        double[] mf = solver.solve(new ArrayRealVector(bf, false)).toArray();
        inverse = solver.getInverse();
        mean = fixedValue.clone();
        for (int p = 0; p < free; p++) {
            mean[freeUnits[p]] = mf[p];
        }
    }

    /** The Gaussian equilibrium of a program with its own bias and clamp values. */
    public static GaussianReference of(Program program) {
        return new GaussianReference(program, Map.of(), Map.of());
    }

    /** The Gaussian equilibrium with some bias fields and clamps rewritten (by field and module name). */
    public static GaussianReference of(Program program, Map<String, float[]> biases, Map<String, float[]> clamps) {
        return new GaussianReference(program, biases, clamps);
    }

    private void addResidual(Factor.Residual r, float[] h, double[][] a, double[] b) {
        ModuleSpec t = program.module(r.target());
        int nt = t.size();
        // Row i of M: +1 at t_i, -W_s[i, :] at each source s. A += w M^T M, b += w M^T h.
        int n = program.units();
        double w = r.weight();
        java.util.List<double[]> dense = new java.util.ArrayList<>();
        for (Factor.Source s : r.sources()) {
            dense.add(s.w().toDense());
        }
        double[] row = new double[n];
        for (int i = 0; i < nt; i++) {
            Arrays.fill(row, 0);
            row[t.offset() + i] = 1;
            for (int k = 0; k < r.sources().size(); k++) {
                Factor.Source s = r.sources().get(k);
                int off = program.module(s.module()).offset();
                int cols = s.w().cols();
                double[] ws = dense.get(k);
                for (int j = 0; j < cols; j++) {
                    row[off + j] -= ws[i * cols + j];
                }
            }
            int[] nz = java.util.stream.IntStream.range(0, n).filter(k -> row[k] != 0).toArray();
            for (int p : nz) {
                b[p] += w * row[p] * h[i];
                for (int q : nz) {
                    a[p][q] += w * row[p] * row[q];
                }
            }
        }
    }

    private static InvalidProgramException notGaussian(Factor f) {
        return new InvalidProgramException("the Gaussian reference needs quadratic OnSite, Coupling, Bias, identity"
                + " Residual and Clamp factors only; " + f.describe() + " is not Gaussian");
    }

    /** Equilibrium mean of every unit (clamped units at their clamp values). */
    public double[] mean() {
        return mean.clone();
    }

    /** Equilibrium mean of one module. */
    public double[] mean(String module) {
        ModuleSpec m = program.module(module);
        return Arrays.copyOfRange(mean, m.offset(), m.offset() + m.size());
    }

    /** Cov(x_i, x_j) at temperature T: T (A^{-1})_ij for free units, 0 when either is clamped. */
    public double covariance(int i, int j, double temperature) {
        int p = freeIndex[i];
        int q = freeIndex[j];
        return p < 0 || q < 0 ? 0 : temperature * inverse.getEntry(p, q);
    }

    /**
     * The exact stationary covariance of Euler-Maruyama with one step size dt for every unit, at temperature T.
     * In A's eigenbasis each mode is an AR(1) process y' = (1 - dt lambda) y + sqrt(2 T dt) xi, whose stationary
     * variance is T / (lambda (1 - dt lambda / 2)); so Sigma_dt = T V diag(1 / (lambda (1 - dt lambda / 2))) V^T.
     * As dt -> 0 it tends to T A^{-1}. Requires dt lambda_max &lt; 2 (the stability limit). Indexed by unit;
     * clamped units have zero covariance.
     */
    public double[][] eulerMaruyamaCovariance(double dt, double temperature) {
        EigenDecomposition eig = new EigenDecomposition(precision);
        double[] lambda = eig.getRealEigenvalues();
        RealMatrix v = eig.getV();
        int f = freeUnits.length;
        double[] scale = new double[f];
        for (int k = 0; k < f; k++) {
            if (!(dt * lambda[k] < 2) || lambda[k] <= 0) {
                throw new InvalidProgramException("Euler-Maruyama with dt = " + dt + " is unstable for the precision"
                        + " eigenvalue " + lambda[k] + " (needs 0 < dt lambda < 2)");
            }
            scale[k] = temperature / (lambda[k] * (1 - dt * lambda[k] / 2));
        }
        int n = program.units();
        double[][] cov = new double[n][n];
        for (int p = 0; p < f; p++) {
            for (int q = 0; q < f; q++) {
                double s = 0;
                for (int k = 0; k < f; k++) {
                    s += v.getEntry(p, k) * scale[k] * v.getEntry(q, k);
                }
                cov[freeUnits[p]][freeUnits[q]] = s;
            }
        }
        return cov;
    }

    /** Eigenvalues of the precision over free units, ascending. They set the relaxation rates. */
    public double[] precisionEigenvalues() {
        double[] ev = new EigenDecomposition(precision).getRealEigenvalues();
        Arrays.sort(ev);
        return ev;
    }

    /** Number of free (unclamped) units. */
    public int freeUnits() {
        return freeUnits.length;
    }

    /** The program. */
    public Program program() {
        return program;
    }
}
