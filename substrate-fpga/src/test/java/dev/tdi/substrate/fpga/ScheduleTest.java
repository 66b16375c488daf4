package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.Feature;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.device.Registers;
import dev.tdi.substrate.fpga.transport.InProcessTransport;
import dev.tdi.substrate.fpga.transport.Transport;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Program;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Relaxation schedules on the device (docs/fpga-device.md, "Schedules") against the reference backend, the
 * executable specification of {@link Schedule}.
 * <p>
 * <b>T = 0 bound.</b> For a feed-forward program (each free module the target of one Residual) under a depth
 * schedule whose phases converge, module t's held value on the device is within
 * <pre>
 *   e_t = eps (1/dt + 1) / w_t + eps (2 + max_i sum_s sum_j |x_s,j|) + max_i sum_s sum_j |W_s,ij| e_s,   eps = 2^-17
 * </pre>
 * of the exact one (infinity norms): the phase stops where every step rounds to zero, |w r| &lt;= eps / dt + eps;
 * the pre-activation carries the rounding of a and of h (2 eps), of each stored weight (eps |x_s|) and the
 * upstream modules' errors through W; rho is 1-Lipschitz. The window mean of a converged state is exact.
 */
class ScheduleTest {
    static final double EPS = 0x1p-17;

    /** in (clamped) -> h1 (relu) -> h2 (identity, w 1.5) -> out (relu, reads h2, h1 and the clamped input). */
    static Program feedForward() {
        Random r = new Random(3);
        return Program.builder().module("in", 6).module("h1", 8).module("h2", 5).module("out", 4)
                .clamp("in", Programs.random(r, 6, 1.0))
                .residual("h1", Activation.RELU, Programs.random(r, 8, 0.3), 1.0,
                        new Factor.Source("in", new DenseOperator(8, 6, Programs.spread(r, 48, 0.5))))
                .residual("h2", Activation.IDENTITY, Programs.random(r, 5, 0.3), 1.5,
                        new Factor.Source("h1", new DenseOperator(5, 8, Programs.spread(r, 40, 0.5))))
                .residual("out", Activation.RELU, Programs.random(r, 4, 0.3), 1.0,
                        new Factor.Source("h2", new DenseOperator(4, 5, Programs.spread(r, 20, 0.5))),
                        new Factor.Source("h1", new DenseOperator(4, 8, Programs.spread(r, 32, 0.3))),
                        new Factor.Source("in", new DenseOperator(4, 6, Programs.spread(r, 24, 0.3))))
                .build();
    }

    /** Step sizes 0.5 / w: each phase contracts its residual by half per step. */
    static RunSpec.Builder halfSteps(Program p) {
        RunSpec.Builder b = RunSpec.builder();
        for (Factor f : p.factors()) {
            if (f instanceof Factor.Residual r) {
                b.stepSize(r.target(), 0.5 / r.weight());
            }
        }
        return b;
    }

    static RunResult run(String backend, Program p, RunSpec spec) {
        try (Substrate s = backend.equals("fpga") ? new FpgaProvider().open(SubstrateConfig.defaults())
                : SubstrateRegistry.open(backend, SubstrateConfig.defaults())) {
            s.program(p);
            return s.run(spec);
        }
    }

    @Test
    void theBackendDeclaresSchedulesAndItsRanges() {
        try (FpgaSubstrate s = (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.defaults())) {
            assertTrue(s.capabilities().supports(Feature.SCHEDULES));
            assertEquals(DeviceRanges.COUPLING, s.capabilities().couplingRange());
            assertEquals(DeviceRanges.STIFFNESS, s.capabilities().stiffnessRange());
        }
        assertEquals((1 << 23) - 1, DeviceRanges.COUPLING.maxRatio());
        assertEquals(127.99998474121094 * 32767.999984741211 * 0x1p30, DeviceRanges.COUPLING.maxMagnitude(), 1);
        assertEquals(Integer.MAX_VALUE, DeviceRanges.STIFFNESS.maxRatio());
        assertEquals(32767.999984741211 * 0x1p30, DeviceRanges.STIFFNESS.maxMagnitude(), 1e-3);
    }

