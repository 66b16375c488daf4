package dev.tdi.unet;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Denoising quality: the epsilon-MSE of a model on held-out images, per time-step bucket, beside two trivial
 * predictors: zero (MSE = E[eps^2] = 1) and the per-pixel Gaussian predictor
 * {@code E[eps | x_t]} under x_0 ~ N(mu_pixel, s_pixel^2), whose means and variances come from the same images.
 */
public final class Evaluation {
    private Evaluation() {
    }

    /** One bucket's row. */
    public record Row(int tFrom, int tTo, double modelMse, double zeroMse, double gaussianMse, int samples) {
    }

    /**
     * Evaluates {@code images} (first n of the set) in {@code buckets} equal time-step buckets, one random t per
     * image per bucket, seeded.
     */
    public static Row[] epsilonMse(UNet net, Dataset data, int n, int buckets, long seed) {
        UNetConfig cfg = net.config();
        NoiseSchedule ns = NoiseSchedule.of(cfg);
        int T = cfg.diffusionSteps(), P = net.inputSize();
        float[] x0 = data.images(0, n);
        double[] mu = new double[P], var = new double[P];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < P; j++) {
                mu[j] += x0[i * P + j];
            }
        }
        for (int j = 0; j < P; j++) {
            mu[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < P; j++) {
                double d = x0[i * P + j] - mu[j];
                var[j] += d * d;
            }
        }
        for (int j = 0; j < P; j++) {
            var[j] /= n;
        }
        Row[] rows = new Row[buckets];
        int chunk = 64;
        for (int b = 0; b < buckets; b++) {
            int from = b * T / buckets, to = (b + 1) * T / buckets;
            double se = 0, z = 0, g = 0;
            for (int s = 0; s < n; s += chunk) {
                int m = Math.min(chunk, n - s);
                float[] xt = new float[m * P], eps = new float[m * P];
                double[] ts = new double[m];
                for (int i = 0; i < m; i++) {
                    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + (long) b * 100_003L + s + i);
                    int t = from + r.nextInt(to - from);
                    ts[i] = t;
                    double ab = ns.alphaBar(t), sa = Math.sqrt(ab), sb = Math.sqrt(1 - ab);
                    for (int j = 0; j < P; j++) {
                        float e = (float) r.nextGaussian();
                        eps[i * P + j] = e;
                        xt[i * P + j] = (float) (sa * x0[(s + i) * P + j] + sb * e);
                    }
                }
                float[] pred = net.predict(xt, ts);
                for (int i = 0; i < m; i++) {
                    double ab = ns.alphaBar((int) ts[i]), sa = Math.sqrt(ab), sb = Math.sqrt(1 - ab);
                    for (int j = 0; j < P; j++) {
                        int k = i * P + j;
                        double d = pred[k] - eps[k];
                        se += d * d;
                        z += (double) eps[k] * eps[k];
                        double gp = sb * (xt[k] - sa * mu[j]) / (ab * var[j] + 1 - ab);
                        g += (gp - eps[k]) * (gp - eps[k]);
                    }
                }
            }
            double cnt = (double) n * P;
            rows[b] = new Row(from, to, se / cnt, z / cnt, g / cnt, n);
        }
        return rows;
    }

    /** A Markdown table of the rows. */
    public static String table(Row[] rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| t bucket | model eps-MSE | zero predictor | per-pixel Gaussian predictor | model / Gaussian |\n");
        sb.append("|---|---|---|---|---|\n");
        double sm = 0, sz = 0, sg = 0;
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %d-%d | %.4f | %.4f | %.4f | %.3f |%n", r.tFrom(), r.tTo() - 1,
                    r.modelMse(), r.zeroMse(), r.gaussianMse(), r.modelMse() / r.gaussianMse()));
            sm += r.modelMse();
            sz += r.zeroMse();
            sg += r.gaussianMse();
        }
        int k = rows.length;
        sb.append(String.format(Locale.ROOT, "| all (mean) | %.4f | %.4f | %.4f | %.3f |%n", sm / k, sz / k, sg / k,
                sm / sg));
        return sb.toString();
    }
}
