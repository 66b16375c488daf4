package dev.tdi.substrate.reference;

import dev.tdi.substrate.AbstractSubstrate;
import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.DivergenceException;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Trace;
import dev.tdi.substrate.WindowedAverager;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Program;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The reference backend: overdamped Langevin dynamics by Euler-Maruyama in double precision, one chain and one
 * unit at a time, written to be read. Per step and chain:
 * <pre>
 *   g = grad U(x)                                   (ReferenceEnergy)
 *   x_i <- x_i - dt_m g_i + sqrt(2 T dt_m) xi_i      for every free unit i of module m, xi_i ~ N(0, 1)
 *   x_i <- reflect(x_i) into its walls               (mirror image, then clamp if the overshoot was too large)
 * </pre>
 * Clamped units stay at their clamp values. A run with a {@link Schedule} follows its phases
 * ({@link #executeScheduled}). Noise for chain c comes from an L64X128MixRandom seeded with
 * {@link ChainSeeds#of(long, int)} (or the spec's own {@link RunSpec#chainSeed(int) chain seed}), drawn unit by
 * unit in state order, so runs are reproducible by seed. With {@link Feature#PER_CHAIN_INPUTS} each chain reads its
 * own clamp and bias rows, so chain c of a batch is exactly the one-chain run of its inputs and seed.
 */
final class ReferenceSubstrate extends AbstractSubstrate {
    private ReferenceEnergy energy;

    ReferenceSubstrate(Capabilities capabilities) {
        super(ReferenceProvider.NAME, capabilities);
    }

    @Override
    protected void upload(Program program) {
        energy = new ReferenceEnergy(program);
    }

    @Override
    protected RunResult execute(RunSpec spec) {
        if (spec.schedule().isPresent()) {
            return executeScheduled(spec, spec.schedule().get());
        }
        long start = System.nanoTime();
        Program program = energy.program();
        int n = program.units();
        int chains = spec.chains();

        double[] dt = new double[n];
        double[] noiseScale = new double[n];
        String[] moduleOf = new String[n];
        for (ModuleSpec m : program.modules()) {
            double step = spec.stepSize(m.name());
            for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                dt[i] = step;
                noiseScale[i] = Math.sqrt(2 * spec.temperature() * step);
                moduleOf[i] = m.name();
            }
        }

        double[][] x = new double[chains][];
        RandomGenerator[] rng = new RandomGenerator[chains];
        for (int c = 0; c < chains; c++) {
            x[c] = initialState(spec, n, c);
            rng[c] = RandomGeneratorFactory.of("L64X128MixRandom").create(spec.chainSeed(c));
        }

        double[] grad = new double[n];
        WindowedAverager schedule = new WindowedAverager(spec, chains, n);
        TraceRecorder trace = spec.traceEvery() > 0 ? new TraceRecorder() : null;
        while (schedule.wantsStep()) {
            long step = schedule.steps();
            for (int c = 0; c < chains; c++) {
                double[] xc = x[c];
                energy.gradient(xc, biasOf(c), grad);
                for (int i = 0; i < n; i++) {
                    if (energy.isClamped(i)) {
                        continue;
                    }
                    double v = xc[i] - dt[i] * grad[i] + noiseScale[i] * rng[c].nextGaussian();
                    v = energy.reflect(i, v);
                    if (!Double.isFinite(v) || Math.abs(v) > spec.divergenceBound()) {
                        ModuleSpec m = program.module(moduleOf[i]);
                        throw new DivergenceException(m.name(), i - m.offset(), c, step, v,
                                spec.divergenceBound(), dt[i]);
                    }
                    xc[i] = v;
                }
            }
            schedule.afterStep((c, i) -> x[c][i]);
            if (trace != null && schedule.steps() % spec.traceEvery() == 0) {
                trace.record(schedule.steps(), x);
            }
        }

        float[][] finals = new float[chains][n];
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < n; i++) {
                finals[c][i] = (float) x[c][i];
            }
        }
        return new RunResult(program, finals, schedule.means((c, i) -> x[c][i]), schedule.steps(),
                schedule.converged(), System.nanoTime() - start, trace == null ? null : trace.build());
    }

    /**
     * A run that follows a {@link Schedule}: per phase, only the factors whose modules are all released move the
     * modules the phase releases; at its end they are set to their window mean and held. The phase energies are
     * those of {@link RunResult.PhaseEnergy}.
     */
    private RunResult executeScheduled(RunSpec spec, Schedule schedule) {
        long start = System.nanoTime();
        Program program = energy.program();
        int n = program.units();
        int chains = spec.chains();
        int[] release = schedule.releasePhase(program);
        int[] unitPhase = new int[n];
        double[] dt = new double[n];
        double[] noiseScale = new double[n];
        String[] moduleOf = new String[n];
        for (ModuleSpec m : program.modules()) {
            double step = spec.stepSize(m.name());
            for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                unitPhase[i] = release[m.index()];
                dt[i] = step;
                noiseScale[i] = Math.sqrt(2 * spec.temperature() * step);
                moduleOf[i] = m.name();
            }
        }
        List<Factor> factors = program.factors();
        int[] activation = new int[factors.size()];
        for (int f = 0; f < activation.length; f++) {
            activation[f] = Schedule.activationPhase(factors.get(f), program, release);
        }
        double[][] x = new double[chains][];
        RandomGenerator[] rng = new RandomGenerator[chains];
        for (int c = 0; c < chains; c++) {
            x[c] = initialState(spec, n, c);
            rng[c] = RandomGeneratorFactory.of("L64X128MixRandom").create(spec.chainSeed(c));
        }
        double[] grad = new double[n];
        double[][] sum = new double[chains][n];
        List<RunResult.PhaseEnergy> energies = new ArrayList<>();
        TraceRecorder trace = spec.traceEvery() > 0 ? new TraceRecorder() : null;
        long step = 0;
        for (int p = 0; p < schedule.phases().size(); p++) {
            Schedule.Phase phase = schedule.phases().get(p);
            boolean[] active = new boolean[factors.size()];
            for (int f = 0; f < active.length; f++) {
                active[f] = activation[f] <= p;
            }
            // The phase's energy: active factors that touch a module it releases (the rest are constant: held).
            boolean[] measured = new boolean[factors.size()];
            for (int f = 0; f < measured.length; f++) {
                final int ph = p;
                measured[f] = active[f] && Schedule.modulesOf(factors.get(f)).stream()
                        .anyMatch(m -> release[program.module(m).index()] == ph);
            }
            double e0 = meanEnergy(x, measured);
            for (long s = 0; s < phase.steps(); s++) {
                boolean averaging = s >= phase.steps() - phase.window();
                for (int c = 0; c < chains; c++) {
                    double[] xc = x[c];
                    energy.gradient(xc, biasOf(c), grad, active);
                    for (int i = 0; i < n; i++) {
                        if (unitPhase[i] != p) {
                            continue;
                        }
                        double v = xc[i] - dt[i] * grad[i] + noiseScale[i] * rng[c].nextGaussian();
                        v = energy.reflect(i, v);
                        if (!Double.isFinite(v) || Math.abs(v) > spec.divergenceBound()) {
                            ModuleSpec m = program.module(moduleOf[i]);
                            throw new DivergenceException(m.name(), i - m.offset(), c, step, v,
                                    spec.divergenceBound(), dt[i]);
                        }
                        xc[i] = v;
                        if (averaging) {
                            sum[c][i] += v;
                        }
                    }
                }
                step++;
                if (trace != null && step % spec.traceEvery() == 0) {
                    trace.record(step, x, active);
                }
            }
            for (int c = 0; c < chains; c++) {
                for (int i = 0; i < n; i++) {
                    if (unitPhase[i] == p) {
                        x[c][i] = sum[c][i] / phase.window();
                    }
                }
            }
            energies.add(new RunResult.PhaseEnergy(e0, meanEnergy(x, measured)));
        }
        float[][] finals = new float[chains][n];
        float[][] means = new float[chains][n];
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < n; i++) {
                finals[c][i] = (float) x[c][i];
                means[c][i] = (float) x[c][i];
            }
        }
        return new RunResult(program, finals, means, step, true, System.nanoTime() - start,
                trace == null ? null : trace.build(), energies);
    }

    private double meanEnergy(double[][] x, boolean[] active) {
        double e = 0;
        for (int c = 0; c < x.length; c++) {
            e += energy.energy(x[c], biasOf(c), active);
        }
        return e / x.length;
    }

    /** Chain c's bias fields (its own rows in a batch of per-chain inputs). */
    private Function<String, float[]> biasOf(int chain) {
        return field -> bias(field, chain);
    }

    private double[] initialState(RunSpec spec, int n, int chain) {
        double[] x = new double[n];
        spec.initialState(chain).ifPresent(init -> {
            for (int i = 0; i < n; i++) {
                x[i] = init[i];
            }
        });
        for (int i = 0; i < n; i++) {
            x[i] = energy.reflect(i, x[i]);
        }
        Program program = energy.program();
        for (String m : program.clampedModules()) {
            float[] v = clamp(m, chain);
            int off = program.module(m).offset();
            for (int i = 0; i < v.length; i++) {
                x[off + i] = v[i];
            }
        }
        return x;
    }

    /** Energy and residual norms, averaged over chains, at the recorded steps. */
    private final class TraceRecorder {
        private final java.util.List<Long> steps = new java.util.ArrayList<>();
        private final java.util.List<Double> energies = new java.util.ArrayList<>();
        private final Map<String, java.util.List<Double>> norms = new LinkedHashMap<>();

        void record(long step, double[][] x) {
            record(step, x, null);
        }

        /** Records the energy of the active factors ({@code null}: all). */
        void record(long step, double[][] x, boolean[] active) {
            double e = 0;
            Map<String, Double> sums = new LinkedHashMap<>();
            for (int c = 0; c < x.length; c++) {
                e += energy.energy(x[c], biasOf(c), active);
                energy.residualNorms(x[c], biasOf(c)).forEach((k, v) -> sums.merge(k, v, Double::sum));
            }
            steps.add(step);
            energies.add(e / x.length);
            sums.forEach((k, v) -> norms.computeIfAbsent(k, z -> new java.util.ArrayList<>()).add(v / x.length));
        }

        Trace build() {
            Map<String, double[]> r = new LinkedHashMap<>();
            norms.forEach((k, v) -> r.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
            return new Trace(steps.stream().mapToLong(Long::longValue).toArray(),
                    energies.stream().mapToDouble(Double::doubleValue).toArray(), r);
        }
    }
}
