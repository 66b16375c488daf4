package dev.tdi.substrate.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.DivergenceException;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.GaussianReference;
import dev.tdi.substrate.Integrator;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.FactorKind;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The substrate conformance kit. A backend's test class extends it and names its provider:
 * <pre>
 * class MyBackendConformanceTest extends SubstrateConformanceKit {
 *     &#64;Override protected String providerName() { return "my-backend"; }
 * }
 * </pre>
 * Checks that need a factor or operator kind the backend does not declare are skipped (and the refusal of that
 * kind is checked instead). Statistical tolerances follow from the sample size; see {@link Tolerances}.
 * <p>
 * The expectations follow the backend's declaration: its {@link Integrator} decides the finite-step covariance
 * (Euler-Maruyama's discretised one, or T A^-1 for exact and continuous-time samplers) and whether a large step
 * must blow up; a backend with {@link NoiseModel.Kind#PHYSICAL} noise is judged statistically only (no bit-identity
 * check); {@link Feature#SCHEDULES} is checked when declared. Every failure says what the backend did, what was
 * expected and the likely cause.
 */
public abstract class SubstrateConformanceKit {

    /** The provider name under test, as found through ServiceLoader. */
    protected abstract String providerName();

    /** Settings the sessions are opened with (override for transports, threads...). */
    protected SubstrateConfig config() {
        return SubstrateConfig.defaults();
    }

    /** The provider under test. */
    protected final SubstrateProvider provider() {
        return SubstrateRegistry.provider(providerName());
    }

    /** A new session on the backend under test. */
    protected Substrate open() {
        return provider().open(config());
    }

    private Capabilities caps() {
        return provider().capabilities();
    }

    private boolean supports(FactorKind... kinds) {
        return caps().factorKinds().containsAll(List.of(kinds));
    }

    private boolean supports(OperatorKind kind) {
        return caps().operatorKinds().contains(kind);
    }

    private double fmt(double scale) {
        return Tolerances.format(caps().numberFormat(), scale);
    }

    /** Runs {@code total} chains in as many runs as the backend's chain limit needs, returning every result. */
    private List<RunResult> runChains(Substrate s, RunSpec spec, int total) {
        List<RunResult> out = new ArrayList<>();
        int max = caps().maxChains();
        int done = 0;
        int k = 0;
        while (done < total) {
            int c = Math.min(max, total - done);
            out.add(s.run(spec.toBuilder().chains(c).seed(spec.seed() + 7919L * k++).build()));
            done += c;
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- discovery

    @Test
    @DisplayName("the provider is found through ServiceLoader and describes itself")
    void discoveredThroughServiceLoader() {
        assertTrue(SubstrateRegistry.names().contains(providerName()),
                () -> "provider '" + providerName() + "' not found; found " + SubstrateRegistry.names());
        SubstrateProvider p = provider();
        assertEquals(providerName(), p.name());
        assertFalse(p.description().isBlank(), "a provider needs a description");
        Capabilities c = p.capabilities();
        assertFalse(c.factorKinds().isEmpty(), "a backend must declare the factor kinds it supports");
        assertTrue(c.maxUnits() > 0 && c.maxChains() > 0 && c.maxCouplings() > 0, "limits must be positive");
        assertTrue(c.numberFormat() != null && c.noise() != null, "number format and noise model are declared");
    }

    // ------------------------------------------------------------------------------------ capability honesty

    @Test
    @DisplayName("every declared operator kind is accepted and runs; every other kind is refused by name")
    void operatorKindsAreHonest() {
        FactorKind carrier = supports(FactorKind.COUPLING) ? FactorKind.COUPLING : FactorKind.RESIDUAL_IDENTITY;
        assumeTrue(supports(carrier, FactorKind.ON_SITE_QUADRATIC), "needs a quadratic on-site and an operator carrier");
        for (OperatorKind kind : OperatorKind.values()) {
            Program p = operatorProgram(kind, carrier);
            try (Substrate s = open()) {
                if (supports(kind)) {
                    s.program(p);
                    RunResult r = s.run(RunSpec.builder().steps(5, 5).stepSize(0.05).temperature(0.1).build());
                    for (float v : r.mean(0)) {
                        assertTrue(Float.isFinite(v), kind + ": non-finite state");
                    }
                } else {
                    UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class,
                            () -> s.program(p), kind + " is not declared, so it must be refused at program time");
                    assertTrue(e.getMessage().contains(kind.name()), () -> "the refusal must name " + kind
                            + ": " + e.getMessage());
                }
            }
        }
    }

    private static Program operatorProgram(OperatorKind kind, FactorKind carrier) {
        Operator w = KitPrograms.operatorOfKind(kind);
        Program.Builder b = Program.builder().module("t", w.rows()).module("s", w.cols())
                .onSite("t", Potential.quadratic(1.0, 0.0)).onSite("s", Potential.quadratic(1.0, 0.2));
        if (carrier == FactorKind.COUPLING) {
            b.coupling("t", "s", w);
        } else {
            b.residual("t", Activation.IDENTITY, new float[w.rows()], 1.0, new Factor.Source("s", w));
        }
        return b.build();
    }

    @Test
    @DisplayName("every declared factor kind is accepted and runs; every other kind is refused by name")
    void factorKindsAreHonest() {
        for (FactorKind kind : FactorKind.values()) {
            Program p = factorProgram(kind);
            EnumSet<FactorKind> needed = EnumSet.noneOf(FactorKind.class);
            p.factors().forEach(f -> needed.add(f.kind()));
            try (Substrate s = open()) {
                if (caps().factorKinds().containsAll(needed) && caps().operatorKinds().contains(OperatorKind.DENSE)) {
                    s.program(p);
                    RunResult r = s.run(RunSpec.builder().steps(5, 5).stepSize(0.05).temperature(0.1).build());
                    for (float v : r.mean(0)) {
                        assertTrue(Float.isFinite(v), kind + ": non-finite state");
                    }
                } else if (!caps().factorKinds().contains(kind)) {
                    UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class,
                            () -> s.program(p), kind + " is not declared, so it must be refused at program time");
                    assertTrue(e.getMessage().contains(kind.name()), () -> "the refusal must name " + kind
                            + ": " + e.getMessage());
                }
            }
        }
    }

    private static Program factorProgram(FactorKind kind) {
        Program.Builder b = Program.builder().module("a", 3).module("b", 2);
        b.onSite("b", Potential.quadratic(1.0, 0.0));
        switch (kind) {
            case ON_SITE_QUADRATIC -> b.onSite("a", Potential.quadratic(2.0, 0.5));
            case ON_SITE_RECTIFIED -> b.onSite("a", Potential.rectified(1.0, 0.2));
            case ON_SITE_BOX -> b.onSite("a", Potential.box(-1.0, 1.0));
            case COUPLING -> b.onSite("a", Potential.quadratic(1.0, 0.0))
                    .coupling("a", "b", new DenseOperator(3, 2, new float[] {0.1f, 0.2f, -0.1f, 0.3f, 0.0f, 0.2f}));
            case BIAS -> b.onSite("a", Potential.quadratic(1.0, 0.0)).bias("a", new float[] {0.1f, 0.2f, 0.3f});
            case RESIDUAL_IDENTITY, RESIDUAL_RELU -> b.residual("a",
                    kind == FactorKind.RESIDUAL_RELU ? Activation.RELU : Activation.IDENTITY,
                    new float[] {0.1f, -0.2f, 0.3f}, 1.0,
                    new Factor.Source("b", new DenseOperator(3, 2, new float[] {0.5f, 0.1f, -0.3f, 0.2f, 0.4f, 0.4f})));
            case CLAMP -> b.clamp("a", new float[] {0.25f, -0.5f, 0.75f});
        }
        return b.build();
    }

    @Test
    @DisplayName("a program over the unit limit and a run over the chain limit are refused, naming the limit")
    void limitsAreEnforced() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC));
        try (Substrate s = open()) {
            if (caps().maxUnits() < (1L << 22)) {
                int n = (int) caps().maxUnits() + 1;
                Program big = Program.builder().module("m", n).onSite("m", Potential.quadratic(1, 0)).build();
                UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class, () -> s.program(big));
                assertTrue(e.getMessage().contains("units"), e.getMessage());
            }
            if (caps().maxChains() < (1 << 20)) {
                s.program(Program.builder().module("m", 1).onSite("m", Potential.quadratic(1, 0)).build());
                RunSpec spec = RunSpec.builder().steps(1, 1).chains(caps().maxChains() + 1).build();
                UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class, () -> s.run(spec));
                assertTrue(e.getMessage().contains("chains"), e.getMessage());
            }
        }
    }

    @Test
    @DisplayName("bad writes and misuse are refused with a message naming the problem")
    void badWritesAreRefused() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS));
        try (Substrate s = open()) {
            assertThrows(IllegalStateException.class, () -> s.run(RunSpec.builder().build()),
                    "running before programming must fail");
            s.program(KitPrograms.gaussianCoupled());
            var unknown = assertThrows(InvalidProgramException.class, () -> s.setBias("nope", new float[4]));
            assertTrue(unknown.getMessage().contains("x"), "the error lists the known fields: " + unknown.getMessage());
            var length = assertThrows(InvalidProgramException.class, () -> s.setBias("x", new float[3]));
            assertTrue(length.getMessage().contains("expected 4"), length.getMessage());
            assertThrows(InvalidProgramException.class, () -> s.setBias("x", new float[] {0, Float.NaN, 0, 0}));
            assertThrows(InvalidProgramException.class, () -> s.setClamp("x", new float[4]),
                    "x is not clamped");
            assertThrows(InvalidProgramException.class,
                    () -> s.run(RunSpec.builder().stepSize("nope", 0.1).build()));
        }
        Substrate closed = open();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.program(KitPrograms.gaussianCoupled()));
    }

    // ------------------------------------------------------------------------------------- clamps and biases

    @Test
    @DisplayName("clamped units hold their values, and a new clamp moves the equilibrium as predicted")
    void clampsHold() {
        assumeTrue(supports(FactorKind.CLAMP, FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING,
                FactorKind.RESIDUAL_IDENTITY) && supports(OperatorKind.DENSE));
        Program p = KitPrograms.gaussianResidual();
        try (Substrate s = open()) {
            s.program(p);
            RunSpec spec = RunSpec.builder().steps(400, 400).stepSize(0.05).temperature(0.0).build();
            RunResult r = s.run(spec);
            assertClose(p.clampOf("c").values(), r.finalState("c", 0), fmt(1), "clamp c (program values): the"
                    + " clamped module moved; expected it held at its clamp values. Likely cause: noise or drift applied"
                    + " to clamped units");
            float[] moved = {-0.75f, 0.6f};
            s.setClamp("c", moved);
            RunResult r2 = s.run(spec);
            assertClose(moved, r2.finalState("c", 0), fmt(1), "clamp c after setClamp: expected the new values."
                    + " Likely cause: the run reads the program's clamp instead of clamp(module)");
            double[] exact = GaussianReference.of(p, Map.of(), Map.of("c", moved)).mean();
            float[] mean = r2.mean(0);
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], mean[i], 1e-3 + fmt(Math.abs(exact[i])),
                        "unit " + i + " at T = 0 after setClamp: expected the exact mean with the new clamp. Likely"
                        + " cause: couplings to the clamped module use its old values");
            }
        }
    }

    @Test
    @DisplayName("bias fields update between runs without re-programming, and the mean follows")
    void biasesUpdateWithoutReprogramming() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS)
                && supports(OperatorKind.DENSE));
        Program p = KitPrograms.gaussianCoupled();
        RunSpec spec = RunSpec.builder().steps(600, 400).stepSize(0.05).temperature(0.0).build();
        try (Substrate s = open()) {
            s.program(p);
            double[] before = toDouble(s.run(spec).mean(0));
            float[] h = {-1.0f, 0.5f, 0.0f, 1.2f};
            s.setBias("x", h);
            assertTrue(s.program() == p, "setBias must not replace the program");
            double[] after = toDouble(s.run(spec).mean(0));
            double[] exactBefore = GaussianReference.of(p).mean();
            double[] exactAfter = GaussianReference.of(p, Map.of("x", h), Map.of()).mean();
            for (int i = 0; i < after.length; i++) {
                assertEquals(exactBefore[i], before[i], 1e-3 + fmt(Math.abs(exactBefore[i])), "unit " + i
                        + " at T = 0 before setBias: expected A^-1 b. Likely cause: a wrong drift");
                assertEquals(exactAfter[i], after[i], 1e-3 + fmt(Math.abs(exactAfter[i])), "unit " + i
                        + " at T = 0 after setBias: expected the exact mean with the new bias. Likely cause: the run"
                        + " reads the program's h instead of bias(field)");
            }
        }
    }

    // ------------------------------------------------------------------------------------------ determinism

    @Test
    @DisplayName("the same program and seed give the same result; another seed gives another")
    void deterministicBySeed() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS)
                && supports(OperatorKind.DENSE));
        assumeTrue(caps().noise().kind() != NoiseModel.Kind.PHYSICAL,
                "physical noise is not reproducible by seed; it is judged statistically by the other checks");
        Program p = KitPrograms.gaussianCoupled();
        RunSpec spec = RunSpec.builder().steps(50, 50).stepSize(0.05).temperature(1.0).seed(42)
                .chains(Math.min(3, caps().maxChains())).build();
        RunResult a;
        RunResult b;
        RunResult c;
        try (Substrate s = open()) {
            s.program(p);
            a = s.run(spec);
            b = s.run(spec);
            c = s.run(spec.toBuilder().seed(43).build());
        }
        RunResult fresh;
        try (Substrate s = open()) {
            s.program(p);
            fresh = s.run(spec);
        }
        for (int ch = 0; ch < a.chains(); ch++) {
            String cause = " (the backend declares " + caps().noise().kind() + " noise, which must be reproducible by"
                    + " seed: seed each chain's generator from ChainSeeds.of(seed, chain) at the start of every run, or"
                    + " declare NoiseModel.Kind.PHYSICAL)";
            assertArrayEquals(a.finalState(ch), b.finalState(ch), "same session, same seed, chain " + ch
                    + ": the final states differ" + cause);
            assertArrayEquals(a.mean(ch), b.mean(ch), "same session, same seed, chain " + ch
                    + ": the means differ" + cause);
            assertArrayEquals(a.finalState(ch), fresh.finalState(ch), "new session, same seed, chain " + ch
                    + ": the final states differ" + cause);
        }
        assertFalse(java.util.Arrays.equals(a.finalState(0), c.finalState(0)), "a different seed must differ");
        if (a.chains() > 1) {
            assertFalse(java.util.Arrays.equals(a.finalState(0), a.finalState(1)), "chains must be independent");
        }
    }

    // ---------------------------------------------------------------------------------------------- physics

    @Test
    @DisplayName("a coupled Gaussian program reaches the exact mean and covariance")
    void gaussianMeanAndCovariance() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS)
                && supports(OperatorKind.DENSE));
        checkGaussian(KitPrograms.gaussianCoupled(), 1.0);
    }

    @Test
    @DisplayName("a Gaussian program with an identity Residual and a clamp reaches the exact mean and covariance")
    void gaussianResidualMeanAndCovariance() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.RESIDUAL_IDENTITY,
                FactorKind.CLAMP) && supports(OperatorKind.DENSE));
        checkGaussian(KitPrograms.gaussianResidual(), 0.5);
    }

    /** {@link #checkGaussian(Program, double, double, Map, String)} at one step size, dt lambda_max = 0.4. */
    private void checkGaussian(Program p, double temperature) {
        double[] eig = GaussianReference.of(p).precisionEigenvalues();
        checkGaussian(p, temperature, 0.4 / eig[eig.length - 1], Map.of(), "");
    }

    /**
     * Two runs. The mean: 1000 chains start at zero, burn in until e^-30 of the offset is left, and average 2000
     * steps; every unit's pooled mean must match A^{-1} b within Z standard errors of a time average (tau from
     * the slowest mode). The covariance: 20000 chains start at the exact mean and burn in until e^-15 of the
     * initial deficit is left (variances relax at rate 2 lambda); their final states are independent draws, and
     * every entry of their sample covariance must match the exact stationary covariance of the declared integrator
     * at these step sizes ({@link StepReference}: Euler-Maruyama's discretised covariance, or T A^{-1} for an exact
     * or continuous-time sampler) within Z standard errors of a sample covariance.
     */
    private void checkGaussian(Program p, double temperature, double dt, Map<String, Double> moduleDt, String what) {
        Integrator integrator = caps().integrator();
        StepReference ref = new StepReference(p, integrator, dt, moduleDt, temperature);
        double rate = ref.slowestRate();
        double[] exact = ref.mean();
        int n = p.units();

        long burnIn = (long) Math.ceil(30 / rate);
        long window = 2000;
        int meanChains = 1000;
        RunSpec.Builder base = RunSpec.builder().stepSize(dt).temperature(temperature);
        moduleDt.forEach(base::stepSize);
        RunSpec meanSpec = base.steps(burnIn, window).seed(1234).build();
        int covChains = 20000;
        float[] start = new float[n];
        for (int i = 0; i < n; i++) {
            start[i] = (float) exact[i];
        }
        RunSpec covSpec = base.steps((long) Math.ceil(15 / rate), 1).seed(5678).initialState(start).build();
        List<RunResult> meanRuns;
        List<RunResult> covRuns;
        try (Substrate s = open()) {
            s.program(p);
            meanRuns = runChains(s, meanSpec, meanChains);
            covRuns = runChains(s, covSpec, covChains);
        }
        double[][] cov = ref.covariance();
        double tau = ref.autocorrelationTime();
        String declared = " (declared integrator: " + integrator.description() + (moduleDt.isEmpty() ? ", dt = " + dt
                : ", dt = " + dt + ", module step sizes " + moduleDt) + ", T = " + temperature + ")";

        double[] pooled = new double[n];
        for (RunResult r : meanRuns) {
            for (int c = 0; c < r.chains(); c++) {
                float[] m = r.mean(c);
                for (int i = 0; i < n; i++) {
                    pooled[i] += m[i] / meanChains;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double tol = Tolerances.meanTolerance(cov[i][i], tau, window, meanChains) + fmt(Math.abs(exact[i]));
            assertEquals(exact[i], pooled[i], tol, what + "the mean of unit " + i + " is " + pooled[i]
                    + "; expected A^-1 b = " + exact[i] + " within " + tol + declared + ". Likely cause: a wrong drift"
                    + " (a factor's gradient, its sign, or a bias/clamp not applied), or too few steps to relax");
        }
        double[][] sample = new double[n][n];
        for (RunResult r : covRuns) {
            for (int c = 0; c < r.chains(); c++) {
                float[] d = r.finalState(c);
                for (int i = 0; i < n; i++) {
                    for (int j = i; j < n; j++) {
                        sample[i][j] += (d[i] - exact[i]) * (d[j] - exact[j]) / covChains;
                    }
                }
            }
        }
        String expected = integrator == Integrator.EULER_MARUYAMA
                ? "Euler-Maruyama's stationary covariance at these step sizes"
                : "T A^-1 (an exact or continuous-time sampler has no step-size bias)";
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double tol = Tolerances.covarianceTolerance(cov[i][i], cov[j][j], cov[i][j], covChains)
                        + fmt(Math.sqrt(cov[i][i] * cov[j][j]));
                double ratio = cov[i][j] == 0 ? Double.NaN : sample[i][j] / cov[i][j];
                assertEquals(cov[i][j], sample[i][j], tol, what + "the covariance (" + i + ", " + j + ") is "
                        + sample[i][j] + "; expected " + expected + " " + cov[i][j] + " within " + tol + declared
                        + "; ratio " + ratio + ". Likely cause: noise amplitude other than sqrt(2 T dt) per step"
                        + (moduleDt.isEmpty() ? "" : " with each module's own dt (drift and noise)")
                        + ", noise shared between units or chains, or a declared integrator the backend does not follow");
            }
        }
    }

    // ------------------------------------------------------------------------------- per-module step sizes

    @Test
    @DisplayName("per-module step sizes: at T = 0 each module follows the trajectory of its own dt")
    void perModuleStepSizesDriveTheDrift() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS)
                && supports(OperatorKind.DENSE));
        Program p = KitPrograms.twoSpeed();
        Map<String, Double> moduleDt = Map.of("soft", 0.8);
        double dt = 0.05;
        long steps = 6;
        float[] x0 = {1.0f, -1.0f, 2.0f, -1.5f, 1.0f};
        RunSpec spec = RunSpec.builder().steps(steps - 1, 1).stepSize(dt).stepSize("soft", 0.8).temperature(0)
                .initialState(x0).build();
        float[] got;
        try (Substrate s = open()) {
            s.program(p);
            got = s.run(spec).finalState(0);
        }
        Integrator integrator = caps().integrator();
        double[] want = new StepReference(p, integrator, dt, moduleDt, 0).afterSteps(x0, steps);
        double[] ignoring = new StepReference(p, integrator, dt, Map.of(), 0).afterSteps(x0, steps);
        for (int i = 0; i < want.length; i++) {
            double tol = 1e-4 + fmt(Math.abs(want[i]) + 2);
            assertEquals(want[i], got[i], tol, "after " + steps + " noiseless steps from " + java.util.Arrays.toString(x0)
                    + " with dt = " + dt + " and module 'soft' at dt = 0.8, unit " + i + " is at " + got[i]
                    + "; expected " + want[i] + " within " + tol + " (" + integrator.description() + "). With the run's"
                    + " dt everywhere it would be at " + ignoring[i] + ". Likely cause: the drift ignores"
                    + " RunSpec.stepSize(module) (use spec.stepSize(module.name()) for every unit of the module)");
        }
    }

    @Test
    @DisplayName("per-module step sizes: the noise uses each module's dt too (stationary covariance)")
    void perModuleStepSizesScaleTheNoise() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS)
                && supports(OperatorKind.DENSE));
        checkGaussian(KitPrograms.twoSpeed(), 1.0, 0.05, Map.of("soft", 0.8), "with per-module step sizes, ");
    }

    // ---------------------------------------------------------------------------------------------- walls

    /**
     * Free diffusion between two walls: a box [-1, 1] with no drift, T = 1, dt = 0.08, so a step's noise
     * (sqrt(2 T dt) = 0.4) often crosses a wall. Mirror reflection is then exact at any dt (the one-step kernel is
     * symmetric, so the uniform density is stationary: mean 0, variance 1/3); clipping piles probability onto the
     * walls (variance about 0.47 here). The sample variance of N independent final states has standard error
     * sqrt((L^4/80 - L^4/144) / N) = sqrt(L^4 / 180 / N).
     */
    @Test
    @DisplayName("walls reflect: free diffusion in a box at a large step is uniform (clipping is not)")
    void wallsReflect() {
        assumeTrue(supports(FactorKind.ON_SITE_BOX));
        int units = 250;
        Program p = Program.builder().module("w", units).onSite("w", Potential.box(-1.0, 1.0)).build();
        int chains = Math.min(8, caps().maxChains());
        double dt = 0.08;
        RunSpec spec = RunSpec.builder().steps(150, 1).stepSize(dt).temperature(1.0).seed(31).chains(chains).build();
        RunResult r;
        try (Substrate s = open()) {
            s.program(p);
            r = s.run(spec);
        }
        double sum = 0;
        double sumSq = 0;
        long nearWall = 0;
        long n = (long) units * chains;
        for (int c = 0; c < chains; c++) {
            for (float v : r.finalState(c)) {
                assertTrue(v >= -1 - fmt(1) && v <= 1 + fmt(1), "a state left the box [-1, 1]: " + v
                        + ". Likely cause: walls not enforced after the step");
                sum += v;
                sumSq += (double) v * v;
                if (Math.abs(v) > 0.95) {
                    nearWall++;
                }
            }
        }
        double mean = sum / n;
        double variance = sumSq / n;
        double length = 2;
        double meanTol = Tolerances.Z * Math.sqrt(1.0 / 3 / n) + fmt(1);
        double varTol = Tolerances.Z * Math.sqrt(Math.pow(length, 4) / 180 / n) + fmt(1);
        String setting = " (" + n + " independent draws of free diffusion in [-1, 1] at T = 1, dt = " + dt + ")";
        assertEquals(0, mean, meanTol, "the mean is " + mean + "; expected 0 within " + meanTol + setting
                + ". Likely cause: asymmetric wall handling or drift where there is none");
        assertEquals(1.0 / 3, variance, varTol, "the second moment is " + variance + " and " + nearWall + " of " + n
                + " states lie within 0.05 of a wall; expected the uniform density's 1/3 within " + varTol
                + " (clipping gives about 0.47)" + setting + ". Likely cause: walls enforced by clipping (x < lo -> lo)"
                + " instead of the documented reflection (x < lo -> 2 lo - x, then clip if the overshoot exceeded the"
                + " interval)");
    }

    // --------------------------------------------------------------------------------------- nonlinear

    /**
     * A relu pair at T = 0.5 (see {@link KitPrograms#reluPair}): s ~ N(mu, T / k) and t | s ~ N(relu(s), T / w), so
     * E[s] = mu, E[t] = mu Phi(mu / sigma) + sigma phi(mu / sigma) with sigma = sqrt(T / k) (0.566 here, against the
     * zero-temperature forward pass relu(mu) = 0.3), and Var t = T / w + E[relu(s)^2] - E[t]^2. Pooled time averages
     * over units and chains have standard error sqrt(Var tau / (n units chains)) with tau from the joint precision's
     * slowest mode (lambda = (3 - sqrt 5) / 2 for k = w = 1). Euler-Maruyama biases variances by about
     * dt lambda_max / 2, allowed as discretisationBias (|E| + sd) for an EM backend (projected, not proven, for
     * the relu kink); exact samplers get no allowance.
     */
    @Test
    @DisplayName("a relu Residual at T = 0.5 samples the exact rectified-Gaussian marginals")
    void reluSamplesTheRectifiedGaussian() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.RESIDUAL_RELU) && supports(OperatorKind.DENSE));
        int units = 32;
        double k = 1;
        double mu = 0.3;
        double w = 1;
        double t = 0.5;
        Program p = KitPrograms.reluPair(units, k, mu, w);
        double sigma = Math.sqrt(t / k);
        NormalDistribution normal = new NormalDistribution();
        double a = mu / sigma;
        double meanT = mu * normal.cumulativeProbability(a) + sigma * normal.density(a);
        double secondT = (mu * mu + sigma * sigma) * normal.cumulativeProbability(a) + mu * sigma * normal.density(a);
        double varT = t / w + secondT - meanT * meanT;
        double varS = t / k;

        double dt = 0.02;
        double lambdaMin = (k + 2 * w - Math.sqrt(k * k + 4 * w * w)) / 2;
        double lambdaMax = (k + 2 * w + Math.sqrt(k * k + 4 * w * w)) / 2;
        long burnIn = (long) Math.ceil(20 / (dt * lambdaMin));
        long window = 8_000;
        int chains = Math.min(8, caps().maxChains());
        RunSpec spec = RunSpec.builder().steps(burnIn, window).stepSize(dt).temperature(t).seed(77).chains(chains)
                .build();
        RunResult r;
        try (Substrate s = open()) {
            s.program(p);
            r = s.run(spec);
        }
        double pooledS = 0;
        double pooledT = 0;
        for (int c = 0; c < chains; c++) {
            for (float v : r.mean("s", c)) {
                pooledS += v;
            }
            for (float v : r.mean("t", c)) {
                pooledT += v;
            }
        }
        long n = (long) units * chains;
        pooledS /= n;
        pooledT /= n;
        double tau = Tolerances.autocorrelationTime(caps().integrator(), dt * lambdaMin);
        boolean em = caps().integrator() == Integrator.EULER_MARUYAMA;
        double bias = em ? Tolerances.discretisationBias(dt, lambdaMax) : 0;
        double tolS = Tolerances.meanTolerance(varS, tau, window, n) + bias * (mu + Math.sqrt(varS)) + fmt(1);
        double tolT = Tolerances.meanTolerance(varT, tau, window, n) + bias * (meanT + Math.sqrt(varT)) + fmt(1);
        String setting = " (k = w = 1, mu = 0.3, T = 0.5, dt = " + dt + ", " + n + " unit-chains)";
        assertEquals(mu, pooledS, tolS, "the relu's input s has mean " + pooledS + "; expected its own Gaussian's mu = "
                + mu + " within " + tolS + setting + ". Likely cause: the relu Residual's pull on its source is wrong"
                + " (the gradient with respect to s is -w (t - relu(s)) relu'(s) W^T, zero where s < 0)");
        assertEquals(meanT, pooledT, tolT, "the relu's output t has mean " + pooledT + "; expected the rectified"
                + " Gaussian's " + meanT + " within " + tolT + " (the zero-temperature forward pass would give " + mu
                + ")" + setting + ". Likely cause: the relu Residual's gradient on its target, or noise that does not"
                + " reach the source module");
    }

    // -------------------------------------------------------------------------------------------- schedules

    /**
     * A depth schedule ({@link Schedule#byDepth}) with window 1 on {@link KitPrograms#feedForward()}: u is released
     * first and held at its last state, then v. Each phase draws its module from its conditional given the held
     * upstream value, so the final states are ancestral samples: u ~ N(W1 c + h1, s_u I), v | u ~ N(W2 u + h2, s_v I),
     * with s = T / w (exact samplers) or T / (w (1 - dt w / 2)) (Euler-Maruyama at dt). Mean and covariance of
     * 8000 chains against these, within Z standard errors.
     */
    @Test
    @DisplayName("a depth schedule on a feed-forward Gaussian chain draws the ancestral mean and covariance")
    void schedulesSampleAncestrally() {
        assumeTrue(caps().supports(Feature.SCHEDULES), "the backend does not declare SCHEDULES");
        assumeTrue(supports(FactorKind.RESIDUAL_IDENTITY, FactorKind.CLAMP) && supports(OperatorKind.DENSE));
        Program p = KitPrograms.feedForward();
        double t = 1.0;
        double dt = 0.2;
        long stepsPerPhase = (long) Math.ceil(12 / (dt * 1.0)); // e^-12 of the start left in the slower phase
        Schedule schedule = Schedule.byDepth(p, stepsPerPhase, 1);
        assertEquals(2, schedule.phases().size(), "byDepth on the kit's chain gives two phases");
        int chains = 8000;
        RunSpec spec = RunSpec.builder().stepSize(dt).temperature(t).seed(4242).schedule(schedule).build();
        List<RunResult> runs;
        try (Substrate s = open()) {
            s.program(p);
            runs = runChains(s, spec, chains);
        }
        boolean em = caps().integrator() == Integrator.EULER_MARUYAMA;
        double su = em ? t / (1.0 * (1 - dt * 1.0 / 2)) : t / 1.0;
        double sv = em ? t / (2.0 * (1 - dt * 2.0 / 2)) : t / 2.0;
        Factor.Residual ru = KitPrograms.residualOf(p, "u");
        Factor.Residual rv = KitPrograms.residualOf(p, "v");
        double[] c = KitPrograms.toDouble(p.clampOf("c").values());
        double[] mu = KitPrograms.toDouble(ru.h());
        ru.sources().get(0).w().apply(c, 0, mu, 0);
        double[] mv = KitPrograms.toDouble(rv.h());
        rv.sources().get(0).w().apply(mu, 0, mv, 0);
        Operator w2 = rv.sources().get(0).w();
        int nu = 3;
        int nv = 2;
        double[][] w2d = new double[nv][nu];
        for (int j = 0; j < nu; j++) {
            double[] e = new double[nu];
            e[j] = 1;
            double[] col = new double[nv];
            w2.apply(e, 0, col, 0);
            for (int i = 0; i < nv; i++) {
                w2d[i][j] = col[i];
            }
        }
        // joint covariance over (u, v): Cov u = su I, Cov(v, u) = su W2, Cov v = sv I + su W2 W2^T
        int n = nu + nv;
        double[][] cov = new double[n][n];
        for (int i = 0; i < nu; i++) {
            cov[i][i] = su;
        }
        for (int i = 0; i < nv; i++) {
            for (int j = 0; j < nu; j++) {
                cov[nu + i][j] = su * w2d[i][j];
                cov[j][nu + i] = su * w2d[i][j];
            }
            for (int j = 0; j < nv; j++) {
                double s = 0;
                for (int q = 0; q < nu; q++) {
                    s += w2d[i][q] * w2d[j][q];
                }
                cov[nu + i][nu + j] = su * s + (i == j ? sv : 0);
            }
        }
        double[] exact = new double[n];
        System.arraycopy(mu, 0, exact, 0, nu);
        System.arraycopy(mv, 0, exact, nu, nv);
        double[] sum = new double[n];
        double[][] second = new double[n][n];
        for (RunResult r : runs) {
            for (int ch = 0; ch < r.chains(); ch++) {
                float[] u = r.finalState("u", ch);
                float[] v = r.finalState("v", ch);
                double[] x = new double[n];
                for (int i = 0; i < nu; i++) {
                    x[i] = u[i];
                }
                for (int i = 0; i < nv; i++) {
                    x[nu + i] = v[i];
                }
                for (int i = 0; i < n; i++) {
                    sum[i] += x[i];
                    for (int j = 0; j < n; j++) {
                        second[i][j] += (x[i] - exact[i]) * (x[j] - exact[j]);
                    }
                }
            }
        }
        String setting = " (depth schedule, window 1, " + chains + " chains, T = " + t + ", dt = " + dt + ", "
                + caps().integrator().description() + ")";
        for (int i = 0; i < n; i++) {
            double m = sum[i] / chains;
            double tol = Tolerances.Z * Math.sqrt(cov[i][i] / chains) + fmt(Math.abs(exact[i]));
            assertEquals(exact[i], m, tol, "scheduled unit " + i + " (u then v) has mean " + m + "; expected the"
                    + " ancestral mean " + exact[i] + " within " + tol + setting + ". Likely cause: upstream modules"
                    + " not held during a later phase, or a phase that does not equilibrate");
            for (int j = i; j < n; j++) {
                double sample = second[i][j] / chains;
                double ctol = Tolerances.covarianceTolerance(cov[i][i], cov[j][j], cov[i][j], chains)
                        + fmt(Math.sqrt(cov[i][i] * cov[j][j]));
                assertEquals(cov[i][j], sample, ctol, "scheduled covariance (" + i + ", " + j + ") is " + sample
                        + "; expected the ancestral " + cov[i][j] + " within " + ctol + setting + ". Likely cause: a"
                        + " held module set to a window mean instead of its last state at window 1, or noise reaching"
                        + " held modules");
            }
        }
    }

    @Test
    @DisplayName("rectified units reach the truncated-Gaussian mean")
    void rectifiedUnitsReachTruncatedMean() {
        assumeTrue(supports(FactorKind.ON_SITE_RECTIFIED));
        double k = 1.0;
        double mu = 0.3;
        Program p = Program.builder().module("r", 200).onSite("r", Potential.rectified(k, mu)).build();
        checkTruncated(p, k, mu, 0.0, Double.POSITIVE_INFINITY);
    }

    @Test
    @DisplayName("box units with a quadratic reach the doubly truncated Gaussian mean")
    void boxUnitsReachTruncatedMean() {
        assumeTrue(supports(FactorKind.ON_SITE_BOX, FactorKind.ON_SITE_QUADRATIC));
        double k = 1.0;
        double mu = 0.5;
        Program p = Program.builder().module("b", 200)
                .onSite("b", Potential.quadratic(k, mu)).onSite("b", Potential.box(-0.5, 1.0)).build();
        checkTruncated(p, k, mu, -0.5, 1.0);
    }

    /**
     * Independent units of stiffness k about mu at T = 1 between walls lo, hi: the exact mean is
     * mu + sigma (phi(a) - phi(b)) / (Phi(b) - Phi(a)) with sigma = sqrt(T / k), a = (lo - mu) / sigma,
     * b = (hi - mu) / sigma. The pooled time average over units and chains has standard error
     * sqrt(Var tau / (n units chains)), with Var the truncated variance and tau bounded by the free OU value
     * (walls only shorten correlations). Reflection at the walls leaves an O(dt) bias, allowed as dt sigma.
     */
    private void checkTruncated(Program p, double k, double mu, double lo, double hi) {
        double t = 1.0;
        double sigma = Math.sqrt(t / k);
        NormalDistribution normal = new NormalDistribution();
        double a = (lo - mu) / sigma;
        double b = (hi - mu) / sigma;
        double pa = Double.isInfinite(a) ? 0 : normal.density(a);
        double pb = Double.isInfinite(b) ? 0 : normal.density(b);
        double z = normal.cumulativeProbability(b) - normal.cumulativeProbability(a);
        double exactMean = mu + sigma * (pa - pb) / z;
        double aPa = Double.isInfinite(a) ? 0 : a * pa;
        double bPb = Double.isInfinite(b) ? 0 : b * pb;
        double variance = t / k * (1 + (aPa - bPb) / z - Math.pow((pa - pb) / z, 2));

        double dt = 0.005;
        long burnIn = (long) Math.ceil(20 / (dt * k));
        long window = 4000;
        int chains = Math.min(8, caps().maxChains());
        int units = p.units();
        RunSpec spec = RunSpec.builder().steps(burnIn, window).stepSize(dt).temperature(t).seed(99).chains(chains)
                .build();
        RunResult r;
        try (Substrate s = open()) {
            s.program(p);
            r = s.run(spec);
        }
        double pooled = 0;
        for (int c = 0; c < chains; c++) {
            for (float v : r.mean(c)) {
                pooled += v;
            }
        }
        pooled /= (double) chains * units;
        double tau = Tolerances.autocorrelationTime(caps().integrator(), dt * k);
        double tol = Tolerances.meanTolerance(variance, tau, window, (long) chains * units) + dt * sigma
                + fmt(Math.abs(exactMean));
        assertEquals(exactMean, pooled, tol, "the pooled mean of the walled units is " + pooled + "; expected the"
                + " truncated Gaussian's " + exactMean + " within " + tol + " (dt = " + dt + ", T = 1). Likely cause:"
                + " walls not enforced, enforced on the wrong side, or a wrong on-site gradient");
        for (int c = 0; c < chains; c++) {
            for (float v : r.finalState(c)) {
                assertTrue(v >= lo - fmt(1) && v <= hi + fmt(1), "a state left its walls: " + v);
            }
        }
    }

    @Test
    @DisplayName("a layered relu Residual network relaxes to its forward pass at low temperature")
    void reluNetworkRelaxesToForwardPass() {
        assumeTrue(supports(FactorKind.RESIDUAL_RELU, FactorKind.RESIDUAL_IDENTITY, FactorKind.CLAMP)
                && supports(OperatorKind.DENSE));
        Program p = KitPrograms.reluNetwork();
        double[][] forward = KitPrograms.reluNetworkForward(p);
        // At T = 1e-8 the thermal spread is about sqrt(T / lambda_min) ~ 1e-3 for this network's slowest mode
        // (lambda_min ~ 0.03); averaged over 10,000 steps (tau ~ 300) it is ~ 2e-4, well inside 1e-3.
        RunSpec spec = RunSpec.builder().steps(10_000, 10_000).stepSize(0.2).temperature(1e-8).build();
        RunResult r;
        try (Substrate s = open()) {
            s.program(p);
            r = s.run(spec);
        }
        String[] layers = {"h1", "h2", "out"};
        for (int l = 0; l < layers.length; l++) {
            float[] got = r.mean(layers[l], 0);
            for (int i = 0; i < got.length; i++) {
                double tol = 1e-3 + fmt(Math.abs(forward[l][i]));
                assertEquals(forward[l][i], got[i], tol, layers[l] + "[" + i + "] is " + got[i] + "; expected the"
                        + " forward pass " + forward[l][i] + " within " + tol + " at T = 1e-8. Likely cause: a wrong"
                        + " Residual gradient (relu derivative, transpose pull on the source) or too few steps");
            }
        }
    }

    // -------------------------------------------------------------------------------------------- blow-up

    @Test
    @DisplayName("a step size beyond the stability limit is reported as divergence, naming the fix")
    void stepTooLargeIsReported() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC));
        assumeTrue(caps().integrator() == Integrator.EULER_MARUYAMA,
                "only Euler-Maruyama blows up from a step size; exact samplers are checked by largeStepsStayExact");
        Program p = Program.builder().module("m", 3).onSite("m", Potential.quadratic(1.0, 0.0)).build();
        RunSpec spec = RunSpec.builder().steps(2000, 10).stepSize(2.5).temperature(0.0)
                .initialState(new float[] {1, 1, 1}).divergenceBound(100).build();
        try (Substrate s = open()) {
            s.program(p);
            DivergenceException e = assertThrows(DivergenceException.class, () -> s.run(spec),
                    "Euler-Maruyama at dt = 2.5 on k = 1 multiplies x by -1.5 per step, so it must blow up and be"
                    + " reported as DivergenceException; the backend returned. Likely cause: no divergence check against"
                    + " RunSpec.divergenceBound, or an integrator other than the declared EULER_MARUYAMA");
            assertEquals("m", e.module());
            assertTrue(e.getMessage().contains("step size"), e.getMessage());
        }
    }

    @Test
    @DisplayName("an exact or continuous-time sampler stays stable at a step far beyond Euler-Maruyama's limit")
    void largeStepsStayExact() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC));
        assumeTrue(caps().integrator() != Integrator.EULER_MARUYAMA, "Euler-Maruyama must blow up instead");
        Program p = Program.builder().module("m", 3).onSite("m", Potential.quadratic(1.0, 0.5)).build();
        RunSpec spec = RunSpec.builder().steps(50, 10).stepSize(2.5).temperature(0.0)
                .initialState(new float[] {1, -1, 3}).divergenceBound(100).build();
        try (Substrate s = open()) {
            s.program(p);
            RunResult r = s.run(spec);
            for (float v : r.finalState(0)) {
                assertEquals(0.5, v, 1e-4 + fmt(1), "at dt = 2.5 (dt k = 2.5) and T = 0 the state is " + v
                        + "; expected the minimum 0.5 (the backend declares " + caps().integrator().description()
                        + ", which is exact at any step). Likely cause: an Euler-Maruyama step under an exact"
                        + " declaration");
            }
        }
    }

    @Test
    @DisplayName("a quadratic part that is not positive definite is reported as divergence")
    void notPositiveDefiniteIsReported() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING) && supports(OperatorKind.DENSE));
        // A = k I + W with k = 1 and W = -2 I: the energy is unbounded below.
        float[] w = {-2, 0, 0, -2};
        Program p = Program.builder().module("m", 2).onSite("m", Potential.quadratic(1.0, 0.0))
                .coupling("m", "m", new DenseOperator(2, 2, w)).build();
        RunSpec spec = RunSpec.builder().steps(5000, 10).stepSize(0.1).temperature(1.0)
                .divergenceBound(100).build();
        try (Substrate s = open()) {
            s.program(p);
            DivergenceException e = assertThrows(DivergenceException.class, () -> s.run(spec));
            assertTrue(e.getMessage().contains("positive definite"), e.getMessage());
        }
    }

    @Test
    @DisplayName("convergence mode stops when the block means settle")
    void convergenceModeStops() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS)
                && supports(OperatorKind.DENSE));
        Program p = KitPrograms.gaussianCoupled();
        RunSpec spec = RunSpec.builder().untilConverged(0, 100, 1e-5, 100_000).stepSize(0.05).temperature(0.0)
                .build();
        try (Substrate s = open()) {
            s.program(p);
            RunResult r = s.run(spec);
            assertTrue(r.converged(), "the run did not report convergence; expected it at T = 0. Likely cause:"
                    + " RunResult built without WindowedAverager.converged()");
            assertTrue(r.steps() < 100_000, "took " + r.steps() + " steps; expected fewer than 100,000 at tolerance"
                    + " 1e-5. Likely cause: block means not compared, or convergence mode ignored");
            double[] exact = GaussianReference.of(p).mean();
            float[] m = r.mean(0);
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], m[i], 1e-3 + fmt(Math.abs(exact[i])), "unit " + i + " at convergence is "
                        + m[i] + "; expected A^-1 b = " + exact[i] + ". Likely cause: the read-out is not the last"
                        + " block's mean");
            }
        }
    }

    // ------------------------------------------------------- batched relaxation (Feature.PER_CHAIN_INPUTS)

    @Test
    @DisplayName("per-chain clamps and biases: refused by name without PER_CHAIN_INPUTS; with it, shapes are checked")
    void perChainInputsDeclaredHonestly() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.RESIDUAL_IDENTITY,
                FactorKind.CLAMP) && supports(OperatorKind.DENSE));
        try (Substrate s = open()) {
            s.program(KitPrograms.gaussianResidual());
            float[][] clamps = {{0.5f, 0.5f}, {-0.5f, 0.25f}};
            if (!caps().supports(Feature.PER_CHAIN_INPUTS)) {
                assertFalse(s.supports(Feature.PER_CHAIN_INPUTS), "the session must agree with the provider");
                UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class,
                        () -> s.setClamp("c", clamps), "per-chain clamps need PER_CHAIN_INPUTS");
                assertTrue(e.getMessage().contains("PER_CHAIN_INPUTS"), e.getMessage());
                assertThrows(UnsupportedProgramException.class, () -> s.setBias("v", new float[2][4]));
                return;
            }
            assertTrue(s.supports(Feature.PER_CHAIN_INPUTS), "the session must agree with the provider");
            var shape = assertThrows(InvalidProgramException.class, () -> s.setBias("v", new float[][] {
                    new float[4], new float[3]}));
            assertTrue(shape.getMessage().contains("'v'") && shape.getMessage().contains("chain 1")
                    && shape.getMessage().contains("expected 4"), shape.getMessage());
            s.setClamp("c", clamps);
            RunSpec three = RunSpec.builder().steps(1, 1).chains(3).build();
            var count = assertThrows(InvalidProgramException.class, () -> s.run(three));
            assertTrue(count.getMessage().contains("'c'") && count.getMessage().contains("2 chains")
                    && count.getMessage().contains("3 chains"), count.getMessage());
            s.setClamp("c", new float[] {1.0f, -0.5f});
            s.run(three); // a single vector applies to every chain again
        }
    }

    @Test
    @DisplayName("batched relaxation: at T = 0 each chain of a batch reaches the one-input run of its own inputs")
    void perChainInputsMatchOneInputRuns() {
        assumeTrue(caps().supports(Feature.PER_CHAIN_INPUTS), "the backend does not declare PER_CHAIN_INPUTS");
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.RESIDUAL_IDENTITY,
                FactorKind.CLAMP) && supports(OperatorKind.DENSE));
        Program p = KitPrograms.gaussianResidual();
        int inputs = Math.min(4, caps().maxChains());
        float[][] clamps = batchInputs(inputs, 2, 1.0, 21);
        float[][] biases = batchInputs(inputs, 4, 1.0, 22);
        RunSpec spec = RunSpec.builder().steps(300, 100).stepSize(0.05).temperature(0.0).build();
        try (Substrate s = open()) {
            s.program(p);
            s.setClamp("c", clamps);
            s.setBias("v", biases);
            RunResult batch = s.run(spec.toBuilder().chains(inputs).build());
            for (int c = 0; c < inputs; c++) {
                s.setClamp("c", clamps[c]);
                s.setBias("v", biases[c]);
                RunResult one = s.run(spec);
                assertClose(one.mean(0), batch.mean(c), fmt(3), "chain " + c + " of the batch against its own run");
                double[] exact = GaussianReference.of(p, Map.of("v", biases[c]), Map.of("c", clamps[c])).mean();
                float[] mean = batch.mean(c);
                for (int i = 0; i < exact.length; i++) {
                    assertEquals(exact[i], mean[i], 1e-3 + fmt(Math.abs(exact[i])), "chain " + c + " unit " + i);
                }
            }
        }
    }

    /**
     * Inputs distinct clamp and bias pairs, each on R = 100 chains of one batched run at T = 0.5 (burn-in to e^-30
     * of the start, 2000 averaged steps): every chain group's pooled mean must match its own exact mean A^{-1} b_k
     * within Z standard errors of a time average over R chains (the tolerance of the one-input Gaussian check).
     */
    @Test
    @DisplayName("batched relaxation: at T > 0 each group of chains reaches the exact mean of its own clamp and bias")
    void perChainInputsReachTheirOwnMeans() {
        assumeTrue(caps().supports(Feature.PER_CHAIN_INPUTS), "the backend does not declare PER_CHAIN_INPUTS");
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.RESIDUAL_IDENTITY,
                FactorKind.CLAMP) && supports(OperatorKind.DENSE));
        Program p = KitPrograms.gaussianResidual();
        int inputs = 4;
        int perInput = Math.min(100, caps().maxChains() / inputs);
        assumeTrue(perInput >= 8, "needs at least 32 chains per run");
        int chains = inputs * perInput;
        float[][] clampOf = batchInputs(inputs, 2, 1.5, 31);
        float[][] biasOf = batchInputs(inputs, 4, 1.5, 32);
        float[][] clamps = new float[chains][];
        float[][] biases = new float[chains][];
        for (int c = 0; c < chains; c++) {
            clamps[c] = clampOf[c % inputs];
            biases[c] = biasOf[c % inputs];
        }
        double temperature = 0.5;
        GaussianReference ref = GaussianReference.of(p);
        double[] eig = ref.precisionEigenvalues();
        double dt = 0.4 / eig[eig.length - 1];
        long window = 2000;
        RunSpec spec = RunSpec.builder().steps((long) Math.ceil(30 / (dt * eig[0])), window).stepSize(dt)
                .temperature(temperature).seed(4242).chains(chains).build();
        RunResult r;
        try (Substrate s = open()) {
            s.program(p);
            s.setClamp("c", clamps);
            s.setBias("v", biases);
            r = s.run(spec);
        }
        double[][] cov = ref.eulerMaruyamaCovariance(dt, temperature); // the inputs shift the mean, not the spread
        double tau = Tolerances.autocorrelationTime(dt, eig[0]);
        for (int k = 0; k < inputs; k++) {
            double[] exact = GaussianReference.of(p, Map.of("v", biasOf[k]), Map.of("c", clampOf[k])).mean();
            double[] pooled = new double[p.units()];
            for (int c = k; c < chains; c += inputs) {
                float[] m = r.mean(c);
                for (int i = 0; i < pooled.length; i++) {
                    pooled[i] += m[i] / perInput;
                }
            }
            for (int i = 0; i < pooled.length; i++) {
                double tol = Tolerances.meanTolerance(cov[i][i], tau, window, perInput) + fmt(Math.abs(exact[i]));
                assertEquals(exact[i], pooled[i], tol, "input " + k + ", unit " + i + " (tolerance " + tol + ")");
            }
        }
    }

    /** {@code rows} random vectors of {@code n} values uniform in [-scale, scale], from a fixed seed. */
    private static float[][] batchInputs(int rows, int n, double scale, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = KitPrograms.uniform(rng, n, scale);
        }
        return out;
    }

    // --------------------------------------------------------------------------------------------- helpers

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
        }
    }

    private static double[] toDouble(float[] v) {
        return KitPrograms.toDouble(v);
    }
}
