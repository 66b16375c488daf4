package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.Layer;
import dev.tdi.unet.UNet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The oracle bound: exact skips + exact conditioning at low temperature reproduce the digital forward pass. */
class OracleSelfCheckTest {

    private static Map<String, float[]> taps(UNet net, float[] x, int t) {
        UNet.Forward f = net.forward(x, new int[]{t});
        Map<String, float[]> m = new HashMap<>();
        for (Layer l : net.layers()) {
            m.put(l.name(), f.tap(l.name()));
        }
        return m;
    }

    @Test
    void fixedPointOfTheCompiledProgramIsTheDigitalForwardPass() {
        UNet net = TestFixtures.smallNet(3);
        float[] calib = TestFixtures.randomImages(net, 4, 1);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net, net.forward(calib, new int[]{1, 200, 500, 900}));
        CompiledUNet c = UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults());
        assertEquals(2, c.skips().size(), "a 3-level U-Net has two skips");
        TimeBiasOracle oracle = new TimeBiasOracle(net);
        for (int t : new int[]{0, 321, 999}) {
            float[] x = TestFixtures.randomImages(net, 1, 100 + t);
            Map<String, float[]> bias = new HashMap<>();
            oracle.biases(ConditioningInput.of(t, 1000)).forEach((k, v) -> bias.put(k, c.biasField(k, v)));
            double[] fp = FixedPoint.solve(c.program(), Map.of(CompiledUNet.INPUT, x), bias);
            Map<String, float[]> digital = taps(net, x, t);
            for (Layer l : net.layers()) {
                float[] s = FixedPoint.slice(c.program(), fp, l.name());
                float[] d = digital.get(l.name());
                for (int i = 0; i < s.length; i++) {
                    assertEquals(d[i], s[i], 1e-4 * (1 + Math.abs(d[i])), l.name() + "[" + i + "] at t=" + t);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "sim"})
    void relaxationWithExactSkipsAndConditioningGivesDecoderCosineOne(String backend) {
        UNet net = TestFixtures.tinyNet(7);
        float[] calib = TestFixtures.randomImages(net, 4, 2);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net, net.forward(calib, new int[]{1, 200, 500, 900}));
        CompiledUNet c = UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults());
        var iface = TestFixtures.exactBiases(new TimeBiasOracle(net));
        // an exactness check of the relaxation: sim without its analog range (which would zero small couplings)
        SubstrateConfig config = backend.equals("sim") ? SubstrateConfig.of("range=unbounded")
                : SubstrateConfig.defaults();
        try (Substrate s = SubstrateRegistry.open(backend, config)) {
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, iface, new SubstrateDenoiser.Settings(1e-6, 150, 100, 1));
            double[] cos = new double[3];
            for (int i = 0; i < cos.length; i++) {
                int t = 100 + 400 * i;
                float[] x = TestFixtures.randomImages(net, 1, 50 + i);
                SubstrateDenoiser.Relaxed r = d.denoise(x, ConditioningInput.of(t, 1000), null, i);
                cos[i] = Metrics.decoderCosine(r.states(), taps(net, x, t), c.decoderModules());
            }
            double mean = Metrics.mean(cos);
            assertTrue(mean >= 0.99995, "oracle decoder cosine " + Arrays.toString(cos) + " must print as 1.0000");
        }
    }

    @Test
    void droppingTheSkipChangesTheDecoder() {
        UNet net = TestFixtures.tinyNet(7);
        float[] calib = TestFixtures.randomImages(net, 2, 2);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net, net.forward(calib, new int[]{1, 500}));
        CompiledUNet with = UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults());
        CompiledUNet without = UNetCompiler.compile(net, TestFixtures.dropped(), skips, UNetCompiler.Options.defaults());
        assertTrue(without.program().couplings() < with.program().couplings());
        assertEquals(0, without.skipCouplings());
        float[] x = TestFixtures.randomImages(net, 1, 9);
        double[] a = FixedPoint.solve(with.program(), Map.of("input", x), Map.of());
        double[] b = FixedPoint.solve(without.program(), Map.of("input", x), Map.of());
        Map<String, float[]> sa = new HashMap<>();
        Map<String, float[]> sb = new HashMap<>();
        for (String m : with.decoderModules()) {
            sa.put(m, FixedPoint.slice(with.program(), a, m));
            sb.put(m, FixedPoint.slice(without.program(), b, m));
        }
        double shift = Metrics.decoderShift(sa, sb, with.decoderModules());
        assertTrue(shift > 1e-3, "decoder shift " + shift);
    }
}
