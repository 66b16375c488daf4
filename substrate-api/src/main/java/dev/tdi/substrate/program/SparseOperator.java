package dev.tdi.substrate.program;

/** A sparse matrix in compressed sparse row (CSR) form. */
public final class SparseOperator implements Operator {
    private final int rows;
    private final int cols;
    private final int[] rowPtr;
    private final int[] colIdx;
    private final float[] values;

    /**
     * @param rowPtr length rows + 1, non-decreasing, from 0 to nnz
     * @param colIdx length nnz, each in [0, cols)
     * @param values length nnz
     */
    public SparseOperator(int rows, int cols, int[] rowPtr, int[] colIdx, float[] values) {
        Operator.requirePositive("sparse operator rows", rows);
        Operator.requirePositive("sparse operator cols", cols);
        Operator.requireLength("sparse operator rowPtr (rows + 1)", rowPtr.length, rows + 1L);
        Operator.requireLength("sparse operator colIdx (nnz = values.length)", colIdx.length, values.length);
        if (rowPtr[0] != 0 || rowPtr[rows] != values.length) {
            throw new InvalidProgramException("sparse operator rowPtr must start at 0 and end at nnz = "
                    + values.length + ", found " + rowPtr[0] + " .. " + rowPtr[rows]);
        }
        for (int i = 0; i < rows; i++) {
            if (rowPtr[i + 1] < rowPtr[i]) {
                throw new InvalidProgramException("sparse operator rowPtr decreases at row " + i
                        + " (" + rowPtr[i] + " > " + rowPtr[i + 1] + ")");
            }
        }
        for (int k = 0; k < colIdx.length; k++) {
            if (colIdx[k] < 0 || colIdx[k] >= cols) {
                throw new InvalidProgramException("sparse operator colIdx[" + k + "] = " + colIdx[k]
                        + " is outside [0, " + cols + ")");
            }
        }
        this.rows = rows;
        this.cols = cols;
        this.rowPtr = rowPtr.clone();
        this.colIdx = colIdx.clone();
        this.values = values.clone();
    }

    /** Builds a CSR operator from a dense row-major matrix, keeping its non-zeros. */
    public static SparseOperator fromDense(int rows, int cols, float[] dense) {
        Operator.requireLength("dense matrix", dense.length, (long) rows * cols);
        int nnz = 0;
        for (float v : dense) {
            if (v != 0) {
                nnz++;
            }
        }
        int[] ptr = new int[rows + 1];
        int[] idx = new int[nnz];
        float[] val = new float[nnz];
        int k = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float v = dense[i * cols + j];
                if (v != 0) {
                    idx[k] = j;
                    val[k++] = v;
                }
            }
            ptr[i + 1] = k;
        }
        return new SparseOperator(rows, cols, ptr, idx, val);
    }

    @Override public OperatorKind kind() { return OperatorKind.SPARSE; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long couplings() { return values.length; }
    @Override public long parameters() { return values.length; }
    @Override public double maxAbsWeight() { return Operator.maxAbs(values); }
    @Override public double minAbsNonZeroWeight() { return Operator.minAbsNonZero(values); }

    /** Entries below the threshold become stored zeros (the sparsity pattern, hence the wiring, is kept). */
    @Override
    public SparseOperator withWeightsBelowZeroed(double threshold) {
        return new SparseOperator(rows, cols, rowPtr, colIdx, Operator.zeroBelow(values, threshold));
    }
    @Override public long firstNonFinite() { return Operator.firstNonFinite(values); }

    /** Number of stored entries. */
    public int nonZeros() {
        return values.length;
    }

    /** Copies of the CSR arrays. */
    public int[] rowPtr() { return rowPtr.clone(); }
    public int[] colIdx() { return colIdx.clone(); }
    public float[] values() { return values.clone(); }

    /** True when square and equal to its transpose (as a matrix, summing duplicate entries). */
    public boolean isSymmetric() {
        if (rows != cols) {
            return false;
        }
        if ((long) rows * cols <= MAX_DENSE_ENTRIES) {
            double[] d = toDense();
            for (int i = 0; i < rows; i++) {
                for (int j = i + 1; j < cols; j++) {
                    if (d[i * cols + j] != d[j * cols + i]) {
                        return false;
                    }
                }
            }
            return true;
        }
        // Large: compare W e_j with W^T e_j on the structure (duplicates are rare in large programs).
        java.util.Map<Long, Float> entries = new java.util.HashMap<>();
        for (int i = 0; i < rows; i++) {
            for (int k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
                entries.merge((long) i * cols + colIdx[k], values[k], Float::sum);
            }
        }
        for (var e : entries.entrySet()) {
            long i = e.getKey() / cols;
            long j = e.getKey() % cols;
            Float t = entries.get(j * cols + i);
            if (t == null ? e.getValue() != 0 : !t.equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void apply(double[] x, int xOff, double[] y, int yOff) {
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
                s += values[k] * x[xOff + colIdx[k]];
            }
            y[yOff + i] += s;
        }
    }

    @Override
    public void applyTranspose(double[] x, int xOff, double[] y, int yOff) {
        for (int i = 0; i < rows; i++) {
            double xi = x[xOff + i];
            for (int k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
                y[yOff + colIdx[k]] += values[k] * xi;
            }
        }
    }

    @Override
    public String describe() {
        return "SPARSE " + rows + "x" + cols + " nnz " + values.length;
    }
}
