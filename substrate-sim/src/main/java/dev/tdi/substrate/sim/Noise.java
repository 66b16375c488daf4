package dev.tdi.substrate.sim;

import dev.tdi.substrate.ChainSeeds;

/**
 * The simulator's noise: a counter-based generator. The standard normal draw of unit {@code u} of chain {@code c}
 * at step {@code t} is a pure function of (ChainSeeds.of(seed, c), t, u), so a run is the same whatever the
 * thread count and whichever thread computes which block, and every block can be drawn independently with SIMD.
 * <p>
 * Per (chain, step), two 64-bit keys come from the SplitMix64 finaliser; per unit, two 32-bit words come from two
 * rounds of the {@code lowbias32} integer hash (C. Wellons) of the unit index under those keys; the words give
 * u1 in (0, 1] and u2 in [0, 1) with 24 bits each, and Box-Muller gives z = sqrt(-2 ln u1) sin(pi (u2 - 1/2))
 * (the sine of a uniform half-turn has the distribution of Box-Muller's cos(2 pi u2)). The logarithm and sine are our own polynomials built from IEEE-exact operations only, so the
 * scalar and vector paths (and interpreted and compiled code) produce the same bits. The draws are truncated at
 * |z| &lt;= sqrt(48 ln 2) = 5.77 (u1 &gt;= 2^-24), a tail of probability 8e-9.
 */
final class Noise {
        static final float LN2 = (float) Math.log(2);
    static final float SQRT2 = (float) Math.sqrt(2);
    static final float INV24 = 0x1p-24f;
    // log(m) = 2 atanh(s), s = (m - 1) / (m + 1): 2 (s + s^3/3 + s^5/5 + s^7/7 + s^9/9)
    static final float L3 = 2f / 3, L5 = 2f / 5, L7 = 2f / 7, L9 = 2f / 9;
    static final float PI = (float) Math.PI;
    // sin on [-pi/2, pi/2] (Taylor to theta^13)
    static final float S3 = -1f / 6, S5 = 1f / 120, S7 = -1f / 5040, S9 = 1f / 362880, S11 = -1f / 39916800,
            S13 = 1f / 6227020800f;

    private Noise() {
    }

    /** The first key of (chain seed, step). */
    static long stepKey(long chainSeed, long step) {
        return ChainSeeds.mix(chainSeed + (step + 1) * 0x9E3779B97F4A7C15L);
    }

    /** The second key, from the first. */
    static long stepKey2(long key) {
        return ChainSeeds.mix(key ^ 0xD1B54A32D192ED03L);
    }

    /** lowbias32 (Wellons): a 32-bit bijective mixer with low avalanche bias. */
    static int hash(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    /** ln(u) for u in (0, 1], from IEEE-exact operations (the vector kernel repeats it step by step). */
    static float log(float u) {
        int bits = Float.floatToRawIntBits(u);
        int e = (bits >>> 23) - 127;
        float m = Float.intBitsToFloat((bits & 0x007FFFFF) | 0x3F800000);
        if (m > SQRT2) {
            m = m * 0.5f;
            e = e + 1;
        }
        float s = (m - 1f) / (m + 1f);
        float s2 = s * s;
        float p = Math.fma(s2, Math.fma(s2, Math.fma(s2, Math.fma(s2, L9, L7), L5), L3), 2f);
        return Math.fma((float) e, LN2, s * p);
    }

    /**
     * sin(pi (u - 1/2)) for u in [0, 1): the sine of an angle uniform on [-pi/2, pi/2), which has the same
     * (arcsine) distribution as the cosine of an angle uniform on [0, 2 pi), so Box-Muller needs no range
     * reduction. Taylor to theta^13 (truncation error below 7e-10).
     */
    static float sinHalfTurn(float u) {
        float t = (u - 0.5f) * PI;
        float t2 = t * t;
        float p = Math.fma(t2, Math.fma(t2, Math.fma(t2, Math.fma(t2, Math.fma(t2, Math.fma(t2, S13, S11), S9),
                S7), S5), S3), 1f);
        return t * p;
    }

    /** The draw of one unit under the keys k0..k3 (the scalar definition). */
    static float gaussian(int k0, int k1, int k2, int k3, int unit) {
        int a = hash(hash(unit + k0) ^ k1);
        int b = hash(hash(unit + k2) ^ k3);
        float u1 = ((a >>> 8) + 1) * INV24;
        float u2 = (b >>> 8) * INV24;
        // log(u1) <= 0 for u1 in (0, 1] by construction (see log), so r2 >= 0 without a max
        float r2 = -2f * log(u1);
        return (float) Math.sqrt(r2) * sinHalfTurn(u2);
    }
}
