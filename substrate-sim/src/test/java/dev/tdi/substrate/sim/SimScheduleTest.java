package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Program;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Scheduled runs on {@code sim} against the reference backend: a three-level feed-forward program (two relu
 * convolutions and a dense read-out with a low-rank skip from the first layer), at T = 0 the same held states and
 * the same per-phase energies; at T > 0 the same statistics.
 */
class SimScheduleTest {

    static Program program() {
        Random r = new Random(3);
        return Program.builder().module("in", 2 * 9 * 7).module("a", 3 * 9 * 7).module("b", 4 * 9 * 7)
                .module("c", 5)
                .clamp("in", TestPrograms.randn(r, 2 * 9 * 7, 1.0))
                .residual("a", Activation.RELU, TestPrograms.randn(r, 3 * 9 * 7, 0.1), 1.0,
                        new Factor.Source("in", new Conv2dOperator(2, 9, 7, 3, 3, 3, 1, 1,
                                TestPrograms.randn(r, 3 * 2 * 9, 0.3))))
                .residual("b", Activation.RELU, TestPrograms.randn(r, 4 * 9 * 7, 0.1), 1.0,
                        new Factor.Source("a", new Conv2dOperator(3, 9, 7, 4, 3, 3, 1, 1,
                                TestPrograms.randn(r, 4 * 3 * 9, 0.3))))
                .residual("c", Activation.IDENTITY, TestPrograms.randn(r, 5, 0.1), 1.0,
                        new Factor.Source("b", new DenseOperator(5, 4 * 9 * 7, TestPrograms.randn(r, 5 * 252, 0.05))),
                        new Factor.Source("a", new LowRankOperator(5, 3 * 9 * 7, 2, TestPrograms.randn(r, 10, 0.3),
                                TestPrograms.randn(r, 2 * 189, 0.1))))
                .build();
    }

    static RunResult run(String backend, RunSpec spec) {
        SubstrateConfig config = backend.equals("sim") ? SubstrateConfig.of("range=unbounded")
                : SubstrateConfig.defaults();
        try (Substrate s = SubstrateRegistry.open(backend, config)) {
            s.program(program());
            return s.run(spec);
        }
    }

    @Test
    void simFollowsTheScheduleLikeTheReferenceAtZeroTemperature() {
        Program p = program();
        Schedule sched = Schedule.byDepth(p, 3, 2);
        assertEquals(3, sched.phases().size(), "levels a, b, c (c reads b, the deepest)");
        RunSpec spec = RunSpec.builder().temperature(0).stepSize(1.0).chains(2).schedule(sched).build();
        RunResult ref = run("reference", spec);
        RunResult sim = run("sim", spec);
        assertEquals(9, sim.steps());
        for (int i = 0; i < p.units(); i++) {
            float a = ref.mean(0)[i], b = sim.mean(1)[i];
            assertEquals(a, b, 1e-5 * (1 + Math.abs(a)), "held state of unit " + i);
        }
        assertEquals(ref.phaseEnergies().size(), sim.phaseEnergies().size());
        for (int k = 0; k < ref.phaseEnergies().size(); k++) {
            var e = ref.phaseEnergies().get(k);
            var f = sim.phaseEnergies().get(k);
            assertEquals(e.start(), f.start(), 1e-5 * (1 + Math.abs(e.start())), "phase " + k + " start energy");
            assertEquals(e.end(), f.end(), 1e-5 * (1 + Math.abs(e.start())), "phase " + k + " end energy");
        }
        assertTrue(sim.releasedEnergy() > 0);
    }

    /**
     * At T > 0 both backends draw the held read-out from N(forward, 2T/(w W)) for the last layer (identity):
     * the chain means agree within 5 standard errors of their difference.
     */
    @Test
    void simAndReferenceAgreeStatisticallyAtPositiveTemperature() {
        Program p = program();
        int chains = 400;
        long window = 4;
        double t = 1e-3;
        RunSpec spec = RunSpec.builder().temperature(t).stepSize(1.0).chains(chains).seed(9)
                .schedule(Schedule.byDepth(p, window, window)).build();
        RunResult ref = run("reference", spec);
        RunResult sim = run("sim", spec);
        for (int u = 0; u < 5; u++) {
            double ma = 0, mb = 0, va = 0;
            for (int c = 0; c < chains; c++) {
                double a = ref.mean("c", c)[u], b = sim.mean("c", c)[u];
                ma += a;
                mb += b;
                va += a * a;
            }
            ma /= chains;
            mb /= chains;
            va = va / chains - ma * ma;
            double se = Math.sqrt(2 * va / chains);
            assertEquals(ma, mb, 5 * se + 1e-9, "mean of c[" + u + "]");
        }
    }

    /** A batch of scheduled runs with per-chain clamps and seeds: chain c is bit-identical to its own run. */
    @Test
    void aBatchedScheduleGivesEachChainItsOwnRun() {
        Program p = program();
        Random r = new Random(8);
        int chains = 3;
        float[][] clamps = new float[chains][];
        long[] seeds = new long[chains];
        for (int c = 0; c < chains; c++) {
            clamps[c] = TestPrograms.randn(r, 2 * 9 * 7, 1.0);
            seeds[c] = 77 + 13L * c;
        }
        Schedule sched = Schedule.byDepth(p, 3, 3);
        RunSpec base = RunSpec.builder().temperature(0.01).stepSize(1.0).schedule(sched).build();
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
            s.program(p);
            s.setClamp("in", clamps);
            RunResult batch = s.run(base.toBuilder().chains(chains).chainSeeds(seeds).build());
            for (int c = 0; c < chains; c++) {
                s.setClamp("in", clamps[c]);
                RunResult one = s.run(base.toBuilder().chains(1).chainSeeds(new long[] {seeds[c]}).build());
                org.junit.jupiter.api.Assertions.assertArrayEquals(one.mean(0), batch.mean(c), "chain " + c);
            }
        }
    }
}
