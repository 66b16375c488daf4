package dev.tdi.substrate;

import dev.tdi.substrate.program.InvalidProgramException;
import java.util.Map;
import java.util.Optional;

/**
 * How to run the Langevin dynamics dx = -grad U dt + sqrt(2T) dW, discretised by Euler-Maruyama with walls
 * enforced by reflection after each step.
 * <p>
 * <b>Fixed mode</b> (tolerance 0): {@code burnIn} steps are discarded, then {@code window} steps are averaged;
 * the run takes burnIn + window steps. <b>Convergence mode</b> (tolerance &gt; 0): after burn-in the run proceeds
 * in blocks of {@code window} steps and stops when the block mean of every unit of every chain moved by less than
 * {@code tolerance} since the previous block, or after {@code maxSteps}; the readout mean is the last block's.
 *
 * @param burnIn           steps discarded before averaging
 * @param window           steps per averaging window (>= 1)
 * @param tolerance        0 for fixed mode, else the convergence tolerance on block means (state units)
 * @param maxSteps         the step limit in convergence mode
 * @param stepSize         dt for modules without their own
 * @param moduleStepSizes  per-module dt (preconditioning)
 * @param temperature      T >= 0 (kT in the program's energy units)
 * @param seed             the noise seed; same program + seed + backend gives the same result
 * @param chains           independent chains run at once
 * @param traceEvery       record energy and residual norms every this many steps (0 = no trace)
 * @param divergenceBound  |x| beyond which the dynamics are reported as diverged
 * @param initialState     optional full-length starting state (clamped units are overwritten); zeros otherwise
 * @param schedule         optional relaxation schedule ({@link Schedule}); when present the run is its phases
 *                         and burnIn, window and tolerance are not used (needs {@link Feature#SCHEDULES})
 * @param chainSeeds       optional noise seed of each chain (one per chain), replacing
 *                         {@link ChainSeeds#of(long, int) ChainSeeds.of(seed, c)}: chain c of a batch then draws
 *                         the same noise as a one-chain run given that seed, so batched and one-at-a-time
 *                         relaxations agree (see {@link #chainSeed(int)})
 * @param chainInitialStates optional full-length starting state per chain (one row per chain; clamped units are
 *                         overwritten), for batches of warm starts; exclusive with {@code initialState} (needs
 *                         {@link Feature#PER_CHAIN_INPUTS})
 */
