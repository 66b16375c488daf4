package dev.tdi.coupling;

import dev.tdi.substrate.program.Conv2dOperator;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Local (per-pixel) buses: exactness at full rank, optimality in the scatter metric, counts, refusals. */
class LocalBusTest {
    private final CouplingStrategies strategies = CouplingStrategies.standard();

    private CoupledSkip one(String spec, SkipConnection s) {
        return strategies.create(spec).couple(List.of(s)).get(0);
    }

    /** Calibration images of c channels over h x w pixels whose channel vectors span {@code rank} directions. */
    private static float[][] channelPlanted(int n, int c, int h, int w, int rank, double noise, long seed) {
        float[][] coeff = Synthetic.planted(n * h * w, c, rank, 0.7, noise, seed);
        float[][] x = new float[n][c * h * w];
        for (int s = 0; s < n; s++) {
            for (int p = 0; p < h * w; p++) {
                for (int i = 0; i < c; i++) {
                    x[s][i * h * w + p] = coeff[s * h * w + p][i];
                }
            }
        }
        return x;
    }

    @Test
    void atFullRankTheLocalBusIsTheTrainedConvolutionAndItsCountsAreThoseOfTheBus() {
        Conv2dOperator w = Synthetic.convW(3, 5, 6, 4, 1);
        SkipConnection s = Synthetic.skip("s", 0, w, channelPlanted(6, 3, 5, 6, 3, 0.1, 2));
        var bus = assertInstanceOf(CoupledSkip.LocalBus.class, one("hbc:k=3,bus=local", s));
        assertEquals(3, bus.rank());
        float[] a = w.kernel();
        float[] b = bus.w().kernel();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-5, "kernel entry " + i);
        }
        assertEquals(30L * 3, bus.longRangeLines()); // 3 values per pixel cross the chain
        // read-out: 3 bus units x 3 channels per pixel; fan-out: a 3-channel convolution with the trained geometry,
        // here as many couplings as the trained 3-channel kernel (every entry non-zero)
        assertEquals(30L * 3 * 3 + w.couplings(), bus.couplings());
        assertTrue(Synthetic.relError(s, bus) < 1e-5);
        // a direct skip carries one line per encoder unit (fewer than its decoder units)
        assertEquals(90, new CoupledSkip.Direct(w).longRangeLines());
    }

    /**
     * hbc's local basis is the top-k eigenvectors of M C M^T. Its error in the scatter metric must equal the tail
     * of that matrix's spectrum computed independently (the full (C_dec kh kw)^2 matrix, Commons Math), and must
     * not exceed the data-free svd and random local baselines'.
     */
    @Test
    void theLocalHbcBasisMeetsTheEckartYoungBoundInTheScatterMetric() {
        Conv2dOperator w = Synthetic.convW(6, 4, 4, 3, 3);
        SkipConnection s = Synthetic.skip("s", 0, w, channelPlanted(20, 6, 4, 4, 6, 0.05, 4));
        double[][] m = LocalBuses.scatterColumns(w);
        double[][] c = LocalBuses.channelGram(s, w);
        int n = LocalBuses.contributionSize(w);
        double[][] g = new double[n][n];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < n; b++) {
                        g[a][b] += m[i][a] * c[i][j] * m[j][b];
                    }
                }
            }
        }
        double[] lambda = new EigenDecomposition(new Array2DRowRealMatrix(g)).getRealEigenvalues();
        java.util.Arrays.sort(lambda);
        double total = 0;
        for (double l : lambda) {
            total += l;
        }
        for (int k = 1; k <= 6; k++) {
            double tail = 0;
            for (int i = 0; i < n - k; i++) {
                tail += Math.max(lambda[i], 0);
            }
            double hbc = scatterError(s, w, ((CoupledSkip.LocalBus) one("hbc:k=" + k + ",bus=local", s)).w());
            assertEquals(tail / total, hbc / total, 1e-6, "k=" + k);
            double svd = scatterError(s, w, ((CoupledSkip.LocalBus) one("svd:k=" + k + ",bus=local", s)).w());
            double rnd = scatterError(s, w, ((CoupledSkip.LocalBus) one("random:k=" + k + ",bus=local", s)).w());
            assertTrue(hbc <= svd * (1 + 1e-9) + 1e-9 && hbc <= rnd * (1 + 1e-9) + 1e-9,
                    "k=" + k + " hbc " + hbc + " svd " + svd + " random " + rnd);
        }
    }

    /** sum over samples and pixels of ||(M - M') x(p)||^2, M' the folded kernel's scatter matrix. */
    private static double scatterError(SkipConnection s, Conv2dOperator w, Conv2dOperator approx) {
        double[][] m = LocalBuses.scatterColumns(w);
        double[][] ma = LocalBuses.scatterColumns(approx);
        double[][] c = LocalBuses.channelGram(s, w);
        double e = 0;
        for (int i = 0; i < c.length; i++) {
            for (int j = 0; j < c.length; j++) {
                double d = 0;
                for (int a = 0; a < m[i].length; a++) {
                    d += (m[i][a] - ma[i][a]) * (m[j][a] - ma[j][a]);
                }
                e += c[i][j] * d;
            }
        }
        return e;
    }

    @Test
    void theRankIsCappedAtTheEncoderChannelsAndTheBudgetSplitsAcrossLevels() {
        Conv2dOperator w0 = Synthetic.convW(4, 6, 6, 4, 5);
        Conv2dOperator w1 = Synthetic.convW(8, 3, 3, 8, 6);
        SkipConnection s0 = Synthetic.skip("skip0", 0, w0, channelPlanted(8, 4, 6, 6, 4, 0.1, 7));
        SkipConnection s1 = Synthetic.skip("skip1", 1, w1, channelPlanted(8, 8, 3, 3, 8, 0.1, 8));
        var capped = strategies.create("hbc:k=64,bus=local").couple(List.of(s0, s1));
        assertEquals(4, ((CoupledSkip.LocalBus) capped.get(0)).rank());
        assertEquals(8, ((CoupledSkip.LocalBus) capped.get(1)).rank());
        var split = strategies.create("hbc:budget=6,bus=local").couple(List.of(s0, s1));
        int r0 = ((CoupledSkip.LocalBus) split.get(0)).rank();
        int r1 = ((CoupledSkip.LocalBus) split.get(1)).rank();
        assertEquals(6, r0 + r1);
        assertTrue(r0 >= 1 && r1 >= 1 && r0 <= 4);
        var report = CouplingReport.measure("hbc:k=2,bus=local", List.of(s0, s1),
                strategies.create("hbc:k=2,bus=local").couple(List.of(s0, s1)));
        assertEquals(2, report.maxRank());
        assertEquals(36L * 2 + 9L * 2, report.longRangeLines());
        assertTrue(report.skips().get(0).capturedEnergy() > 0 && report.skips().get(0).capturedEnergy() < 1);
    }

    @Test
    void aLocalBusNeedsAConvolutionAndAKnownBusKind() {
        SkipConnection dense = Synthetic.skip("skip0", 0, Synthetic.denseW(10, 12, 1),
                Synthetic.planted(5, 12, 2, 0.5, 0, 2));
        for (String spec : new String[]{"hbc:k=2,bus=local", "svd:k=2,bus=local", "random:k=2,bus=local"}) {
            var e = assertThrows(CouplingSpecException.class, () -> one(spec, dense));
            assertTrue(e.getMessage().contains("bus=local needs convolutional skips")
                    && e.getMessage().contains("skip0") && e.getMessage().contains("use bus=global"), e.getMessage());
        }
        var e = assertThrows(CouplingSpecException.class, () -> strategies.create("hbc:k=2,bus=pixel"));
        assertTrue(e.getMessage().contains("global") && e.getMessage().contains("local"), e.getMessage());
    }
}
