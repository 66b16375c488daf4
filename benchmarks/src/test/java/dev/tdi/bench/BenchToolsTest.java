package dev.tdi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.Gson;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.sim.SimSubstrate;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's own tools: programs, the .npy writer, the report's fits and judgements, and the peers' check. */
class BenchToolsTest {

    @Test
    void everyProgramIsStableAndHasACost() {
        for (BenchPrograms.Kind kind : BenchPrograms.Kind.values()) {
            Program p = BenchPrograms.build(kind, 2048, 8, 1);
            assertTrue(Math.abs(p.units() - 2048) <= 2048 * 0.1, kind + " has " + p.units() + " units");
            try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
                s.program(p);
                RunResult r = s.run(StepTimer.spec(2, 300));
                for (float v : r.mean(1)) {
                    assertTrue(Float.isFinite(v) && Math.abs(v) < 10, kind + ": " + v);
                }
                long[] cost = ((SimSubstrate) s).costPerStep(2);
                assertTrue(cost[0] > 16L * p.units() && cost[1] > 8L * p.units(), kind + " cost");
            }
        }
    }

    @Test
    void npyFilesCarryShapeTypeAndLittleEndianData(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.npy");
        Npy.write(f, new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3);
        byte[] b = Files.readAllBytes(f);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        int len = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(0, (10 + len) % 64, "header padded to 64 bytes");
        String header = new String(b, 10, len, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (2, 3)"), header);
        ByteBuffer data = ByteBuffer.wrap(b, 10 + len, 24).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1.5f, data.getFloat());
        assertEquals(-2f, data.getFloat());
        Npy.write(f, new int[] {7, 8, 9}, 3);
        String h1 = new String(Files.readAllBytes(f), 10, 54, StandardCharsets.US_ASCII);
        assertTrue(h1.contains("'<i4'") && h1.contains("(3,)"), h1);
    }

    @Test
    void theFittedExponentRecoversAPowerLaw() {
        List<double[]> pts = List.of(new double[] {1e3, 5 * Math.pow(1e3, 1.3)}, new double[] {1e4, 5 * Math.pow(1e4, 1.3)},
                new double[] {1e5, 5 * Math.pow(1e5, 1.3)});
        assertEquals(1.3, Report.exponent(pts), 1e-9);
    }

    @Test
    void targetsAreJudgedFromTheMeasurements() {
        MachineProbe.Bandwidth bw = new MachineProbe.Bandwidth(10e9, 12e9, 11e9, 1 << 27, 2);
        List<BenchSuite.Row> rows = List.of(
                // 67 MB in 7 ms = 9.6 GB/s = 80% of 12 GB/s
                new BenchSuite.Row("dense-d4096-c1", "dense", 4096, 0, 1, "sim", 7e6, 7e6, 67_200_000L, 33_600_000L, 10),
                new BenchSuite.Row("dense-d1024-c8", "dense", 1024, 0, 8, "sim", 1e6, 1e6, 4_300_000L, 17_000_000L, 10),
                new BenchSuite.Row("dense-d1024-c8", "dense", 1024, 0, 8, "reference", 2e6, 2e6, 4_300_000L, 17_000_000L, 1));
        Map<String, Object> peers = Map.of("cases", Map.of("dense-d1024-c8", Map.of("torch", Map.of("ns_per_step", 0.5e6))));
        List<Report.Target> t = new Report(Map.of("cpu", "test"), bw, bw, 1e11, 2, rows, peers).targets();
        assertTrue(t.get(0).met(), t.get(0).toString());
        // 17 Mflop over 4.3 MB = 3.95 flop/byte, below this machine's balance 1e11 / 12e9 = 8.3: memory-bound, not judged
        assertEquals("n/a", t.get(1).status(), t.get(1).toString());
        // on a machine of balance 1e10 / 12e9 = 0.8 the same step is compute-bound, and 2x is short of 3x
        Report.Target judged = new Report(Map.of(), bw, bw, 1e10, 2, rows, peers).targets().get(1);
        assertEquals("no", judged.status(), judged.toString());
        assertFalse(t.get(2).met(), "torch twice as fast: " + t.get(2));
        String md = new Report(Map.of("cpu", "test"), bw, bw, 1e11, 2, rows, peers).markdown(true, 1);
        assertTrue(md.contains("| dense-d4096-c1 | 4096 x 1 | sim | 7.00 ms (7.00 ms) |"), md);
    }

    /** The peers reproduce sim's step (skipped where no Python with NumPy is installed). */
    @Test
    @SuppressWarnings("unchecked")
    void peersComputeTheSameStep(@TempDir Path dir) throws Exception {
        String python = BenchSuite.findPython();
        assumeTrue(python != null, "no python3 with numpy");
        Path script = Path.of("peers/peers.py").toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            script = Path.of("benchmarks/peers/peers.py").toAbsolutePath();
        }
        assumeTrue(Files.isRegularFile(script), "peers.py not found from " + Path.of("").toAbsolutePath());
        for (BenchPrograms.Kind kind : BenchPrograms.Kind.values()) {
            Program p = BenchPrograms.build(kind, 4096, 4, 1);
            PeerExport.export(dir, kind.id(), kind, 4096, 4, 2, p, 0.1, 1.0);
        }
        Path out = dir.resolve("peers.json");
        Process proc = new ProcessBuilder(python, script.toString(), dir.toString(), out.toString(), "--seconds", "0.2")
                .redirectErrorStream(true).start();
        String log = new String(proc.getInputStream().readAllBytes());
        assertTrue(proc.waitFor(5, TimeUnit.MINUTES) && proc.exitValue() == 0, log);
        Map<String, Object> r = new Gson().fromJson(Files.readString(out), Map.class);
        Map<String, Object> cases = (Map<String, Object>) r.get("cases");
        assertEquals(4, cases.size());
        for (var e : cases.entrySet()) {
            Map<String, Object> c = (Map<String, Object>) e.getValue();
            for (var peer : c.entrySet()) {
                Map<String, Object> m = (Map<String, Object>) peer.getValue();
                assertTrue(Boolean.TRUE.equals(m.get("check_ok")), e.getKey() + " " + peer.getKey() + ": " + m);
                assertTrue(((Number) m.get("ns_per_step")).doubleValue() > 0);
            }
        }
    }
}
