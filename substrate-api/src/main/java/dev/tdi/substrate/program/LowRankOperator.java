package dev.tdi.substrate.program;

/**
 * A rank-k operator W = U V^T with U of rows x k and V of cols x k. In hardware it is a bus of k units:
 * V^T projects the source onto the bus and U fans the bus out to the target, so it needs k (rows + cols)
 * connections instead of rows x cols.
 */
public final class LowRankOperator implements Operator {
    private final int rows;
    private final int cols;
    private final int rank;
    private final float[] u;
    private final float[] v;

    /**
     * @param u rows x rank, row-major: u[i * rank + j] (copied)
     * @param v cols x rank, row-major: v[i * rank + j] (copied)
     */
    public LowRankOperator(int rows, int cols, int rank, float[] u, float[] v) {
        Operator.requirePositive("low-rank operator rows", rows);
        Operator.requirePositive("low-rank operator cols", cols);
        Operator.requirePositive("low-rank operator rank", rank);
        Operator.requireLength("low-rank factor U (rows x rank = " + rows + "x" + rank + ")", u.length,
                (long) rows * rank);
        Operator.requireLength("low-rank factor V (cols x rank = " + cols + "x" + rank + ")", v.length,
                (long) cols * rank);
        this.rows = rows;
        this.cols = cols;
        this.rank = rank;
        this.u = u.clone();
        this.v = v.clone();
    }

    @Override public OperatorKind kind() { return OperatorKind.LOW_RANK; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long couplings() { return (long) rank * (rows + cols); }
    @Override public long parameters() { return (long) u.length + v.length; }
    @Override public double maxAbsWeight() { return Math.max(Operator.maxAbs(u), Operator.maxAbs(v)); }

    @Override
    public double minAbsNonZeroWeight() {
        double a = Operator.minAbsNonZero(u), b = Operator.minAbsNonZero(v);
        return a == 0 ? b : b == 0 ? a : Math.min(a, b);
    }

    /** Zeroes small entries of the factors U and V (the bus's own wires), not of U V^T. */
    @Override
    public LowRankOperator withWeightsBelowZeroed(double threshold) {
        return new LowRankOperator(rows, cols, rank, Operator.zeroBelow(u, threshold),
                Operator.zeroBelow(v, threshold));
    }

    @Override
    public long firstNonFinite() {
        int i = Operator.firstNonFinite(u);
        if (i >= 0) {
            return i;
        }
        int j = Operator.firstNonFinite(v);
        return j < 0 ? -1 : (long) u.length + j;
    }

    /** The rank k. */
    public int rank() {
        return rank;
    }

    /** Copies of the factors, row-major rows x k and cols x k. */
    public float[] u() { return u.clone(); }
    public float[] v() { return v.clone(); }

    /** True when U and V are identical, which makes U V^T symmetric positive semi-definite. */
    public boolean isSymmetric() {
        return rows == cols && java.util.Arrays.equals(u, v);
    }

    @Override
    public void apply(double[] x, int xOff, double[] y, int yOff) {
        double[] bus = new double[rank];
        for (int i = 0; i < cols; i++) {
            double xi = x[xOff + i];
            int base = i * rank;
            for (int j = 0; j < rank; j++) {
                bus[j] += v[base + j] * xi;
            }
        }
        for (int i = 0; i < rows; i++) {
            double s = 0;
            int base = i * rank;
            for (int j = 0; j < rank; j++) {
                s += u[base + j] * bus[j];
            }
            y[yOff + i] += s;
        }
    }

    @Override
    public void applyTranspose(double[] x, int xOff, double[] y, int yOff) {
        double[] bus = new double[rank];
        for (int i = 0; i < rows; i++) {
            double xi = x[xOff + i];
            int base = i * rank;
            for (int j = 0; j < rank; j++) {
                bus[j] += u[base + j] * xi;
            }
        }
        for (int i = 0; i < cols; i++) {
            double s = 0;
            int base = i * rank;
            for (int j = 0; j < rank; j++) {
                s += v[base + j] * bus[j];
            }
            y[yOff + i] += s;
        }
    }

    @Override
    public String describe() {
        return "LOW_RANK " + rows + "x" + cols + " rank " + rank;
    }
}
