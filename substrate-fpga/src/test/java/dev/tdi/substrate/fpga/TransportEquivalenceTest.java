package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.transport.FpgaEmulatorServer;
import dev.tdi.substrate.fpga.transport.MmapTransport;
import dev.tdi.substrate.program.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver end to end over each transport: the same program, fields and seed give bit-identical results over
 * in-process calls, TCP frames and a memory-mapped file, whatever the number of datapath lanes; traces, bias
 * and clamp writes, and a scheduled run with its phase energies included.
 */
class TransportEquivalenceTest {
    @TempDir
    Path dir;

    private static final RunSpec SPEC = RunSpec.builder().steps(60, 40).stepSize(0.03).stepSize("s", 0.05)
            .temperature(0.2).seed(77).chains(3).traceEvery(25).build();

    /** Runs, rewrites a bias and the clamp, runs again, then runs a depth schedule; returns the three results. */
    private static RunResult[] exercise(Substrate s) {
        Program p = Programs.everything();
        s.program(p);
        RunResult a = s.run(SPEC);
        s.setBias("s", new float[] {0.3f, -0.2f, 0.1f, 0.0f, 0.25f});
        s.setClamp("img", Programs.random(new java.util.Random(3), 16, 0.8));
        RunResult b = s.run(SPEC);
        RunResult c = s.run(SPEC.toBuilder().schedule(Schedule.byDepth(p, 30, 10)).build());
        return new RunResult[] {a, b, c};
    }

    private static void assertIdentical(RunResult[] x, RunResult[] y, String what) {
        for (int k = 0; k < x.length; k++) {
            for (int c = 0; c < x[k].chains(); c++) {
                assertArrayEquals(x[k].finalState(c), y[k].finalState(c), what + ": final state, run " + k);
                assertArrayEquals(x[k].mean(c), y[k].mean(c), what + ": mean, run " + k);
            }
            assertArrayEquals(x[k].trace().orElseThrow().energy(), y[k].trace().orElseThrow().energy(), what);
            assertEquals(x[k].phaseEnergies(), y[k].phaseEnergies(), what + ": phase energies, run " + k);
        }
    }

    @Test
    void inProcessTcpAndMmapGiveBitIdenticalResults() throws Exception {
        RunResult[] inProcess;
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.of("fpga.emulator.threads=1"))) {
            inProcess = exercise(s);
        }
        RunResult[] lanes;
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.of("fpga.emulator.threads=3"))) {
            lanes = exercise(s);
        }
        assertIdentical(inProcess, lanes, "1 lane vs 3 lanes");
        RunResult[] tcp;
        try (FpgaEmulatorServer server = FpgaEmulatorServer.loopback(FpgaDevice.inMemory(8L << 20, 2), true);
             Substrate s = new FpgaProvider().open(SubstrateConfig.of("fpga.transport=tcp",
                     "fpga.port=" + server.port()))) {
            tcp = exercise(s);
        }
        assertIdentical(inProcess, tcp, "in-process vs tcp");
        RunResult[] mmap;
        Path bar = dir.resolve("bar0");
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.of("fpga.transport=mmap",
                "fpga.device=" + bar, "fpga.mmap.emulate=true", "fpga.emulator.memory-mb=4"))) {
            mmap = exercise(s);
        }
        assertIdentical(inProcess, mmap, "in-process vs mmap");
        assertEquals(4096 + (4L << 20), Files.size(bar));
        // the result really depends on the fields written between runs
        assertFalse(java.util.Arrays.equals(inProcess[0].mean(0), inProcess[1].mean(0)));
    }

    @Test
    void mmapTalksToAnEmulatorThatOnlySharesTheFile() throws Exception {
        // The emulator maps the file itself and polls its CTRL register; the driver maps it separately.
        Path bar = dir.resolve("shared-bar");
        Files.write(bar, new byte[4096 + (2 << 20)]);
        RunResult[] viaFile;
        try (MmapTransport.EmulatedFile emu = MmapTransport.EmulatedFile.serve(bar, 1, 50);
             Substrate s = new FpgaProvider().open(SubstrateConfig.of("fpga.transport=mmap", "fpga.device=" + bar))) {
            viaFile = exercise(s);
            assertNotNull(emu.device().loadedProgram(), "the program was loaded through the file");
        }
        RunResult[] inProcess;
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.defaults())) {
            inProcess = exercise(s);
        }
        assertIdentical(inProcess, viaFile, "in-process vs a file served by a separate emulator");
    }

    @Test
    void aFileNobodyServesIsRefusedWithAHint() throws Exception {
        Path bar = dir.resolve("dead-bar");
        Files.write(bar, new byte[8192]);
        FpgaLinkLostException e = assertThrows(FpgaLinkLostException.class, () -> new FpgaProvider()
                .open(SubstrateConfig.of("fpga.transport=mmap", "fpga.device=" + bar)));
        assertTrue(e.getMessage().contains("fpga-emulator --mmap"), e.getMessage());
    }

    @Test
    void biasAndClampWritesDoNotReupload() {
        try (FpgaSubstrate s = (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.defaults())) {
            Program p = Programs.everything();
            s.program(p);
            long image = s.compiled().imageBytes();
            long before = s.transportStats().bytesToDevice();
            s.setBias("s", new float[] {0.3f, -0.2f, 0.1f, 0.0f, 0.25f});
            s.setClamp("img", new float[16]);
            long written = s.transportStats().bytesToDevice() - before;
            assertEquals(4 * (5 + 16), written, "only the 21 field words travel; the " + image
                    + "-byte image is not sent again");
            RunResult r = s.run(RunSpec.builder().steps(10, 10).temperature(0).build());
            assertArrayEquals(new float[16], r.finalState("img", 0), "the new clamp is in force");
            assertTrue(s.lastRun().bytesToDevice() < image, "a run does not re-upload either");
        }
    }
}
