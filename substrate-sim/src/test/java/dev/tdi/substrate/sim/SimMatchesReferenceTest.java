package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Program;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The simulator agrees with the reference backend on the same program at T = 0 (where the dynamics are
 * deterministic), over many steps, for every operator kind in every role (cross coupling, self coupling, identity
 * and relu residual), with walls, biases, clamps, per-module step sizes and a random initial state.
 * <p>
 * Tolerance: |sim - reference| &lt;= 1e-4 (1 + |reference|) per unit, for the final state and the window mean. The
 * simulator works in float32 (unit roundoff 6e-8) and the reference in double; on these contracting dynamics the
 * float error stays at a few hundred roundoffs, so 1e-4 leaves a wide margin while any semantic difference (a
 * missing factor, a transposed kernel, a wrong wall, a sign) moves states by 1e-2 or more.
 */
class SimMatchesReferenceTest {
    static final double TOLERANCE = 1e-4;

    static Stream<Arguments> programs() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (OperatorKind k : OperatorKind.values()) {
            if (k == OperatorKind.CONV2D || k == OperatorKind.CONV_TRANSPOSE2D) {
                // both forms of every convolution direction: the stencil and the matrix kernel (ConvGemm)
                for (String form : new String[] {"stencil", "gemm"}) {
                    s.add(Arguments.of(k, 0, form));
                    s.add(Arguments.of(k, 1, form));
                }
            } else {
                s.add(Arguments.of(k, 0, "auto"));
            }
        }
        return s.build();
    }

    @ParameterizedTest(name = "{0} variant {1}, conv={2}")
    @MethodSource("programs")
    void agreesAtZeroTemperature(OperatorKind kind, int variant, String conv) {
        Program p = TestPrograms.everything(kind, variant, 17 + variant);
        float[] init = TestPrograms.randn(new Random(5), p.units(), 0.5);
        RunSpec spec = RunSpec.builder().steps(300, 200).stepSize(0.05).stepSize("r", 0.03).stepSize("t", 0.08)
                .temperature(0).chains(2).initialState(init).traceEvery(100).build();
        RunResult ref;
        RunResult sim;
        try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
            s.program(p);
            ref = s.run(spec);
        }
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded", "conv=" + conv))) {
            s.program(p);
            sim = s.run(spec);
        }
        assertEquals(ref.steps(), sim.steps());
        double moved = 0;
        for (int c = 0; c < 2; c++) {
            float[] a = ref.finalState(c), b = sim.finalState(c), ma = ref.mean(c), mb = sim.mean(c);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], TOLERANCE * (1 + Math.abs(a[i])), kind + " final state, unit " + i);
                assertEquals(ma[i], mb[i], TOLERANCE * (1 + Math.abs(ma[i])), kind + " mean, unit " + i);
                moved = Math.max(moved, Math.abs(a[i] - init[i]));
            }
        }
        assertTrue(moved > 0.05, "the dynamics must move the state for the comparison to mean anything");
        var rt = ref.trace().orElseThrow();
        var st = sim.trace().orElseThrow();
        assertArrayEquals(rt.steps(), st.steps());
        for (int i = 0; i < rt.energy().length; i++) {
            assertEquals(rt.energy()[i], st.energy()[i], 1e-3 * (1 + Math.abs(rt.energy()[i])), "trace energy");
        }
        assertEquals(rt.residualNorms().keySet(), st.residualNorms().keySet());
    }
}
