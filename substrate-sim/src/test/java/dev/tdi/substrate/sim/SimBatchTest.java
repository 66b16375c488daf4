package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.BiasField;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Program;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Batched relaxation on {@code sim}: for every operator kind in every role, chain c of a run with per-chain clamps,
 * biases, starting states and seeds is bit for bit the one-chain run of chain c's inputs and seed (5 chains: one
 * 4-chain block plus a remainder, so both batch paths of the kernels are covered), on 1 and 2 threads; convolutions
 * in both forms (stencil and matrix kernel).
 */
class SimBatchTest {
    private static final int CHAINS = 5;

    @Test
    void eachChainOfABatchIsBitIdenticalToItsOwnRun() {
        for (OperatorKind kind : OperatorKind.values()) {
            boolean conv = kind == OperatorKind.CONV2D || kind == OperatorKind.CONV_TRANSPOSE2D;
            for (String form : conv ? new String[] {"conv=stencil", "conv=gemm"} : new String[] {"conv=auto"}) {
                for (int variant = 0; variant < 2; variant++) {
                    check(TestPrograms.everything(kind, variant, 31 + variant), kind + " variant " + variant + " "
                            + form, form);
                }
            }
        }
    }

    private static void check(Program p, String what, String form) {
        Random rnd = new Random(7);
        float[][] clamps = rows(rnd, p.module("c").size());
        java.util.Map<String, float[][]> biases = new java.util.LinkedHashMap<>();
        for (BiasField f : p.biasFields().values()) {
            biases.put(f.name(), rows(rnd, f.size()));
        }
        float[][] starts = rows(rnd, p.units());
        long[] seeds = new long[CHAINS];
        for (int c = 0; c < CHAINS; c++) {
            seeds[c] = 1000 + 17L * c;
        }
        RunSpec spec = RunSpec.builder().steps(15, 10).stepSize(0.02).stepSize("q", 0.01).temperature(0.5)
                .build();
        for (String threads : new String[] {"threads=1", "threads=2"}) {
            try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of(threads, "range=unbounded", form))) {
                s.program(p);
                s.setClamp("c", clamps);
                biases.forEach(s::setBias);
                RunResult batch = s.run(spec.toBuilder().chains(CHAINS).chainSeeds(seeds).chainInitialStates(starts)
                        .build());
                for (int c = 0; c < CHAINS; c++) {
                    s.setClamp("c", clamps[c]);
                    int chain = c;
                    biases.forEach((f, v) -> s.setBias(f, v[chain]));
                    RunResult one = s.run(spec.toBuilder().chainSeeds(seeds[c]).initialState(starts[c]).build());
                    assertArrayEquals(one.finalState(0), batch.finalState(c), what + ", " + threads + ", chain " + c);
                    assertArrayEquals(one.mean(0), batch.mean(c), what + ", " + threads + ", mean of chain " + c);
                }
            }
        }
    }

    private static float[][] rows(Random rnd, int n) {
        float[][] out = new float[CHAINS][n];
        for (float[] row : out) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) (0.5 * rnd.nextGaussian());
            }
        }
        return out;
    }
}
