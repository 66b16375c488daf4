package dev.tdi.substrate.fpga.device;

/**
 * The device's fixed-point arithmetic (docs/fpga-device.md, "Fixed-point formats"). States, biases, clamps,
 * stiffnesses and residual weights are Q15.16 in 32 bits; coupling weights are Q7.16 in 24 bits; products of two
 * Q.16 values are Q.32 and accumulate exactly in 64 bits; step sizes are UQ4.28 and noise amplitudes UQ8.24.
 * Rounding is always round-half-up: {@code (v + 2^(s-1)) >> s} with an arithmetic shift.
 */
public final class Fx {
    private Fx() {
    }

    /** Fraction bits of states and weights. */
    public static final int FRAC = 16;
    public static final double ONE = 65536.0;
    /** Largest state magnitude, raw (symmetric saturation). */
    public static final int STATE_MAX = Integer.MAX_VALUE;
    /** Weight width (bits, including sign) and largest raw magnitude. */
    public static final int WEIGHT_BITS = 24;
    public static final int WEIGHT_MAX = (1 << (WEIGHT_BITS - 1)) - 1;
    /** Step-size fraction bits (UQ4.28 in 32 bits). */
    public static final int DT_FRAC = 28;
    public static final long DT_MAX = 0xFFFF_FFFFL;
    /** Noise amplitude fraction bits (UQ8.24 in 32 bits). */
    public static final int SIGMA_FRAC = 24;
    public static final long SIGMA_MAX = 0xFFFF_FFFFL;

    /** Round-half-up right shift by {@code s} >= 1 bits. */
    public static long rnd(long v, int s) {
        return (v + (1L << (s - 1))) >> s;
    }

    /** True when v lies outside the symmetric 32-bit range. */
    public static boolean outside32(long v) {
        return v > STATE_MAX || v < -STATE_MAX;
    }

    /** Saturates to the symmetric 32-bit range [-(2^31 - 1), 2^31 - 1]. */
    public static int sat32(long v) {
        return v > STATE_MAX ? STATE_MAX : v < -STATE_MAX ? -STATE_MAX : (int) v;
    }

    /**
     * round-half-up((a * b) / 2^s) over the exact 128-bit product, for 1 <= s <= 62 and results that fit 64 bits.
     */
    public static long mulRnd(long a, long b, int s) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b);
        if ((hi == 0 && lo >= 0 && lo < Long.MAX_VALUE - (1L << s)) || (hi == -1 && lo < 0)) {
            return rnd(lo, s);
        }
        long lo2 = lo + (1L << (s - 1));
        if (Long.compareUnsigned(lo2, lo) < 0) {
            hi++;
        }
        return (hi << (64 - s)) | (lo2 >>> s);
    }

    /** Quantises a real value to Q.16, round half up, saturating to +-limit (raw). */
    public static long quantise(double v, long limit) {
        double r = Math.floor(v * ONE + 0.5);
        if (r > limit) {
            return limit;
        }
        if (r < -limit) {
            return -limit;
        }
        return (long) r;
    }

    /** A Q15.16 state/bias value. */
    public static int q16(double v) {
        return (int) quantise(v, STATE_MAX);
    }

    /** A Q7.16 coupling weight (24 bits). */
    public static int weight(double v) {
        return (int) quantise(v, WEIGHT_MAX);
    }

    /** Real value of a Q.16 raw number. */
    public static double real(long raw) {
        return raw / ONE;
    }

    /** An unsigned step size register, UQ4.28. */
    public static long dtRaw(double dt) {
        return (long) Math.floor(dt * (1L << DT_FRAC) + 0.5);
    }

    /** An unsigned noise amplitude register, UQ8.24. */
    public static long sigmaRaw(double sigma) {
        return (long) Math.floor(sigma * (1L << SIGMA_FRAC) + 0.5);
    }
}
