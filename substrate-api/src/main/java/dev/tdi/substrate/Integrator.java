package dev.tdi.substrate;

/**
 * How a backend advances the Langevin dynamics dx = -grad U dt + sqrt(2T) dW, which decides what its samples'
 * statistics are at a finite step: the conformance kit's expectations follow this declaration.
 */
public enum Integrator {
    /**
     * Euler-Maruyama at the run's step dt: x += -dt grad U + sqrt(2 T dt) xi. For a Gaussian program its stationary
     * covariance is the discretised one (T A^-1 (I - dt A / 2)^-1 per module step), and it blows up for dt above
     * ~2 / curvature.
     */
    EULER_MARUYAMA("Euler-Maruyama at dt"),
    /**
     * Each step draws from the exact transition density of the dynamics over dt (an exact Ornstein-Uhlenbeck step
     * for a Gaussian program): the stationary covariance is T A^-1 at any dt and no step size blows up.
     */
    EXACT_IN_DISTRIBUTION("exact in distribution (exact transition over dt)"),
    /**
     * A physical device that evolves in continuous time; a "step" is a sampling interval of duration dt in its
     * relaxation time. Its stationary covariance is T A^-1 and it cannot blow up from a step size.
     */
    CONTINUOUS_TIME("continuous-time device sampled every dt");

    private final String description;

    Integrator(String description) {
        this.description = description;
    }

    /** A short description for listings. */
    public String description() {
        return description;
    }
}
