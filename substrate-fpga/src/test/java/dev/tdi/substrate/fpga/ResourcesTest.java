package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.fpga.compiler.CompiledProgram;
import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.fpga.compiler.ResourceEstimate;
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
}
