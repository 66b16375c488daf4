package dev.tdi.inference;

import dev.tdi.unet.UNetConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output-first figures of a denoiser evaluation (docs/physics.md, "Metrics"), defined once: for each input
 * (x_0, t, eps, x_t) and a predicted noise eps_hat,
 * <ul>
 *   <li>epsilon MSE = mean over pixels of (eps_hat - eps)^2, against the <em>true</em> noise, for the substrate's
 *       eps_hat and for the digital U-Net's, and their ratio (substrate / digital, of the means over inputs);</li>
 *   <li>x0-estimate PSNR = 10 log10(2^2 / MSE(x0_hat, x_0)) with x0_hat = (x_t - sqrt(1 - abar_t) eps_hat) /
 *       sqrt(abar_t) clipped to [-1, 1] (images live on [-1, 1], peak-to-peak 2), averaged in dB over inputs;</li>
 * </ul>
 * each over all inputs and per t bucket ({@link #BUCKETS}), with the number of inputs in each.
 */
public final class OutputMetrics {
    /** The t buckets, inclusive bounds: 0-99, 100-299, 300-599, 600-999 (t >= 600 all fall in the last). */
    public static final int[][] BUCKETS = {{0, 99}, {100, 299}, {300, 599}, {600, 999}};
    /** Peak-to-peak range of images on [-1, 1], the PSNR's peak. */
    public static final double IMAGE_RANGE = 2;
    /** PSNR cap: an MSE below 4e-12 (exact agreement) reads as 120 dB rather than infinity. */
    public static final double MAX_PSNR_DB = 120;

    private OutputMetrics() {
    }

    /** Label of a bucket, e.g. "100-299". */
    public static String label(int bucket) {
        return BUCKETS[bucket][0] + "-" + BUCKETS[bucket][1];
    }

    /** The bucket of step t (t >= 0; steps past the last bucket's upper bound fall in the last bucket). */
    public static int bucket(int t) {
        if (t < 0) {
            throw new IllegalArgumentException("time step t must be >= 0, found " + t);
        }
        for (int b = 0; b < BUCKETS.length; b++) {
            if (t <= BUCKETS[b][1]) {
                return b;
            }
        }
        return BUCKETS.length - 1;
    }

    /** Mean squared difference of two equally long vectors. */
    public static double mse(float[] a, float[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("MSE of vectors of length " + a.length + " and " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return s / a.length;
    }

    /** PSNR in dB of an image on [-1, 1] against a reference: 10 log10(2^2 / MSE), capped at {@value #MAX_PSNR_DB}. */
    public static double psnr(float[] image, float[] reference) {
        double m = mse(image, reference);
        return Math.min(MAX_PSNR_DB, 10 * Math.log10(IMAGE_RANGE * IMAGE_RANGE / Math.max(m, 1e-300)));
    }

    /** x0_hat = (x_t - sqrt(1 - abar_t) eps_hat) / sqrt(abar_t), clipped to [-1, 1]. */
    public static float[] x0Estimate(UNetConfig cfg, float[] xt, float[] eps, int t) {
        double ab = Workload.alphaBar(cfg, t);
        float[] x0 = new float[xt.length];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = (float) Math.max(-1, Math.min(1, (xt[i] - Math.sqrt(1 - ab) * eps[i]) / Math.sqrt(ab)));
        }
        return x0;
    }

    /** One input's figures. */
    public record Sample(int t, double epsMseSubstrate, double epsMseDigital, double x0PsnrSubstrate,
                         double x0PsnrDigital) {
    }

    /** The figures of one input from its substrate and digital predicted noise. */
    public static Sample of(UNetConfig cfg, Workload.Noised in, float[] epsSubstrate, float[] epsDigital) {
        return new Sample(in.t(), mse(epsSubstrate, in.eps()), mse(epsDigital, in.eps()),
                psnr(x0Estimate(cfg, in.xt(), epsSubstrate, in.t()), in.x0()),
                psnr(x0Estimate(cfg, in.xt(), epsDigital, in.t()), in.x0()));
    }

    /** Figures over a set of inputs; NaN where {@code inputs} is 0. */
    public record Figures(int inputs, double epsMseSubstrate, double epsMseDigital, double x0PsnrSubstrate,
                          double x0PsnrDigital) {
        /** epsilon MSE of the substrate over that of the digital U-Net (1 = as good as digital). */
        public double epsMseRatio() {
            return epsMseSubstrate / epsMseDigital;
        }

        /** JSON fields. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("inputs", inputs);
            m.put("epsilon_mse_ratio", epsMseRatio());
            m.put("epsilon_mse_substrate", epsMseSubstrate);
            m.put("epsilon_mse_digital", epsMseDigital);
            m.put("x0_psnr_db", x0PsnrSubstrate);
            m.put("x0_psnr_db_digital", x0PsnrDigital);
            return m;
        }
    }

    /** All inputs, and each bucket (in {@link #BUCKETS} order, labelled). */
    public record Summary(Figures overall, Map<String, Figures> byBucket) {
        /** The overall figures, then {@code by_t_bucket}: label -> figures. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>(overall.toMap());
            Map<String, Object> b = new LinkedHashMap<>();
            byBucket.forEach((k, v) -> b.put(k, v.toMap()));
            m.put("by_t_bucket", b);
            return m;
        }
    }

    /** The summary as table rows (substrate, digital, ratio or difference, inputs), overall and per bucket. */
    public static String format(Summary s) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(java.util.Locale.ROOT, "  %-34s %11s %11s %11s %7s%n",
                "output (vs true noise / clean x0)", "substrate", "digital", "sub/dig", "inputs"));
        row(b, "epsilon MSE, all t", s.overall(), true);
        s.byBucket().forEach((k, v) -> row(b, "epsilon MSE, t " + k, v, true));
        row(b, "x0-estimate PSNR (dB), all t", s.overall(), false);
        s.byBucket().forEach((k, v) -> row(b, "x0-estimate PSNR (dB), t " + k, v, false));
        return b.toString();
    }

    private static void row(StringBuilder b, String label, Figures f, boolean mse) {
        if (mse) {
            b.append(String.format(java.util.Locale.ROOT, "  %-34s %11.5f %11.5f %11.4f %7d%n", label,
                    f.epsMseSubstrate(), f.epsMseDigital(), f.epsMseRatio(), f.inputs()));
        } else {
            b.append(String.format(java.util.Locale.ROOT, "  %-34s %11.2f %11.2f %+10.2f %7d%n", label,
                    f.x0PsnrSubstrate(), f.x0PsnrDigital(), f.x0PsnrSubstrate() - f.x0PsnrDigital(), f.inputs()));
        }
    }

    /** Summarises per-input figures. */
    public static Summary summarize(List<Sample> samples) {
        Map<String, Figures> by = new LinkedHashMap<>();
        for (int b = 0; b < BUCKETS.length; b++) {
            List<Sample> in = new ArrayList<>();
            for (Sample s : samples) {
                if (bucket(s.t()) == b) {
                    in.add(s);
                }
            }
            by.put(label(b), figures(in));
        }
        return new Summary(figures(samples), by);
    }

    private static Figures figures(List<Sample> s) {
        int n = s.size();
        double ms = 0;
        double md = 0;
        double ps = 0;
        double pd = 0;
        for (Sample x : s) {
            ms += x.epsMseSubstrate();
            md += x.epsMseDigital();
            ps += x.x0PsnrSubstrate();
            pd += x.x0PsnrDigital();
        }
        return n == 0 ? new Figures(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
                : new Figures(n, ms / n, md / n, ps / n, pd / n);
    }
}
