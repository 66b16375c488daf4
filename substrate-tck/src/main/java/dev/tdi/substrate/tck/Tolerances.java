package dev.tdi.substrate.tck;

import dev.tdi.substrate.NumberFormat;

/**
 * Statistical tolerances of the conformance kit, derived from the sample size rather than tuned.
 *
 * <h2>Means from time averages</h2>
 * For a Gaussian program with precision A (eigenvalues lambda), Euler-Maruyama with step dt is, in A's eigenbasis,
 * a set of AR(1) processes y' = phi y + noise with phi = 1 - dt lambda. Its stationary mean is exactly A^{-1} b
 * (the update is linear and A^{-1} b is its fixed point), and the time average of n consecutive samples has
 * variance sigma^2 tau / n with the integrated autocorrelation time tau = (1 + phi) / (1 - phi)
 * = (2 - dt lambda) / (dt lambda). The slowest mode (lambda_min) bounds tau for every unit, so over C independent
 * chains the standard error of a unit's mean is se = sqrt(Sigma_ii tau_max / (n C)). A unit passes when
 * |mean - exact| &lt;= Z se; with Z = 5 a correct backend fails a given unit with probability 5.7e-7.
 *
 * <h2>Covariances from independent chains</h2>
 * The final states of C chains are independent draws. The sample covariance s_ij of C draws (about the known
 * mean) has standard error sqrt((Sigma_ii Sigma_jj + Sigma_ij^2) / C) (Isserlis). Euler-Maruyama biases the
 * stationary variance of mode lambda to T / (lambda (1 - dt lambda / 2)); the kit compares with that exact
 * discrete-time covariance rather than widening the tolerance, so a 10 % error in the noise amplitude is caught.
 * A backend that declares an exact or continuous-time integrator is compared with T A^{-1} instead, and its
 * modes decorrelate as phi = exp(-dt lambda) ({@link #autocorrelationTime(dev.tdi.substrate.Integrator, double)}).
 *
 * <h2>Number formats</h2>
 * A fixed-point backend rounds weights, biases and states to the quantum q = 2^-fractionBits; its equilibrium
 * shifts by at most a few quanta times the condition of the problem, so {@link #format} adds
 * {@code 16 q (1 + scale)} for fixed point. Floating point adds a relative {@code 1e3} unit roundoffs. Every
 * read-out is float32, so {@code 1e-6 (1 + scale)} is always added.
 */
public final class Tolerances {
    /** Standard errors allowed before a statistical check fails. */
    public static final double Z = 5.0;

    private Tolerances() {
    }

    /** Integrated autocorrelation time of an Euler-Maruyama AR(1) mode with rate lambda and step dt. */
    public static double autocorrelationTime(double dt, double lambda) {
        double x = dt * lambda;
        return (2 - x) / x;
    }

    /**
     * Integrated autocorrelation time (steps) of a mode whose rate per step is {@code rate} (dt lambda): an AR(1)
     * with phi = 1 - rate under Euler-Maruyama, phi = exp(-rate) for an exact or continuous-time sampler;
     * tau = (1 + phi) / (1 - phi).
     */
    public static double autocorrelationTime(dev.tdi.substrate.Integrator integrator, double rate) {
        double phi = integrator == dev.tdi.substrate.Integrator.EULER_MARUYAMA ? 1 - rate : Math.exp(-rate);
        return (1 + phi) / (1 - phi);
    }

    /** Z standard errors of a time-averaged mean of variance {@code variance} over n steps and C chains. */
    public static double meanTolerance(double variance, double tau, long n, long chains) {
        return Z * Math.sqrt(variance * tau / ((double) n * chains));
    }

    /** Z standard errors of a sample covariance of C independent draws. */
    public static double covarianceTolerance(double varI, double varJ, double covIJ, long draws) {
        return Z * Math.sqrt((varI * varJ + covIJ * covIJ) / draws);
    }

    /** The relative stationary-variance bias of Euler-Maruyama at step dt for the stiffest mode. */
    public static double discretisationBias(double dt, double lambdaMax) {
        double x = dt * lambdaMax;
        return x / (2 - x);
    }

    /** What the number format adds, for a quantity of magnitude {@code scale}. */
    public static double format(NumberFormat format, double scale) {
        double readout = 1e-6 * (1 + scale);
        return readout + (format.floating() ? 1e3 * format.resolution() * (1 + scale)
                : 16 * format.resolution() * (1 + scale));
    }
}
