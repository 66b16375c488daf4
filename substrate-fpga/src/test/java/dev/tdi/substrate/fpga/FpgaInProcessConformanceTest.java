package dev.tdi.substrate.fpga;

import dev.tdi.substrate.tck.SubstrateConformanceKit;

/** The conformance kit on the {@code fpga} backend over the in-process transport (the default). */
class FpgaInProcessConformanceTest extends SubstrateConformanceKit {
    @Override
    protected String providerName() {
        return FpgaProvider.NAME;
    }
}
