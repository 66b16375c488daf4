package dev.tdi.coupling;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.util.Modules;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CouplingStrategiesTest {
    private final CouplingStrategies strategies = CouplingStrategies.standard();

    @Test
    void theBuiltInStrategiesAreBoundByName() {
        assertEquals(Set.of("dense", "hbc", "none", "random", "svd"), strategies.names());
        assertInstanceOf(HbcStrategy.class, strategies.create("hbc:k=8"));
        assertInstanceOf(HbcStrategy.class, strategies.create("hbc:budget=48"));
        assertInstanceOf(SvdStrategy.class, strategies.create("svd:k=4"));
        assertInstanceOf(RandomStrategy.class, strategies.create("random:k=4"));
        assertInstanceOf(DenseStrategy.class, strategies.create("dense"));
        assertInstanceOf(NoneStrategy.class, strategies.create("none"));
        assertEquals("hbc:k=8", strategies.create(" hbc:k=8 ").spec());
        assertEquals("hbc:budget=48,norm=rel", strategies.create("hbc:budget=48,norm=rel").spec());
    }

    @Test
    void anUnknownNameIsAnsweredWithTheKnownNames() {
        var e = assertThrows(CouplingSpecException.class, () -> strategies.create("hbx:k=8"));
        assertEquals("unknown coupling strategy 'hbx'; known: dense, hbc, none, random, svd", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "hbc:k=0       | k=0 is out of range [1, 4096]",
            "hbc:k=x       | k=x is not an integer",
            "hbc:q=3       | unknown parameter 'q'",
            "hbc           | missing parameter 'k' (or 'budget')",
            "hbc:k=4,budget=8 | give k or budget, not both",
            "hbc:k=4,norm=rel | norm applies to budget splitting only",
            "hbc:k=4,max=3 | max applies to budget splitting only",
            "hbc:budget=8,max=0 | max=0 is out of range [1, 4096]",
            "hbc:budget=8,norm=max | norm=max is not one of abs, rel",
            "hbc:k=4,solver=qr | solver=qr is not one of auto, gram, rsvd",
            "svd           | missing parameter 'k'",
            "svd:k=-2      | k=-2 is out of range [1, 4096]",
            "random:k=4,seed=z | seed=z is not an integer",
            "dense:k=3     | unknown parameter 'k' (it takes none)",
            "none:x=1      | unknown parameter 'x' (it takes none)",
    })
    void malformedSpecsAreRefusedWithTheUsage(String spec, String problem) {
        var e = assertThrows(CouplingSpecException.class, () -> strategies.create(spec));
        String name = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains("usage: " + strategies.factory(name).usage()), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "hbc:          | has a ':' but no parameters",
            "hbc:k         | parameter 'k' is not key=value",
            "hbc:k=1,k=2   | parameter 'k' given twice",
            ":k=2          | has no strategy name",
    })
    void syntacticallyBrokenSpecsAreRefused(String spec, String problem) {
        var e = assertThrows(CouplingSpecException.class, () -> strategies.create(spec));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    /**
     * A strategy defined only here: keep the k decoder units with the largest skip energy (coordinate selection,
     * P = the matching unit vectors). Bound by a user module next to {@link CouplingModule}.
     */
    static final class TopUnitsStrategy implements CouplingStrategy {
        private final int k;

        TopUnitsStrategy(int k) {
            this.k = k;
        }

        @Override public String spec() { return "topunits:k=" + k; }

        @Override
        public List<CoupledSkip> couple(List<SkipConnection> skips) {
            return skips.stream().map(s -> {
                double[][] cols = Projections.dataColumns(s);
                int d = s.operator().rows();
                double[] e = new double[d];
                for (double[] c : cols) {
                    for (int i = 0; i < d; i++) {
                        e[i] += c[i] * c[i];
                    }
                }
                Integer[] order = new Integer[d];
                for (int i = 0; i < d; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, (a, b) -> Double.compare(e[b], e[a]));
                double[][] p = new double[Math.min(k, d)][d];
                for (int j = 0; j < p.length; j++) {
                    p[j][order[j]] = 1;
                }
                return Projections.bus(s.operator(), p);
            }).toList();
        }

        static final class Factory implements CouplingStrategyFactory {
            @Override public String name() { return "topunits"; }
            @Override public String usage() { return "topunits:k=K (1..4096)"; }

            @Override
            public CouplingStrategy create(Map<String, String> parameters) {
                SpecParameters p = new SpecParameters(name(), parameters, usage());
                p.requireOnly("k");
                return new TopUnitsStrategy(p.intValue("k", 1, 4096));
            }
        }
    }

    @Test
    void aUserBindsTheirOwnStrategyWithAGuiceModule() {
        var user = new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class)
                        .addBinding("topunits").to(TopUnitsStrategy.Factory.class);
            }
        };
        CouplingStrategies all = Guice.createInjector(Modules.combine(new CouplingModule(), user))
                .getInstance(CouplingStrategies.class);
        assertEquals(Set.of("dense", "hbc", "none", "random", "svd", "topunits"), all.names());
        SkipConnection s = Synthetic.skip("s", 0, Synthetic.denseW(12, 10, 1), Synthetic.planted(20, 10, 3, 1, 0, 2));
        CouplingStrategies.Result r = all.couple("topunits:k=3", List.of(s));
        assertEquals(3L * (12 + 10), r.report().couplings());
        assertEquals(3, r.report().longRangeLines());
        // hbc at the same rank is at least as good in the data metric
        double hbc = all.couple("hbc:k=3", List.of(s)).report().skips().get(0).capturedEnergy();
        assertTrue(hbc >= r.report().skips().get(0).capturedEnergy() - 1e-9);
        var e = assertThrows(CouplingSpecException.class, () -> all.create("topunits:k=0"));
        assertTrue(e.getMessage().contains("usage: topunits:k=K (1..4096)"), e.getMessage());
    }

    @Test
    void aFactoryBoundUnderAnotherNameIsRefused() {
        var wrong = new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class)
                        .addBinding("alias").to(NoneStrategy.Factory.class);
            }
        };
        var e = assertThrows(Exception.class, () -> Guice.createInjector(new CouplingModule(), wrong)
                .getInstance(CouplingStrategies.class));
        assertTrue(String.valueOf(e.getMessage()).contains("bound as 'alias' but names itself 'none'"),
                e.getMessage());
    }

    @Test
    void theReportListsEverySkip() {
        SkipConnection a = Synthetic.skip("skip0", 0, Synthetic.denseW(12, 10, 1),
                Synthetic.planted(20, 10, 3, 1, 0, 2));
        SkipConnection b = Synthetic.skip("skip1", 1, Synthetic.denseW(6, 8, 3), Synthetic.planted(20, 8, 2, 1, 0, 4));
        CouplingReport r = strategies.couple("hbc:k=2", List.of(a, b)).report();
        assertEquals(2, r.skips().size());
        assertEquals(2L * (12 + 10) + 2L * (6 + 8), r.couplings());
        assertEquals(4, r.longRangeLines());
        assertEquals(1.0, r.skips().get(1).capturedEnergy(), 1e-6); // rank-2 data at k = 2
        assertTrue(r.skips().get(0).capturedEnergy() < 0.999);
        String table = r.format();
        assertTrue(table.contains("skip0") && table.contains("skip1") && table.contains("total"), table);
    }
}
