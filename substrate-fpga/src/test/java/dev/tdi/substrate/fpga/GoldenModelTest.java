package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.fpga.compiler.CompiledProgram;
import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.fpga.device.Datapath;
import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.LoadedProgram;
import dev.tdi.substrate.fpga.device.Registers;
import dev.tdi.substrate.fpga.device.ScheduleTable;
import dev.tdi.substrate.program.Program;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The emulator's datapath against an independent golden model (src/test/python/golden_model.py, written from
 * docs/fpga-device.md): the committed vector golden/everything.vec holds a program image with every factor and
 * operator kind and the run inputs; golden/everything.expected holds what the golden model computed. The emulator
 * must reproduce it bit for bit, on one lane and on several.
 * <p>
 * A second vector, golden/scaled.vec, has weights far beyond 2^11, so its modules carry force exponents. A third,
 * golden/scheduled.vec, runs the first program under a depth schedule (RUN_FLAGS.SCHEDULE): steps 7..31 of three
 * 13-step phases with 5-step windows, so the START crosses two phase ends (average and hold) mid-run.
 * To regenerate after a deliberate format change: run with {@code -Dgolden.write=src/test/resources/golden} and
 * then {@code python3 src/test/python/golden_model.py NAME.vec NAME.expected} in that folder for each NAME.
 */
class GoldenModelTest {

    static final String[] VECTORS = {"everything", "scaled", "scheduled"};

    static Map<String, long[]> vector(String name) {
        Program program = name.equals("scaled") ? Programs.scaled() : Programs.everything();
        CompiledProgram c = new FpgaCompiler("fpga").compile(program);
        Map<String, long[]> v = new LinkedHashMap<>();
        v.put("image", longs(c.image()));
        v.put("bias", longs(c.initialBias()));
        v.put("clamp", longs(c.initialClamp()));
        int modules = program.modules().size();
        long[] params = new long[2 * modules];
        for (int m = 0; m < modules; m++) {
            double dt = name.equals("scaled") ? Programs.SCALED_DT[m] : 0.02 + 0.01 * m;
            params[2 * m] = (int) Fx.dtRaw(dt * Math.scalb(1.0, c.exponents()[m]));
            params[2 * m + 1] = (int) Fx.sigmaRaw(Math.sqrt(2 * 0.3 * dt));
        }
        v.put("params", params);
        int chains = 2;
        long[] keys = new long[chains];
        Random r = new Random(5);
        int units = program.units();
        for (int ch = 0; ch < chains; ch++) {
            keys[ch] = ChainSeeds.of(42, ch);
            long[] x = new long[units];
            for (int i = 0; i < units; i++) {
                x[i] = Fx.q16(2 * r.nextDouble() - 1);
            }
            v.put("state" + ch, x);
        }
        v.put("keys", keys);
        if (name.equals("scheduled")) {
            Schedule s = Schedule.byDepth(program, 13, 5);
            long[] steps = s.phases().stream().mapToLong(Schedule.Phase::steps).toArray();
            long[] window = s.phases().stream().mapToLong(Schedule.Phase::window).toArray();
            v.put("schedule", longs(ScheduleTable.encode(steps, window, s.releasePhase(program))));
            v.put("flags", new long[] {Registers.RF_INIT_WALLS | Registers.RF_SCHEDULE | Registers.RF_ACC_CLEAR});
        } else {
            v.put("flags", new long[] {Registers.RF_INIT_WALLS | Registers.RF_ACC_ENABLE});
        }
        v.put("steps", new long[] {25});
        v.put("stepBase", new long[] {7});
        v.put("divBound", new long[] {Integer.MAX_VALUE});
        return v;
    }

    @Test
    void emulatorMatchesTheIndependentGoldenModelBitForBit() throws Exception {
        for (String name : VECTORS) {
            check(name);
        }
    }

