package dev.tdi.substrate;

import java.util.Locale;

/**
 * The span of magnitudes a device can hold for one kind of parameter (coupling weights, or stiffnesses): the
 * largest magnitude and the largest ratio of the largest to the smallest non-zero magnitude in one program. An
 * analog device sets couplings with DACs or programmed conductances of a few bits; a fixed-point device with a
 * word of given width; either resolves only a bounded ratio. Magnitudes are in the program's energy units, which are
 * kT at temperature 1 (a program run at temperature T holds a coupling w as w / T kT).
 *
 * @param maxMagnitude the largest magnitude, > 0 (may be infinite)
 * @param maxRatio     the largest ratio of largest to smallest non-zero magnitude, >= 1 (may be infinite)
 */
public record Range(double maxMagnitude, double maxRatio) {

    /** No bound: a simulator in floating point. */
    public static final Range UNBOUNDED = new Range(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);

    public Range {
        if (!(maxMagnitude > 0)) {
            throw new IllegalArgumentException("a range's largest magnitude must be > 0, found " + maxMagnitude);
        }
        if (!(maxRatio >= 1)) {
            throw new IllegalArgumentException("a range's largest/smallest ratio must be >= 1, found " + maxRatio);
        }
    }

    /** The ratio in decades, log10(maxRatio). */
    public double decades() {
        return Math.log10(maxRatio);
    }

    /** True when neither bound is finite. */
    public boolean isUnbounded() {
        return Double.isInfinite(maxMagnitude) && Double.isInfinite(maxRatio);
    }

    /** The smallest non-zero magnitude a program whose largest is {@code largest} may hold. */
    public double smallestFor(double largest) {
        return largest / maxRatio;
    }

    @Override
    public String toString() {
        if (isUnbounded()) {
            return "unbounded";
        }
        return String.format(Locale.ROOT, "|w| <= %s, largest/smallest <= %s (%s decades)", fmt(maxMagnitude),
                fmt(maxRatio), Double.isInfinite(maxRatio) ? "inf" : String.format(Locale.ROOT, "%.1f", decades()));
    }

    private static String fmt(double v) {
        return Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.4g", v);
    }
}
