package dev.tdi.unet;

/**
 * The DDPM forward process: betas, alphas and their cumulative products, for t = 0..T-1 (t = 0 is the least
 * noisy step). {@code x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps}.
 */
public final class NoiseSchedule {
    private final double[] beta, alphaBar;

    private NoiseSchedule(double[] beta) {
        this.beta = beta;
        alphaBar = new double[beta.length];
        double a = 1;
        for (int t = 0; t < beta.length; t++) {
            a *= 1 - beta[t];
            alphaBar[t] = a;
        }
    }

    /** The schedule a config names ("linear" from betaStart to betaEnd, or "cosine" of Nichol and Dhariwal). */
    public static NoiseSchedule of(UNetConfig cfg) {
        int T = cfg.diffusionSteps();
        double[] b = new double[T];
        if (cfg.schedule().equals("linear")) {
            for (int t = 0; t < T; t++) {
                b[t] = cfg.betaStart() + (cfg.betaEnd() - cfg.betaStart()) * t / (T - 1);
            }
        } else {
            double s = 0.008;
            for (int t = 0; t < T; t++) {
                double f0 = Math.cos((t / (double) T + s) / (1 + s) * Math.PI / 2);
                double f1 = Math.cos(((t + 1) / (double) T + s) / (1 + s) * Math.PI / 2);
                b[t] = Math.min(1 - (f1 * f1) / (f0 * f0), 0.999);
            }
        }
        return new NoiseSchedule(b);
    }

    /** Number of steps T. */
    public int steps() {
        return beta.length;
    }

    /** beta_t. */
    public double beta(int t) {
        return beta[t];
    }

    /** alphaBar_t = prod_{s <= t} (1 - beta_s). */
    public double alphaBar(int t) {
        return alphaBar[t];
    }
}
