package dev.tdi.substrate;

import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The dynamic range a program asks of a device, in the program's energy units (kT at temperature 1):
 * <ul>
 *   <li><b>couplings</b>: every stored entry of a Coupling operator, and w |W_ij| for every entry of a Residual
 *       source (the cross term w x_t^T W x_s of its energy);</li>
 *   <li><b>stiffnesses</b>: every on-site stiffness k, and every Residual weight w (the self term w/2 |x_t|^2).</li>
 * </ul>
 * For each, the largest and the smallest non-zero magnitude and the factor that holds it.
 *
 * @param couplingMax       the largest coupling magnitude (0 when none)
 * @param couplingMaxAt     the factor that holds it
 * @param couplingMin       the smallest non-zero coupling magnitude (0 when none)
 * @param couplingMinAt     the factor that holds it
 * @param stiffnessMax      the largest stiffness
 * @param stiffnessMaxAt    the factor that holds it
 * @param stiffnessMin      the smallest non-zero stiffness
 * @param stiffnessMinAt    the factor that holds it
 */
public record ProgramRange(double couplingMax, String couplingMaxAt, double couplingMin, String couplingMinAt,
                           double stiffnessMax, String stiffnessMaxAt, double stiffnessMin, String stiffnessMinAt) {

    /** Measures a program. */
    public static ProgramRange of(Program program) {
        Extremes c = new Extremes();
        Extremes s = new Extremes();
        for (Factor f : program.factors()) {
            switch (f) {
                case Factor.Coupling cp -> c.add(cp.w().maxAbsWeight(), cp.w().minAbsNonZeroWeight(), f.describe());
                case Factor.Residual r -> {
                    double w = Math.abs(r.weight());
                    s.add(w, w, f.describe());
                    for (Factor.Source src : r.sources()) {
                        Operator op = src.w();
                        c.add(w * op.maxAbsWeight(), w * op.minAbsNonZeroWeight(), f.describe());
                    }
                }
                case Factor.OnSite o -> {
                    double k = stiffness(o.potential());
                    s.add(k, k, f.describe());
                }
                case Factor.Bias b -> { }
                case Factor.Clamp cl -> { }
            }
        }
        return new ProgramRange(c.max, c.maxAt, c.min, c.minAt, s.max, s.maxAt, s.min, s.minAt);
    }

    private static double stiffness(Potential p) {
        return switch (p) {
            case Potential.Quadratic q -> Math.abs(q.stiffness());
            case Potential.Rectified r -> Math.abs(r.stiffness());
            case Potential.Box b -> 0;
        };
    }

    /** Largest / smallest non-zero coupling magnitude (1 when there are none). */
    public double couplingRatio() {
        return couplingMin > 0 ? couplingMax / couplingMin : 1;
    }

    /** Largest / smallest non-zero stiffness (1 when there are none). */
    public double stiffnessRatio() {
        return stiffnessMin > 0 ? stiffnessMax / stiffnessMin : 1;
    }

    /** The program's dynamic range in decades: log10 of the larger of the two ratios. */
    public double decades() {
        return Math.log10(Math.max(couplingRatio(), stiffnessRatio()));
    }

    /** A JSON-ready summary. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("coupling_max", couplingMax);
        m.put("coupling_min_nonzero", couplingMin);
        m.put("coupling_ratio", couplingRatio());
        m.put("stiffness_max", stiffnessMax);
        m.put("stiffness_min_nonzero", stiffnessMin);
        m.put("stiffness_ratio", stiffnessRatio());
        m.put("dynamic_range_decades", decades());
        return m;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "couplings %.3g .. %.3g (ratio %.3g), stiffnesses %.3g .. %.3g (ratio %.3g):"
                        + " %.2f decades", couplingMin, couplingMax, couplingRatio(), stiffnessMin, stiffnessMax,
                stiffnessRatio(), decades());
    }

    /** Running extremes with the factor that holds each. */
    private static final class Extremes {
        double max;
        String maxAt = "";
        double min;
        String minAt = "";

        void add(double hi, double lo, String where) {
            if (hi > max) {
                max = hi;
                maxAt = where;
            }
            if (lo > 0 && (min == 0 || lo < min)) {
                min = lo;
                minAt = where;
            }
        }
    }
}
