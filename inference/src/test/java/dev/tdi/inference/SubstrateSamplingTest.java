package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.UNet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** DDIM with the substrate as the denoiser (exact skips, exact conditioning) follows the digital sampler. */
class SubstrateSamplingTest {

    @Test
    void substrateDdimMatchesDigitalDdimWithExactSkipsAndConditioning() {
        UNet net = TestFixtures.tinyNet(11);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net,
                net.forward(TestFixtures.randomImages(net, 2, 3), new int[]{10, 900}));
        CompiledUNet c = UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults());
        int[] ts = GenerateJob.schedule(net.config().diffusionSteps(), 5);
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, TestFixtures.exactBiases(new TimeBiasOracle(net)),
                    new SubstrateDenoiser.Settings(1e-6, 120, 40, 1));
            for (int m = 0; m < 2; m++) {
                SplittableRandom r = new SplittableRandom(m);
                float[] xT = new float[net.inputSize()];
                for (int i = 0; i < xT.length; i++) {
                    xT[i] = (float) Workload.gaussian(r);
                }
                float[] dig = GenerateJob.ddim(net, xT, ts, (x, t) -> net.predict(x, new double[]{t}));
                float[][] warm = {null};
                float[] sub = GenerateJob.ddim(net, xT, ts, (x, t) -> {
                    var rx = d.denoise(x, ConditioningInput.of(t, net.config().diffusionSteps()), warm[0], t);
                    warm[0] = rx.finalState();
                    return rx.states().get("out");
                });
                double cos = Metrics.cosine(sub, dig);
                assertTrue(cos > 0.999, "sample " + m + ": cosine " + cos);
            }
        }
    }
}
