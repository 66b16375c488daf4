package dev.tdi.substrate;

import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.FactorKind;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Program;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a backend declares it can hold and run. {@link #problemsWith(Program)} checks a program against it, so
 * every backend refuses the same things with the same messages. Build one with {@link #builder()}.
 *
 * @param factorKinds      supported factor kinds
 * @param operatorKinds    supported operator kinds
 * @param maxUnits         most units in one program
 * @param maxCouplings     most couplings ({@link Program#couplings()}) in one program
 * @param maxChains        most chains in one run
 * @param numberFormat     representation of weights and states
 * @param couplingRange    the magnitudes of coupling weights it holds (see {@link ProgramRange} for what counts)
 * @param stiffnessRange   the magnitudes of stiffnesses (on-site k, residual weights w) it holds
 * @param maxBiasMagnitude largest |h| entry, in the program's energy units (kT at T = 1)
 * @param noise            the noise model
 * @param integrator       how it advances the dynamics, which decides its finite-step statistics
 * @param features         optional abilities ({@link Feature})
 */
public record Capabilities(Set<FactorKind> factorKinds, Set<OperatorKind> operatorKinds, long maxUnits,
                           long maxCouplings, int maxChains, NumberFormat numberFormat, Range couplingRange,
                           Range stiffnessRange, double maxBiasMagnitude, NoiseModel noise, Integrator integrator,
                           Set<Feature> features) {

    public Capabilities {
        factorKinds = Set.copyOf(factorKinds);
        operatorKinds = Set.copyOf(operatorKinds);
        features = features.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(features));
        java.util.Objects.requireNonNull(couplingRange, "couplingRange");
        java.util.Objects.requireNonNull(stiffnessRange, "stiffnessRange");
        java.util.Objects.requireNonNull(integrator, "integrator");
    }

    /** Everything, in the given format, up to the given sizes, unbounded ranges, Euler-Maruyama, no features. */
    public static Capabilities everything(long maxUnits, long maxCouplings, int maxChains, NumberFormat format,
                                          NoiseModel noise) {
        return builder().maxUnits(maxUnits).maxCouplings(maxCouplings).maxChains(maxChains).numberFormat(format)
                .noise(noise).build();
    }

    /**
     * A builder with defaults: every factor and operator kind, no size limits, float32, unbounded ranges,
     * pseudo-random noise, Euler-Maruyama, no optional features.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these capabilities. */
    public Builder toBuilder() {
        return new Builder().factorKinds(factorKinds).operatorKinds(operatorKinds).maxUnits(maxUnits)
                .maxCouplings(maxCouplings).maxChains(maxChains).numberFormat(numberFormat)
                .couplingRange(couplingRange).stiffnessRange(stiffnessRange).maxBiasMagnitude(maxBiasMagnitude)
                .noise(noise).integrator(integrator).features(features);
    }

    /** The largest coupling magnitude, {@code couplingRange().maxMagnitude()}. */
    public double maxCouplingMagnitude() {
        return couplingRange.maxMagnitude();
    }

    /** True when the backend declares {@code feature}. */
    public boolean supports(Feature feature) {
        return features.contains(feature);
    }

    /** Every reason this backend cannot hold {@code program}; empty when it can. */
    public List<String> problemsWith(Program program) {
        List<String> problems = new ArrayList<>();
        if (program.units() > maxUnits) {
            problems.add("the program has " + program.units() + " units; this backend holds at most " + maxUnits);
        }
        long couplings = program.couplings();
        if (couplings > maxCouplings) {
            problems.add("the program has " + couplings + " couplings; this backend holds at most " + maxCouplings);
        }
        List<Factor> factors = program.factors();
        for (int i = 0; i < factors.size(); i++) {
            Factor f = factors.get(i);
            String where = "factor #" + i + " " + f.describe() + ": ";
            if (!factorKinds.contains(f.kind())) {
                problems.add(where + "factor kind " + f.kind() + " is not supported (supported: "
                        + new java.util.TreeSet<>(factorKinds) + ")");
            }
            switch (f) {
                case Factor.Coupling c -> checkOperator(problems, where, c.w());
                case Factor.Residual r -> {
                    for (Factor.Source s : r.sources()) {
                        checkOperator(problems, where, s.w());
                    }
                    checkBias(problems, where, "h", r.h());
                }
                case Factor.Bias b -> checkBias(problems, where, "h", b.h());
                case Factor.Clamp c -> checkBias(problems, where, "clamp value", c.values());
                case Factor.OnSite o -> { }
            }
        }
        checkRanges(problems, ProgramRange.of(program));
        return problems;
    }

    /** Problems with the program's dynamic range against {@link #couplingRange} and {@link #stiffnessRange}. */
    private void checkRanges(List<String> problems, ProgramRange r) {
        checkRange(problems, "coupling", couplingRange, r.couplingMax(), r.couplingMaxAt(), r.couplingMin(),
                r.couplingMinAt());
        checkRange(problems, "stiffness", stiffnessRange, r.stiffnessMax(), r.stiffnessMaxAt(), r.stiffnessMin(),
                r.stiffnessMinAt());
    }

    private static void checkRange(List<String> problems, String what, Range range, double max, String maxAt,
                                   double min, String minAt) {
        if (max > range.maxMagnitude()) {
            problems.add(String.format(java.util.Locale.ROOT, "%s: a %s of magnitude %.4g exceeds this backend's"
                    + " %s range %s (scale the energy down, or raise the temperature)", maxAt, what, max, what, range));
        }
        if (min > 0 && max / min > range.maxRatio()) {
            problems.add(String.format(java.util.Locale.ROOT, "%s: a %s of magnitude %.4g is %.4g times smaller than"
                            + " the largest (%.4g, %s), beyond this backend's %s range %s (zero the %s values below"
                            + " %.4g, or plan with a smaller spread)", minAt, what, min, max / min, max, maxAt, what,
                    range, what, range.smallestFor(max)));
        }
    }

    /** Problems with a bias or clamp vector written between runs ({@code what} names it). */
    public List<String> problemsWithValues(String what, float[] values) {
        List<String> problems = new ArrayList<>();
        checkBias(problems, what + ": ", "value", values);
        return problems;
    }

    private void checkOperator(List<String> problems, String where, Operator w) {
        if (!operatorKinds.contains(w.kind())) {
            problems.add(where + "operator kind " + w.kind() + " is not supported (supported: "
                    + new java.util.TreeSet<>(operatorKinds) + ")");
        }
    }

    private void checkBias(List<String> problems, String where, String what, float[] values) {
        double max = Operator.maxAbs(values);
        if (max > maxBiasMagnitude) {
            problems.add(where + what + " of magnitude " + max + " exceeds this backend's bias range "
                    + maxBiasMagnitude);
        }
    }

    /** Builds {@link Capabilities}; see {@link Capabilities#builder()} for the defaults. */
    public static final class Builder {
        private Set<FactorKind> factorKinds = EnumSet.allOf(FactorKind.class);
        private Set<OperatorKind> operatorKinds = EnumSet.allOf(OperatorKind.class);
        private long maxUnits = Long.MAX_VALUE;
        private long maxCouplings = Long.MAX_VALUE;
        private int maxChains = Integer.MAX_VALUE;
        private NumberFormat numberFormat = NumberFormat.float32();
        private Range couplingRange = Range.UNBOUNDED;
        private Range stiffnessRange = Range.UNBOUNDED;
        private double maxBiasMagnitude = Double.POSITIVE_INFINITY;
        private NoiseModel noise = new NoiseModel(NoiseModel.Kind.PSEUDO_RANDOM, "pseudo-random");
        private Integrator integrator = Integrator.EULER_MARUYAMA;
        private Set<Feature> features = EnumSet.noneOf(Feature.class);

        private Builder() {
        }

        public Builder factorKinds(Set<FactorKind> kinds) { this.factorKinds = Set.copyOf(kinds); return this; }
        public Builder operatorKinds(Set<OperatorKind> kinds) { this.operatorKinds = Set.copyOf(kinds); return this; }
        public Builder maxUnits(long n) { this.maxUnits = n; return this; }
        public Builder maxCouplings(long n) { this.maxCouplings = n; return this; }
        public Builder maxChains(int n) { this.maxChains = n; return this; }
        public Builder numberFormat(NumberFormat f) { this.numberFormat = f; return this; }
        public Builder couplingRange(Range r) { this.couplingRange = r; return this; }
        public Builder stiffnessRange(Range r) { this.stiffnessRange = r; return this; }
        public Builder maxBiasMagnitude(double m) { this.maxBiasMagnitude = m; return this; }
        public Builder noise(NoiseModel n) { this.noise = n; return this; }
        public Builder integrator(Integrator i) { this.integrator = i; return this; }
        public Builder features(Set<Feature> f) {
            this.features = f.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(f);
            return this;
        }
        public Builder feature(Feature f) { this.features.add(f); return this; }

        public Capabilities build() {
            return new Capabilities(factorKinds, operatorKinds, maxUnits, maxCouplings, maxChains, numberFormat,
                    couplingRange, stiffnessRange, maxBiasMagnitude, noise, integrator, features);
        }
    }
}
