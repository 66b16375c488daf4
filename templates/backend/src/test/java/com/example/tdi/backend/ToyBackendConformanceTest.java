package com.example.tdi.backend;

import dev.tdi.substrate.tck.SubstrateConformanceKit;

/** The template backend passes tdi's conformance kit (run by {@code mvn verify}). */
class ToyBackendConformanceTest extends SubstrateConformanceKit {
    @Override
    protected String providerName() {
        return ToyBackendProvider.NAME;
    }
}
