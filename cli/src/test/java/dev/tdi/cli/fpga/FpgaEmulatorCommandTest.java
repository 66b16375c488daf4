package dev.tdi.cli.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.cli.TdiCommand;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code tdi fpga-emulator --port N} serves the fpga backend over TCP with the same results as in-process. */
class FpgaEmulatorCommandTest {

    @Test
    void theEmulatorCommandServesTheFpgaBackendOverTcp() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = new Thread(() -> exit.set(TdiCommand.execute("fpga-emulator", "--port", String.valueOf(port),
                "--memory-mb", "4", "--threads", "1", "--duration-s", "20")));
        t.setDaemon(true);
        t.start();
        Program p = Program.builder().module("a", 3).onSite("a", Potential.quadratic(1.5, 0.2))
                .coupling("a", "a", new DenseOperator(3, 3, new float[] {0, .2f, 0, .2f, 0, .1f, 0, .1f, 0}))
                .bias("a", new float[] {0.5f, -0.25f, 0.1f}).build();
        RunSpec spec = RunSpec.builder().steps(100, 100).temperature(0.5).seed(9).chains(2).build();
        RunResult remote = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (remote == null) {
            try (Substrate s = SubstrateRegistry.open("fpga", SubstrateConfig.of("fpga.transport=tcp",
                    "fpga.port=" + port, "fpga.retries=0"))) {
                s.program(p);
                remote = s.run(spec);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
        RunResult local;
        try (Substrate s = SubstrateRegistry.open("fpga", SubstrateConfig.defaults())) {
            s.program(p);
            local = s.run(spec);
        }
        for (int c = 0; c < 2; c++) {
            assertArrayEquals(local.finalState(c), remote.finalState(c));
        }
        assertEquals(-1, exit.get(), "still serving");
    }

    @Test
    void theEmulatorCommandServesAMappedFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path bar = dir.resolve("bar0");
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = new Thread(() -> exit.set(TdiCommand.execute("fpga-emulator", "--mmap", bar.toString(),
                "--memory-mb", "2", "--threads", "1", "--duration-s", "20")));
        t.setDaemon(true);
        t.start();
        Program p = Program.builder().module("a", 2).onSite("a", Potential.quadratic(2, 0.5)).build();
        RunSpec spec = RunSpec.builder().steps(50, 50).temperature(0.3).seed(4).build();
        RunResult mapped = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (mapped == null) {
            try (Substrate s = SubstrateRegistry.open("fpga", SubstrateConfig.of("fpga.transport=mmap",
                    "fpga.device=" + bar))) {
                s.program(p);
                mapped = s.run(spec);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
        RunResult local;
        try (Substrate s = SubstrateRegistry.open("fpga", SubstrateConfig.defaults())) {
            s.program(p);
            local = s.run(spec);
        }
        assertArrayEquals(local.finalState(0), mapped.finalState(0));
        assertEquals(4096 + (2L << 20), java.nio.file.Files.size(bar));
    }
}
