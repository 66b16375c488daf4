package dev.tdi.substrate;

import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Program;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The read-out of one run: per chain, the final state and the windowed mean, as flat vectors in the program's
 * module order, with per-module views. Arrays handed out are copies.
 */
public final class RunResult {
    private final Program program;
    private final float[][] finalStates;
    private final float[][] means;
    private final long steps;
    private final boolean converged;
    private final long wallNanos;
    private final Trace trace;
    private final List<PhaseEnergy> phaseEnergies;

    /**
     * The energy of one phase of a scheduled run: the factors active in the phase that touch a module it releases
     * (every other factor is constant during the phase, its modules being held), averaged over chains, in the
     * program's energy units (kT at temperature 1), as the phase begins (its factors just switched on) and after
     * its modules are held. The device dissipates {@code start - end} in that phase; summed over phases, that is the
     * heat of the whole relaxation (the work done by switching each factor on is included in its phase's start).
     *
     * @param start U_active(x) as the phase begins (after its factors are switched on)
     * @param end   U_active(x) as the phase ends (after its modules are held)
     */
    public record PhaseEnergy(double start, double end) {
        /** The energy released in the phase, start - end. */
        public double released() {
            return start - end;
        }
    }

    /**
     * @param finalStates [chain][unit]; ownership passes to the result
     * @param means       [chain][unit] windowed means; ownership passes to the result
     * @param steps       steps actually taken
     * @param converged   true in fixed mode, or when the convergence criterion was met
     */
    public RunResult(Program program, float[][] finalStates, float[][] means, long steps, boolean converged,
                     long wallNanos, Trace trace) {
        this(program, finalStates, means, steps, converged, wallNanos, trace, List.of());
    }

    /**
     * As {@link #RunResult(Program, float[][], float[][], long, boolean, long, Trace)}, with the energy the run
     * measured per phase ({@link #phaseEnergies()}; empty when the backend does not measure it).
     */
    public RunResult(Program program, float[][] finalStates, float[][] means, long steps, boolean converged,
                     long wallNanos, Trace trace, List<PhaseEnergy> phaseEnergies) {
        this.phaseEnergies = List.copyOf(phaseEnergies);
        this.program = program;
        this.finalStates = finalStates;
        this.means = means;
        this.steps = steps;
        this.converged = converged;
        this.wallNanos = wallNanos;
        this.trace = trace;
    }

    /** Number of chains. */
    public int chains() {
        return finalStates.length;
    }

    /** Steps taken (burn-in included). */
    public long steps() {
        return steps;
    }

    /** False only when a convergence-mode run hit its step limit first. */
    public boolean converged() {
        return converged;
    }

    /**
     * Per phase of a scheduled run, the energy of {@link PhaseEnergy}; empty for an unscheduled run or when the
     * backend does not measure it.
     */
    public List<PhaseEnergy> phaseEnergies() {
        return phaseEnergies;
    }

    /** Total energy released over the run's phases (program units); NaN when not measured. */
    public double releasedEnergy() {
        return phaseEnergies.isEmpty() ? Double.NaN
                : phaseEnergies.stream().mapToDouble(PhaseEnergy::released).sum();
    }

    /** Wall time of the run. */
    public long wallNanos() {
        return wallNanos;
    }

    /** The trace, when one was asked for. */
    public Optional<Trace> trace() {
        return Optional.ofNullable(trace);
    }

    /** Final state of a chain (all units). */
    public float[] finalState(int chain) {
        return finalStates[chain].clone();
    }

    /** Windowed mean of a chain (all units). */
    public float[] mean(int chain) {
        return means[chain].clone();
    }

    /** Final state of one module in one chain. */
    public float[] finalState(String module, int chain) {
        return slice(finalStates[chain], program.module(module));
    }

    /** Windowed mean of one module in one chain. */
    public float[] mean(String module, int chain) {
        return slice(means[chain], program.module(module));
    }

    /** Windowed mean of one module averaged over every chain. */
    public float[] meanOverChains(String module) {
        ModuleSpec m = program.module(module);
        double[] acc = new double[m.size()];
        for (float[] chain : means) {
            for (int i = 0; i < m.size(); i++) {
                acc[i] += chain[m.offset() + i];
            }
        }
        float[] out = new float[m.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (acc[i] / means.length);
        }
        return out;
    }

    /** The program that was run. */
    public Program program() {
        return program;
    }

    private static float[] slice(float[] v, ModuleSpec m) {
        return Arrays.copyOfRange(v, m.offset(), m.offset() + m.size());
    }
}
