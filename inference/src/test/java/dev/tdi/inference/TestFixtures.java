package dev.tdi.inference;

import dev.tdi.conditioning.BiasOracle;
import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.coupling.CoupledSkip;
import dev.tdi.coupling.CouplingStrategy;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny networks and test-only strategies/interfaces (the real ones live in the coupling and interface modules). */
final class TestFixtures {
    private TestFixtures() {
    }

    /** A 2-level U-Net on 8x8 images, channels [4, 8]: small enough for the reference backend. */
    static UNet tinyNet(long seed) {
        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[]{4, 8}, 1).withImageSize(8).withTime(8, 16);
        return UNet.create(cfg, seed);
    }

    /** A 3-level U-Net on 12x12 images, channels [4, 8, 8]. */
    static UNet smallNet(long seed) {
        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[]{4, 8, 8}, 1).withImageSize(12).withTime(8, 16);
        return UNet.create(cfg, seed);
    }

    static float[] randomImages(UNet net, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * net.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** Keeps every skip exactly (the test twin of the coupling module's "dense"). */
    static CouplingStrategy exact() {
        return new CouplingStrategy() {
            @Override public String spec() { return "test-exact"; }
            @Override public List<CoupledSkip> couple(List<SkipConnection> skips) {
                return skips.stream().<CoupledSkip>map(s -> new CoupledSkip.Direct(s.operator())).toList();
            }
        };
    }

    /** Drops every skip. */
    static CouplingStrategy dropped() {
        return new CouplingStrategy() {
            @Override public String spec() { return "test-dropped"; }
            @Override public List<CoupledSkip> couple(List<SkipConnection> skips) {
                return skips.stream().<CoupledSkip>map(s -> new CoupledSkip.Dropped()).toList();
            }
        };
    }

    /** The exact biases (the test twin of the interface module's "oracle"). */
    static ConditioningInterface exactBiases(BiasOracle oracle) {
        return new ConditioningInterface() {
            @Override public String spec() { return "test-oracle"; }
            @Override public long parameters() { return 0; }
            @Override public long multiplyAccumulates() { return 0; }
            @Override public Map<String, float[]> biases(ConditioningInput input) { return oracle.biases(input); }
        };
    }
}
