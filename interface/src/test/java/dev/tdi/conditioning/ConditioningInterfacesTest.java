package dev.tdi.conditioning;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.util.Modules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConditioningInterfacesTest {
    private final ConditioningInterfaces interfaces = ConditioningInterfaces.standard();
    private final SyntheticOracle oracle = new SyntheticOracle(SyntheticOracle.fields(), 0, 7);
    private final List<ConditioningInput> calibration = SyntheticOracle.steps(100, 0, 3, -1);

    @Test
    void theBuiltInInterfacesAreBoundByName() {
        assertEquals(Set.of("minimal", "none", "oracle"), interfaces.names());
        assertInstanceOf(FixedBiasInterface.class, interfaces.create("none", calibration, oracle, 1));
        assertInstanceOf(OracleInterface.class, interfaces.create("oracle", calibration, oracle, 1));
        var m = interfaces.create("minimal:b=4,h=16,steps=3", calibration, oracle, 1);
        assertInstanceOf(MinimalInterface.class, m);
        assertEquals("minimal:b=4,h=16,steps=3", m.spec());
        assertEquals("minimal:b=4,h=16", interfaces.create("minimal:steps=3", calibration, oracle, 1).spec()
                .replace(",steps=3", ""));
    }

    @Test
    void anUnknownNameIsAnsweredWithTheKnownNames() {
        var e = assertThrows(ConditioningSpecException.class,
                () -> interfaces.create("maximal", calibration, oracle, 1));
        assertEquals("unknown conditioning interface 'maximal'; known: minimal, none, oracle", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "minimal:b=-1     | b=-1 is out of range [1, 64]",
            "minimal:h=0      | h=0 is out of range [1, 1024]",
            "minimal:z=3      | unknown parameter 'z'",
            "minimal:b=four   | b=four is not an integer",
            "minimal:lr=0     | lr=0 is out of range",
            "minimal:lr=NaN   | lr=NaN is out of range",
            "none:b=4         | unknown parameter 'b' (it takes none)",
            "oracle:h=2       | unknown parameter 'h' (it takes none)",
    })
    void malformedSpecsAreRefusedWithTheUsage(String spec, String problem) {
        var e = assertThrows(ConditioningSpecException.class, () -> interfaces.create(spec, calibration, oracle, 1));
        String name = spec.substring(0, spec.indexOf(':'));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains("usage: " + interfaces.factory(name).usage()), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "minimal:     | has a ':' but no parameters",
            "minimal:b    | parameter 'b' is not key=value",
            "minimal:b=1,b=2 | parameter 'b' given twice",
    })
    void syntacticallyBrokenSpecsAreRefused(String spec, String problem) {
        var e = assertThrows(ConditioningSpecException.class, () -> interfaces.create(spec, calibration, oracle, 1));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    /** An interface defined only here: the oracle's biases at the nearest calibration step (a lookup table). */
    static final class NearestStepInterface implements ConditioningInterface {
        private final List<ConditioningInput> table;
        private final BiasOracle oracle;

        NearestStepInterface(List<ConditioningInput> table, BiasOracle oracle) {
            this.table = table;
            this.oracle = oracle;
        }

        @Override public String spec() { return "nearest"; }
        @Override public long parameters() { return (long) table.size() * 24; }
        @Override public long multiplyAccumulates() { return 0; }

        @Override
        public Map<String, float[]> biases(ConditioningInput input) {
            ConditioningInput best = table.get(0);
            for (ConditioningInput c : table) {
                if (Math.abs(c.timestep() - input.timestep()) < Math.abs(best.timestep() - input.timestep())) {
                    best = c;
                }
            }
            return oracle.biases(best);
        }

        static final class Factory implements ConditioningInterfaceFactory {
            @Override public String name() { return "nearest"; }
            @Override public String usage() { return "nearest (no parameters)"; }

            @Override
            public ConditioningInterface create(Map<String, String> parameters, List<ConditioningInput> calibration,
                                                BiasOracle oracle, long seed) {
                new InterfaceParameters(name(), parameters, usage()).requireOnly();
                return new NearestStepInterface(List.copyOf(calibration), oracle);
            }
        }
    }

    @Test
    void aUserBindsTheirOwnInterfaceWithAGuiceModule() {
        var user = new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, ConditioningInterfaceFactory.class)
                        .addBinding("nearest").to(NearestStepInterface.Factory.class);
            }
        };
        ConditioningInterfaces all = Guice.createInjector(Modules.combine(new ConditioningModule(), user))
                .getInstance(ConditioningInterfaces.class);
        assertEquals(Set.of("minimal", "nearest", "none", "oracle"), all.names());
        ConditioningInterface n = all.create("nearest", calibration, oracle, 1);
        List<ConditioningInput> held = SyntheticOracle.steps(100, 1, 3, -1);
        var report = ConditioningDeficit.measure(oracle, calibration, held, List.of(n), null);
        assertTrue(report.entry("nearest").deficit() > 3, report.format());
        var e = assertThrows(ConditioningSpecException.class, () -> all.create("nearest:k=1", calibration, oracle, 1));
        assertTrue(e.getMessage().contains("usage: nearest (no parameters)"), e.getMessage());
    }
}
