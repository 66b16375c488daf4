package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FD on cases with closed forms. */
class FrechetDistanceTest {

    private static double[][] cloud(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[n][d];
        for (double[] v : x) {
            for (int j = 0; j < d; j++) {
                v[j] = r.nextGaussian() * (1 + j) + j;
            }
        }
        return x;
    }

    @Test
    void identicalSetsAreAtDistanceZero() {
        double[][] x = cloud(200, 8, 1);
        assertEquals(0, FrechetDistance.between(x, x), 1e-8);
    }

    /** Shifting every vector by c leaves the covariance unchanged: FD = |c|^2 exactly. */
    @Test
    void aShiftedSetIsAtTheSquaredShift() {
        double[][] x = cloud(100, 5, 2);
        double[] c = {1, -2, 0.5, 0, 3};
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i].clone();
            for (int j = 0; j < c.length; j++) {
                y[i][j] += c[j];
            }
        }
        assertEquals(1 + 4 + 0.25 + 0 + 9, FrechetDistance.between(x, y), 1e-8);
    }

    /** Diagonal covariances: FD = |mu_a - mu_b|^2 + sum_j (sqrt(a_j) - sqrt(b_j))^2. */
    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        var a = new FrechetDistance.Gaussian(new double[]{0, 1, 2}, new double[][]{{4, 0, 0}, {0, 1, 0}, {0, 0, 9}}, 10);
        var b = new FrechetDistance.Gaussian(new double[]{1, 1, 0}, new double[][]{{1, 0, 0}, {0, 1, 0}, {0, 0, 4}}, 10);
        double expected = (1 + 0 + 4) + (2 - 1) * (2 - 1) + 0 + (3 - 2) * (3 - 2);
        assertEquals(expected, FrechetDistance.between(a, b), 1e-10);
    }

    /**
     * Non-commuting 2x2 covariances: for a 2x2 PSD M, tr(M^(1/2)) = sqrt(tr M + 2 sqrt(det M)), so
     * tr((S_a S_b)^(1/2)) = sqrt(tr(S_a S_b) + 2 sqrt(det S_a det S_b)).
     */
    @Test
    void nonCommutingGaussiansMatchTheClosedForm() {
        double[][] sa = {{2, 1}, {1, 2}};
        double[][] sb = {{3, 0}, {0, 1}};
        double trAB = 2 * 3 + 1 * 0 + 1 * 0 + 2 * 1; // tr(S_a S_b) = 8
        double detA = 3;
        double detB = 3;
        double cross = Math.sqrt(trAB + 2 * Math.sqrt(detA * detB));
        double expected = (0.5 * 0.5 + 2 * 2) + 4 + 4 - 2 * cross;
        var a = new FrechetDistance.Gaussian(new double[]{0.5, 0}, sa, 10);
        var b = new FrechetDistance.Gaussian(new double[]{0, 2}, sb, 10);
        assertEquals(expected, FrechetDistance.between(a, b), 1e-10);
        assertEquals(FrechetDistance.between(a, b), FrechetDistance.between(b, a), 1e-10);
    }

    @Test
    void fitUsesTheUnbiasedCovariance() {
        var g = FrechetDistance.fit(new double[][]{{0, 0}, {2, 0}, {0, 2}, {2, 2}});
        assertEquals(1, g.mean()[0], 1e-12);
        assertEquals(4.0 / 3, g.covariance()[0][0], 1e-12); // deviations +-1, sum 4, n - 1 = 3
        assertEquals(0, g.covariance()[0][1], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> FrechetDistance.fit(new double[][]{{1, 2}}));
    }
}
