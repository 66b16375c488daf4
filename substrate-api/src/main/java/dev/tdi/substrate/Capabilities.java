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
 * every backend refuses the same things with the same messages.
 *
 * @param factorKinds          supported factor kinds
 * @param operatorKinds        supported operator kinds
 * @param maxUnits             most units in one program
 * @param maxCouplings         most couplings ({@link Program#couplings()}) in one program
 * @param maxChains            most chains in one run
 * @param numberFormat         representation of weights and states
 * @param maxCouplingMagnitude largest |W| entry, in the program's energy units (kT at T = 1)
 * @param maxBiasMagnitude     largest |h| entry, same units
 * @param noise                the noise model
 */
public record Capabilities(Set<FactorKind> factorKinds, Set<OperatorKind> operatorKinds, long maxUnits,
                           long maxCouplings, int maxChains, NumberFormat numberFormat,
                           double maxCouplingMagnitude, double maxBiasMagnitude, NoiseModel noise) {

    public Capabilities {
        factorKinds = Set.copyOf(factorKinds);
        operatorKinds = Set.copyOf(operatorKinds);
    }

    /** Everything, in float32, up to the given sizes. */
    public static Capabilities everything(long maxUnits, long maxCouplings, int maxChains, NumberFormat format,
                                          NoiseModel noise) {
        return new Capabilities(EnumSet.allOf(FactorKind.class), EnumSet.allOf(OperatorKind.class), maxUnits,
                maxCouplings, maxChains, format, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, noise);
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
                problems.add(where + "factor kind " + f.kind() + " is not supported (supported: " + factorKinds + ")");
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
        return problems;
    }

    /** Problems with a bias or clamp vector written between runs ({@code what} names it). */
    public List<String> problemsWithValues(String what, float[] values) {
        List<String> problems = new ArrayList<>();
        checkBias(problems, what + ": ", "value", values);
        return problems;
    }

    private void checkOperator(List<String> problems, String where, Operator w) {
        if (!operatorKinds.contains(w.kind())) {
            problems.add(where + "operator kind " + w.kind() + " is not supported (supported: " + operatorKinds + ")");
        }
        double max = w.maxAbsWeight();
        if (max > maxCouplingMagnitude) {
            problems.add(where + "a coupling weight of magnitude " + max + " exceeds this backend's range "
                    + maxCouplingMagnitude + " (scale the energy down or raise the temperature)");
        }
    }

    private void checkBias(List<String> problems, String where, String what, float[] values) {
        double max = Operator.maxAbs(values);
        if (max > maxBiasMagnitude) {
            problems.add(where + what + " of magnitude " + max + " exceeds this backend's bias range "
                    + maxBiasMagnitude);
        }
    }
}
