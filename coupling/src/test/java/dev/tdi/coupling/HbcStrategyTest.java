package dev.tdi.coupling;

import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Operator;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HbcStrategyTest {
    private final CouplingStrategies strategies = CouplingStrategies.standard();

    private CoupledSkip one(String spec, SkipConnection s) {
        return strategies.create(spec).couple(List.of(s)).get(0);
    }

    @Test
    void hbcAtThePlantedRankReproducesTheSkipExactlyWhileBaselinesDoNot() {
        int r = 3;
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(40, 48, 1),
                Synthetic.planted(120, 48, r, 0.8, 0, 2));
        double hbc = Synthetic.relError(s, one("hbc:k=" + r, s));
        double svd = Synthetic.relError(s, one("svd:k=" + r, s));
        double rnd = Synthetic.relError(s, one("random:k=" + r, s));
        assertTrue(hbc < 1e-6, "hbc rel error " + hbc);
        // W is a generic 40x48 Gaussian matrix: its top-3 singular directions are unrelated to the data's.
        assertTrue(svd > 0.1, "svd rel error " + svd);
        assertTrue(rnd > 0.1, "random rel error " + rnd);
    }

    @Test
    void hbcReproducesAPlantedRankThroughAConvolution() {
        Operator w = Synthetic.convW(2, 6, 6, 3, 3); // 72 -> 108
        SkipConnection s = Synthetic.skip("c", 1, w, Synthetic.planted(50, 72, 4, 0.9, 0, 4));
        for (String solver : new String[] {"gram", "rsvd"}) {
            CoupledSkip c = one("hbc:k=4,solver=" + solver, s);
            assertTrue(Synthetic.relError(s, c) < 1e-6, solver + " " + Synthetic.relError(s, c));
            assertEquals(4, ((CoupledSkip.Bus) c).w().rank());
        }
    }

    /** Eckart-Young in the data metric: hbc's error equals the tail of S's spectrum from an independent SVD. */
    @Test
    void hbcMeetsTheEckartYoungBoundAndBeatsTheBaselinesAtEveryRank() {
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(30, 36, 5),
                Synthetic.planted(80, 36, 10, 0.7, 0.01, 6));
        double[][] cols = Projections.dataColumns(s);
        double[][] sm = new double[30][80];
        for (int n = 0; n < 80; n++) {
            for (int i = 0; i < 30; i++) {
                sm[i][n] = cols[n][i];
            }
        }
        double[] sigma = new SingularValueDecomposition(new Array2DRowRealMatrix(sm)).getSingularValues();
        double total = 0;
        for (double v : sigma) {
            total += v * v;
        }
        double previous = Double.POSITIVE_INFINITY;
        for (int k = 1; k <= 8; k++) {
            double tail = 0;
            for (int j = k; j < sigma.length; j++) {
                tail += sigma[j] * sigma[j];
            }
            double bound = Math.sqrt(tail / total);
            double hbc = Synthetic.relError(s, one("hbc:k=" + k, s));
            assertEquals(bound, hbc, 1e-5 + 1e-4 * bound, "k=" + k);
            double svd = Synthetic.relError(s, one("svd:k=" + k, s));
            double rnd = Synthetic.relError(s, one("random:k=" + k, s));
            assertTrue(hbc <= svd + 1e-9 && hbc <= rnd + 1e-9, "k=" + k + " hbc " + hbc + " svd " + svd
                    + " random " + rnd);
            assertTrue(hbc < previous, "not decreasing at k=" + k);
            previous = hbc;
        }
    }

    @Test
    void countsAreExact() {
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(40, 48, 1),
                Synthetic.planted(60, 48, 10, 0.9, 0.01, 2));
        for (String spec : new String[] {"hbc:k=5", "svd:k=5", "random:k=5"}) {
            CouplingStrategies.Result res = strategies.couple(spec, List.of(s));
            LowRankOperator w = ((CoupledSkip.Bus) res.coupled().get(0)).w();
            assertEquals(5, w.rank(), spec);
            assertEquals(5L * (40 + 48), res.coupled().get(0).couplings(), spec);
            assertEquals(5, res.coupled().get(0).longRangeLines(), spec);
            assertEquals(5L * (40 + 48), res.report().couplings(), spec);
            assertEquals(40L * 48, res.report().denseCouplings(), spec);
            assertEquals(5, res.report().maxRank(), spec);
        }
        CouplingStrategies.Result dense = strategies.couple("dense", List.of(s));
        assertEquals(40L * 48, dense.report().couplings());
        assertEquals(40, dense.report().longRangeLines()); // one line per decoder unit, summed next to the encoder
        assertEquals(1.0, dense.report().skips().get(0).capturedEnergy(), 1e-9);
        CouplingStrategies.Result none = strategies.couple("none", List.of(s));
        assertInstanceOf(CoupledSkip.Dropped.class, none.coupled().get(0));
        assertEquals(0, none.report().couplings());
        assertEquals(0, none.report().skips().get(0).capturedEnergy());
    }

    @Test
    void rankIsCappedByDimensionsAndCalibrationSize() {
        // N = 6 samples: S has rank at most 6 whatever k asks for.
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(20, 24, 1), Synthetic.planted(6, 24, 6, 1, 0, 9));
        CoupledSkip c = one("hbc:k=50", s);
        assertEquals(6, ((CoupledSkip.Bus) c).w().rank());
        assertTrue(Synthetic.relError(s, c) < 1e-6);
        assertEquals(20, ((CoupledSkip.Bus) one("svd:k=50", s)).w().rank());
    }

    @Test
    void randomizedSvdMatchesTheGramRoute() {
        // N = 300 samples of a 60-dim skip with a geometrically decaying spectrum (ratio 0.7); k = 6, 10 oversample,
        // 3 power iterations: the subspace error bound (sigma_17 / sigma_6)^7 is about 1e-11. Tolerance 1e-8.
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(60, 64, 11),
                Synthetic.planted(300, 64, 30, 0.7, 0, 12));
        HbcStrategy gram = (HbcStrategy) strategies.create("hbc:k=6,solver=gram");
        HbcStrategy rsvd = (HbcStrategy) strategies.create("hbc:k=6,solver=rsvd,power=3");
        HbcStrategy.Spectrum a = gram.spectrum(s, 6, 0);
        HbcStrategy.Spectrum b = rsvd.spectrum(s, 6, 0);
        assertTrue(a.gram() && !b.gram());
        assertEquals(a.energy(), b.energy(), 1e-9 * a.energy());
        for (int j = 0; j < 6; j++) {
            assertEquals(a.svd().sigma()[j], b.svd().sigma()[j], 1e-8 * a.svd().sigma()[0], "sigma " + j);
        }
        // the projectors P P^T agree
        double diff = 0;
        for (int i = 0; i < 60; i++) {
            for (int j = 0; j < 60; j++) {
                double pa = 0;
                double pb = 0;
                for (int q = 0; q < 6; q++) {
                    pa += a.svd().u()[q][i] * a.svd().u()[q][j];
                    pb += b.svd().u()[q][i] * b.svd().u()[q][j];
                }
                diff += (pa - pb) * (pa - pb);
            }
        }
        assertTrue(Math.sqrt(diff) < 1e-8, "projector difference " + Math.sqrt(diff));
    }

    @Test
    void budgetGivesMoreRankToTheLevelWithMoreEnergyAndIsOptimal() {
        // Level 0: 20 directions, slow decay; level 1: same but 1/5 the scale. Both 30 x 32.
        SkipConnection s0 = Synthetic.skip("s0", 0, Synthetic.denseW(30, 32, 21),
                Synthetic.planted(60, 32, 20, 0.85, 0, 22));
        float[][] x1 = Synthetic.planted(60, 32, 20, 0.85, 0, 23);
        for (float[] row : x1) {
            for (int i = 0; i < row.length; i++) {
                row[i] /= 5;
            }
        }
        SkipConnection s1 = Synthetic.skip("s1", 1, Synthetic.denseW(30, 32, 24), x1);
        List<SkipConnection> skips = List.of(s0, s1);
        int budget = 10;
        CouplingStrategies.Result res = strategies.couple("hbc:budget=" + budget, skips);
        int r0 = res.report().skips().get(0).rank();
        int r1 = res.report().skips().get(1).rank();
        assertEquals(budget, r0 + r1);
        assertTrue(r1 >= 1 && r0 > r1, "ranks " + r0 + ", " + r1);
        // Greedy on decreasing marginal gains is optimal: no other split with both >= 1 has a smaller total error.
        double best = Double.POSITIVE_INFINITY;
        for (int k0 = 1; k0 < budget; k0++) {
            List<CoupledSkip> c0 = strategies.create("hbc:k=" + k0).couple(List.of(s0));
            List<CoupledSkip> c1 = strategies.create("hbc:k=" + (budget - k0)).couple(List.of(s1));
            double err = residual(s0, c0.get(0)) + residual(s1, c1.get(0));
            best = Math.min(best, err);
        }
        double greedy = residual(s0, res.coupled().get(0)) + residual(s1, res.coupled().get(1));
        assertEquals(best, greedy, 1e-9 * best);
        // max=M caps each level: the excess goes to the other level
        CouplingStrategies.Result capped = strategies.couple("hbc:budget=" + budget + ",max=" + (r0 - 1), skips);
        assertEquals(r0 - 1, capped.report().skips().get(0).rank());
        assertEquals(r1 + 1, capped.report().skips().get(1).rank());
        // norm=rel ignores scale: identical spectra shapes give a near-even split.
        CouplingStrategies.Result rel = strategies.couple("hbc:budget=" + budget + ",norm=rel", skips);
        assertTrue(Math.abs(rel.report().skips().get(0).rank() - rel.report().skips().get(1).rank()) <= 2,
                rel.report().format());
    }

    @Test
    void budgetAllocationRule() {
        List<HbcStrategy.Spectrum> spectra = new ArrayList<>();
        spectra.add(new HbcStrategy.Spectrum(new Linalg.Svd(new double[4][1], new double[] {10, 9, 1, 0.5}), 182.25,
                4, true));
        spectra.add(new HbcStrategy.Spectrum(new Linalg.Svd(new double[3][1], new double[] {5, 4, 3}), 50, 3, true));
        spectra.add(new HbcStrategy.Spectrum(new Linalg.Svd(new double[1][1], new double[] {0.1}), 0.01, 1, true));
        // start 1,1,1; next gains: 81 (s0), 16 (s1), then 9 (s1), then 1 (s0), then 0.25 (s0); s2 capped at 1
        assertArrayEquals(new int[] {2, 1, 1}, HbcStrategy.allocate(spectra, 4, false));
        assertArrayEquals(new int[] {2, 2, 1}, HbcStrategy.allocate(spectra, 5, false));
        assertArrayEquals(new int[] {2, 3, 1}, HbcStrategy.allocate(spectra, 6, false));
        assertArrayEquals(new int[] {4, 3, 1}, HbcStrategy.allocate(spectra, 100, false));
        // relative: gains 81/182.25 = 0.444, 16/50 = 0.32, 9/50 = 0.18, 1/182.25
        assertArrayEquals(new int[] {2, 2, 1}, HbcStrategy.allocate(spectra, 5, true));
    }

    private static void assertArrayEquals(int[] expected, int[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual,
                java.util.Arrays.toString(actual));
    }

    private static double residual(SkipConnection s, CoupledSkip c) {
        return Projections.residualEnergy(s, ((CoupledSkip.Bus) c).w());
    }

    @Test
    void budgetSmallerThanTheNumberOfLevelsIsRefused() {
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(5, 5, 1), Synthetic.planted(5, 5, 2, 1, 0, 1));
        var e = org.junit.jupiter.api.Assertions.assertThrows(CouplingSpecException.class,
                () -> strategies.create("hbc:budget=1").couple(List.of(s, s)));
        assertTrue(e.getMessage().contains("at least rank 1"), e.getMessage());
    }

    @Test
    void deterministicBySeed() {
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(40, 48, 1),
                Synthetic.planted(600, 48, 10, 0.9, 0.01, 2)); // N = 600: auto picks rsvd
        for (String spec : new String[] {"hbc:k=4", "random:k=4", "svd:k=4"}) {
            LowRankOperator a = ((CoupledSkip.Bus) one(spec, s)).w();
            LowRankOperator b = ((CoupledSkip.Bus) one(spec, s)).w();
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.u(), b.u(), spec);
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.v(), b.v(), spec);
        }
        LowRankOperator r1 = ((CoupledSkip.Bus) one("random:k=4,seed=1", s)).w();
        LowRankOperator r2 = ((CoupledSkip.Bus) one("random:k=4,seed=2", s)).w();
        assertTrue(!java.util.Arrays.equals(r1.u(), r2.u()));
    }

    @Test
    void svdStrategyMatchesTheExactSvdOfAConvolution() {
        Operator w = Synthetic.convW(2, 5, 5, 2, 31); // 50 x 50
        double[] dense = w.toDense();
        double[][] m = new double[50][50];
        for (int i = 0; i < 50; i++) {
            System.arraycopy(dense, i * 50, m[i], 0, 50);
        }
        double[] sigma = new SingularValueDecomposition(new Array2DRowRealMatrix(m)).getSingularValues();
        double total = 0;
        for (double v : sigma) {
            total += v * v;
        }
        int k = 5;
        double tail = 0;
        for (int j = k; j < sigma.length; j++) {
            tail += sigma[j] * sigma[j];
        }
        // ||W - U V^T||_F^2 measured on the identity "calibration" (x_n = e_n) equals the Eckart-Young tail.
        float[][] eye = new float[50][50];
        for (int i = 0; i < 50; i++) {
            eye[i][i] = 1;
        }
        SkipConnection s = Synthetic.skip("c", 0, w, eye);
        CoupledSkip c = strategies.create("svd:k=" + k + ",power=6").couple(List.of(s)).get(0);
        double err = Projections.residualEnergy(s, ((CoupledSkip.Bus) c).w());
        assertEquals(tail, err, 1e-4 * tail);
        // and hbc on the identity calibration is the same thing: the data metric is the Frobenius norm
        CoupledSkip h = one("hbc:k=" + k, s);
        assertEquals(tail, Projections.residualEnergy(s, ((CoupledSkip.Bus) h).w()), 1e-4 * tail);
    }
}
