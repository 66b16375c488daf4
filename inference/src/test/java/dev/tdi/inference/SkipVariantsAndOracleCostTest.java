package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.conditioning.ConditioningInterfaces;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.unet.Layer;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Retrained-skip baselines compile: a skip narrowed to k channels (layer skip{l}) and a pooled skip (layer pool{l})
 * become skips of k channels / of a quarter of the pixels, whose exact fixed point is the digital forward pass; and
 * the oracle interface is charged the digital time network, counted here by hand.
 */
class SkipVariantsAndOracleCostTest {
    /** 3 levels on 12 x 12 (12, 6, 3), channels [4, 8, 8], 1 block per level, time features 8, time network 16. */
    private static final UNetConfig SMALL = UNetConfig.defaults().withChannels(new int[]{4, 8, 8}, 1).withImageSize(12)
            .withTime(8, 16);

    private static UNet randomBiases(UNet net, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] p = net.parameters();
        for (UNet.Slot s : net.slots().values()) {
            if (s.name().endsWith(".b")) {
                for (int i = 0; i < s.size(); i++) {
                    p[s.offset() + i] = (float) (0.2 * r.nextGaussian());
                }
            }
        }
        return net;
    }

    private static void fixedPointEqualsForward(UNet net, CompiledUNet c) {
        TimeBiasOracle oracle = new TimeBiasOracle(net);
        for (int t : new int[]{0, 321, 999}) {
            float[] x = TestFixtures.randomImages(net, 1, 100 + t);
            Map<String, float[]> bias = new HashMap<>();
            oracle.biases(ConditioningInput.of(t, 1000)).forEach((k, v) -> bias.put(k, c.biasField(k, v)));
            double[] fp = FixedPoint.solve(c.program(), Map.of(CompiledUNet.INPUT, x), bias);
            UNet.Forward f = net.forward(x, new int[]{t});
            for (Layer l : net.layers()) {
                float[] s = FixedPoint.slice(c.program(), fp, l.name());
                float[] d = f.tap(l.name());
                for (int i = 0; i < s.length; i++) {
                    assertEquals(d[i], s[i], 1e-4 * (1 + Math.abs(d[i])), l.name() + "[" + i + "] at t=" + t);
                }
            }
        }
    }

    private static CompiledUNet compileExact(UNet net) {
        float[] calib = TestFixtures.randomImages(net, 4, 1);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net, net.forward(calib, new int[]{1, 200, 500, 900}));
        return UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults());
    }

    @Test
    void narrowedSkipsCompileToSkipsOfKChannels() {
        UNet net = randomBiases(UNet.create(SMALL.withSkipChannels(2, 3), 5), 6);
        CompiledUNet c = compileExact(net);
        assertEquals(List.of("skip1", "skip0"), c.skips().stream().map(SkipSite::source).toList());
        assertEquals(List.of(1, 0), c.skips().stream().map(SkipSite::level).toList());
        // lines: k x pixels, the fewer side of each direct skip: 3 x 6 x 6 + 2 x 12 x 12
        assertEquals(3 * 36 + 2 * 144, c.longRangeLines());
        assertEquals(false, c.decoderModules().contains("skip0"), "the projection sits on the encoder side");
        fixedPointEqualsForward(net, c);
    }

    @Test
    void pooledSkipsCompileToQuarterResolutionSkips() {
        UNet net = randomBiases(UNet.create(SMALL.withSkipPool(2, 2), 7), 8);
        CompiledUNet c = compileExact(net);
        assertEquals(List.of("pool1", "pool0"), c.skips().stream().map(SkipSite::source).toList());
        // lines: channels x (H/2) x (W/2): 8 x 3 x 3 + 4 x 6 x 6 (a quarter of the dense 8 x 36 + 4 x 144)
        assertEquals(8 * 9 + 4 * 36, c.longRangeLines());
        assertEquals((8 * 36 + 4 * 144) / 4, c.longRangeLines());
        fixedPointEqualsForward(net, c);
    }

    @Test
    void narrowedAndPooledTogetherCompile() {
        UNet net = randomBiases(UNet.create(SMALL.withSkipChannels(2, 0).withSkipPool(2, 1), 9), 10);
        CompiledUNet c = compileExact(net);
        assertEquals(List.of("enc1_0", "pool0"), c.skips().stream().map(SkipSite::source).toList());
        assertEquals(8 * 36 + 2 * 36, c.longRangeLines());
        fixedPointEqualsForward(net, c);
    }

    @Test
    void theOracleIsChargedTheTimeNetworkCountedByHand() {
        // 2 levels on 8 x 8, channels [4, 8], 1 block: time-biased layers enc0_0 (4), enc1_0 (8), up0 (4),
        // dec0_0 (4) = 20 channels (out has no time bias). Time features E = 6, time network H = 5:
        // parameters 5x6 + 5 (fc1) + 5x5 + 5 (fc2) + 20x5 (projections) = 165;
        // MACs 5x6 + 5x5 + 20x5 = 155.
        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[]{4, 8}, 1).withImageSize(8).withTime(6, 5);
        UNet net = UNet.create(cfg, 1);
        assertEquals(20, net.conditionedChannels());
        assertEquals(165, net.timeNetworkParameters());
        assertEquals(155, net.timeNetworkMacs());
        long inSlots = net.slots().values().stream().filter(s -> s.name().startsWith("temb.")
                || s.name().endsWith(".tproj")).mapToLong(UNet.Slot::size).sum();
        assertEquals(inSlots, net.timeNetworkParameters(), "the count is the time network's stored tensors");
        ConditioningInterface oracle = ConditioningInterfaces.standard().create("oracle",
                List.of(ConditioningInput.of(0, 1000)), new TimeBiasOracle(net), 1);
        assertEquals(165, oracle.parameters());
        assertEquals(155, oracle.multiplyAccumulates());
    }

    @Test
    void theShippedModelsTimeNetworkIs2448ParametersAnd2436Macs() {
        // 32 Fourier features, 6 wide, 368 conditioned channels: 6x32 + 6 + 6x6 + 6 + 368x6 = 2,448 parameters
        // (docs/default-model.md); 6 x (32 + 6 + 368) = 2,436 MACs
        UNet net = UNet.create(UNetConfig.defaults(), 1);
        assertEquals(368, net.conditionedChannels());
        assertEquals(2448, net.timeNetworkParameters());
        assertEquals(2436, net.timeNetworkMacs());
    }
}
