package dev.tdi.substrate.reference;

import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The energy U(x) of a program, its gradient and its walls, in double precision: the executable statement of
 * the factor semantics that every backend is checked against. Bias fields are looked up through a function so
 * that values written between runs are used without rebuilding anything.
 */
public final class ReferenceEnergy {
    private final Program program;
    private final double[] lower;
    private final double[] upper;
    private final boolean[] clamped;

    public ReferenceEnergy(Program program) {
        this.program = program;
        int n = program.units();
        lower = new double[n];
        upper = new double[n];
        clamped = new boolean[n];
        Arrays.fill(lower, Double.NEGATIVE_INFINITY);
        Arrays.fill(upper, Double.POSITIVE_INFINITY);
        for (Factor f : program.factors()) {
            if (f instanceof Factor.OnSite o) {
                ModuleSpec m = program.module(o.module());
                double lo = switch (o.potential()) {
                    case Potential.Rectified r -> 0.0;
                    case Potential.Box b -> b.lo();
                    case Potential.Quadratic q -> Double.NEGATIVE_INFINITY;
                };
                double hi = o.potential() instanceof Potential.Box b ? b.hi() : Double.POSITIVE_INFINITY;
                for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                    lower[i] = Math.max(lower[i], lo);
                    upper[i] = Math.min(upper[i], hi);
                }
            } else if (f instanceof Factor.Clamp c) {
                ModuleSpec m = program.module(c.module());
                Arrays.fill(clamped, m.offset(), m.offset() + m.size(), true);
            }
        }
        for (ModuleSpec m : program.modules()) {
            int i = m.offset();
            if (lower[i] > upper[i]) {
                throw new dev.tdi.substrate.program.InvalidProgramException("module '" + m.name()
                        + "': its walls leave no room (lower " + lower[i] + " > upper " + upper[i] + ")");
            }
        }
    }

    /** The program this energy belongs to. */
    public Program program() {
        return program;
    }

    /** Lower wall of a unit (-infinity when none). */
    public double lower(int unit) {
        return lower[unit];
    }

    /** Upper wall of a unit (+infinity when none). */
    public double upper(int unit) {
        return upper[unit];
    }

    /** True for units held by a Clamp. */
    public boolean isClamped(int unit) {
        return clamped[unit];
    }

    /**
     * Moves a value that stepped past its walls back inside by reflection (mirror image in the wall), and
     * clamps it if the overshoot exceeded the interval.
     */
    public double reflect(int unit, double x) {
        double lo = lower[unit];
        double hi = upper[unit];
        if (x < lo) {
            x = 2 * lo - x;
        } else if (x > hi) {
            x = 2 * hi - x;
        }
        return x < lo ? lo : (x > hi ? hi : x);
    }

    /** U(x); walls contribute 0 inside (states are kept inside). */
    public double energy(double[] x, Function<String, float[]> bias) {
        return energy(x, bias, null);
    }

    /**
     * The energy of the active factors only ({@code active[i]} for the program's factor i; {@code null} means all):
     * what a device running a {@link dev.tdi.substrate.Schedule} phase feels.
     */
    public double energy(double[] x, Function<String, float[]> bias, boolean[] active) {
        double u = 0;
        java.util.List<Factor> factors = program.factors();
        for (int fi = 0; fi < factors.size(); fi++) {
            if (active != null && !active[fi]) {
                continue;
            }
            Factor f = factors.get(fi);
            switch (f) {
                case Factor.OnSite o -> {
                    ModuleSpec m = program.module(o.module());
                    double k;
                    double mu;
                    switch (o.potential()) {
                        case Potential.Quadratic q -> { k = q.stiffness(); mu = q.center(); }
                        case Potential.Rectified r -> { k = r.stiffness(); mu = r.center(); }
                        case Potential.Box b -> { k = 0; mu = 0; }
                    }
                    for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                        double d = x[i] - mu;
                        u += 0.5 * k * d * d;
                    }
                }
                case Factor.Coupling c -> {
                    ModuleSpec a = program.module(c.a());
                    ModuleSpec b = program.module(c.b());
                    double[] wxb = new double[a.size()];
                    c.w().apply(x, b.offset(), wxb, 0);
                    double dot = 0;
                    for (int i = 0; i < a.size(); i++) {
                        dot += x[a.offset() + i] * wxb[i];
                    }
                    u += c.isSelf() ? 0.5 * dot : -dot;
                }
                case Factor.Bias b -> {
                    ModuleSpec m = program.module(b.module());
                    float[] h = bias.apply(b.field());
                    for (int i = 0; i < m.size(); i++) {
                        u -= h[i] * x[m.offset() + i];
                    }
                }
                case Factor.Residual r -> {
                    double[] res = residual(r, x, bias.apply(r.field()), null);
                    double s = 0;
                    for (double v : res) {
                        s += v * v;
                    }
                    u += 0.5 * r.weight() * s;
                }
                case Factor.Clamp c -> { }
            }
        }
        return u;
    }

    /** ||x_t - rho(a)|| for every Residual, by bias field name. */
    public Map<String, Double> residualNorms(double[] x, Function<String, float[]> bias) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Factor f : program.factors()) {
            if (f instanceof Factor.Residual r) {
                double s = 0;
                for (double v : residual(r, x, bias.apply(r.field()), null)) {
                    s += v * v;
                }
                out.put(r.field(), Math.sqrt(s));
            }
        }
        return out;
    }

    /** grad U(x), written into {@code grad} (overwritten), for every unit including clamped ones. */
    public void gradient(double[] x, Function<String, float[]> bias, double[] grad) {
        gradient(x, bias, grad, null);
    }

    /** The gradient of the active factors' energy ({@code active} as in {@link #energy(double[], Function, boolean[])}). */
    public void gradient(double[] x, Function<String, float[]> bias, double[] grad, boolean[] active) {
        Arrays.fill(grad, 0);
        java.util.List<Factor> factors = program.factors();
        for (int fi = 0; fi < factors.size(); fi++) {
            if (active != null && !active[fi]) {
                continue;
            }
            Factor f = factors.get(fi);
            switch (f) {
                case Factor.OnSite o -> {
                    ModuleSpec m = program.module(o.module());
                    double k;
                    double mu;
                    switch (o.potential()) {
                        case Potential.Quadratic q -> { k = q.stiffness(); mu = q.center(); }
                        case Potential.Rectified r -> { k = r.stiffness(); mu = r.center(); }
                        case Potential.Box b -> { k = 0; mu = 0; }
                    }
                    if (k != 0) {
                        for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                            grad[i] += k * (x[i] - mu);
                        }
                    }
                }
                case Factor.Coupling c -> {
                    ModuleSpec a = program.module(c.a());
                    ModuleSpec b = program.module(c.b());
                    if (c.isSelf()) {
                        c.w().apply(x, a.offset(), grad, a.offset());
                    } else {
                        double[] ga = new double[a.size()];
                        double[] gb = new double[b.size()];
                        c.w().apply(x, b.offset(), ga, 0);
                        c.w().applyTranspose(x, a.offset(), gb, 0);
                        for (int i = 0; i < ga.length; i++) {
                            grad[a.offset() + i] -= ga[i];
                        }
                        for (int i = 0; i < gb.length; i++) {
                            grad[b.offset() + i] -= gb[i];
                        }
                    }
                }
                case Factor.Bias b -> {
                    ModuleSpec m = program.module(b.module());
                    float[] h = bias.apply(b.field());
                    for (int i = 0; i < m.size(); i++) {
                        grad[m.offset() + i] -= h[i];
                    }
                }
                case Factor.Residual r -> {
                    ModuleSpec t = program.module(r.target());
                    double[] slope = new double[t.size()];
                    double[] res = residual(r, x, bias.apply(r.field()), slope);
                    double w = r.weight();
                    double[] back = new double[t.size()];
                    for (int i = 0; i < res.length; i++) {
                        grad[t.offset() + i] += w * res[i];
                        back[i] = -w * slope[i] * res[i];
                    }
                    for (Factor.Source s : r.sources()) {
                        s.w().applyTranspose(back, 0, grad, program.module(s.module()).offset());
                    }
                }
                case Factor.Clamp c -> { }
            }
        }
    }

    /**
     * The residual r = x_t - rho(a), a = sum_i W_i x_{s_i} + h; when {@code slope} is given, rho'(a) is written
     * into it.
     */
    private double[] residual(Factor.Residual r, double[] x, float[] h, double[] slope) {
        ModuleSpec t = program.module(r.target());
        double[] a = new double[t.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = h[i];
        }
        for (Factor.Source s : r.sources()) {
            s.w().apply(x, program.module(s.module()).offset(), a, 0);
        }
        double[] res = new double[t.size()];
        for (int i = 0; i < a.length; i++) {
            res[i] = x[t.offset() + i] - r.rho().apply(a[i]);
            if (slope != null) {
                slope[i] = r.rho().derivative(a[i]);
            }
        }
        return res;
    }
}