public record RunSpec(long burnIn, long window, double tolerance, long maxSteps, double stepSize,
                      Map<String, Double> moduleStepSizes, double temperature, long seed, int chains,
                      long traceEvery, double divergenceBound, Optional<float[]> initialState,
                      Optional<Schedule> schedule, Optional<long[]> chainSeeds,
                      Optional<float[][]> chainInitialStates) {

    /** The spec without per-chain seeds or starting states. */
    public RunSpec(long burnIn, long window, double tolerance, long maxSteps, double stepSize,
                   Map<String, Double> moduleStepSizes, double temperature, long seed, int chains,
                   long traceEvery, double divergenceBound, Optional<float[]> initialState,
                   Optional<Schedule> schedule) {
        this(burnIn, window, tolerance, maxSteps, stepSize, moduleStepSizes, temperature, seed, chains, traceEvery,
                divergenceBound, initialState, schedule, Optional.empty(), Optional.empty());
    }

    /** The spec without a schedule (the form before schedules existed). */
    public RunSpec(long burnIn, long window, double tolerance, long maxSteps, double stepSize,
                   Map<String, Double> moduleStepSizes, double temperature, long seed, int chains,
                   long traceEvery, double divergenceBound, Optional<float[]> initialState) {
        this(burnIn, window, tolerance, maxSteps, stepSize, moduleStepSizes, temperature, seed, chains, traceEvery,
                divergenceBound, initialState, Optional.empty());
    }

    public RunSpec {
        moduleStepSizes = Map.copyOf(moduleStepSizes);
        initialState = initialState.map(float[]::clone);
        chainSeeds = chainSeeds.map(long[]::clone);
        chainInitialStates = chainInitialStates.map(RunSpec::copyRows);
        if (burnIn < 0) {
            throw new InvalidProgramException("RunSpec burnIn must be >= 0, found " + burnIn);
        }
        if (window < 1) {
            throw new InvalidProgramException("RunSpec window must be >= 1, found " + window);
        }
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new InvalidProgramException("RunSpec tolerance must be finite and >= 0, found " + tolerance);
        }
        if (tolerance > 0 && maxSteps < burnIn + window) {
            throw new InvalidProgramException("RunSpec maxSteps (" + maxSteps + ") must allow burnIn + window = "
                    + (burnIn + window) + " steps");
        }
        requireStep("stepSize", stepSize);
        moduleStepSizes.forEach((m, dt) -> requireStep("step size of module '" + m + "'", dt));
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new InvalidProgramException("RunSpec temperature must be finite and >= 0, found " + temperature);
        }
        if (chains < 1) {
            throw new InvalidProgramException("RunSpec chains must be >= 1, found " + chains);
        }
        if (traceEvery < 0) {
            throw new InvalidProgramException("RunSpec traceEvery must be >= 0, found " + traceEvery);
        }
        if (!(divergenceBound > 0)) {
            throw new InvalidProgramException("RunSpec divergenceBound must be > 0, found " + divergenceBound);
        }
        if (chainSeeds.isPresent() && chainSeeds.get().length != chains) {
            throw new InvalidProgramException("RunSpec chainSeeds has " + chainSeeds.get().length
                    + " seeds; it needs one per chain (" + chains + ")");
        }
        if (chainInitialStates.isPresent()) {
            if (initialState.isPresent()) {
                throw new InvalidProgramException("RunSpec has both an initialState and chainInitialStates;"
                        + " give one (a shared start, or one row per chain)");
            }
            if (chainInitialStates.get().length != chains) {
                throw new InvalidProgramException("RunSpec chainInitialStates has " + chainInitialStates.get().length
                        + " rows; it needs one per chain (" + chains + ")");
            }
        }
    }

    private static float[][] copyRows(float[][] rows) {
        float[][] copy = new float[rows.length][];
        for (int c = 0; c < rows.length; c++) {
            if (rows[c] == null) {
                throw new InvalidProgramException("RunSpec chainInitialStates row " + c + " is null");
            }
            copy[c] = rows[c].clone();
        }
        return copy;
    }

    /**
     * The noise seed of chain {@code c}: {@code chainSeeds[c]} when given, else {@code ChainSeeds.of(seed, c)}.
     * Every backend seeds chain c's noise with this value.
     */
    public long chainSeed(int c) {
        return chainSeeds.isPresent() ? chainSeeds.get()[c] : ChainSeeds.of(seed, c);
    }

    /** The starting state of chain {@code c} before clamps and walls: its own row, the shared one, or none. */
    public Optional<float[]> initialState(int c) {
        return chainInitialStates.isPresent() ? Optional.of(chainInitialStates.get()[c]) : initialState;
    }

    private static void requireStep(String what, Double dt) {
        if (dt == null || !(dt > 0) || Double.isInfinite(dt)) {
            throw new InvalidProgramException("RunSpec " + what + " must be finite and > 0, found " + dt);
        }
    }

    /** A builder with defaults: 1000 steps averaged over the last 500, dt 0.01, T 1, seed 0, one chain. */
    public static Builder builder() {
        return new Builder();
    }

    /** True in convergence mode (never for a scheduled run). */
    public boolean untilConverged() {
        return tolerance > 0 && schedule.isEmpty();
    }

    /** True when the run follows a {@link Schedule}. */
    public boolean scheduled() {
        return schedule.isPresent();
    }

    /** The step size of a module. */
    public double stepSize(String module) {
        return moduleStepSizes.getOrDefault(module, stepSize);
    }

    /** The most steps this run can take. */
    public long stepLimit() {
        if (schedule.isPresent()) {
            return schedule.get().totalSteps();
        }
        return untilConverged() ? maxSteps : burnIn + window;
    }

    /** A builder starting from this spec. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.burnIn = burnIn;
        b.window = window;
        b.tolerance = tolerance;
        b.maxSteps = maxSteps;
        b.stepSize = stepSize;
        b.moduleStepSizes = new java.util.LinkedHashMap<>(moduleStepSizes);
        b.temperature = temperature;
        b.seed = seed;
        b.chains = chains;
        b.traceEvery = traceEvery;
        b.divergenceBound = divergenceBound;
        b.initialState = initialState.orElse(null);
        b.schedule = schedule.orElse(null);
        b.chainSeeds = chainSeeds.orElse(null);
        b.chainInitialStates = chainInitialStates.orElse(null);
        return b;
    }

    /** Builds a {@link RunSpec}. */
    public static final class Builder {
        private long burnIn = 500;
        private long window = 500;
        private double tolerance;
        private long maxSteps = 100_000;
        private double stepSize = 0.01;
        private Map<String, Double> moduleStepSizes = new java.util.LinkedHashMap<>();
        private double temperature = 1.0;
        private long seed;
        private int chains = 1;
        private long traceEvery;
        private double divergenceBound = 1e6;
        private float[] initialState;
        private Schedule schedule;
        private long[] chainSeeds;
        private float[][] chainInitialStates;

        private Builder() {
        }

        /** Fixed mode: discard {@code burnIn} steps, then average {@code window} steps. */
        public Builder steps(long burnIn, long window) {
            this.burnIn = burnIn;
            this.window = window;
            this.tolerance = 0;
            return this;
        }

        /** Convergence mode: blocks of {@code window} steps after {@code burnIn}, until block means settle. */
        public Builder untilConverged(long burnIn, long window, double tolerance, long maxSteps) {
            this.burnIn = burnIn;
            this.window = window;
            this.tolerance = tolerance;
            this.maxSteps = maxSteps;
            return this;
        }

        public Builder stepSize(double dt) { this.stepSize = dt; return this; }
        public Builder stepSize(String module, double dt) { moduleStepSizes.put(module, dt); return this; }
        public Builder temperature(double t) { this.temperature = t; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder chains(int c) { this.chains = c; return this; }
        public Builder traceEvery(long n) { this.traceEvery = n; return this; }
        public Builder divergenceBound(double b) { this.divergenceBound = b; return this; }
        public Builder initialState(float[] x) { this.initialState = x; return this; }
        /** Runs the phases of {@code s} instead of burn-in and window ({@code null} removes it). */
        public Builder schedule(Schedule s) { this.schedule = s; return this; }
        /** One noise seed per chain instead of {@code ChainSeeds.of(seed, c)} ({@code null} removes them). */
        public Builder chainSeeds(long... s) { this.chainSeeds = s; return this; }
        /** One starting state per chain ({@code null} removes them); needs {@link Feature#PER_CHAIN_INPUTS}. */
        public Builder chainInitialStates(float[][] x) { this.chainInitialStates = x; return this; }

        public RunSpec build() {
            return new RunSpec(burnIn, window, tolerance, maxSteps, stepSize, moduleStepSizes, temperature, seed,
                    chains, traceEvery, divergenceBound, Optional.ofNullable(initialState),
                    Optional.ofNullable(schedule), Optional.ofNullable(chainSeeds),
                    Optional.ofNullable(chainInitialStates));
        }
    }
}
