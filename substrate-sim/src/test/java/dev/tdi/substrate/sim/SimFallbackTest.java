package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.OperatorKind;
import dev.tdi.substrate.program.Program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs in the surefire execution {@code scalar-fallback}, on a JVM started without
 * {@code --add-modules jdk.incubator.vector}: the provider loads, says it is on the fallback, and runs every
 * operator kind on the scalar kernels with the same results as the reference.
 */
@EnabledIfSystemProperty(named = "tdi.sim.expectFallback", matches = "true")
class SimFallbackTest {

    @Test
    void providerLoadsAndSaysWhy() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(),
                "this execution must run without the incubator module");
        SubstrateProvider p = SubstrateRegistry.provider("sim");
        assertTrue(p.description().contains("SCALAR FALLBACK"), p.description());
        assertTrue(p.description().contains("jdk.incubator.vector"), p.description());
        assertFalse(SimProvider.vectorized());
    }

    @Test
    void runsEveryOperatorKindOnScalarKernels() {
        for (OperatorKind kind : OperatorKind.values()) {
            Program prog = TestPrograms.everything(kind, 1, 3);
            RunSpec spec = RunSpec.builder().steps(200, 100).stepSize(0.05).temperature(0).chains(2).build();
            RunResult ref;
            RunResult sim;
            try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
                s.program(prog);
                ref = s.run(spec);
            }
            try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
                assertTrue(((SimSubstrate) s).kernels().contains("scalar"));
                s.program(prog);
                sim = s.run(spec);
            }
            float[] a = ref.finalState(1), b = sim.finalState(1);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], SimMatchesReferenceTest.TOLERANCE * (1 + Math.abs(a[i])), kind + " unit " + i);
            }
            // T > 0 runs too
            try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
                s.program(prog);
                RunResult hot = s.run(spec.toBuilder().temperature(1).build());
                for (float v : hot.mean(0)) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
    }
}
