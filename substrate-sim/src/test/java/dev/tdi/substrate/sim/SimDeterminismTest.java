package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.DivergenceException;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Results are bit-identical for any thread count, and the scalar path draws the same noise as the vector path. */
class SimDeterminismTest {

    private static RunResult run(Program p, RunSpec spec, String... settings) {
        // random test programs span more than the default analog range: these are numerical checks
        String[] all = java.util.Arrays.copyOf(settings, settings.length + 1);
        all[settings.length] = "range=unbounded";
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of(all))) {
            s.program(p);
            return s.run(spec);
        }
    }

    /** A program big enough that the pool really splits its phases (above Pool.MIN_PARALLEL_WORK). */
    private static Program parallelProgram() {
        Random rnd = new Random(3);
        int n = 40_000;
        Program.Builder b = Program.builder().module("a", n).module("b", n).module("d", 300)
                .onSite("a", Potential.quadratic(1, 0.1)).onSite("b", Potential.rectified(1, 0.2))
                .onSite("d", Potential.quadratic(1.5, 0));
        b.coupling("a", "b", new LowRankOperator(n, n, 5, TestPrograms.randn(rnd, n * 5, 0.01),
                TestPrograms.randn(rnd, n * 5, 0.01)));
        b.coupling("d", "d", TestPrograms.symmetric(OperatorKind.DENSE, rnd, 300));
        return b.build();
    }

    @Test
    void sameBitsForAnyThreadCount() {
        Program p = parallelProgram();
        RunSpec spec = RunSpec.builder().steps(20, 10).stepSize(0.05).temperature(1.0).seed(11).chains(5).build();
        RunResult one = run(p, spec, "threads=1");
        for (String t : new String[] {"threads=2", "threads=3", "threads=7"}) {
            RunResult other = run(p, spec, t);
            for (int c = 0; c < 5; c++) {
                assertArrayEquals(one.finalState(c), other.finalState(c), t + " chain " + c);
                assertArrayEquals(one.mean(c), other.mean(c), t + " chain " + c);
            }
        }
        assertFalse(java.util.Arrays.equals(one.finalState(0), one.finalState(1)), "chains are independent");
    }

    @Test
    void aChainDependsOnlyOnSeedAndIndex() {
        // 2 and 9 chains take different kernels (dense 4x4 blocks, sparse unit-major SIMD across chains from 4 on)
        for (OperatorKind kind : new OperatorKind[] {OperatorKind.DENSE, OperatorKind.SPARSE}) {
            Program p = TestPrograms.everything(kind, 0, 4);
            RunSpec spec = RunSpec.builder().steps(30, 10).stepSize(0.05).temperature(0.5).seed(9).build();
            RunResult few = run(p, spec.toBuilder().chains(2).build());
            RunResult many = run(p, spec.toBuilder().chains(9).build());
            assertArrayEquals(few.finalState(1), many.finalState(1), kind + ": chain 1 of 2 and of 9");
        }
    }

    @Test
    void scalarPathDrawsTheSameNoiseAndAgrees() {
        Program p = TestPrograms.everything(OperatorKind.SPARSE, 0, 8);
        RunSpec spec = RunSpec.builder().steps(100, 50).stepSize(0.05).temperature(0.7).seed(5).chains(3).build();
        RunResult vec = run(p, spec);
        RunResult sca = run(p, spec, "vector=false");
        for (int c = 0; c < 3; c++) {
            float[] a = vec.finalState(c), b = sca.finalState(c);
            for (int i = 0; i < a.length; i++) {
                // Same noise bits; only the summation order of the operators differs (float roundoff).
                assertTrue(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(a[i])), "unit " + i + ": " + a[i] + " vs " + b[i]);
            }
        }
    }

    @Test
    void divergenceIsReportedWithItsPlace() {
        Program p = Program.builder().module("a", 40).module("b", 3).onSite("a", Potential.quadratic(10, 0))
                .onSite("b", Potential.quadratic(1, 0)).build();
        RunSpec spec = RunSpec.builder().steps(500, 10).stepSize(0.5).stepSize("b", 0.1).temperature(0)
                .initialState(filled(43, 1f)).build();
        DivergenceException e = assertThrows(DivergenceException.class, () -> run(p, spec, "threads=2"));
        assertTrue(e.getMessage().contains("'a'") && e.module().equals("a") && e.chain() == 0, e.getMessage());
        assertTrue(e.step() > 0 && e.step() < 100, "step " + e.step());
    }

    @Test
    void wallsThatLeaveNoRoomAreRefused() {
        Program p = Program.builder().module("a", 2).onSite("a", Potential.box(0, 1))
                .onSite("a", Potential.box(2, 3)).build();
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.defaults())) {
            assertThrows(InvalidProgramException.class, () -> s.program(p));
        }
    }

    @Test
    void unknownSettingsAreRefused() {
        assertThrows(InvalidProgramException.class,
                () -> SubstrateRegistry.open("sim", SubstrateConfig.of("treads=2")));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
