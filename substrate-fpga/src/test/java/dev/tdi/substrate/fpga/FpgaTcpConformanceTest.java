package dev.tdi.substrate.fpga;

import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.transport.FpgaEmulatorServer;
import dev.tdi.substrate.tck.SubstrateConformanceKit;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance kit on the {@code fpga} backend over TCP: every session the kit opens talks framed, checksummed
 * messages to an emulator server on 127.0.0.1 (an ephemeral port), as it would to a board.
 */
class FpgaTcpConformanceTest extends SubstrateConformanceKit {
    private static FpgaEmulatorServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = FpgaEmulatorServer.loopback(FpgaDevice.inMemory(64L << 20, 2), true);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected String providerName() {
        return FpgaProvider.NAME;
    }

    @Override
    protected SubstrateConfig config() {
        return SubstrateConfig.of("fpga.transport=tcp", "fpga.host=127.0.0.1", "fpga.port=" + server.port());
    }
}
