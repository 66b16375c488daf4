package dev.tdi.substrate.fpga;

import static dev.tdi.substrate.fpga.device.Registers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.fpga.compiler.CompiledProgram;
import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.fpga.device.Datapath;
import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.LoadedProgram;
import dev.tdi.substrate.fpga.device.ScheduleTable;
import dev.tdi.substrate.program.Program;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The device's schedule machinery at register and datapath level: the SCHED table's validation, and that a
 * schedule runs bit-identically whether one START covers all its phases or the host splits it anywhere.
 */
class ScheduleDeviceTest {

    /** Everything needed to call the datapath on {@link Programs#everything()} with a depth schedule. */
    record Setup(LoadedProgram program, CompiledProgram compiled, ScheduleTable table, long[] dt, long[] sigma,
                 long[] keys, int[][] init) {
    }

    static Setup setup() throws Exception {
        Program p = Programs.everything();
        CompiledProgram c = new FpgaCompiler("fpga").compile(p);
        LoadedProgram lp = LoadedProgram.parse(c.image(), 1 << 20);
        Schedule s = Schedule.byDepth(p, 13, 5);
        long[] steps = s.phases().stream().mapToLong(Schedule.Phase::steps).toArray();
        long[] window = s.phases().stream().mapToLong(Schedule.Phase::window).toArray();
        ScheduleTable t = ScheduleTable.parse(ScheduleTable.encode(steps, window, s.releasePhase(p)), lp);
        int n = p.modules().size();
        long[] dt = new long[n];
        long[] sigma = new long[n];
        for (int m = 0; m < n; m++) {
            dt[m] = Fx.dtRaw(0.05);
            sigma[m] = p.clampOf(p.modules().get(m).name()) != null ? 0 : Fx.sigmaRaw(Math.sqrt(2 * 0.3 * 0.05));
        }
        int chains = 3;
        long[] keys = new long[chains];
        int[][] init = new int[chains][p.units()];
        Random r = new Random(2);
        for (int ch = 0; ch < chains; ch++) {
            keys[ch] = ChainSeeds.of(8, ch);
            for (int i = 0; i < p.units(); i++) {
                init[ch][i] = Fx.q16(r.nextDouble() - 0.5);
            }
        }
        return new Setup(lp, c, t, dt, sigma, keys, init);
    }

    /** Runs the schedule's steps in STARTs of the given lengths; returns the states. */
    static int[][] runInPieces(Setup s, long[] pieces, ExecutorService pool) {
        int[][] x = new int[s.init().length][];
        long[][] acc = new long[x.length][s.program().units()];
        for (int c = 0; c < x.length; c++) {
            x[c] = s.init()[c].clone();
        }
        long base = 0;
        for (long n : pieces) {
            int flags = RF_SCHEDULE | (base == 0 ? RF_INIT_WALLS | RF_ACC_CLEAR : 0);
            Datapath.Outcome o = Datapath.run(new Datapath.Run(s.program(), s.compiled().initialBias(),
                    s.compiled().initialClamp(), s.dt(), s.sigma(), s.keys(), x, acc, n, base, flags,
                    Integer.MAX_VALUE, s.table()), pool, () -> false);
            assertFalse(o.diverged());
            assertEquals(0, o.satInternal());
            base += n;
        }
        return x;
    }

    @Test
    void oneStartOverEveryPhaseEqualsAnySplitOnOneLaneOrSeveral() throws Exception {
        Setup s = setup();
        long total = s.table().totalSteps();
        assertEquals(3, s.table().phases(), "c1, s and box; d; u: three levels");
        int[][] whole = runInPieces(s, new long[] {total}, null);
        int[][] perPhase = runInPieces(s, new long[] {13, 13, 13}, null);
        int[][] ragged = runInPieces(s, new long[] {1, 17, 4, total - 22}, null);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int[][] lanes;
        try {
            lanes = runInPieces(s, new long[] {20, total - 20}, pool);
        } finally {
            pool.shutdownNow();
        }
        for (int c = 0; c < whole.length; c++) {
            assertArrayEquals(whole[c], perPhase[c], "per-phase STARTs, chain " + c);
            assertArrayEquals(whole[c], ragged[c], "ragged STARTs, chain " + c);
            assertArrayEquals(whole[c], lanes[c], "two lanes, chain " + c);
            assertFalse(java.util.Arrays.equals(whole[c], s.init()[c]), "the run moved chain " + c);
        }
    }

    @Test
    void malformedTablesAreRefusedWithAReason() throws Exception {
        Setup s = setup();
        LoadedProgram p = s.program();
        int[] release = {-1, 0, 1, 2, 0, 0};
        long[] steps = {13, 13, 13};
        long[] window = {5, 5, 5};
        ScheduleTable.parse(ScheduleTable.encode(steps, window, release), p);
        assertRefused("window 14 outside 1..min(steps 13", ScheduleTable.encode(steps, new long[] {5, 14, 5},
                release), p);
        assertRefused("phase 2 has 0 steps", ScheduleTable.encode(new long[] {13, 13, 0}, window, release), p);
        assertRefused("releases clamped module 0 in phase 0",
                ScheduleTable.encode(steps, window, new int[] {0, 0, 1, 2, 0, 0}), p);
        assertRefused("releases free module 5 in phase 3, not in 0..2",
                ScheduleTable.encode(steps, window, new int[] {-1, 0, 1, 2, 0, 3}), p);
        assertRefused("names 5 modules, the program has 6",
                ScheduleTable.encode(steps, window, new int[] {-1, 0, 1, 2, 0}), p);
    }

    private static void assertRefused(String reason, int[] table, LoadedProgram p) {
        ScheduleTable.BadScheduleException e = assertThrows(ScheduleTable.BadScheduleException.class,
                () -> ScheduleTable.parse(table, p));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void theDeviceRaisesBadParamForABadTableOrAStartBeyondTheSchedule() {
        Program p = ScheduleTest.feedForward();
        try (FpgaSubstrate s = (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.defaults())) {
            s.program(p);
            // A good scheduled run leaves every region register set up.
            s.run(RunSpec.builder().temperature(0).schedule(Schedule.byDepth(p, 4, 2)).build());
            FpgaDriver d = new FpgaDriver(s.transport(), 2000);
            assertEquals(FEAT_SCHEDULES, d.features() & FEAT_SCHEDULES);
            int table = d.read(SCHED_ADDR);
            // Beyond the schedule's 12 steps.
            d.write64(N_STEPS_LO, 5);
            d.write64(STEP_BASE_LO, 10);
            d.write(RUN_FLAGS, RF_SCHEDULE);
            FpgaDriver.Completion c = d.command(CTRL_START, 2000);
            assertTrue(c.error());
            assertEquals(ERR_BAD_PARAM, c.errorCode());
            assertEquals(SCHED_ADDR, c.errorInfo());
            d.command(CTRL_CLEAR_ERROR, 2000);
            // A window longer than its phase.
            d.writeWords(table + 4L * (ScheduleTable.HEADER_WORDS + 2), new int[] {9, 0});
            d.write64(STEP_BASE_LO, 0);
            c = d.command(CTRL_START, 2000);
            assertEquals(ERR_BAD_PARAM, c.errorCode());
            assertEquals(SCHED_ADDR, c.errorInfo());
            d.command(CTRL_CLEAR_ERROR, 2000);
            // The session rewrites the table and recovers.
            assertEquals(12, s.run(RunSpec.builder().temperature(0).schedule(Schedule.byDepth(p, 4, 2)).build())
                    .steps());
        }
    }
}
