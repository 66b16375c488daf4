package com.example.tdi.topk;

import dev.tdi.coupling.CoupledSkip;
import dev.tdi.coupling.CouplingStrategy;
import dev.tdi.coupling.CouplingStrategyFactory;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.coupling.SpecParameters;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.SparseOperator;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * {@code topk:k=K}: keeps the K largest-magnitude weights of every decoder row of each skip operator (a sparse
 * skip) and reports its real wiring through {@link CoupledSkip.Wired}: one coupling per kept weight, and one
 * long-range line per encoder unit that any kept weight reads. It materialises each operator column by column,
 * so it suits small skips (the template's purpose), not the shipped model's largest level.
 */
public final class TopKStrategy implements CouplingStrategy {
    private final int k;

    public TopKStrategy(int k) {
        this.k = k;
    }

    @Override
    public String spec() {
        return "topk:k=" + k;
    }

    @Override
    public List<CoupledSkip> couple(List<SkipConnection> skips) {
        List<CoupledSkip> out = new ArrayList<>();
        for (SkipConnection s : skips) {
            out.add(sparsify(s.operator()));
        }
        return out;
    }

    private CoupledSkip sparsify(Operator w) {
        int rows = w.rows();
        int cols = w.cols();
        float[] dense = new float[rows * cols];
        double[] e = new double[cols];
        double[] column = new double[rows];
        for (int j = 0; j < cols; j++) {
            e[j] = 1;
            java.util.Arrays.fill(column, 0);
            w.apply(e, 0, column, 0);
            e[j] = 0;
            for (int i = 0; i < rows; i++) {
                dense[i * cols + j] = (float) column[i];
            }
        }
        BitSet read = new BitSet(cols);
        for (int i = 0; i < rows; i++) {
            keepLargest(dense, i * cols, cols, read);
        }
        SparseOperator sparse = SparseOperator.fromDense(rows, cols, dense);
        return new CoupledSkip.Wired(sparse, -1, sparse.couplings(), read.cardinality());
    }

    /** Zeroes all but the k largest |values| of one row, marking the columns kept. */
    private void keepLargest(float[] dense, int offset, int cols, BitSet read) {
        Integer[] order = new Integer[cols];
        for (int j = 0; j < cols; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(Math.abs(dense[offset + b]), Math.abs(dense[offset + a])));
        for (int r = 0; r < cols; r++) {
            int j = order[r];
            if (r < k && dense[offset + j] != 0) {
                read.set(j);
            } else {
                dense[offset + j] = 0;
            }
        }
    }

    /** Makes {@code topk} strategies from their spec; bound by {@link TopKModule}. */
    public static final class Factory implements CouplingStrategyFactory {
        @Override public String name() { return "topk"; }
        @Override public String usage() { return "topk:k=K (keep the K largest weights per decoder unit; 1..4096)"; }

        @Override
        public CouplingStrategy create(Map<String, String> parameters) {
            SpecParameters p = new SpecParameters(name(), parameters, usage());
            p.requireOnly("k");
            return new TopKStrategy(p.intValue("k", 1, 4096));
        }
    }
}
