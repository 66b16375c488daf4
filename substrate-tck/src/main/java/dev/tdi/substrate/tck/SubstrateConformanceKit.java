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
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
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
            assertClose(p.clampOf("c").values(), r.finalState("c", 0), fmt(1), "clamp c (program values)");
            float[] moved = {-0.75f, 0.6f};
            s.setClamp("c", moved);
            RunResult r2 = s.run(spec);
            assertClose(moved, r2.finalState("c", 0), fmt(1), "clamp c after setClamp");
            double[] exact = GaussianReference.of(p, Map.of(), Map.of("c", moved)).mean();
            float[] mean = r2.mean(0);
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], mean[i], 1e-3 + fmt(Math.abs(exact[i])),
                        "unit " + i + " at T = 0 after setClamp");
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
                assertEquals(exactBefore[i], before[i], 1e-3 + fmt(Math.abs(exactBefore[i])), "unit " + i + " before");
                assertEquals(exactAfter[i], after[i], 1e-3 + fmt(Math.abs(exactAfter[i])), "unit " + i + " after");
            }
        }
    }

    // ------------------------------------------------------------------------------------------ determinism

    @Test
    @DisplayName("the same program and seed give the same result; another seed gives another")
    void deterministicBySeed() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC, FactorKind.COUPLING, FactorKind.BIAS)
                && supports(OperatorKind.DENSE));
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
            assertArrayEquals(a.finalState(ch), b.finalState(ch), "same session, same seed, chain " + ch);
            assertArrayEquals(a.mean(ch), b.mean(ch), "same session, same seed, chain " + ch);
            assertArrayEquals(a.finalState(ch), fresh.finalState(ch), "new session, same seed, chain " + ch);
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

    /**
     * Two runs. The mean: 1000 chains start at zero, burn in until e^-30 of the offset is left, and average 2000
     * steps; every unit's pooled mean must match A^{-1} b within Z standard errors of a time average (tau from
     * the slowest mode). The covariance: 20000 chains start at the exact mean and burn in until e^-30 of the
     * initial deficit is left (variances relax at rate 2 lambda); their final states are independent draws, and
     * every entry of their sample covariance must match the exact Euler-Maruyama stationary covariance
     * (GaussianReference#eulerMaruyamaCovariance, which is T A^{-1} corrected for the finite step) within Z
     * standard errors of a sample covariance.
     */
    private void checkGaussian(Program p, double temperature) {
        GaussianReference ref = GaussianReference.of(p);
        double[] eig = ref.precisionEigenvalues();
        double lambdaMin = eig[0];
        double lambdaMax = eig[eig.length - 1];
        double dt = 0.4 / lambdaMax;
        double[] exact = ref.mean();
        int n = p.units();

        long burnIn = (long) Math.ceil(30 / (dt * lambdaMin));
        long window = 2000;
        int meanChains = 1000;
        RunSpec meanSpec = RunSpec.builder().steps(burnIn, window).stepSize(dt).temperature(temperature).seed(1234)
                .build();
        int covChains = 20000;
        float[] start = new float[n];
        for (int i = 0; i < n; i++) {
            start[i] = (float) exact[i];
        }
        RunSpec covSpec = RunSpec.builder().steps((long) Math.ceil(15 / (dt * lambdaMin)), 1).stepSize(dt)
                .temperature(temperature).seed(5678).initialState(start).build();
        List<RunResult> meanRuns;
        List<RunResult> covRuns;
        try (Substrate s = open()) {
            s.program(p);
            meanRuns = runChains(s, meanSpec, meanChains);
            covRuns = runChains(s, covSpec, covChains);
        }
        double[][] cov = ref.eulerMaruyamaCovariance(dt, temperature);
        double tau = Tolerances.autocorrelationTime(dt, lambdaMin);

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
            assertEquals(exact[i], pooled[i], tol, "mean of unit " + i + " (tolerance " + tol + ")");
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
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double tol = Tolerances.covarianceTolerance(cov[i][i], cov[j][j], cov[i][j], covChains)
                        + fmt(Math.sqrt(cov[i][i] * cov[j][j]));
                assertEquals(cov[i][j], sample[i][j], tol, "covariance (" + i + ", " + j + ") (tolerance " + tol + ")");
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
        double tau = Tolerances.autocorrelationTime(dt, k);
        double tol = Tolerances.meanTolerance(variance, tau, window, (long) chains * units) + dt * sigma
                + fmt(Math.abs(exactMean));
        assertEquals(exactMean, pooled, tol, "pooled mean of the truncated units (tolerance " + tol + ")");
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
                assertEquals(forward[l][i], got[i], tol, layers[l] + "[" + i + "] against the forward pass");
            }
        }
    }

    // -------------------------------------------------------------------------------------------- blow-up

    @Test
    @DisplayName("a step size beyond the stability limit is reported as divergence, naming the fix")
    void stepTooLargeIsReported() {
        assumeTrue(supports(FactorKind.ON_SITE_QUADRATIC));
        Program p = Program.builder().module("m", 3).onSite("m", Potential.quadratic(1.0, 0.0)).build();
        RunSpec spec = RunSpec.builder().steps(2000, 10).stepSize(2.5).temperature(0.0)
                .initialState(new float[] {1, 1, 1}).divergenceBound(100).build();
        try (Substrate s = open()) {
            s.program(p);
            DivergenceException e = assertThrows(DivergenceException.class, () -> s.run(spec));
            assertEquals("m", e.module());
            assertTrue(e.getMessage().contains("step size"), e.getMessage());
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
            assertTrue(r.converged());
            assertTrue(r.steps() < 100_000, "took " + r.steps());
            double[] exact = GaussianReference.of(p).mean();
            float[] m = r.mean(0);
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], m[i], 1e-3 + fmt(Math.abs(exact[i])), "unit " + i);
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
