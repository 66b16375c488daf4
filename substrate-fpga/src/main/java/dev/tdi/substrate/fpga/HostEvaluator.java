package dev.tdi.substrate.fpga;

import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The host's double-precision evaluation of trace observables on read-back states: the energy U(x) and, per
 * Residual bias field, ||x_t - rho(a)||. Uses the program's own (unquantised) parameters and the session's current
 * bias and clamp values.
 */
final class HostEvaluator {
    private final Program program;

    HostEvaluator(Program program) {
        this.program = program;
    }

    /** U(x) with the bias fields given by {@code bias}. */
    double energy(double[] x, Function<String, float[]> bias) {
        return energy(x, bias, null);
    }

    /**
     * The energy of the factors with {@code active[i]} set (the program's factor i; {@code null}: all): what the
     * device feels in one phase of a schedule.
     */
    double energy(double[] x, Function<String, float[]> bias, boolean[] active) {
        double u = 0;
        List<Factor> factors = program.factors();
        for (int i = 0; i < factors.size(); i++) {
            if (active == null || active[i]) {
                u += factorEnergy(i, x, bias);
            }
        }
        return u;
    }

    /** The energy of the program's factor {@code index} at x. */
    double factorEnergy(int index, double[] x, Function<String, float[]> bias) {
        double u = 0;
        Factor f = program.factors().get(index);
        switch (f) {
            case Factor.OnSite o -> {
                ModuleSpec m = program.module(o.module());
                switch (o.potential()) {
                    case Potential.Quadratic q -> u += quad(x, m, q.stiffness(), q.center());
                    case Potential.Rectified r -> u += quad(x, m, r.stiffness(), r.center());
                    case Potential.Box b -> { }
                }
            }
            case Factor.Coupling c -> {
                ModuleSpec a = program.module(c.a());
                ModuleSpec b = program.module(c.b());
                double[] y = new double[a.size()];
                c.w().apply(x, b.offset(), y, 0);
                double dot = 0;
                for (int i = 0; i < y.length; i++) {
                    dot += x[a.offset() + i] * y[i];
                }
                u += c.isSelf() ? 0.5 * dot : -dot;
            }
            case Factor.Bias b -> {
                ModuleSpec m = program.module(b.module());
                float[] h = bias.apply(b.field());
                for (int i = 0; i < h.length; i++) {
                    u -= h[i] * x[m.offset() + i];
                }
            }
            case Factor.Residual r -> {
                double[] res = residual(x, r, bias.apply(r.field()));
                double s = 0;
                for (double v : res) {
                    s += v * v;
                }
                u += 0.5 * r.weight() * s;
            }
            case Factor.Clamp c -> { }
        }
        return u;
    }

    /** ||x_t - rho(a)|| of every Residual, by bias field. */
    Map<String, Double> residualNorms(double[] x, Function<String, float[]> bias) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Factor f : program.factors()) {
            if (f instanceof Factor.Residual r) {
                double s = 0;
                for (double v : residual(x, r, bias.apply(r.field()))) {
                    s += v * v;
                }
                out.put(r.field(), Math.sqrt(s));
            }
        }
        return out;
    }

    /** Fields of every Residual, in program order. */
    List<String> residualFields() {
        return program.factors().stream().filter(f -> f instanceof Factor.Residual)
                .map(f -> ((Factor.Residual) f).field()).toList();
    }

    private double[] residual(double[] x, Factor.Residual r, float[] h) {
        ModuleSpec t = program.module(r.target());
        double[] a = new double[t.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = h[i];
        }
        for (Factor.Source s : r.sources()) {
            s.w().apply(x, program.module(s.module()).offset(), a, 0);
        }
        double[] res = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            res[i] = x[t.offset() + i] - r.rho().apply(a[i]);
        }
        return res;
    }

    private static double quad(double[] x, ModuleSpec m, double k, double mu) {
        double s = 0;
        for (int i = m.offset(); i < m.offset() + m.size(); i++) {
            double d = x[i] - mu;
            s += d * d;
        }
        return 0.5 * k * s;
    }
}
