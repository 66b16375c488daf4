package dev.tdi.substrate.program;

/**
 * A linear map W from a source module (columns) to a target module (rows). Operators are immutable: their arrays
 * are copied in and never handed out except as copies. The {@code apply} methods are the plain reference
 * implementation of the semantics; fast backends lay the weights out in their own formats.
 */
public sealed interface Operator
        permits DenseOperator, SparseOperator, Conv2dOperator, ConvTranspose2dOperator, LowRankOperator {

    /** The largest operator {@link #toDense()} materialises. */
    long MAX_DENSE_ENTRIES = 1L << 26;

    /** Which kind of operator this is. */
    OperatorKind kind();

    /** Output dimension (units of the target module). */
    int rows();

    /** Input dimension (units of the source module). */
    int cols();

    /**
     * Physical pairwise connections a device needs to realise this operator: non-zeros for dense and sparse,
     * in-bounds (output, input) pairs for convolutions, and k (rows + cols) for a rank-k bus.
     */
    long couplings();

    /** Number of stored weights. */
    long parameters();

    /** The largest magnitude among the stored weights (a device's coupling range must cover it). */
    double maxAbsWeight();

    /**
     * The smallest non-zero magnitude among the stored weights, or 0 when every weight is zero. With
     * {@link #maxAbsWeight()} it gives the dynamic range a device's coupling DACs must resolve.
     */
    double minAbsNonZeroWeight();

    /**
     * This operator with every stored weight of magnitude below {@code threshold} set to zero (the same shape and
     * kind): how a device whose couplings resolve only magnitudes down to {@code threshold} realises it.
     */
    Operator withWeightsBelowZeroed(double threshold);

    /** True when every stored weight is finite; see {@link #firstNonFinite()}. */
    default boolean isFinite() {
        return firstNonFinite() < 0;
    }

    /** Index of the first non-finite stored weight, or -1. */
    long firstNonFinite();

    /** y[yOff ..] += W x[xOff ..]. */
    void apply(double[] x, int xOff, double[] y, int yOff);

    /** y[yOff ..] += W^T x[xOff ..]. */
    void applyTranspose(double[] x, int xOff, double[] y, int yOff);

    /** The operator as a row-major rows x cols matrix; refused above {@link #MAX_DENSE_ENTRIES} entries. */
    default double[] toDense() {
        long n = (long) rows() * cols();
        if (n > MAX_DENSE_ENTRIES) {
            throw new InvalidProgramException(kind() + " operator of " + rows() + " x " + cols()
                    + " is too large to materialise densely (limit " + MAX_DENSE_ENTRIES + " entries)");
        }
        double[] dense = new double[(int) n];
        double[] e = new double[cols()];
        double[] col = new double[rows()];
        for (int j = 0; j < cols(); j++) {
            e[j] = 1;
            java.util.Arrays.fill(col, 0);
            apply(e, 0, col, 0);
            for (int i = 0; i < rows(); i++) {
                dense[i * cols() + j] = col[i];
            }
            e[j] = 0;
        }
        return dense;
    }

    /** A short human-readable description, e.g. {@code CONV2D 8x1x3x3 stride 1 pad 1 (1x28x28 -> 8x28x28)}. */
    String describe();

    /** Index of the first non-finite value in {@code a}, or -1. */
    static int firstNonFinite(float[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                return i;
            }
        }
        return -1;
    }

    /** The largest magnitude in {@code a}. */
    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** The smallest non-zero magnitude in {@code a}, or 0 when all are zero. */
    static double minAbsNonZero(float[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (float v : a) {
            if (v != 0) {
                m = Math.min(m, Math.abs(v));
            }
        }
        return m == Double.POSITIVE_INFINITY ? 0 : m;
    }

    /** A copy of {@code a} with every entry of magnitude below {@code threshold} set to zero. */
    static float[] zeroBelow(float[] a, double threshold) {
        float[] b = a.clone();
        for (int i = 0; i < b.length; i++) {
            if (Math.abs(b[i]) < threshold) {
                b[i] = 0;
            }
        }
        return b;
    }

    /** Requires {@code actual == expected} for an array length, naming the array. */
    static void requireLength(String what, long actual, long expected) {
        if (actual != expected) {
            throw new InvalidProgramException(what + " has " + actual + " entries, expected " + expected);
        }
    }

    /** Requires a strictly positive dimension. */
    static void requirePositive(String what, int value) {
        if (value <= 0) {
            throw new InvalidProgramException(what + " must be positive, found " + value);
        }
    }
}
