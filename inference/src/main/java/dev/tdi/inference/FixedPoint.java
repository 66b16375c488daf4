package dev.tdi.inference;

import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Program;
import java.util.HashMap;
import java.util.Map;

/**
 * The exact zero-temperature stationary point of a compiled program, evaluated digitally: modules in declaration
 * order, clamped ones at their clamp, each residual target at rho(sum_i W_i x_{s_i} + h). It is the unique
 * stationary point of U (docs/physics.md, Theorem 1), so it is what relaxation must reach for any coupling strategy;
 * with exact skips and exact conditioning it equals the digital U-Net's forward pass.
 */
public final class FixedPoint {
    private FixedPoint() {
    }

    /**
     * Solves the program with the given clamp values and bias fields (fields not given keep the program's h).
     *
     * @return the full state vector in the program's module order
     */
    public static double[] solve(Program program, Map<String, float[]> clamps, Map<String, float[]> biases) {
        Map<String, Factor.Residual> byTarget = new HashMap<>();
        for (Factor f : program.factors()) {
            if (f instanceof Factor.Residual r) {
                if (byTarget.put(r.target(), r) != null) {
                    throw new IllegalArgumentException("module '" + r.target() + "' is the target of two residuals;"
                            + " the feed-forward solve needs one per module");
                }
            }
        }
        double[] x = new double[program.units()];
        java.util.Set<String> done = new java.util.HashSet<>();
        for (ModuleSpec m : program.modules()) {
            Factor.Clamp c = program.clampOf(m.name());
            if (c != null) {
                float[] v = clamps.getOrDefault(m.name(), c.values());
                for (int i = 0; i < m.size(); i++) {
                    x[m.offset() + i] = v[i];
                }
            } else {
                Factor.Residual r = byTarget.get(m.name());
                if (r == null) {
                    throw new IllegalArgumentException("module '" + m.name() + "' is neither clamped nor a residual"
                            + " target; the feed-forward solve does not apply");
                }
                float[] h = biases.getOrDefault(r.field(), r.h());
                double[] a = new double[m.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = h[i];
                }
                for (Factor.Source s : r.sources()) {
                    if (!done.contains(s.module())) {
                        throw new IllegalArgumentException("module '" + m.name() + "' reads '" + s.module()
                                + "', declared later: the program is not in evaluation order");
                    }
                    s.w().apply(x, program.module(s.module()).offset(), a, 0);
                }
                for (int i = 0; i < a.length; i++) {
                    x[m.offset() + i] = r.rho().apply(a[i]);
                }
            }
            done.add(m.name());
        }
        return x;
    }

    /** One module's slice of a full state vector, as floats. */
    public static float[] slice(Program program, double[] x, String module) {
        ModuleSpec m = program.module(module);
        float[] out = new float[m.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) x[m.offset() + i];
        }
        return out;
    }
}
