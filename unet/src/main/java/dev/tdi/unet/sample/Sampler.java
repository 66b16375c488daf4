package dev.tdi.unet.sample;

import dev.tdi.unet.NoiseSchedule;
import dev.tdi.unet.UNet;

import java.util.SplittableRandom;

/**
 * Ancestral DDPM and deterministic DDIM sampling with a trained epsilon-predicting {@link UNet}. Images come out
 * in [-1, 1], {@code [n][C][H][W]}. The predicted x_0 is clipped to [-1, 1] at every step (as in the DDPM
 * reference code). Each image's noise is drawn from its own generator seeded by (seed, image), so a batch of n
 * reproduces the first n images of any larger batch.
 */
public final class Sampler {
    /** A denoiser: the predicted epsilon for a batch of x_t at (possibly different) steps t. */
    @FunctionalInterface
    public interface Denoiser {
        /** eps_hat(x, t), x and result [n][C][H][W]. */
        float[] predict(float[] x, double[] t);
    }

    private final Denoiser model;
    private final NoiseSchedule ns;
    private final int size;

    /** A sampler for a network (its own schedule). */
    public Sampler(UNet net) {
        this(net::predict, NoiseSchedule.of(net.config()), net.inputSize());
    }

    /** A sampler for any denoiser (e.g. a substrate executing the network), with a schedule and image size. */
    public Sampler(Denoiser model, NoiseSchedule ns, int imageValues) {
        this.model = model;
        this.ns = ns;
        this.size = imageValues;
    }

    private SplittableRandom[] rngs(int n, long seed) {
        SplittableRandom[] r = new SplittableRandom[n];
        for (int i = 0; i < n; i++) {
            r[i] = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L + 17);
        }
        return r;
    }

    private float[] start(SplittableRandom[] r) {
        float[] x = new float[r.length * size];
        for (int i = 0; i < r.length; i++) {
            for (int j = 0; j < size; j++) {
                x[i * size + j] = (float) r[i].nextGaussian();
            }
        }
        return x;
    }

    /** Ancestral DDPM sampling over all T steps, with the posterior variance beta-tilde. */
    public float[] ddpm(int n, long seed) {
        SplittableRandom[] r = rngs(n, seed);
        float[] x = start(r);
        double[] ts = new double[n];
        for (int t = ns.steps() - 1; t >= 0; t--) {
            java.util.Arrays.fill(ts, t);
            float[] eps = model.predict(x, ts);
            double ab = ns.alphaBar(t), abPrev = t > 0 ? ns.alphaBar(t - 1) : 1.0, beta = ns.beta(t);
            double c0 = Math.sqrt(abPrev) * beta / (1 - ab), ct = Math.sqrt(1 - beta) * (1 - abPrev) / (1 - ab);
            double sigma = Math.sqrt(beta * (1 - abPrev) / (1 - ab));
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < size; j++) {
                    int k = i * size + j;
                    double x0 = clip((x[k] - Math.sqrt(1 - ab) * eps[k]) / Math.sqrt(ab));
                    double mean = c0 * x0 + ct * x[k];
                    x[k] = (float) (t > 0 ? mean + sigma * r[i].nextGaussian() : mean);
                }
            }
        }
        return x;
    }

    /** Deterministic DDIM (eta = 0) over {@code steps} evenly spaced time steps. */
    public float[] ddim(int n, int steps, long seed) {
        int T = ns.steps();
        if (steps < 1 || steps > T) {
            throw new IllegalArgumentException("--steps is " + steps + ", accepted: 1.." + T
                    + " (the model's diffusionSteps)");
        }
        SplittableRandom[] r = rngs(n, seed);
        float[] x = start(r);
        int[] seq = new int[steps];
        for (int i = 0; i < steps; i++) {
            seq[i] = (int) Math.round((double) i * (T - 1) / Math.max(1, steps - 1));
        }
        double[] ts = new double[n];
        for (int i = steps - 1; i >= 0; i--) {
            int t = seq[i];
            java.util.Arrays.fill(ts, t);
            float[] eps = model.predict(x, ts);
            double ab = ns.alphaBar(t), abPrev = i > 0 ? ns.alphaBar(seq[i - 1]) : 1.0;
            for (int k = 0; k < x.length; k++) {
                double x0 = clip((x[k] - Math.sqrt(1 - ab) * eps[k]) / Math.sqrt(ab));
                double e = (x[k] - Math.sqrt(ab) * x0) / Math.sqrt(1 - ab);
                x[k] = (float) (Math.sqrt(abPrev) * x0 + Math.sqrt(1 - abPrev) * e);
            }
        }
        return x;
    }

    private static double clip(double v) {
        return Math.max(-1, Math.min(1, v));
    }
}
