package com.example.tdi.backend;

import dev.tdi.substrate.AbstractSubstrate;
import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.DivergenceException;
import dev.tdi.substrate.Integrator;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.NumberFormat;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.WindowedAverager;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.reference.ReferenceEnergy;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A complete backend to start from: Euler-Maruyama with each module's own step size, walls by reflection, every
 * factor and operator kind, reusing tdi's {@link ReferenceEnergy} for the gradient and the walls. Replace
 * {@link Session#execute} with calls to your device. Listed in
 * {@code META-INF/services/dev.tdi.substrate.SubstrateProvider}; its test extends the conformance kit.
 */
public final class ToyBackendProvider implements SubstrateProvider {
    /** The name users pass to {@code --backend}. */
    public static final String NAME = "toy";

    private static final Capabilities CAPABILITIES = Capabilities.builder()
            .maxUnits(1 << 22).maxChains(1 << 16).numberFormat(NumberFormat.float64())
            .noise(new NoiseModel(NoiseModel.Kind.PSEUDO_RANDOM, "SplittableRandom per chain (ChainSeeds)"))
            .integrator(Integrator.EULER_MARUYAMA)
            .build();

    @Override public String name() { return NAME; }
    @Override public String description() { return "template backend: Euler-Maruyama on ReferenceEnergy"; }
    @Override public Capabilities capabilities() { return CAPABILITIES; }

    @Override
    public Substrate open(SubstrateConfig config) {
        config.requireOnly(NAME, Set.of()); // refuse settings this backend does not have, naming the accepted ones
        return new Session();
    }

    /** One session; AbstractSubstrate has already checked capabilities, field writes and the run spec. */
    private static final class Session extends AbstractSubstrate {
        private ReferenceEnergy energy;

        Session() {
            super(NAME, CAPABILITIES);
        }

        @Override
        protected void upload(Program program) {
            energy = new ReferenceEnergy(program); // a device would copy weights to its memory here
        }

        @Override
        protected RunResult execute(RunSpec spec) {
            long start = System.nanoTime();
            Program program = energy.program();
            int n = program.units();
            double[] dt = new double[n];
            for (ModuleSpec m : program.modules()) {
                for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                    dt[i] = spec.stepSize(m.name()); // each module's own step size, in the drift and the noise
                }
            }
            double[][] x = new double[spec.chains()][n];
            SplittableRandom[] rng = new SplittableRandom[x.length];
            for (int c = 0; c < x.length; c++) {
                float[] init = spec.initialState().orElse(new float[n]);
                for (int i = 0; i < n; i++) {
                    x[c][i] = energy.reflect(i, init[i]);
                }
                for (String m : program.clampedModules()) {
                    float[] v = clamp(m); // current values, including setClamp writes
                    System.arraycopy(toDouble(v), 0, x[c], program.module(m).offset(), v.length);
                }
                rng[c] = new SplittableRandom(ChainSeeds.of(spec.seed(), c));
            }
            double[] grad = new double[n];
            WindowedAverager schedule = new WindowedAverager(spec, x.length, n);
            while (schedule.wantsStep()) {
                for (int c = 0; c < x.length; c++) {
                    energy.gradient(x[c], this::bias, grad);
                    for (int i = 0; i < n; i++) {
                        if (energy.isClamped(i)) {
                            continue;
                        }
                        double v = x[c][i] - dt[i] * grad[i]
                                + Math.sqrt(2 * spec.temperature() * dt[i]) * rng[c].nextGaussian();
                        v = energy.reflect(i, v); // walls by reflection, as every backend does
                        if (!Double.isFinite(v) || Math.abs(v) > spec.divergenceBound()) {
                            ModuleSpec m = moduleOf(program, i);
                            throw new DivergenceException(m.name(), i - m.offset(), c, schedule.steps(), v,
                                    spec.divergenceBound(), dt[i]);
                        }
                        x[c][i] = v;
                    }
                }
                schedule.afterStep((c, i) -> x[c][i]);
            }
            float[][] finals = new float[x.length][n];
            for (int c = 0; c < x.length; c++) {
                for (int i = 0; i < n; i++) {
                    finals[c][i] = (float) x[c][i];
                }
            }
            return new RunResult(program, finals, schedule.means((c, i) -> x[c][i]), schedule.steps(),
                    schedule.converged(), System.nanoTime() - start, null);
        }

        private static ModuleSpec moduleOf(Program program, int unit) {
            for (ModuleSpec m : program.modules()) {
                if (unit >= m.offset() && unit < m.offset() + m.size()) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unit " + unit);
        }

        private static double[] toDouble(float[] v) {
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = v[i];
            }
            return d;
        }
    }
}
