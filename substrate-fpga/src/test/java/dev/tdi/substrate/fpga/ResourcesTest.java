package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.fpga.compiler.CompiledProgram;
import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.fpga.compiler.ResourceEstimate;
import dev.tdi.substrate.fpga.device.LoadedProgram;
import dev.tdi.substrate.fpga.device.ScheduleTable;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.Program;
import org.junit.jupiter.api.Test;

/**
 * The resource estimate of docs/fpga-device.md follows from the compiled program, and a U-Net-sized conv program
 * (39,200 units, every operator kind it uses) compiles, fits and relaxes on the emulator.
 */
class ResourcesTest {

    @Test
    void theEstimateCountsWhatTheImageHolds() {
        for (Program p : new Program[] {Programs.gaussian(), Programs.everything(), Programs.unetLike()}) {
            CompiledProgram c = new FpgaCompiler("fpga").compile(p);
            ResourceEstimate r = c.resources();
            long params = 0;
            for (Factor f : p.factors()) {
                if (f instanceof Factor.Coupling cp) {
                    params += cp.w().parameters();
                } else if (f instanceof Factor.Residual res) {
                    for (Factor.Source s : res.sources()) {
                        params += s.w().parameters();
                    }
                }
            }
            assertEquals(24 * params, r.weightBits(), "24-bit weight words");
            assertEquals(12L * p.units(), r.ddrBytesPerChain());
            assertTrue(r.macsPerStep() >= params, "every weight is used at least once per step");
            System.out.println(p.summary() + "\n  " + r.describe(2048, 16, 300, 2));
        }
    }

    @Test
    void aUNetSizedConvProgramRelaxesOnTheEmulator() {
        Program p = Programs.unetLike();
        try (FpgaSubstrate s = (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.of("fpga.emulator.threads=2"))) {
            s.program(p);
            RunResult r = s.run(RunSpec.builder().steps(20, 10).stepSize(0.2).temperature(1e-6).chains(2)
                    .traceEvery(10).build());
            double[] e = r.trace().orElseThrow().energy();
            assertTrue(e[e.length - 1] < e[0], "the energy falls as the network relaxes: " + java.util.Arrays.toString(e));
            assertEquals(30, r.steps());
        }
    }

    @Test
    void aDepthScheduleCostsOneLevelPerStepPlusItsDecodeAndHold() throws Exception {
        // The U-Net-shaped program under a depth schedule of 40 steps per level (200 steps): each phase's step
        // does only that level's work, so the whole schedule costs about one unscheduled pass of 40 steps.
        Program p = Programs.unetLike();
        CompiledProgram c = new FpgaCompiler("fpga").compile(p);
        LoadedProgram lp = LoadedProgram.parse(c.image(), 1 << 20);
        Schedule s = Schedule.byDepth(p, 40, 10);
        long[] steps = s.phases().stream().mapToLong(Schedule.Phase::steps).toArray();
        long[] window = s.phases().stream().mapToLong(Schedule.Phase::window).toArray();
        ScheduleTable t = ScheduleTable.parse(ScheduleTable.encode(steps, window, s.releasePhase(p)), lp);
        long[] cycles = ResourceEstimate.scheduledCycles(t, 2048, 16);
        long total = 0;
        long macs = 0;
        for (int q = 0; q < cycles.length; q++) {
            total += cycles[q];
            macs += t.macsPerStep(q);
            long step = Math.max((t.macsPerStep(q) + 2047) / 2048, (t.movingUnits(q) + 15) / 16) + 64;
            assertEquals(t.decodeEntries() + 40 * step + (t.movingUnits(q) + 15) / 16 + 64, cycles[q]);
            System.out.printf("unetLike phase %d: %d units move, %d MACs/step, %d cycles (decode %d, hold %d)%n",
                    q, t.movingUnits(q), t.macsPerStep(q), cycles[q], t.decodeEntries(),
                    ResourceEstimate.phaseOverhead(t.movingUnits(q), 16));
        }
        double unscheduled = 200 * 300e6 / c.resources().stepsPerSecond(2048, 16, 300);
        System.out.printf("unetLike, 200 steps: scheduled %d cycles (%.0f us at 300 MHz), unscheduled %.0f cycles%n",
                total, total / 300.0, unscheduled);
        assertEquals(5, cycles.length);
        // Over the phases each residual's forward work is counted once and no backward work toward held sources.
        assertTrue(macs < c.macsPerStep(), macs + " vs " + c.macsPerStep());
        assertTrue(total < unscheduled / 2, "a phase does one level's work");
    }

    @Test
    void aUNetSizedConvProgramRelaxesUnderADepthSchedule() {
        Program p = Programs.unetLike();
        try (FpgaSubstrate s = (FpgaSubstrate) new FpgaProvider().open(SubstrateConfig.of("fpga.emulator.threads=2"))) {
            s.program(p);
            long t0 = System.nanoTime();
            RunResult r = s.run(RunSpec.builder().stepSize(0.5).temperature(1e-6).chains(2)
                    .schedule(Schedule.byDepth(p, 6, 2)).build());
            System.out.printf("unetLike on the emulator, 5 phases x 6 steps, 2 chains: %.2f s%n",
                    (System.nanoTime() - t0) / 1e9);
            assertEquals(30, r.steps());
            assertEquals(5, r.phaseEnergies().size());
            for (RunResult.PhaseEnergy e : r.phaseEnergies()) {
                assertTrue(e.released() > 0, "every level releases energy as it settles: " + r.phaseEnergies());
            }
        }
    }
}
