package dev.tdi.substrate.reference;

import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.NoiseModel;
import dev.tdi.substrate.NumberFormat;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import java.util.Set;

/**
 * Provider {@code reference}: the plain-Java executable specification of the substrate semantics. Every factor
 * and operator, double-precision state, single-threaded, deterministic by seed. Correct before fast; the fast
 * backends are checked against it.
 */
public final class ReferenceProvider implements SubstrateProvider {
    /** The provider name. */
    public static final String NAME = "reference";

    private static final Capabilities CAPABILITIES = Capabilities.everything(
            1L << 24, Long.MAX_VALUE, 1 << 16, NumberFormat.float64(),
            new NoiseModel(NoiseModel.Kind.PSEUDO_RANDOM,
                    "L64X128MixRandom per chain (seeded by ChainSeeds), JDK ziggurat Gaussians"))
            .toBuilder().feature(Feature.SCHEDULES).feature(Feature.PER_CHAIN_INPUTS).build();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "plain-Java executable specification: every factor and operator, double precision, one thread";
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Substrate open(SubstrateConfig config) {
        config.requireOnly(NAME, Set.of());
        return new ReferenceSubstrate(CAPABILITIES);
    }
}
