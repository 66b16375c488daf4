package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.fpga.compiler.CompiledProgram;
import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.fpga.compiler.QuantisationReport;
import dev.tdi.substrate.fpga.device.LoadedProgram;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import org.junit.jupiter.api.Test;

/** Compilation to the device's fixed point: the quantisation report, and refusals naming value and limit. */
class CompilerTest {
    private final FpgaCompiler compiler = new FpgaCompiler("fpga");

    @Test
    void theReportMeasuresEachFactorsQuantisationError() {
        float third = 1f / 3f;
        Program p = Program.builder().module("a", 2).module("b", 2)
                .onSite("a", Potential.quadratic(1.0, 0.0)).onSite("b", Potential.quadratic(1.0, 0.0))
                .coupling("a", "b", new DenseOperator(2, 2, new float[] {third, 0.5f, 1e-6f, -2f}))
                .bias("a", new float[] {0.25f, 1e-7f}).build();
        QuantisationReport r = compiler.compile(p).report();
        QuantisationReport.FactorError c = r.factors().get(2);
        assertEquals(4, c.entries());
        // 1/3 -> 21845/65536 (error 5.1e-6); 1e-6 -> 0 (error 1e-6, flushed); 0.5 and -2 exact
        assertEquals(Math.abs(21845 / 65536.0 - third), c.maxAbsError(), 1e-12);
        assertEquals(1, c.flushedToZero());
        assertEquals(0, c.saturated());
        QuantisationReport.FactorError b = r.factors().get(3);
        assertEquals(1, b.flushedToZero(), "1e-7 is below half a quantum");
        assertTrue(r.toString().contains("Coupling(a <- b, DENSE 2x2)"), r.toString());
        assertTrue(r.maxAbsError() <= 0.5 / 65536 + 1e-12, "round to nearest: at most half a quantum");
    }

    @Test
    void theImageRoundTripsThroughTheDeviceParser() throws Exception {
        CompiledProgram c = compiler.compile(Programs.everything());
        LoadedProgram p = LoadedProgram.parse(c.image(), 1 << 20);
        assertEquals(Programs.everything().units(), p.units());
        assertEquals(c.initialBias().length, p.biasWords());
        int[] bad = c.image().clone();
        bad[bad.length - 1] ^= 1;
        LoadedProgram.BadImageException e = assertThrows(LoadedProgram.BadImageException.class,
                () -> LoadedProgram.parse(bad, 1 << 20));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void whatTheDeviceCannotHoldIsRefusedWithEveryReason() {
        Program p = Program.builder().module("a", 2).module("b", 2).module("c", 1)
                .onSite("a", Potential.quadratic(1.0, 0.0)).clamp("c", new float[] {40_000f})
                .onSite("b", Potential.box(0.5, 1.0)).onSite("b", Potential.box(2.0, 3.0))
                .coupling("a", "b", new DenseOperator(2, 2, new float[] {200f, 0, 0, 1}))
                .residual("b", Activation.IDENTITY, new float[2], 1e-7, new Factor.Source("a",
                        new DenseOperator(2, 2, new float[4])))
                .build();
        UnsupportedProgramException e = assertThrows(UnsupportedProgramException.class, () -> compiler.compile(p));
        String m = e.getMessage();
        assertTrue(m.contains("clamp value = 40000") && m.contains("Q15.16"), m);
        assertTrue(m.contains("walls do not intersect"), m);
        assertTrue(m.contains("weight 200.0 exceeds the device's coupling range"), m);
        assertTrue(m.contains("rounds to zero"), m);
        assertEquals(4, e.problems().size(), m);
    }

    @Test
    void theSessionRefusesAtProgramAndRunTimeNamingTheLimit() {
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.of("fpga.emulator.memory-mb=1"))) {
            // coupling range: refused when the program is loaded, naming the weight and the range
            Program strong = Program.builder().module("a", 2).onSite("a", Potential.quadratic(1, 0))
                    .coupling("a", "a", new DenseOperator(2, 2, new float[] {0, 130, 130, 0})).build();
            UnsupportedProgramException e1 = assertThrows(UnsupportedProgramException.class, () -> s.program(strong));
            assertTrue(e1.getMessage().contains("weight 130.0 exceeds the device's coupling range"), e1.getMessage());
            // device memory: a program larger than 1 MiB of state for one chain
            Program big = Program.builder().module("m", 200_000).onSite("m", Potential.quadratic(1, 0)).build();
            UnsupportedProgramException e2 = assertThrows(UnsupportedProgramException.class, () -> s.program(big));
            assertTrue(e2.getMessage().contains("fpga.emulator.memory-mb"), e2.getMessage());
            Program small = Program.builder().module("m", 10_000).onSite("m", Potential.quadratic(1, 0)).build();
            s.program(small);
            UnsupportedProgramException e3 = assertThrows(UnsupportedProgramException.class,
                    () -> s.run(RunSpec.builder().steps(1, 1).chains(50).build()));
            assertTrue(e3.getMessage().contains("at most"), e3.getMessage());
            UnsupportedProgramException e4 = assertThrows(UnsupportedProgramException.class,
                    () -> s.run(RunSpec.builder().steps(1, 1).stepSize(20).build()));
            assertTrue(e4.getMessage().contains("UQ4.28"), e4.getMessage());
        }
    }

    @Test
    void aSaturatedStateRegisterIsReportedAsDivergenceAtTheRegisterRange() {
        Program p = Program.builder().module("m", 2).onSite("m", Potential.quadratic(1.0, 0.0)).build();
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.defaults())) {
            s.program(p);
            // dt = 3 > 2 / k: x <- x - 3 x = -2 x, so |x| = 2^(s+1) after step s, and 2^15 = 32768 is the first value
            // beyond the Q15.16 register (long before the default bound 1e6): at step 14.
            var e = assertThrows(dev.tdi.substrate.DivergenceException.class, () -> s.run(RunSpec.builder()
                    .steps(100, 1).stepSize(3.0).temperature(0).initialState(new float[] {1, 1}).build()));
            assertEquals("m", e.module());
            assertEquals(14, e.step());
            assertTrue(e.getMessage().contains("3.28e+04"), e.getMessage());
        }
    }

    @Test
    void unknownSettingsAreRefused() {
        var e = assertThrows(RuntimeException.class,
                () -> new FpgaProvider().open(SubstrateConfig.of("fpga.trasnport=tcp")));
        assertTrue(e.getMessage().contains("fpga.transport"), e.getMessage());
        var e2 = assertThrows(RuntimeException.class,
                () -> new FpgaProvider().open(SubstrateConfig.of("fpga.transport=pcie")));
        assertTrue(e2.getMessage().contains("inprocess, tcp, mmap"), e2.getMessage());
    }
}
