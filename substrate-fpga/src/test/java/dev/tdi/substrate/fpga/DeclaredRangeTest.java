package dev.tdi.substrate.fpga;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import org.junit.jupiter.api.Test;

/**
 * The coupling and stiffness ranges the device declares (docs/fpga-device.md, "Declared ranges") refuse a program
 * beyond them at {@code program(...)}, naming the factor, its value and the range, and admit one just within.
 */
class DeclaredRangeTest {

    static Program coupled(float small) {
        return Program.builder().module("a", 2).module("b", 2).onSite("a", Potential.quadratic(1, 0))
                .onSite("b", Potential.quadratic(1, 0))
                .coupling("a", "b", new DenseOperator(2, 2, new float[] {0, 100, small, 0})).build();
    }

    static String refusal(Program p) {
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.defaults())) {
            return assertThrows(UnsupportedProgramException.class, () -> s.program(p)).getMessage();
        }
    }

    @Test
    void aCouplingSpreadBeyondOneQ7_16WordIsRefusedNamingFactorValueAndRange() {
        // 100 / 1e-5 = 1e7 > 2^23 - 1: the small entry is below the word's resolution at this scale.
        String m = refusal(coupled(1e-5f));
        assertTrue(m.contains("Coupling(a <- b"), m);
        assertTrue(m.contains("a coupling of magnitude 1.000e-05 is 1.000e+07 times smaller than the largest (100.0"),
                m);
        assertTrue(m.contains(DeviceRanges.COUPLING.toString()), m);
        assertTrue(m.contains("6.9 decades"), m);
        // 100 / 2e-5 = 5e6 is within: accepted.
        try (Substrate s = new FpgaProvider().open(SubstrateConfig.defaults())) {
            s.program(coupled(2e-5f));
        }
    }

    @Test
    void aStiffnessBeyondTheLargestExponentIsRefused() {
        Program p = Program.builder().module("a", 2).onSite("a", Potential.quadratic(4e13, 0)).build();
        String m = refusal(p);
        assertTrue(m.contains("a stiffness of magnitude 4.000e+13 exceeds this backend's stiffness range "
                + DeviceRanges.STIFFNESS), m);
    }

    @Test
    void aStiffnessSpreadBeyondOneQ15_16WordIsRefusedThoughExponentsCouldHoldIt() {
        // w = 1e6 on one module (exponent 9) and k = 1e-4 on another: a ratio of 1e10 > 2^31 - 1.
        Program p = Program.builder().module("in", 2).module("h", 2).module("g", 2)
                .clamp("in", new float[] {0.5f, -0.5f})
                .residual("h", Activation.IDENTITY, new float[2], 1e6,
                        new Factor.Source("in", new DenseOperator(2, 2, new float[] {1, 0, 0, 1})))
                .onSite("g", Potential.quadratic(1e-4, 0)).build();
        String m = refusal(p);
        assertTrue(m.contains("a stiffness of magnitude 0.0001000 is 1.000e+10 times smaller than the largest"
                + " (1.000e+06, Residual(h"), m);
        assertTrue(m.contains("stiffness range " + DeviceRanges.STIFFNESS), m);
    }
}