    private void check(String name) throws Exception {
        Map<String, long[]> v = vector(name);
        String dir = System.getProperty("golden.write");
        if (dir != null) {
            write(Path.of(dir, name + ".vec"), v);
            return;
        }
        Map<String, long[]> stored = read("/golden/" + name + ".vec");
        for (String k : v.keySet()) {
            assertArrayEquals(stored.get(k), v.get(k), name + ": committed golden input '" + k + "' differs from"
                    + " what the compiler produces now: the image format or quantisation changed; regenerate (see"
                    + " Javadoc)");
        }
        Map<String, long[]> expected = read("/golden/" + name + ".expected");
        for (int lanes : new int[] {1, 2}) {
            ExecutorService pool = lanes == 1 ? null : Executors.newFixedThreadPool(lanes);
            try {
                int chains = v.get("keys").length;
                LoadedProgram p = LoadedProgram.parse(ints(v.get("image")), 1 << 20);
                ScheduleTable table = v.containsKey("schedule") ? ScheduleTable.parse(ints(v.get("schedule")), p)
                        : null;
                int[][] states = new int[chains][];
                long[][] acc = new long[chains][p.units()];
                for (int c = 0; c < chains; c++) {
                    states[c] = ints(v.get("state" + c));
                }
                long[] params = v.get("params");
                long[] dt = new long[params.length / 2];
                long[] sigma = new long[params.length / 2];
                for (int m = 0; m < dt.length; m++) {
                    dt[m] = params[2 * m] & 0xFFFF_FFFFL;
                    sigma[m] = params[2 * m + 1] & 0xFFFF_FFFFL;
                }
                Datapath.Outcome o = Datapath.run(new Datapath.Run(p, ints(v.get("bias")), ints(v.get("clamp")), dt,
                        sigma, v.get("keys"), states, acc, v.get("steps")[0], v.get("stepBase")[0],
                        (int) v.get("flags")[0], (int) v.get("divBound")[0], table), pool, () -> false);
                assertFalse(o.diverged());
                assertEquals(v.get("steps")[0], o.stepsDone());
                assertEquals(expected.get("satInternal")[0], o.satInternal(), name);
                for (int c = 0; c < chains; c++) {
                    assertArrayEquals(expected.get("state" + c), longs(states[c]), name + ": final state, chain " + c);
                    assertArrayEquals(expected.get("acc" + c), acc[c], name + ": accumulators, chain " + c);
                }
            } finally {
                if (pool != null) {
                    pool.shutdownNow();
                }
            }
        }
    }

    @Test
    void theGoldenRunsExerciseNoiseWallsReluAndForceExponents() throws Exception {
        int[] e = new FpgaCompiler("fpga").compile(Programs.scaled()).exponents();
        assertArrayEquals(new int[] {0, 6, 1}, e, "clamped: 0; 10^5 -> 2^16 -> E 6; 3000 -> 2^11 -> E 1");
        Map<String, long[]> scaled = read("/golden/scaled.expected");
        assertNotEquals(0, scaled.get("state0")[6], "the scaled program's units moved");
        Map<String, long[]> v = vector("everything");
        Map<String, long[]> expected = read("/golden/everything.expected");
        // Not a trivial vector: states moved, relu units sit at the wall, box units stay within their walls.
        long moved = 0;
        long[] x0 = v.get("state0");
        long[] x1 = expected.get("state0");
        for (int i = 16; i < x0.length; i++) {
            moved += x0[i] != x1[i] ? 1 : 0;
        }
        assertTrue(moved > x0.length / 2, "most free units must move, moved " + moved);
        int box = Programs.everything().module("box").offset();
        for (int i = box; i < box + 3; i++) {
            assertTrue(x1[i] >= Fx.q16(-0.5) && x1[i] <= Fx.q16(0.75), "box walls hold");
        }
    }

    private static long[] longs(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = a[i];
        }
        return l;
    }

    private static int[] ints(long[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (int) a[i];
        }
        return r;
    }

    private static void write(Path p, Map<String, long[]> v) throws IOException {
        StringBuilder s = new StringBuilder("# golden run vector, written by GoldenModelTest\n");
        v.forEach((k, a) -> {
            s.append(k);
            for (long x : a) {
                s.append(' ').append(x);
            }
            s.append('\n');
        });
        Files.createDirectories(p.getParent());
        Files.writeString(p, s);
    }

    private static Map<String, long[]> read(String resource) throws IOException {
        Map<String, long[]> v = new LinkedHashMap<>();
        try (InputStream in = GoldenModelTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, "missing test resource " + resource);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 0 || parts[0].isEmpty() || parts[0].startsWith("#")) {
                    continue;
                }
                long[] a = new long[parts.length - 1];
                for (int i = 1; i < parts.length; i++) {
                    a[i - 1] = Long.parseLong(parts[i]);
                }
                v.put(parts[0], a);
            }
        }
        return v;
    }
}
