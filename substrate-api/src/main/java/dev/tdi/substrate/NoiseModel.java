package dev.tdi.substrate;

/**
 * How a backend produces its thermal noise.
 *
 * @param kind        the noise source
 * @param description e.g. the generator and its Gaussian transform
 */
public record NoiseModel(Kind kind, String description) {
    /** Where the noise comes from. */
    public enum Kind {
        /** A seeded pseudo-random generator: runs are reproducible. */
        PSEUDO_RANDOM,
        /** A seeded on-chip generator (LFSR, counter-based): reproducible on the device. */
        ON_CHIP_PSEUDO_RANDOM,
        /** Physical thermal noise: not reproducible by seed. */
        PHYSICAL
    }
}
