package dev.tdi.substrate.fpga.device;

/**
 * The on-chip Gaussian noise generator (docs/fpga-device.md, "Noise generator"): counter-based, so every update
 * lane computes its own draw from (chain key, step, unit) with no shared state and no ordering constraint.
 * <pre>
 *   z  = M(key ^ M(((step &lt;&lt; 32) | unit) + 0x9E3779B97F4A7C15))      M = SplitMix64 finaliser
 *   S  = z[15:0] + z[31:16] + z[47:32] + z[63:48]                     (Irwin-Hall of 4 uniforms, 18 bits)
 *   xi = ((S - 131070) * 113512 + 2^15) &gt;&gt; 16                         (Q.16, variance 1, |xi| &lt;= 3.4641)
 * </pre>
 * 113512 = round(sqrt(3) * 2^16) rescales the variance 4/12 of the sum to 1. The key of chain c of a run seeded
 * s is {@code ChainSeeds.of(s, c)}, written by the host into the SEED region.
 */
public final class NoiseGenerator {
    private NoiseGenerator() {
    }

    public static final long GOLDEN = 0x9E3779B97F4A7C15L;
    public static final long SCALE = 113512;
    public static final long CENTER = 131070;

    /** The SplitMix64 finaliser (two 64x64 multiplies, three xor-shifts). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The raw 64-bit word for (key, step, unit). */
    public static long word(long key, long step, int unit) {
        return mix(key ^ mix(((step << 32) | (unit & 0xFFFF_FFFFL)) + GOLDEN));
    }

    /** The Q.16 standard-normal approximation for (key, step, unit). */
    public static int xi(long key, long step, int unit) {
        long z = word(key, step, unit);
        long s = (z & 0xFFFF) + ((z >>> 16) & 0xFFFF) + ((z >>> 32) & 0xFFFF) + (z >>> 48);
        return (int) (((s - CENTER) * SCALE + (1L << 15)) >> 16);
    }
}
