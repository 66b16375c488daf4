package dev.tdi.substrate.fpga;

import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.tck.SubstrateConformanceKit;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance kit on the {@code fpga} backend over the memory-mapped transport: each session maps a file that
 * an emulator thread serves through its own mapping (registers polled in the file, as on a UIO BAR).
 */
class FpgaMmapConformanceTest extends SubstrateConformanceKit {
    @TempDir
    static Path dir;

    @Override
    protected String providerName() {
        return FpgaProvider.NAME;
    }

    @Override
    protected SubstrateConfig config() {
        return SubstrateConfig.of("fpga.transport=mmap", "fpga.device=" + dir.resolve("bar0"),
                "fpga.mmap.emulate=true", "fpga.emulator.memory-mb=16");
    }
}
