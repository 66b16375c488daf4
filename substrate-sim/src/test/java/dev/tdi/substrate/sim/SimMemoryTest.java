package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Memory is estimated before allocating; what does not fit is refused by size; production sizes run. */
class SimMemoryTest {

    @Test
    void aRunThatCannotFitIsRefusedNamingItsSize() {
        Program p = Program.builder().module("m", 1_000_000).onSite("m", Potential.quadratic(1, 0)).build();
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
            s.program(p);
            RunSpec spec = RunSpec.builder().steps(1, 1).chains(60_000).build();
            UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class, () -> s.run(spec));
            assertTrue(e.getMessage().contains("MiB") && e.getMessage().contains("60000 chains")
                    && e.getMessage().contains("available"), e.getMessage());
        }
    }

    @Test
    void theEstimateCountsLayoutsAndPerChainState() {
        Program p = lowRank(1000, 4);
        // U^T and V^T: 4 k (rows + cols) bytes; per chain 24 bytes per unit for x, g, sums and read-outs
        assertEquals(4L * 4 * 1000 + 24L * 1000, SimSubstrate.estimateBytes(p, 1, false));
        assertEquals(4L * 4 * 1000 + 3 * 24L * 1000, SimSubstrate.estimateBytes(p, 3, false));
        assertEquals(4L * 4 * 1000 + 32L * 1000, SimSubstrate.estimateBytes(p, 1, true));
    }

    /** A rank-k bus between two modules of d / 2 units each: d units in all. */
    static Program lowRank(int d, int k) {
        int h = d / 2;
        SplittableRandom rnd = new SplittableRandom(1);
        float scale = (float) (0.5 / Math.sqrt(h));
        float[] u = new float[h * k], v = new float[h * k];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (rnd.nextDouble(-1, 1) * scale * 1.7);
            v[i] = (float) (rnd.nextDouble(-1, 1) * scale * 1.7);
        }
        return Program.builder().module("enc", h).module("dec", h)
                .onSite("enc", Potential.quadratic(1, 0.1)).onSite("dec", Potential.rectified(1, 0.2))
                .coupling("dec", "enc", new LowRankOperator(h, h, k, u, v)).build();
    }

    @Test
    void theMillionUnitRankSixteenProgramRuns() {
        Program p = lowRank(1_000_000, 16);
        assertEquals(1_000_000, p.units());
        long estimate = SimSubstrate.estimateBytes(p, 1, false);
        assertTrue(estimate < 200L << 20, "estimate " + estimate);
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
            s.program(p);
            RunResult r = s.run(RunSpec.builder().steps(5, 5).stepSize(0.1).temperature(1).seed(2).build());
            assertEquals(10, r.steps());
            double m = 0;
            for (float x : r.mean("enc", 0)) {
                assertTrue(Float.isFinite(x));
                m += x;
            }
            // the on-site centre 0.1 dominates: after 10 steps from 0 with dt 0.1 the mean has moved towards it
            m /= 500_000;
            assertTrue(m > 0.02 && m < 0.1, "mean " + m);
        }
    }
}
