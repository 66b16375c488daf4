package dev.tdi.substrate.program;

/** A row-major dense rows x cols matrix. */
public final class DenseOperator implements Operator {
    private final int rows;
    private final int cols;
    private final float[] values;

    /** @param values row-major, length rows * cols (copied) */
    public DenseOperator(int rows, int cols, float[] values) {
        Operator.requirePositive("dense operator rows", rows);
        Operator.requirePositive("dense operator cols", cols);
        Operator.requireLength("dense operator values (rows x cols = " + rows + " x " + cols + ")",
                values.length, (long) rows * cols);
        this.rows = rows;
        this.cols = cols;
        this.values = values.clone();
    }

    /** A dense operator from a double matrix given as rows. */
    public static DenseOperator of(double[][] m) {
        int r = m.length;
        int c = r == 0 ? 0 : m[0].length;
        float[] v = new float[r * c];
        for (int i = 0; i < r; i++) {
            Operator.requireLength("row " + i + " of the dense matrix", m[i].length, c);
            for (int j = 0; j < c; j++) {
                v[i * c + j] = (float) m[i][j];
            }
        }
        return new DenseOperator(r, c, v);
    }

    @Override public OperatorKind kind() { return OperatorKind.DENSE; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long parameters() { return values.length; }
    @Override public double maxAbsWeight() { return Operator.maxAbs(values); }
    @Override public double minAbsNonZeroWeight() { return Operator.minAbsNonZero(values); }

    @Override
    public DenseOperator withWeightsBelowZeroed(double threshold) {
        return new DenseOperator(rows, cols, Operator.zeroBelow(values, threshold));
    }
    @Override public long firstNonFinite() { return Operator.firstNonFinite(values); }

    @Override
    public long couplings() {
        long nz = 0;
        for (float v : values) {
            if (v != 0) {
                nz++;
            }
        }
        return nz;
    }

    /** W[i][j]. */
    public float get(int i, int j) {
        return values[i * cols + j];
    }

    /** A copy of the row-major values. */
    public float[] values() {
        return values.clone();
    }

    /** True when the matrix is square and exactly symmetric. */
    public boolean isSymmetric() {
        if (rows != cols) {
            return false;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = i + 1; j < cols; j++) {
                if (values[i * cols + j] != values[j * cols + i]) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void apply(double[] x, int xOff, double[] y, int yOff) {
        for (int i = 0; i < rows; i++) {
            double s = 0;
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                s += values[base + j] * x[xOff + j];
            }
            y[yOff + i] += s;
        }
    }

    @Override
    public void applyTranspose(double[] x, int xOff, double[] y, int yOff) {
        for (int i = 0; i < rows; i++) {
            double xi = x[xOff + i];
            if (xi == 0) {
                continue;
            }
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                y[yOff + j] += values[base + j] * xi;
            }
        }
    }

    @Override
    public String describe() {
        return "DENSE " + rows + "x" + cols;
    }
}
