package dev.tdi.substrate.reference;

import dev.tdi.substrate.AbstractSubstrate;
import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.DivergenceException;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Trace;
import dev.tdi.substrate.WindowedAverager;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Program;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * Clamped units stay at their clamp values. Noise for chain c comes from an L64X128MixRandom seeded with
 * {@link ChainSeeds#of(long, int)}, drawn unit by unit in state order, so runs are reproducible by seed.
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
            x[c] = initialState(spec, n);
            rng[c] = RandomGeneratorFactory.of("L64X128MixRandom").create(ChainSeeds.of(spec.seed(), c));
        }

        double[] grad = new double[n];
        WindowedAverager schedule = new WindowedAverager(spec, chains, n);
        TraceRecorder trace = spec.traceEvery() > 0 ? new TraceRecorder() : null;
        while (schedule.wantsStep()) {
            long step = schedule.steps();
            for (int c = 0; c < chains; c++) {
                double[] xc = x[c];
                energy.gradient(xc, this::bias, grad);
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

    private double[] initialState(RunSpec spec, int n) {
        double[] x = new double[n];
        spec.initialState().ifPresent(init -> {
            for (int i = 0; i < n; i++) {
                x[i] = init[i];
            }
        });
        for (int i = 0; i < n; i++) {
            x[i] = energy.reflect(i, x[i]);
        }
        Program program = energy.program();
        for (String m : program.clampedModules()) {
            float[] v = clamp(m);
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
            double e = 0;
            Map<String, Double> sums = new LinkedHashMap<>();
            for (double[] xc : x) {
                e += energy.energy(xc, ReferenceSubstrate.this::bias);
                energy.residualNorms(xc, ReferenceSubstrate.this::bias).forEach((k, v) -> sums.merge(k, v, Double::sum));
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
