package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tdi.unet.UNetConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The output figures on hand-computed cases. */
class OutputMetricsTest {

    @Test
    void bucketsFollowTheirBounds() {
        assertEquals(0, OutputMetrics.bucket(0));
        assertEquals(0, OutputMetrics.bucket(99));
        assertEquals(1, OutputMetrics.bucket(100));
        assertEquals(1, OutputMetrics.bucket(299));
        assertEquals(2, OutputMetrics.bucket(300));
        assertEquals(2, OutputMetrics.bucket(599));
        assertEquals(3, OutputMetrics.bucket(600));
        assertEquals(3, OutputMetrics.bucket(999));
        assertEquals("100-299", OutputMetrics.label(1));
        assertThrows(IllegalArgumentException.class, () -> OutputMetrics.bucket(-1));
    }

    @Test
    void mseAndPsnrByHand() {
        // differences 1, -1, 0, 2: squares 1 + 1 + 0 + 4 = 6, MSE 1.5
        assertEquals(1.5, OutputMetrics.mse(new float[]{1, 0, 3, 2}, new float[]{0, 1, 3, 0}), 1e-12);
        // MSE 0.04 on a peak-to-peak range of 2: 10 log10(4 / 0.04) = 20 dB
        float[] a = {0.2f, -0.2f, 0.2f, -0.2f};
        float[] z = new float[4];
        assertEquals(20, OutputMetrics.psnr(a, z), 1e-5);
        assertEquals(OutputMetrics.MAX_PSNR_DB, OutputMetrics.psnr(z, z));
        assertThrows(IllegalArgumentException.class, () -> OutputMetrics.mse(new float[2], new float[3]));
    }

    @Test
    void x0EstimateInvertsTheForwardProcessAndClips() {
        UNetConfig cfg = UNetConfig.defaults();
        int t = 500;
        double ab = Workload.alphaBar(cfg, t);
        float[] x0 = {0.5f, -0.25f, 3f};
        float[] eps = {1f, -2f, 0f};
        float[] xt = new float[3];
        for (int i = 0; i < 3; i++) {
            xt[i] = (float) (Math.sqrt(ab) * x0[i] + Math.sqrt(1 - ab) * eps[i]);
        }
        float[] back = OutputMetrics.x0Estimate(cfg, xt, eps, t);
        assertEquals(0.5, back[0], 1e-5);
        assertEquals(-0.25, back[1], 1e-5);
        assertEquals(1, back[2], 0); // clipped to [-1, 1]
    }

    @Test
    void samplesSummariseByBucketWithCounts() {
        UNetConfig cfg = UNetConfig.defaults();
        float[] x0 = {0.5f, -0.5f};
        float[] eps = {1f, -1f};
        // t = 50: substrate eps off by (0.1, 0.1): MSE 0.01; digital exact
        Workload.Noised a = noised(cfg, 50, x0, eps);
        OutputMetrics.Sample sa = OutputMetrics.of(cfg, a, new float[]{1.1f, -0.9f}, eps);
        assertEquals(0.01, sa.epsMseSubstrate(), 1e-6);
        assertEquals(0, sa.epsMseDigital(), 1e-12);
        // the x0 error is sqrt((1 - ab) / ab) times the eps error
        double ab = Workload.alphaBar(cfg, 50);
        double x0Mse = 0.01 * (1 - ab) / ab;
        assertEquals(10 * Math.log10(4 / x0Mse), sa.x0PsnrSubstrate(), 1e-3);
        // t = 700: substrate MSE 1 (off by 1 everywhere), digital MSE 0.25
        Workload.Noised b = noised(cfg, 700, x0, eps);
        OutputMetrics.Sample sb = OutputMetrics.of(cfg, b, new float[]{2f, 0f}, new float[]{1.5f, -0.5f});
        assertEquals(1, sb.epsMseSubstrate(), 1e-6);
        assertEquals(0.25, sb.epsMseDigital(), 1e-6);

        OutputMetrics.Summary s = OutputMetrics.summarize(List.of(sa, sb));
        assertEquals(2, s.overall().inputs());
        assertEquals((0.01 + 1) / 2, s.overall().epsMseSubstrate(), 1e-6);
        assertEquals(0.125, s.overall().epsMseDigital(), 1e-6);
        assertEquals(0.505 / 0.125, s.overall().epsMseRatio(), 1e-4);
        assertEquals(1, s.byBucket().get("0-99").inputs());
        assertEquals(0, s.byBucket().get("100-299").inputs());
        assertEquals(Double.NaN, s.byBucket().get("300-599").epsMseRatio());
        assertEquals(4.0, s.byBucket().get("600-999").epsMseRatio(), 1e-5);
        assertEquals(4.0, ((Number) ((java.util.Map<?, ?>) ((java.util.Map<?, ?>) s.toMap().get("by_t_bucket"))
                .get("600-999")).get("epsilon_mse_ratio")).doubleValue(), 1e-5);
    }

    private static Workload.Noised noised(UNetConfig cfg, int t, float[] x0, float[] eps) {
        double ab = Workload.alphaBar(cfg, t);
        float[] xt = new float[x0.length];
        for (int i = 0; i < xt.length; i++) {
            xt[i] = (float) (Math.sqrt(ab) * x0[i] + Math.sqrt(1 - ab) * eps[i]);
        }
        return new Workload.Noised(0, t, x0, eps, xt);
    }
}
