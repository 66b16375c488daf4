package dev.tdi.substrate.tck;


/** The reference backend passes the conformance kit. */
class ReferenceConformanceTest extends SubstrateConformanceKit {
    @Override
    protected String providerName() {
        return "reference";
    }
}
