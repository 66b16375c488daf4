package dev.tdi.substrate.tck.example;

import dev.tdi.substrate.tck.SubstrateConformanceKit;

/** The guide's minimal backend passes the conformance kit (the kit skips what it does not declare). */
class MinimalBackendConformanceTest extends SubstrateConformanceKit {
    @Override
    protected String providerName() {
        return "minimal-example";
    }
}
