package dev.tdi.substrate.sim;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.NumberFormat;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import java.util.Set;

/**
 * Provider {@code sim}: the SIMD Langevin simulator. Settings: {@code threads} (default: available processors;
 * results do not depend on it) and {@code vector} ({@code false} forces the scalar kernels). Without module
 * {@code jdk.incubator.vector} it still loads and runs on scalar kernels, and its description says so.
 */
public final class SimProvider implements SubstrateProvider {
    /** The provider name. */
    public static final String NAME = "sim";
    static final Set<String> SETTINGS = Set.of("threads", "vector");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        String reason = KernelsLoader.fallbackReason();
        if (reason == null) {
            return "SIMD Langevin simulator in float32 (" + Kernels.load(true).description()
                    + "), batched chains, deterministic multi-threading";
        }
        return "Langevin simulator in float32 on the SCALAR FALLBACK (" + reason
                + "): same results, several times slower";
    }

    /** True when this JVM runs the Vector API kernels. */
    public static boolean vectorized() {
        return Kernels.load(true).vectorized();
    }

    @Override
    public Capabilities capabilities() {
        return capabilitiesStatic();
    }

    static Capabilities capabilitiesStatic() {
        return Capabilities.everything(Integer.MAX_VALUE - 8, Long.MAX_VALUE, 1 << 16, NumberFormat.float32(),
                new NoiseModel(NoiseModel.Kind.PSEUDO_RANDOM,
                        "counter-based: lowbias32 hash of (chain seed, step, unit), Box-Muller with polynomial"
                                + " log/sin, identical on vector and scalar paths"))
                .toBuilder().feature(dev.tdi.substrate.Feature.PER_CHAIN_INPUTS).build();
    }

    @Override
    public Substrate open(SubstrateConfig config) {
        config.requireOnly(NAME, SETTINGS);
        int threads = config.getInt("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new dev.tdi.substrate.program.InvalidProgramException("sim setting threads must be >= 1, found "
                    + threads);
        }
        boolean vector = Boolean.parseBoolean(config.get("vector", "true"));
        return new SimSubstrate(Kernels.load(vector), threads);
    }
}
