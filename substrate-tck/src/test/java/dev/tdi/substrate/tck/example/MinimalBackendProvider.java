package dev.tdi.substrate.tck.example;

import dev.tdi.substrate.AbstractSubstrate;
import dev.tdi.substrate.Capabilities;
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
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.FactorKind;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The complete minimal backend of docs/writing-a-backend.md: Gaussian programs only (quadratic on-site
 * potentials, dense couplings, biases, clamps), Euler-Maruyama in double precision. It is found through
 * {@code META-INF/services/dev.tdi.substrate.SubstrateProvider} and passes the conformance kit.
 */
public final class MinimalBackendProvider implements SubstrateProvider {

    private static final Capabilities CAPABILITIES = Capabilities.builder()
            .factorKinds(EnumSet.of(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS,
                    FactorKind.CLAMP))
            .operatorKinds(EnumSet.of(OperatorKind.DENSE))
            .maxUnits(100_000).maxCouplings(10_000_000).maxChains(4096).numberFormat(NumberFormat.float64())
            .noise(new NoiseModel(NoiseModel.Kind.PSEUDO_RANDOM, "SplittableRandom per chain"))
            .integrator(Integrator.EULER_MARUYAMA)
            .build();

    @Override public String name() { return "minimal-example"; }
    @Override public String description() { return "the minimal Gaussian backend of docs/writing-a-backend.md"; }
    @Override public Capabilities capabilities() { return CAPABILITIES; }

    @Override
    public Substrate open(SubstrateConfig config) {
        config.requireOnly(name(), Set.of());
        return new Session();
    }

    /** One session. AbstractSubstrate has already checked capabilities, field writes and the run spec. */
    private final class Session extends AbstractSubstrate {
        private Program program;

        Session() {
            super(MinimalBackendProvider.this.name(), CAPABILITIES);
        }

        @Override
        protected void upload(Program p) {
            this.program = p; // a device would copy couplings to its memory here
        }

        @Override
        protected RunResult execute(RunSpec spec) {
            long start = System.nanoTime();
            int n = program.units();
            double[][] x = new double[spec.chains()][n];
            SplittableRandom[] rng = new SplittableRandom[spec.chains()];
            for (int c = 0; c < x.length; c++) {
                float[] init = spec.initialState().orElse(new float[n]);
                for (int i = 0; i < n; i++) {
                    x[c][i] = init[i];
                }
                applyClamps(x[c]);
                rng[c] = new SplittableRandom(spec.chainSeed(c));
            }
            boolean[] clamped = new boolean[n];
            for (String m : program.clampedModules()) {
                ModuleSpec s = program.module(m);
                java.util.Arrays.fill(clamped, s.offset(), s.offset() + s.size(), true);
            }
            double[] grad = new double[n];
            WindowedAverager schedule = new WindowedAverager(spec, x.length, n);
            while (schedule.wantsStep()) {
                for (int c = 0; c < x.length; c++) {
                    gradient(x[c], grad);
                    for (ModuleSpec m : program.modules()) {
                        double dt = spec.stepSize(m.name());
                        double noise = Math.sqrt(2 * spec.temperature() * dt);
                        for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                            if (clamped[i]) {
                                continue;
                            }
                            double v = x[c][i] - dt * grad[i] + noise * rng[c].nextGaussian();
                            if (!Double.isFinite(v) || Math.abs(v) > spec.divergenceBound()) {
                                throw new DivergenceException(m.name(), i - m.offset(), c, schedule.steps(), v,
                                        spec.divergenceBound(), dt);
                            }
                            x[c][i] = v;
                        }
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

        private void applyClamps(double[] x) {
            for (String m : program.clampedModules()) {
                float[] v = clamp(m); // the current values, including setClamp writes
                int off = program.module(m).offset();
                for (int i = 0; i < v.length; i++) {
                    x[off + i] = v[i];
                }
            }
        }

        /** grad U for the four supported factor kinds. */
        private void gradient(double[] x, double[] grad) {
            java.util.Arrays.fill(grad, 0);
            for (Factor f : program.factors()) {
                switch (f) {
                    case Factor.OnSite o -> {
                        Potential.Quadratic q = (Potential.Quadratic) o.potential();
                        ModuleSpec m = program.module(o.module());
                        for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                            grad[i] += q.stiffness() * (x[i] - q.center());
                        }
                    }
                    case Factor.Coupling cp -> {
                        int a = program.module(cp.a()).offset();
                        int b = program.module(cp.b()).offset();
                        if (cp.isSelf()) {
                            cp.w().apply(x, a, grad, a);                        // d/dx (1/2) x^T W x = W x
                        } else {
                            double[] ga = new double[cp.w().rows()];
                            double[] gb = new double[cp.w().cols()];
                            cp.w().apply(x, b, ga, 0);                          // d/dx_a (-x_a^T W x_b) = -W x_b
                            cp.w().applyTranspose(x, a, gb, 0);                 // d/dx_b = -W^T x_a
                            for (int i = 0; i < ga.length; i++) {
                                grad[a + i] -= ga[i];
                            }
                            for (int i = 0; i < gb.length; i++) {
                                grad[b + i] -= gb[i];
                            }
                        }
                    }
                    case Factor.Bias bias -> {
                        float[] h = bias(bias.field()); // the current values, including setBias writes
                        int off = program.module(bias.module()).offset();
                        for (int i = 0; i < h.length; i++) {
                            grad[off + i] -= h[i];
                        }
                    }
                    case Factor.Clamp c -> { }
                    case Factor.Residual r -> throw new IllegalStateException("refused by capabilities");
                }
            }
        }
    }
}
