package dev.tdi.substrate.tck;

/** A backend that declares PHYSICAL noise (not reproducible by seed) passes: it is judged statistically only. */
class PhysicalNoiseConformanceTest extends SubstrateConformanceKit {
    @Override
    protected String providerName() {
        return "exact-gaussian-physical";
    }
}
