package com.example.tdi.topk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tdi.coupling.CoupledSkip;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.substrate.program.DenseOperator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopKStrategyTest {
    @Test
    void keepsTheLargestWeightsAndCountsTheLinesTheyRead() {
        // 2 decoder rows x 3 encoder columns; k = 1 keeps column 2 in row 0 and column 2 in row 1: one line.
        DenseOperator w = new DenseOperator(2, 3, new float[] {0.1f, -0.2f, 0.9f, 0.3f, 0.0f, -0.8f});
        SkipConnection skip = new SkipConnection("skip0", 0, "enc", "dec", w, new float[][] {{1, 1, 1}});
        var wired = (CoupledSkip.Wired) new TopKStrategy.Factory().create(Map.of("k", "1")).couple(List.of(skip)).get(0);
        assertEquals(2, wired.couplings());
        assertEquals(1, wired.longRangeLines());
    }
}
