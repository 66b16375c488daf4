package dev.tdi.substrate;

/**
 * How a backend represents weights and states: IEEE float, or signed fixed point with {@code fractionBits} of
 * fraction in {@code totalBits}. Conformance tolerances scale with {@link #resolution()}.
 *
 * @param name         e.g. "float32", "fixed Q8.16"
 * @param totalBits    storage width including sign
 * @param fractionBits fraction bits (fixed point) or mantissa bits (float)
 * @param floating     true for floating point
 */
public record NumberFormat(String name, int totalBits, int fractionBits, boolean floating) {

    /** IEEE 754 binary32. */
    public static NumberFormat float32() {
        return new NumberFormat("float32", 32, 23, true);
    }

    /** IEEE 754 binary64. */
    public static NumberFormat float64() {
        return new NumberFormat("float64", 64, 52, true);
    }

    /** Signed fixed point, two's complement, with the given widths. */
    public static NumberFormat fixed(int totalBits, int fractionBits) {
        if (totalBits < 2 || fractionBits < 0 || fractionBits >= totalBits) {
            throw new IllegalArgumentException("fixed point needs 0 <= fractionBits < totalBits, found Q"
                    + (totalBits - fractionBits) + "." + fractionBits);
        }
        return new NumberFormat("fixed Q" + (totalBits - 1 - fractionBits) + "." + fractionBits, totalBits,
                fractionBits, false);
    }

    /**
     * The representation error scale: the quantum 2^-fractionBits for fixed point (absolute), the unit
     * roundoff 2^-(fractionBits+1) for floating point (relative).
     */
    public double resolution() {
        return floating ? Math.scalb(1.0, -(fractionBits + 1)) : Math.scalb(1.0, -fractionBits);
    }

    /** The largest representable magnitude. */
    public double maxMagnitude() {
        return floating ? (totalBits == 32 ? Float.MAX_VALUE : Double.MAX_VALUE)
                : Math.scalb(1.0, totalBits - 1 - fractionBits) - resolution();
    }
}