    @Test
    void aScheduledRunAtZeroTemperatureMatchesTheReferenceWithinTheStatedBound() {
        Program p = feedForward();
        Schedule schedule = Schedule.byDepth(p, 80, 10);
        assertEquals(3, schedule.phases().size(), "h1, h2, out: three levels");
        RunSpec spec = halfSteps(p).temperature(0).schedule(schedule).chains(2).build();
        RunResult fpga = run("fpga", p, spec);
        RunResult ref = run("reference", p, spec);
        assertEquals(240, fpga.steps());
        assertTrue(fpga.converged());
        Map<String, Double> bound = bounds(p, ref);
        for (String m : List.of("h1", "h2", "out")) {
            float[] a = fpga.mean(m, 1);
            float[] b = ref.mean(m, 1);
            assertArrayEquals(fpga.finalState(m, 1), a, "the read-out is the held value");
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            System.out.printf("scheduled T=0, module %s: max |fpga - reference| = %.3g, stated bound %.3g%n", m,
                    worst, bound.get(m));
            assertTrue(worst <= bound.get(m), m + ": " + worst + " > " + bound.get(m));
        }
        // The per-phase energies: U of the active factors at each phase's start and end, on the same scale.
        assertEquals(3, fpga.phaseEnergies().size());
        for (int q = 0; q < 3; q++) {
            RunResult.PhaseEnergy a = fpga.phaseEnergies().get(q);
            RunResult.PhaseEnergy b = ref.phaseEnergies().get(q);
            assertEquals(b.start(), a.start(), 1e-3 * (1 + Math.abs(b.start())), "phase " + q + " start");
            assertEquals(b.end(), a.end(), 1e-6, "phase " + q + " end: relaxed to the held fixed point");
            assertTrue(a.released() > 0, "each phase releases energy at T = 0");
        }
    }

    /** The stated bound e_t per module (class Javadoc), from the reference's relaxed states. */
    static Map<String, Double> bounds(Program p, RunResult ref) {
        Map<String, Double> e = new java.util.HashMap<>();
        for (Factor f : p.factors()) {
            if (!(f instanceof Factor.Residual r)) {
                continue;
            }
            int rows = p.module(r.target()).size();
            double worstRow = 0;
            for (int i = 0; i < rows; i++) {
                double row = 0;
                for (Factor.Source s : r.sources()) {
                    float[] xs = ref.mean(s.module(), 0);
                    float[] w = ((DenseOperator) s.w()).values();
                    double es = e.getOrDefault(s.module(), 0.0);
                    for (int j = 0; j < xs.length; j++) {
                        row += EPS * Math.abs(xs[j]) + Math.abs(w[i * xs.length + j]) * es;
                    }
                }
                worstRow = Math.max(worstRow, row);
            }
            double dt = 0.5 / r.weight();
            e.put(r.target(), EPS * (1 / dt + 1) / r.weight() + 2 * EPS + worstRow);
        }
        return e;
    }

    @Test
    void aScheduledRunAtPositiveTemperatureHasTheExactHeldStatistics() {
        // A linear chain in -> g1 (w 2) -> g2 (w 1): g1's held value is the mean of a window of an AR(1) chain,
        // g2's the same given g1's. Both backends against the exact mean and variance of every held unit.
        Random r = new Random(9);
        DenseOperator w1 = new DenseOperator(3, 4, Programs.spread(r, 12, 0.6));
        DenseOperator w2 = new DenseOperator(2, 3, Programs.spread(r, 6, 0.6));
        float[] in = Programs.random(r, 4, 1.0);
        float[] h1 = Programs.random(r, 3, 0.5);
        float[] h2 = Programs.random(r, 2, 0.5);
        Program p = Program.builder().module("in", 4).module("g1", 3).module("g2", 2).clamp("in", in)
                .residual("g1", Activation.IDENTITY, h1, 2.0, new Factor.Source("in", w1))
                .residual("g2", Activation.IDENTITY, h2, 1.0, new Factor.Source("g1", w2)).build();
        double temperature = 0.5;
        double dt1 = 0.1;
        double dt2 = 0.2;
        long steps = 200;
        long window = 50;
        Schedule schedule = Schedule.byDepth(p, steps, window);
        // Exact: per unit an AR(1) x' = x - dt w (x - m) + sqrt(2 T dt) xi, phi = 1 - dt w, from 0; after 150
        // steps of burn-in phi^150 < 1e-14, so the held value is m + (window mean of a stationary AR(1)).
        double v1 = windowMeanVariance(1 - dt1 * 2.0, 2 * temperature * dt1, window);
        double v2 = windowMeanVariance(1 - dt2 * 1.0, 2 * temperature * dt2, window);
        double[] m1 = new double[3];
        double[] mean2 = new double[2];
        double[] var2 = new double[2];
        for (int i = 0; i < 3; i++) {
            m1[i] = h1[i];
            for (int j = 0; j < 4; j++) {
                m1[i] += w1.values()[i * 4 + j] * in[j];
            }
        }
        for (int i = 0; i < 2; i++) {
            mean2[i] = h2[i];
            var2[i] = v2;
            for (int j = 0; j < 3; j++) {
                mean2[i] += w2.values()[i * 3 + j] * m1[j];
                var2[i] += w2.values()[i * 3 + j] * w2.values()[i * 3 + j] * v1;
            }
        }
        for (String backend : List.of("fpga", "reference")) {
            int chains = 256;
            int runs = 4;
            int n = chains * runs;
            double[][] g1 = new double[n][];
            double[][] g2 = new double[n][];
            for (int k = 0; k < runs; k++) {
                RunSpec spec = RunSpec.builder().stepSize("g1", dt1).stepSize("g2", dt2).temperature(temperature)
                        .chains(chains).seed(100 + k).schedule(schedule).build();
                RunResult res = run(backend, p, spec);
                for (int c = 0; c < chains; c++) {
                    g1[k * chains + c] = toDouble(res.mean("g1", c));
                    g2[k * chains + c] = toDouble(res.mean("g2", c));
                }
            }
            double[] v1s = {v1, v1, v1};
            checkMoments(backend + " g1", g1, m1, v1s);
            checkMoments(backend + " g2", g2, mean2, var2);
        }
    }

