package dev.tdi.substrate.tck;

/**
 * A backend that samples the exact Gaussian (an exact Ornstein-Uhlenbeck step, declared EXACT_IN_DISTRIBUTION)
 * passes the whole kit: it is held to T A^-1, not Euler-Maruyama's covariance, and not asked to blow up.
 */
class ExactGaussianConformanceTest extends SubstrateConformanceKit {
    @Override
    protected String providerName() {
        return "exact-gaussian";
    }
}
