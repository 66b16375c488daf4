package dev.tdi.substrate;

/**
 * The Langevin dynamics blew up: a state became non-finite or left the divergence bound. This happens when a step
 * size exceeds the stability limit (about 2 / largest curvature of the energy) or when the quadratic part of the
 * energy is not positive definite (the distribution is not normalisable). The message suggests the fix.
 */
public final class DivergenceException extends SubstrateException {
    private final String module;
    private final long step;
    private final int chain;

    public DivergenceException(String module, int unit, int chain, long step, double value, double bound,
                               double stepSize) {
        super(String.format(
                "the dynamics diverged at step %d: unit %d of module '%s' (chain %d) reached %s, beyond the bound %.3g."
                        + " Either the step size %.4g of module '%s' exceeds the stability limit (about 2 / the largest"
                        + " curvature of the energy: reduce RunSpec stepSize for this module), or the quadratic part of"
                        + " the energy is not positive definite (raise the on-site stiffness or weaken the couplings).",
                step, unit, module, chain, Double.isNaN(value) ? "NaN" : String.format("%.3g", value), bound,
                stepSize, module));
        this.module = module;
        this.step = step;
        this.chain = chain;
    }

    /** The module where divergence was first seen. */
    public String module() {
        return module;
    }

    /** The step at which it was seen (0-based). */
    public long step() {
        return step;
    }

    /** The chain in which it was seen. */
    public int chain() {
        return chain;
    }
}