    /** Var of the mean of {@code w} consecutive states of a stationary AR(1) with coefficient phi, noise s2. */
    static double windowMeanVariance(double phi, double s2, long w) {
        double stationary = s2 / (1 - phi * phi);
        double sum = w;
        for (long k = 1; k < w; k++) {
            sum += 2 * (w - k) * Math.pow(phi, k);
        }
        return stationary * sum / ((double) w * w);
    }

    /**
     * Sample mean within 5 standard errors, sample variance within 5 standard errors of a Gaussian variance
     * (var sqrt(2 / (n - 1))), per unit; the device's quantum (2^-16) is far below either.
     */
    static void checkMoments(String what, double[][] x, double[] mean, double[] var) {
        int n = x.length;
        for (int i = 0; i < mean.length; i++) {
            double s = 0;
            for (double[] v : x) {
                s += v[i];
            }
            double m = s / n;
            double ss = 0;
            for (double[] v : x) {
                ss += (v[i] - m) * (v[i] - m);
            }
            double sv = ss / (n - 1);
            double seMean = Math.sqrt(var[i] / n);
            double seVar = var[i] * Math.sqrt(2.0 / (n - 1));
            System.out.printf("%s unit %d: mean %.5f (exact %.5f, 5 se %.5f), variance %.3e (exact %.3e, 5 se"
                    + " %.2e)%n", what, i, m, mean[i], 5 * seMean, sv, var[i], 5 * seVar);
            assertEquals(mean[i], m, 5 * seMean, what + " unit " + i + " mean");
            assertEquals(var[i], sv, 5 * seVar, what + " unit " + i + " variance");
        }
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void aRunSplitAtTracePointsIsBitIdenticalAndTracesTheActiveEnergy() {
        Program p = Programs.everything();
        Schedule schedule = Schedule.byDepth(p, 30, 7);
        RunSpec spec = RunSpec.builder().stepSize(0.05).temperature(0.3).seed(4).chains(3).schedule(schedule)
                .build();
        RunResult plain = run("fpga", p, spec);
        RunResult traced = run("fpga", p, spec.toBuilder().traceEvery(11).build());
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(plain.finalState(c), traced.finalState(c), "chain " + c);
        }
        assertEquals(plain.phaseEnergies(), traced.phaseEnergies());
        long[] at = traced.trace().orElseThrow().steps();
        assertEquals(schedule.totalSteps() / 11, at.length);
        RunResult threeLanes;
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.of("fpga.emulator.threads=3"))) {
            s.program(p);
            threeLanes = s.run(spec);
        }
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(plain.finalState(c), threeLanes.finalState(c), "three lanes, chain " + c);
        }
    }

    @Test
    void onePhaseStepFromAnInitialStateMatchesTheReferenceStepForStep() {
        // Phase 0 moves h1 one step from 0.25 while h2 and out rest at 0.25 unfelt; phase 1 moves h2 and out one
        // step against h1's held value. Any difference in what moves, what is felt or what is held shows up here.
        Program p = feedForward();
        float[] init = new float[p.units()];
        java.util.Arrays.fill(init, 0.25f);
        Schedule s = new Schedule(List.of(new Schedule.Phase(Set.of("h1"), 1, 1),
                new Schedule.Phase(Set.of("h2", "out"), 1, 1)));
        RunSpec spec = halfSteps(p).temperature(0).initialState(init).schedule(s).build();
        RunResult fpga = run("fpga", p, spec);
        RunResult ref = run("reference", p, spec);
        for (String m : List.of("h1", "h2", "out")) {
            float[] a = fpga.finalState(m, 0);
            float[] b = ref.finalState(m, 0);
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 1e-4, m + "[" + i + "] after one step of its phase");
            }
        }
        assertEquals(ref.phaseEnergies().get(0).start(), fpga.phaseEnergies().get(0).start(), 1e-3);
    }

    @Test
    void scheduleErrorsAreReportedNamingTheModuleAndPhase() {
        Program p = feedForward();
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.defaults())) {
            s.program(p);
            RunSpec.Builder b = RunSpec.builder().temperature(0);
            InvalidProgramException unknown = assertThrows(InvalidProgramException.class, () -> s.run(b.schedule(
                    new Schedule(List.of(new Schedule.Phase(Set.of("h1", "h2", "out", "nope"), 5, 1)))).build()));
            assertTrue(unknown.getMessage().contains("schedule phase 0 releases unknown module 'nope'"),
                    unknown.getMessage());
            InvalidProgramException never = assertThrows(InvalidProgramException.class, () -> s.run(b.schedule(
                    new Schedule(List.of(new Schedule.Phase(Set.of("h1"), 5, 1)))).build()));
            assertTrue(never.getMessage().contains("never releases free module(s) [h2, out]"), never.getMessage());
            InvalidProgramException clamped = assertThrows(InvalidProgramException.class, () -> s.run(b.schedule(
                    new Schedule(List.of(new Schedule.Phase(Set.of("in", "h1", "h2", "out"), 5, 1)))).build()));
            assertTrue(clamped.getMessage().contains("releases clamped module 'in'"), clamped.getMessage());
            InvalidProgramException twice = assertThrows(InvalidProgramException.class, () -> s.run(b.schedule(
                    new Schedule(List.of(new Schedule.Phase(Set.of("h1", "h2"), 5, 1),
                            new Schedule.Phase(Set.of("h2", "out"), 5, 1)))).build()));
            assertTrue(twice.getMessage().contains("schedule phase 1 releases module 'h2' a second time"),
                    twice.getMessage());
            // The session stays usable after the refusals.
            assertEquals(15, s.run(b.schedule(Schedule.byDepth(p, 5, 2)).build()).steps());
        }
        InvalidProgramException window = assertThrows(InvalidProgramException.class,
                () -> new Schedule.Phase(Set.of("h1"), 5, 6));
        assertTrue(window.getMessage().contains("1 <= window <= steps (5), found 6"), window.getMessage());
    }

    @Test
    void aVersion1_0DeviceWithoutTheScheduleFeatureRefusesAScheduledRunClearly() {
        // The same emulator seen as a 1.0 device: VERSION reads 1.0, so the driver does not read CAP_FEATURES.
        Transport device = new InProcessTransport(FpgaDevice.inMemory(4L << 20, 1), true);
        Transport old = new Transport() {
            @Override public int read32(long offset) {
                return offset == Registers.VERSION ? 1 << 16 : device.read32(offset);
            }
            @Override public void write32(long offset, int value) { device.write32(offset, value); }
            @Override public void read(long offset, byte[] dst, int off, int len) { device.read(offset, dst, off, len); }
            @Override public void write(long offset, byte[] src, int off, int len) { device.write(offset, src, off, len); }
            @Override public String describe() { return "a 1.0 view of " + device.describe(); }
            @Override public dev.tdi.substrate.fpga.transport.TransportStats stats() { return device.stats(); }
            @Override public void close() { device.close(); }
        };
        Program p = feedForward();
        try (FpgaSubstrate s = FpgaProvider.session(old, FpgaSettings.from("fpga", SubstrateConfig.defaults()))) {
            assertFalse(s.capabilities().supports(Feature.SCHEDULES));
            s.program(p);
            UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class,
                    () -> s.run(RunSpec.builder().schedule(Schedule.byDepth(p, 5, 1)).build()));
            assertTrue(e.getMessage().contains("the run asks for a relaxation schedule; this backend does not declare"
                    + " SCHEDULES (run without a schedule)"), e.getMessage());
            assertEquals(20, s.run(RunSpec.builder().steps(10, 10).build()).steps(), "unscheduled runs still work");
        }
    }
}
