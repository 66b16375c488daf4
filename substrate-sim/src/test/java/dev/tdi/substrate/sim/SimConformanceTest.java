package dev.tdi.substrate.sim;

import dev.tdi.substrate.tck.SubstrateConformanceKit;

/** The simulator passes the substrate conformance kit. */
class SimConformanceTest extends SubstrateConformanceKit {
    @Override
    protected String providerName() {
        return "sim";
    }
}
