package dev.tdi.substrate.program;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable substrate program: named modules of real-valued units and the factors whose sum is the energy
 * U(x). Built with {@link #builder()}, which validates every factor against the declared modules and names the
 * offending factor in its error. The flat state vector orders modules as declared.
 */
public final class Program {
    private final List<ModuleSpec> modules;
    private final Map<String, ModuleSpec> byName;
    private final List<Factor> factors;
    private final Map<String, BiasField> biasFields;
    private final Map<String, Integer> clampFactor;
    private final int units;

    private Program(Builder b) {
        this.modules = List.copyOf(b.modules);
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(b.byName));
        this.factors = List.copyOf(b.factors);
        this.biasFields = Collections.unmodifiableMap(new LinkedHashMap<>(b.biasFields));
        this.clampFactor = Collections.unmodifiableMap(new LinkedHashMap<>(b.clampFactor));
        this.units = b.units;
    }

    /** A new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Modules in declaration (and state-vector) order. */
    public List<ModuleSpec> modules() {
        return modules;
    }

    /** The module of that name; an unknown name is answered with the known ones. */
    public ModuleSpec module(String name) {
        ModuleSpec m = byName.get(name);
        if (m == null) {
            throw new InvalidProgramException("unknown module '" + name + "'; this program has modules "
                    + byName.keySet());
        }
        return m;
    }

    /** True when a module of that name exists. */
    public boolean hasModule(String name) {
        return byName.containsKey(name);
    }

    /** All factors in the order they were added. */
    public List<Factor> factors() {
        return factors;
    }

    /** Writable bias fields by name, in declaration order. */
    public Map<String, BiasField> biasFields() {
        return biasFields;
    }

    /** The bias field of that name; an unknown name is answered with the known ones. */
    public BiasField biasField(String name) {
        BiasField f = biasFields.get(name);
        if (f == null) {
            throw new InvalidProgramException("unknown bias field '" + name + "'; this program has bias fields "
                    + biasFields.keySet());
        }
        return f;
    }

    /** The Clamp factor of a module, or null when the module is free. */
    public Factor.Clamp clampOf(String module) {
        Integer i = clampFactor.get(module);
        return i == null ? null : (Factor.Clamp) factors.get(i);
    }

    /** Names of the clamped modules, in declaration order of their clamps. */
    public List<String> clampedModules() {
        return List.copyOf(clampFactor.keySet());
    }

    /** Total number of units. */
    public int units() {
        return units;
    }

    /** Total physical couplings of all Coupling and Residual operators (see {@link Operator#couplings()}). */
    public long couplings() {
        long c = 0;
        for (Factor f : factors) {
            if (f instanceof Factor.Coupling cp) {
                c += cp.w().couplings();
            } else if (f instanceof Factor.Residual r) {
                for (Factor.Source s : r.sources()) {
                    c += s.w().couplings();
                }
            }
        }
        return c;
    }

    /** A one-line summary: modules, units, factors by kind, couplings. */
    public String summary() {
        Map<FactorKind, Integer> counts = new LinkedHashMap<>();
        for (Factor f : factors) {
            counts.merge(f.kind(), 1, Integer::sum);
        }
        return modules.size() + " modules, " + units + " units, factors " + counts + ", " + couplings()
                + " couplings";
    }

    /** Builds and validates a {@link Program}; every error names the offending factor or module. */
    public static final class Builder {
        private final List<ModuleSpec> modules = new ArrayList<>();
        private final Map<String, ModuleSpec> byName = new LinkedHashMap<>();
        private final List<Factor> factors = new ArrayList<>();
        private final Map<String, BiasField> biasFields = new LinkedHashMap<>();
        private final Map<String, Integer> clampFactor = new LinkedHashMap<>();
        private int units;

        private Builder() {
        }

        /** Declares a module of {@code size} units. */
        public Builder module(String name, int size) {
            if (name == null || name.isBlank()) {
                throw new InvalidProgramException("module #" + modules.size() + ": a module needs a non-blank name");
            }
            if (byName.containsKey(name)) {
                throw new InvalidProgramException("module '" + name + "' is declared twice");
            }
            if (size <= 0) {
                throw new InvalidProgramException("module '" + name + "': size must be positive, found " + size);
            }
            if ((long) units + size > Integer.MAX_VALUE - 8) {
                throw new InvalidProgramException("module '" + name + "': the program would exceed "
                        + (Integer.MAX_VALUE - 8) + " units");
            }
            ModuleSpec m = new ModuleSpec(name, size, units, modules.size());
            modules.add(m);
            byName.put(name, m);
            units += size;
            return this;
        }

        /** Adds an on-site potential to every unit of a module. */
        public Builder onSite(String module, Potential potential) {
            return factor(new Factor.OnSite(module, potential));
        }

        /** Adds a coupling -x_a^T W x_b (a != b) or (1/2) x_a^T W x_a (a == b, W symmetric). */
        public Builder coupling(String a, String b, Operator w) {
            return factor(new Factor.Coupling(a, b, w));
        }

        /** Adds a bias -h^T x on a module, as the writable field named after the module. */
        public Builder bias(String module, float[] h) {
            return factor(new Factor.Bias(module, module, h));
        }

        /** Adds a bias -h^T x on a module, as the writable field {@code field}. */
        public Builder bias(String field, String module, float[] h) {
            return factor(new Factor.Bias(field, module, h));
        }

        /** Adds a residual whose bias field is named after its target. */
        public Builder residual(String target, Activation rho, float[] h, double weight,
                                Factor.Source... sources) {
            return factor(new Factor.Residual(target, target, List.of(sources), rho, h, weight));
        }

        /** Clamps a module's units to fixed values (writable between runs). */
        public Builder clamp(String module, float[] values) {
            return factor(new Factor.Clamp(module, values));
        }

        /** Adds any factor, validating it against the declared modules. */
        public Builder factor(Factor factor) {
            String where = "factor #" + factors.size() + " " + factor.describe() + ": ";
            switch (factor) {
                case Factor.OnSite f -> validateOnSite(where, f);
                case Factor.Coupling f -> validateCoupling(where, f);
                case Factor.Bias f -> {
                    int n = size(where, f.module());
                    requireVector(where, "h", f.h(), n);
                    addField(where, new BiasField(f.field(), f.module(), n, factors.size()));
                }
                case Factor.Residual f -> validateResidual(where, f);
                case Factor.Clamp f -> {
                    int n = size(where, f.module());
                    requireVector(where, "clamp values", f.values(), n);
                    if (clampFactor.containsKey(f.module())) {
                        throw new InvalidProgramException(where + "module '" + f.module()
                                + "' is already clamped (factor #" + clampFactor.get(f.module())
                                + "); change its values with Substrate.setClamp instead");
                    }
                    clampFactor.put(f.module(), factors.size());
                }
            }
            factors.add(factor);
            return this;
        }

        /**
         * Validates and freezes the program. Every module must be acted on by some factor: a module with none
         * would diffuse freely and never settle.
         */
        public Program build() {
            if (modules.isEmpty()) {
                throw new InvalidProgramException("a program needs at least one module");
            }
            java.util.Set<String> touched = new java.util.HashSet<>();
            for (Factor f : factors) {
                switch (f) {
                    case Factor.OnSite o -> touched.add(o.module());
                    case Factor.Coupling c -> {
                        touched.add(c.a());
                        touched.add(c.b());
                    }
                    case Factor.Bias b -> { }
                    case Factor.Residual r -> touched.add(r.target());
                    case Factor.Clamp c -> touched.add(c.module());
                }
            }
            for (ModuleSpec m : modules) {
                if (!touched.contains(m.name())) {
                    throw new InvalidProgramException("module '" + m.name() + "' has no OnSite, Coupling, Clamp or"
                            + " Residual-target factor: its units would diffuse freely and never settle."
                            + " Add a confining factor or clamp it");
                }
            }
            return new Program(this);
        }

        private void validateOnSite(String where, Factor.OnSite f) {
            size(where, f.module());
            switch (f.potential()) {
                case Potential.Quadratic q -> requireStiffness(where, q.stiffness(), q.center());
                case Potential.Rectified r -> requireStiffness(where, r.stiffness(), r.center());
                case Potential.Box b -> {
                    if (!Double.isFinite(b.lo()) || !Double.isFinite(b.hi()) || !(b.lo() < b.hi())) {
                        throw new InvalidProgramException(where + "box walls need finite lo < hi, found lo = "
                                + b.lo() + ", hi = " + b.hi());
                    }
                }
            }
        }

        private static void requireStiffness(String where, double k, double mu) {
            if (!Double.isFinite(k) || k < 0) {
                throw new InvalidProgramException(where + "stiffness must be finite and >= 0, found " + k);
            }
            if (!Double.isFinite(mu)) {
                throw new InvalidProgramException(where + "center must be finite, found " + mu);
            }
        }

        private void validateCoupling(String where, Factor.Coupling f) {
            int na = size(where, f.a());
            int nb = size(where, f.b());
            requireOperator(where, f.w(), na, nb, f.a(), f.b());
            if (f.isSelf()) {
                boolean symmetric = switch (f.w()) {
                    case DenseOperator d -> d.isSymmetric();
                    case SparseOperator s -> s.isSymmetric();
                    case LowRankOperator l -> l.isSymmetric();
                    default -> false;
                };
                if (!symmetric) {
                    throw new InvalidProgramException(where + "a self-coupling (1/2) x^T W x needs a symmetric W"
                            + " (dense, sparse, or low-rank with U == V); " + f.w().describe() + " is not");
                }
            }
        }

        private void validateResidual(String where, Factor.Residual f) {
            int nt = size(where, f.target());
            if (f.sources().isEmpty()) {
                throw new InvalidProgramException(where + "a residual needs at least one source");
            }
            for (Factor.Source s : f.sources()) {
                if (s.module().equals(f.target())) {
                    throw new InvalidProgramException(where + "module '" + s.module()
                            + "' is both target and source; a residual maps other modules onto its target");
                }
                requireOperator(where, s.w(), nt, size(where, s.module()), f.target(), s.module());
            }
            requireVector(where, "h", f.h(), nt);
            if (!Double.isFinite(f.weight()) || f.weight() <= 0) {
                throw new InvalidProgramException(where + "weight w must be finite and > 0, found " + f.weight());
            }
            addField(where, new BiasField(f.field(), f.target(), nt, factors.size()));
        }

        private void addField(String where, BiasField field) {
            if (field.name() == null || field.name().isBlank()) {
                throw new InvalidProgramException(where + "a bias field needs a non-blank name");
            }
            BiasField old = biasFields.putIfAbsent(field.name(), field);
            if (old != null) {
                throw new InvalidProgramException(where + "bias field '" + field.name()
                        + "' is already defined by factor #" + old.factorIndex()
                        + "; give one of them an explicit, distinct field name");
            }
        }

        private int size(String where, String module) {
            ModuleSpec m = byName.get(module);
            if (m == null) {
                throw new InvalidProgramException(where + "unknown module '" + module + "'; declared modules are "
                        + byName.keySet() + " (declare modules before the factors that use them)");
            }
            return m.size();
        }

        private static void requireOperator(String where, Operator w, int rows, int cols, String target,
                                            String source) {
            if (w.rows() != rows || w.cols() != cols) {
                throw new InvalidProgramException(where + "dimension mismatch: operator " + w.describe() + " is "
                        + w.rows() + " x " + w.cols() + ", expected " + rows + " x " + cols + " (|" + target
                        + "| x |" + source + "|)");
            }
            long bad = w.firstNonFinite();
            if (bad >= 0) {
                throw new InvalidProgramException(where + "operator " + w.describe()
                        + " has a NaN or infinite weight at stored index " + bad);
            }
        }

        private static void requireVector(String where, String what, float[] v, int n) {
            if (v.length != n) {
                throw new InvalidProgramException(where + what + " has length " + v.length + ", expected " + n
                        + " (the module's size)");
            }
            int bad = Operator.firstNonFinite(v);
            if (bad >= 0) {
                throw new InvalidProgramException(where + what + "[" + bad + "] is " + v[bad]
                        + "; every value must be finite");
            }
        }
    }
}
