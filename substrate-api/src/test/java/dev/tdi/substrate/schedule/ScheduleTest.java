package dev.tdi.substrate.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.ProgramRange;
import dev.tdi.substrate.Range;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Program;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Relaxation schedules on the reference backend (the executable specification), the range check of
 * {@link Capabilities}, and the schedule's validation.
 */
class ScheduleTest {

    /** x_0 clamped to c; x_1 = relu(A c + h1); x_2 = B x_1 + h2, both residual weight 1. */
    static Program twoLayers() {
        return Program.builder().module("c", 2).module("a", 2).module("b", 1)
                .clamp("c", new float[] {1f, -2f})
                .residual("a", Activation.RELU, new float[] {0.5f, 0.25f}, 1.0,
                        new Factor.Source("c", DenseOperator.of(new double[][] {{1, 1}, {-1, 0.5}})))
                .residual("b", Activation.IDENTITY, new float[] {-1f}, 1.0,
                        new Factor.Source("a", DenseOperator.of(new double[][] {{2, 3}})))
                .build();
    }

    @Test
    void aZeroTemperatureScheduleReachesTheForwardPassAndReleasesTheHandComputedEnergy() {
        // a = relu([1 - 2 + 0.5, -1 - 1 + 0.25]) = relu([-0.5, -1.75]) = [0, 0] ... use a source that is positive:
        Program p = Program.builder().module("c", 2).module("a", 2).module("b", 1)
                .clamp("c", new float[] {1f, 2f})
                .residual("a", Activation.RELU, new float[] {0.5f, -4f}, 1.0,
                        new Factor.Source("c", DenseOperator.of(new double[][] {{1, 1}, {-1, 0.5}})))
                .residual("b", Activation.IDENTITY, new float[] {-1f}, 2.0,
                        new Factor.Source("a", DenseOperator.of(new double[][] {{2, 3}})))
                .build();
        // a = relu([1 + 2 + 0.5, -1 + 1 - 4]) = [3.5, 0]; b = 2 * 3.5 + 0 - 1 = 6
        // phase 0 releases w/2 |a|^2 = 0.5 * 12.25 = 6.125; phase 1 releases w/2 |b|^2 = 1.0 * 36 = 36
        try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            s.program(p);
            Schedule sched = Schedule.byDepth(p, 1, 1);
            assertEquals(2, sched.phases().size());
            RunSpec spec = RunSpec.builder().temperature(0).stepSize("a", 1.0).stepSize("b", 0.5).schedule(sched)
                    .build();
            RunResult r = s.run(spec);
            assertEquals(2, r.steps());
            assertEquals(3.5, r.meanOverChains("a")[0], 1e-12);
            assertEquals(0.0, r.meanOverChains("a")[1], 1e-12);
            assertEquals(6.0, r.meanOverChains("b")[0], 1e-12);
            List<RunResult.PhaseEnergy> e = r.phaseEnergies();
            assertEquals(2, e.size());
            assertEquals(6.125, e.get(0).start(), 1e-9);
            assertEquals(0.0, e.get(0).end(), 1e-9);
            assertEquals(36.0, e.get(1).start(), 1e-9);
            assertEquals(0.0, e.get(1).end(), 1e-9);
            assertEquals(42.125, r.releasedEnergy(), 1e-9);
        }
    }

    /**
     * A deep (24-layer) random linear chain whose layers grow the signal (operator norms about 1.3 x 2): a free
     * relaxation's condition number grows like 1.7^depth, but the schedule reaches the exact forward pass in one step
     * per layer with every weight 1.
     */
    @Test
    void aDeepChainConvergesInOneStepPerLayerAtUnitWeights() {
        int depth = 24, width = 6;
        SplittableRandom rng = new SplittableRandom(7);
        Program.Builder b = Program.builder().module("x0", width);
        float[] x0 = new float[width];
        for (int i = 0; i < width; i++) {
            x0[i] = (float) rng.nextGaussian();
        }
        b.clamp("x0", x0);
        double[][][] w = new double[depth][width][width];
        double[] forward = new double[width];
        for (int i = 0; i < width; i++) {
            forward[i] = x0[i];
        }
        for (int l = 1; l <= depth; l++) {
            b.module("x" + l, width);
            for (int i = 0; i < width; i++) {
                for (int j = 0; j < width; j++) {
                    w[l - 1][i][j] = rng.nextGaussian() * 1.3 / Math.sqrt(width);
                }
            }
            b.residual("x" + l, Activation.IDENTITY, new float[width], 1.0,
                    new Factor.Source("x" + (l - 1), DenseOperator.of(w[l - 1])));
            double[] next = new double[width];
            for (int i = 0; i < width; i++) {
                for (int j = 0; j < width; j++) {
                    next[i] += (float) w[l - 1][i][j] * forward[j];
                }
            }
            forward = next;
        }
        Program p = b.build();
        assertEquals(1.0, ProgramRange.of(p).stiffnessRatio(), 0);
        try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            s.program(p);
            RunResult r = s.run(RunSpec.builder().temperature(0).stepSize(1.0).schedule(Schedule.byDepth(p, 1, 1))
                    .build());
            assertEquals(depth, r.steps());
            float[] out = r.meanOverChains("x" + depth);
            double norm = 0, err = 0;
            for (int i = 0; i < width; i++) {
                norm += forward[i] * forward[i];
                err += (out[i] - forward[i]) * (out[i] - forward[i]);
            }
            assertTrue(Math.sqrt(err / norm) < 1e-6, "relative error " + Math.sqrt(err / norm));
        }
    }

    /**
     * At T > 0 every Euler-Maruyama step at dt w = 1 is an independent draw of N(rho(a), 2T/w), and the hold
     * averages W of them: the held first layer has mean A c + h and variance 2T/(w W). Checked over 4000 chains
     * with 5-sigma bounds from the sample size.
     */
    @Test
    void theHeldValueHasTheAncestralMeanAndTheWindowedVariance() {
        Program p = twoLayers();
        int chains = 4000;
        long window = 4;
        double t = 0.01;
        try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            s.program(p);
            RunResult r = s.run(RunSpec.builder().temperature(t).stepSize(1.0).chains(chains).seed(3)
                    .schedule(Schedule.byDepth(p, window, window)).build());
            // No walls (a relu residual, no rectified potential): a ~ N(relu(A c + h), 2T/W) per unit.
            double expectedVar = 2 * t / window;
            double[] pre = {1 - 2 + 0.5, -1 - 1 + 0.25};
            for (int u = 0; u < 2; u++) {
                double mean = 0, sq = 0;
                for (int c = 0; c < chains; c++) {
                    double v = r.mean("a", c)[u];
                    mean += v;
                    sq += v * v;
                }
                mean /= chains;
                double var = sq / chains - mean * mean;
                double sem = Math.sqrt(expectedVar / chains);
                assertEquals(Math.max(0, pre[u]), mean, 5 * sem, "mean of a[" + u + "]");
                // the sample variance of N draws has relative sd sqrt(2/(N-1))
                assertEquals(expectedVar, var, 5 * expectedVar * Math.sqrt(2.0 / (chains - 1)), "variance of a[" + u + "]");
            }
        }
    }

    @Test
    void schedulesThatDoNotFitAreRefusedNamingTheModule() {
        Program p = twoLayers();
        try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            s.program(p);
            Schedule never = new Schedule(List.of(new Schedule.Phase(Set.of("a"), 1, 1)));
            var e1 = assertThrows(InvalidProgramException.class, () -> s.run(RunSpec.builder().schedule(never).build()));
            assertTrue(e1.getMessage().contains("never releases free module(s) [b]"), e1.getMessage());
            Schedule twice = new Schedule(List.of(new Schedule.Phase(Set.of("a"), 1, 1),
                    new Schedule.Phase(Set.of("a", "b"), 1, 1)));
            var e2 = assertThrows(InvalidProgramException.class, () -> s.run(RunSpec.builder().schedule(twice).build()));
            assertTrue(e2.getMessage().contains("releases module 'a' a second time"), e2.getMessage());
            Schedule clamped = new Schedule(List.of(new Schedule.Phase(Set.of("a", "c"), 1, 1),
                    new Schedule.Phase(Set.of("b"), 1, 1)));
            var e3 = assertThrows(InvalidProgramException.class,
                    () -> s.run(RunSpec.builder().schedule(clamped).build()));
            assertTrue(e3.getMessage().contains("clamped module 'c'"), e3.getMessage());
        }
        assertThrows(InvalidProgramException.class, () -> new Schedule.Phase(Set.of("a"), 2, 3));
        assertThrows(InvalidProgramException.class, () -> new Schedule(List.of()));
    }

    @Test
    void theRangeCheckNamesTheFactorTheValueAndTheRange() {
        Program p = Program.builder().module("c", 2).module("a", 2).clamp("c", new float[2])
                .residual("a", Activation.IDENTITY, new float[2], 1.0,
                        new Factor.Source("c", DenseOperator.of(new double[][] {{1, 1e-4}, {0.5, 0.25}})))
                .build();
        ProgramRange range = ProgramRange.of(p);
        assertEquals(1.0, range.couplingMax(), 0);
        assertEquals(1e-4, range.couplingMin(), 1e-9);
        assertEquals(4.0, range.decades(), 1e-6); // float32 weights
        Capabilities caps = Capabilities.builder().couplingRange(new Range(10, 1e3)).build();
        List<String> problems = caps.problemsWith(p);
        assertEquals(1, problems.size(), problems.toString());
        String m = problems.get(0);
        assertTrue(m.contains("Residual(a = identity(DENSE c + h))") && m.contains("0.0001000")
                && m.contains("1.000e+04 times smaller") && m.contains("largest/smallest <= 1000"), m);
        Capabilities weak = Capabilities.builder().couplingRange(new Range(0.5, 1e6)).build();
        assertTrue(weak.problemsWith(p).get(0).contains("a coupling of magnitude 1.000 exceeds"), weak.problemsWith(p)
                .toString());
        // the residual weight scales its couplings and is itself a stiffness
        Program heavy = Program.builder().module("c", 1).module("a", 1).clamp("c", new float[1])
                .residual("a", Activation.IDENTITY, new float[1], 1e5,
                        new Factor.Source("c", DenseOperator.of(new double[][] {{1}}))).build();
        assertEquals(1e5, ProgramRange.of(heavy).couplingMax(), 1e-6);
        assertEquals(1e5, ProgramRange.of(heavy).stiffnessMax(), 1e-6);
        Capabilities analog = Capabilities.builder().couplingRange(new Range(1e3, 1e3))
                .stiffnessRange(new Range(1e3, 1e3)).build();
        assertEquals(2, analog.problemsWith(heavy).size(), analog.problemsWith(heavy).toString());
    }

    @Test
    void aBackendWithoutSchedulesRefusesAScheduledRun() {
        Capabilities none = Capabilities.builder().build();
        assertTrue(!none.supports(dev.tdi.substrate.Feature.SCHEDULES));
        try (Substrate s = new dev.tdi.substrate.AbstractSubstrate("plain", none) {
            @Override protected void upload(Program program) { }
            @Override protected RunResult execute(RunSpec spec) {
                throw new AssertionError("a scheduled run must be refused before it reaches the backend");
            }
            @Override protected void release() { }
        }) {
            Program p = twoLayers();
            s.program(p);
            var e = assertThrows(UnsupportedProgramException.class,
                    () -> s.run(RunSpec.builder().schedule(Schedule.byDepth(p, 1, 1)).build()));
            assertTrue(e.getMessage().contains("does not declare SCHEDULES"), e.getMessage());
        }
    }
}
