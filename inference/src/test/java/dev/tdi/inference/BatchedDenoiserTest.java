package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Program;
import dev.tdi.unet.UNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Batched relaxation of the compiled U-Net: {@link SubstrateDenoiser#denoiseAll} gives every input bit for bit the
 * result of relaxing it alone (same x_t, biases, warm start and seed, two chains per input), for any batch size, on
 * {@code sim} and {@code reference}, and falls back to one input per run on a backend without per-chain inputs.
 */
class BatchedDenoiserTest {
    private static final UNet NET = TestFixtures.tinyNet(11);
    private static final CompiledUNet COMPILED = compile();

    private static CompiledUNet compile() {
        List<SkipConnection> skips = UNetCompiler.skipConnections(NET,
                NET.forward(TestFixtures.randomImages(NET, 2, 3), new int[]{10, 900}));
        return UNetCompiler.compile(NET, TestFixtures.exact(), skips, UNetCompiler.Options.defaults()
                .withRanges(new dev.tdi.substrate.Range(1e3, 1e3), new dev.tdi.substrate.Range(1e3, 1e3))); // sim's analog range
    }

    /** Five inputs at different t, two of them warm-started from a random state. */
    private static List<SubstrateDenoiser.Input> inputs() {
        Random rnd = new Random(4);
        int steps = NET.config().diffusionSteps();
        List<SubstrateDenoiser.Input> in = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            float[] x = new float[NET.inputSize()];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rnd.nextGaussian();
            }
            float[] warm = null;
            if (i % 2 == 1) {
                warm = new float[COMPILED.program().units()];
                for (int j = 0; j < warm.length; j++) {
                    warm[j] = (float) (0.1 * rnd.nextGaussian());
                }
            }
            in.add(new SubstrateDenoiser.Input(x, ConditioningInput.of(rnd.nextInt(steps), steps), warm, 100 + i));
        }
        return in;
    }

    private static List<SubstrateDenoiser.Relaxed> relax(Substrate s, int batch) {
        SubstrateDenoiser d = new SubstrateDenoiser(s, COMPILED, TestFixtures.exactBiases(new TimeBiasOracle(NET)),
                new SubstrateDenoiser.Settings(0.01, 20, 10, 2));
        return d.denoiseAll(inputs(), batch);
    }

    private static void assertSame(List<SubstrateDenoiser.Relaxed> expected, List<SubstrateDenoiser.Relaxed> actual,
                                   String what) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            for (var e : expected.get(i).states().entrySet()) {
                assertArrayEquals(e.getValue(), actual.get(i).states().get(e.getKey()),
                        what + ": input " + i + ", module " + e.getKey());
            }
            assertArrayEquals(expected.get(i).finalState(), actual.get(i).finalState(), what + ": final state " + i);
        }
    }

    @Test
    void batchesGiveEveryInputItsOwnOneAtATimeResult() {
        for (String backend : new String[]{"sim", "reference"}) {
            try (Substrate s = SubstrateRegistry.open(backend, SubstrateConfig.defaults())) {
                List<SubstrateDenoiser.Relaxed> one = relax(s, 1);
                assertSame(one, relax(s, 3), backend + ", batches of 3");
                assertSame(one, relax(s, 32), backend + ", one batch of 5");
                assertFalse(java.util.Arrays.equals(one.get(0).states().get("out"), one.get(1).states().get("out")),
                        "different inputs relax to different outputs");
            }
        }
    }

    @Test
    void aBackendWithoutPerChainInputsRelaxesOneAtATime() {
        List<SubstrateDenoiser.Relaxed> expected;
        try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            expected = relax(s, 1);
        }
        List<Integer> chainsPerRun = new ArrayList<>();
        try (Substrate inner = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            Substrate plain = new Substrate() { // declares no optional feature
                @Override public String backend() { return "plain"; }
                @Override public void program(Program p) { inner.program(p); }
                @Override public Program program() { return inner.program(); }
                @Override public void setBias(String f, float[] v) { inner.setBias(f, v); }
                @Override public void setClamp(String m, float[] v) { inner.setClamp(m, v); }
                @Override public RunResult run(RunSpec spec) {
                    chainsPerRun.add(spec.chains());
                    return inner.run(spec);
                }
                @Override public void close() { }
            };
            assertSame(expected, relax(plain, 3), "fallback");
        }
        assertEquals(List.of(2, 2, 2, 2, 2), chainsPerRun, "one input (two chains) per run");
    }
}
