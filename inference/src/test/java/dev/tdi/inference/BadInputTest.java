package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.coupling.CoupledSkip;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.unet.Activation;
import dev.tdi.unet.Layer;
import dev.tdi.unet.LayerInput;
import dev.tdi.unet.OpKind;
import dev.tdi.unet.UNet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every bad input gets a clear error naming the problem and the accepted values. */
class BadInputTest {

    private static void assertMessage(Throwable t, String... parts) {
        for (String p : parts) {
            assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' should mention '" + p + "'");
        }
    }

    @Test
    void unknownBackendNamesTheKnownOnes() {
        var e = assertThrows(RuntimeException.class, () -> Jobs.validate("warp-drive", List.of("dense"),
                List.of("oracle")));
        assertMessage(e, "warp-drive", "reference", "sim");
    }

    @Test
    void unknownStrategyNamesTheKnownOnes() {
        var e = assertThrows(RuntimeException.class, () -> Jobs.validate("reference", List.of("telepathy:k=3"),
                List.of("oracle")));
        assertMessage(e, "telepathy", "hbc", "dense", "none");
    }

    @Test
    void malformedStrategySpecsQuoteTheUsage() {
        var e = assertThrows(RuntimeException.class, () -> Jobs.validate("reference", List.of("hbc:k=0"),
                List.of("oracle")));
        assertMessage(e, "hbc", "k");
        assertThrows(RuntimeException.class, () -> Jobs.validate("reference", List.of("hbc:k=two"), List.of("oracle")));
        assertThrows(RuntimeException.class, () -> Jobs.validate("reference", List.of("svd:q=2"), List.of("oracle")));
    }

    @Test
    void unknownInterfaceAndMalformedSpecs() {
        var e = assertThrows(RuntimeException.class, () -> Jobs.validate("reference", List.of("dense"),
                List.of("crystal-ball")));
        assertMessage(e, "crystal-ball", "minimal", "oracle", "none");
        var m = assertThrows(RuntimeException.class, () -> Jobs.validate("reference", List.of("dense"),
                List.of("minimal:b=-1")));
        assertMessage(m, "b");
    }

    @Test
    void goodSpecsPass() {
        Jobs.validate("reference", List.of("none", "dense", "hbc:k=4", "hbc:budget=8", "svd:k=2", "random:k=2"),
                List.of("none", "oracle", "minimal:b=2,h=8"));
    }

    @Test
    void shapeMismatchIsACompileError() {
        UNet net = TestFixtures.tinyNet(1);
        Layer real = net.layers().get(0);
        LayerInput in = real.inputs().get(0);
        Layer wrong = new Layer(real.name(), real.channels() + 1, real.height(), real.width(), Activation.RELU,
                new float[real.channels() + 1], false, List.of(in));
        var e = assertThrows(CompileException.class, () -> Operators.of(wrong, in));
        assertMessage(e, real.name(), "shape mismatch");
        LayerInput badKernel = new LayerInput(in.source(), OpKind.CONV, new float[3], in.weightShape(),
                in.tensorName(), in.inChannels(), in.inHeight(), in.inWidth(), in.outChannels(), in.kernel(),
                in.stride(), in.padding(), in.outputPadding());
        var k = assertThrows(CompileException.class, () -> Operators.of(real, badKernel));
        assertMessage(k, real.name(), "cannot be compiled");
    }

    @Test
    void aStrategyOperatorOfTheWrongShapeIsRefused() {
        UNet net = TestFixtures.tinyNet(1);
        var e = assertThrows(CompileException.class, () -> UNetCompiler.compile(net,
                List.<CoupledSkip>of(new CoupledSkip.Direct(new DenseOperator(2, 3, new float[6]))), "bad",
                UNetCompiler.Options.defaults()));
        assertMessage(e, "coupling strategy", "expected");
        var n = assertThrows(CompileException.class, () -> UNetCompiler.compile(net, List.of(), "bad",
                UNetCompiler.Options.defaults()));
        assertMessage(n, "1 skips");
    }

    @Test
    void aProgramTooBigForTheBackendIsRefusedWithTheReason() {
        UNet net = TestFixtures.tinyNet(1);
        float[] calib = TestFixtures.randomImages(net, 2, 1);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net, net.forward(calib, new int[]{1, 2}));
        CompiledUNet c = UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults());
        try (Substrate s = SubstrateRegistry.open("small-test-device", SubstrateConfig.defaults())) {
            var e = assertThrows(UnsupportedProgramException.class, () -> new SubstrateDenoiser(s, c,
                    TestFixtures.exactBiases(new TimeBiasOracle(net)), new SubstrateDenoiser.Settings(0, 1, 1, 1)));
            assertMessage(e, "small-test-device", "units", "64");
        }
    }

    @Test
    void unstableOrMeaninglessRelaxationSettingsAreRefused() {
        UNet net = TestFixtures.tinyNet(1);
        assertThrows(IllegalArgumentException.class, () -> UNetCompiler.compile(net, List.of(new CoupledSkip.Dropped()),
                "none", new UNetCompiler.Options(2.5, 0.1)));
        assertThrows(IllegalArgumentException.class, () -> UNetCompiler.compile(net, List.of(new CoupledSkip.Dropped()),
                "none", new UNetCompiler.Options(Double.NaN, -1)));
        assertThrows(IllegalArgumentException.class, () -> new SubstrateDenoiser.Settings(-1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new EnergyLedger().with("warp_J", 1));
        assertThrows(IllegalArgumentException.class, () -> new EnergyLedger().with("mac_J", -1));
    }
}
