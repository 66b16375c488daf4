package dev.tdi.substrate.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Batched relaxation on the reference backend: chain c of a run with per-chain clamps, biases, starting states and
 * seeds is bit for bit the one-chain run of chain c's inputs and seed, and malformed batches are refused by name.
 */
class PerChainInputsTest {
    private static final int CHAINS = 3;

    /** A clamped input c feeding a relu residual r and a coupled, biased module t (fields "t" and "r"). */
    static Program program() {
        Random rnd = new Random(5);
        return Program.builder().module("c", 3).module("t", 4).module("r", 4)
                .clamp("c", rows(rnd, 1, 3)[0])
                .onSite("t", Potential.quadratic(1.0, 0.1)).onSite("r", Potential.quadratic(0.2, 0.0))
                .coupling("t", "c", new DenseOperator(4, 3, rows(rnd, 1, 12)[0]))
                .bias("t", rows(rnd, 1, 4)[0])
                .residual("r", Activation.RELU, rows(rnd, 1, 4)[0], 1.5,
                        new Factor.Source("t", new DenseOperator(4, 4, rows(rnd, 1, 16)[0])))
                .build();
    }

    static float[][] rows(Random rnd, int rows, int n) {
        float[][] out = new float[rows][n];
        for (float[] row : out) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) rnd.nextGaussian();
            }
        }
        return out;
    }

    private static Substrate open() {
        return new ReferenceProvider().open(SubstrateConfig.defaults());
    }

    @Test
    void eachChainOfABatchIsItsOwnOneChainRun() {
        Random rnd = new Random(9);
        float[][] clamps = rows(rnd, CHAINS, 3);
        float[][] biasT = rows(rnd, CHAINS, 4);
        float[][] biasR = rows(rnd, CHAINS, 4);
        float[][] starts = rows(rnd, CHAINS, 11);
        long[] seeds = {17, -3, 1L << 40};
        RunSpec spec = RunSpec.builder().steps(40, 20).stepSize(0.05).temperature(0.3).build();
        try (Substrate s = open()) {
            assertTrue(s.supports(Feature.PER_CHAIN_INPUTS));
            s.program(program());
            s.setClamp("c", clamps);
            s.setBias("t", biasT);
            s.setBias("r", biasR);
            RunResult batch = s.run(spec.toBuilder().chains(CHAINS).chainSeeds(seeds).chainInitialStates(starts)
                    .build());
            for (int c = 0; c < CHAINS; c++) {
                s.setClamp("c", clamps[c]);
                s.setBias("t", biasT[c]);
                s.setBias("r", biasR[c]);
                RunResult one = s.run(spec.toBuilder().chainSeeds(seeds[c]).initialState(starts[c]).build());
                assertArrayEquals(one.finalState(0), batch.finalState(c), "final state of chain " + c);
                assertArrayEquals(one.mean(0), batch.mean(c), "mean of chain " + c);
                assertArrayEquals(clamps[c], batch.finalState("c", c), "chain " + c + " holds its own clamp");
            }
            assertFalse(java.util.Arrays.equals(batch.mean(0), batch.mean(1)), "the chains relaxed different inputs");
        }
    }

    @Test
    void withoutChainSeedsChainCDrawsChainSeedsOf() {
        RunSpec spec = RunSpec.builder().steps(10, 5).stepSize(0.05).temperature(1.0).seed(77).chains(2).build();
        try (Substrate s = open()) {
            s.program(program());
            RunResult two = s.run(spec);
            RunResult second = s.run(spec.toBuilder().chains(1).chainSeeds(ChainSeeds.of(77, 1)).build());
            assertArrayEquals(second.finalState(0), two.finalState(1));
        }
    }

    @Test
    void malformedBatchesAreRefusedByName() {
        try (Substrate s = open()) {
            s.program(program());
            var row = assertThrows(InvalidProgramException.class,
                    () -> s.setBias("t", new float[][] {new float[4], new float[5]}));
            assertTrue(row.getMessage().contains("'t'") && row.getMessage().contains("chain 1")
                    && row.getMessage().contains("expected 4"), row.getMessage());
            var empty = assertThrows(InvalidProgramException.class, () -> s.setClamp("c", new float[0][]));
            assertTrue(empty.getMessage().contains("'c'"), empty.getMessage());
            var unclamped = assertThrows(InvalidProgramException.class, () -> s.setClamp("t", new float[2][4]));
            assertTrue(unclamped.getMessage().contains("not clamped"), unclamped.getMessage());
            s.setBias("r", new float[2][4]);
            var count = assertThrows(InvalidProgramException.class,
                    () -> s.run(RunSpec.builder().steps(1, 1).chains(3).build()));
            assertTrue(count.getMessage().contains("bias field 'r'") && count.getMessage().contains("2 chains")
                    && count.getMessage().contains("3 chains"), count.getMessage());
            s.run(RunSpec.builder().steps(1, 1).chains(2).build());
            var starts = assertThrows(InvalidProgramException.class, () -> s.run(RunSpec.builder().steps(1, 1)
                    .chains(2).chainInitialStates(new float[][] {new float[11], new float[10]}).build()));
            assertTrue(starts.getMessage().contains("chainInitialStates (chain 1)"), starts.getMessage());
        }
        var seeds = assertThrows(InvalidProgramException.class,
                () -> RunSpec.builder().chains(2).chainSeeds(1, 2, 3).build());
        assertTrue(seeds.getMessage().contains("3 seeds") && seeds.getMessage().contains("(2)"), seeds.getMessage());
        var both = assertThrows(InvalidProgramException.class, () -> RunSpec.builder().initialState(new float[1])
                .chainInitialStates(new float[][] {new float[1]}).build());
        assertTrue(both.getMessage().contains("both"), both.getMessage());
    }
}
