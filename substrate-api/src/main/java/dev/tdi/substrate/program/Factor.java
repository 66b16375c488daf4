package dev.tdi.substrate.program;

import java.util.List;

/**
 * One term of the energy U(x) of a {@link Program}. Factors are immutable; arrays are copied in and handed out
 * only as copies. Validation against module sizes happens in {@link Program.Builder}, which names the factor.
 */
public sealed interface Factor {

    /** The kind of this factor, as declared in a backend's capabilities. */
    FactorKind kind();

    /** A short description naming the factor's modules, used in error messages. */
    String describe();

    /** An on-site potential on every unit of a module. */
    record OnSite(String module, Potential potential) implements Factor {
        @Override public FactorKind kind() { return potential.kind(); }
        @Override public String describe() { return "OnSite(" + module + ", " + potential + ")"; }
    }

    /**
     * U = -x_a^T W x_b for a != b (W is |a| x |b|), or U = (1/2) x_a^T W x_a with W symmetric when a == b.
     */
    record Coupling(String a, String b, Operator w) implements Factor {
        @Override public FactorKind kind() { return FactorKind.COUPLING; }
        @Override public String describe() { return "Coupling(" + a + " <- " + b + ", " + w.describe() + ")"; }
        /** True for the self-coupling form (1/2) x_a^T W x_a. */
        public boolean isSelf() { return a.equals(b); }
    }

    /** U = -h^T x on a module; a writable bias field named {@code field}. */
    record Bias(String field, String module, float[] h) implements Factor {
        public Bias {
            h = h.clone();
        }
        @Override public FactorKind kind() { return FactorKind.BIAS; }
        @Override public String describe() { return "Bias(" + field + " on " + module + ")"; }
        @Override public float[] h() { return h.clone(); }
    }

    /** One source of a residual: a module and the operator from it to the target. */
    record Source(String module, Operator w) {
    }

    /**
     * U = (w/2) || x_t - rho(sum_i W_i x_{s_i} + h) ||^2; h is a writable bias field named {@code field}.
     * Gradient: dU/dx_t = w r and dU/dx_{s_i} = -w W_i^T (rho'(a) . r), with r = x_t - rho(a).
     */
    record Residual(String field, String target, List<Source> sources, Activation rho, float[] h, double weight)
            implements Factor {
        public Residual {
            sources = List.copyOf(sources);
            h = h.clone();
        }
        @Override public FactorKind kind() {
            return rho == Activation.RELU ? FactorKind.RESIDUAL_RELU : FactorKind.RESIDUAL_IDENTITY;
        }
        @Override public String describe() {
            StringBuilder s = new StringBuilder("Residual(" + target + " = " + rho.name().toLowerCase() + "(");
            for (int i = 0; i < sources.size(); i++) {
                s.append(i == 0 ? "" : " + ").append(sources.get(i).w().kind()).append(' ')
                        .append(sources.get(i).module());
            }
            return s.append(" + h)").append(field.equals(target) ? "" : ", field " + field).append(')').toString();
        }
        @Override public float[] h() { return h.clone(); }
    }

    /** Units of a module held fixed at {@code values}; writable between runs. */
    record Clamp(String module, float[] values) implements Factor {
        public Clamp {
            values = values.clone();
        }
        @Override public FactorKind kind() { return FactorKind.CLAMP; }
        @Override public String describe() { return "Clamp(" + module + ")"; }
        @Override public float[] values() { return values.clone(); }
    }
}
