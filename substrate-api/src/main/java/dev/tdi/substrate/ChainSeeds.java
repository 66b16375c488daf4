package dev.tdi.substrate;

/**
 * Derives independent per-chain seeds from a run seed, so that a chain's noise depends only on (seed, chain)
 * and never on how chains are spread over threads. Uses the SplitMix64 finaliser (Steele, Lea, Flood 2014).
 */
public final class ChainSeeds {
    private ChainSeeds() {
    }

    /** The seed of chain {@code chain} of a run seeded with {@code seed}. */
    public static long of(long seed, int chain) {
        return mix(seed ^ mix(0x9E3779B97F4A7C15L * (chain + 1L)));
    }

    /** The SplitMix64 finaliser: a bijective 64-bit mixer. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
