package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.coupling.SkipConnection;
import dev.tdi.unet.UNet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanLedgerMetricsTest {

    @Test
    void weightsDecreaseAlongTheDagAndStepSizesFollowEta() {
        UNet net = TestFixtures.smallNet(2);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net,
                net.forward(TestFixtures.randomImages(net, 2, 1), new int[]{1, 2}));
        CompiledUNet c = UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults().withKind(RelaxationPlan.Kind.GRADED));
        RelaxationPlan p = c.plan();
        assertEquals(1.0, p.weights().get("out"), 0, "sinks get weight 1");
        // every source is at least 1/gamma times stiffer than the pull its consumer exerts through the edge
        for (var e : p.sourceNorms().entrySet()) {
            String[] ts = e.getKey().split("<-");
            if (!p.weights().containsKey(ts[1])) {
                continue; // the clamped input
            }
            double pull = p.weights().get(ts[0]) * e.getValue() * e.getValue();
            assertTrue(p.weights().get(ts[1]) >= pull / p.gamma() - 1e-9, e.getKey());
        }
        assertTrue(p.eta() <= 0.95 * p.stableEta() + 1e-12 && p.eta() > 0);
        p.stepSizes().forEach((m, dt) -> assertEquals(p.eta() / p.weights().get(m), dt, 1e-15));
    }

    @Test
    void boundedWeightsForFixedPointDevicesKeepTheFixedPointAndStability() {
        UNet net = TestFixtures.smallNet(2);
        List<SkipConnection> skips = UNetCompiler.skipConnections(net,
                net.forward(TestFixtures.randomImages(net, 2, 1), new int[]{1, 2}));
        CompiledUNet free = UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults().withKind(RelaxationPlan.Kind.GRADED));
        double unbounded = free.plan().weights().values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double cap = Math.max(1, Math.sqrt(unbounded));
        CompiledUNet capped = UNetCompiler.compile(net, TestFixtures.exact(), skips,
                UNetCompiler.Options.defaults().withKind(RelaxationPlan.Kind.GRADED).withMaxWeight(cap));
        RelaxationPlan p = capped.plan();
        assertTrue(unbounded > cap, "the tiny net's free plan spans more than the cap: " + unbounded);
        p.weights().values().forEach(w -> assertTrue(w <= cap && w >= 1, "weight " + w + " outside [1, " + cap + "]"));
        assertTrue(p.gamma() > free.plan().gamma(), "gamma grows to fit the cap");
        assertTrue(p.eta() <= 0.95 * p.stableEta() + 1e-12 && p.eta() > 0, "still provably stable");
        assertThrows(IllegalArgumentException.class,
                () -> UNetCompiler.compile(net, TestFixtures.exact(), skips, UNetCompiler.Options.defaults().withKind(RelaxationPlan.Kind.GRADED).withMaxWeight(0.5)));
    }

    @Test
    void spectralNormOfAKnownOperator() {
        var d = dev.tdi.substrate.program.DenseOperator.of(new double[][]{{3, 0}, {0, -2}});
        assertEquals(3.0, Operators.spectralNorm(d, 50), 1e-9);
    }

    @Test
    void energyLedgerArithmetic() {
        EnergyLedger l = new EnergyLedger().with("temperature_K", 100).with("tau_s", 2e-6)
                .with("unit_static_W", 3e-7);
        // 1000 units, 50 steps at eta 1, 4e5 kT released, 1000 held units, 10 DAC writes, 20 ADC reads, 30 MACs
        var a = l.account(new EnergyLedger.Usage(1000, 50, 1.0, 4e5, 1000, 10, 20, 30, 1_000_000));
        double kT = EnergyLedger.BOLTZMANN * 100;
        assertEquals(50 * 2e-6, a.latencyS(), 1e-18);
        assertEquals(1000 * 3e-7, a.staticPowerW(), 1e-18);
        assertEquals(1000 * 3e-7 * 50 * 2e-6, a.staticJ(), 1e-20);
        assertEquals(4e5 * kT, a.relaxJ(), 1e-30);
        assertEquals(1000 * 1e-14, a.holdJ(), 1e-25);
        assertEquals(10 * 1e-12, a.dacJ(), 1e-25);
        assertEquals(20 * 1e-12, a.adcJ(), 1e-25);
        assertEquals(2 * 30 * 700 / 989.4e12, a.interfaceJ(), 1e-25);
        assertEquals(30 * 4.6e-12, a.interface45nmJ(), 1e-25);
        assertEquals(2e6 * 700 / 989.4e12, a.gpuJ(), 1e-20);
        assertEquals(1.046e-3 * 1_000_000 / EnergyLedger.MEASURED_MODEL_MACS, a.gpuMeasuredJ(), 1e-15);
        assertEquals(a.relaxJ() + a.staticJ() + a.holdJ(), a.substrateJ(), 1e-24);
        assertEquals(a.substrateJ() + a.dacJ() + a.adcJ() + a.interfaceJ(), a.totalJ(), 1e-24);
        assertEquals(a.gpuJ() / a.totalJ(), a.netSaving(), 1e-6 * a.netSaving());
        assertTrue(a.grossSaving() > a.netSaving());
        assertTrue(l.describe().contains("Horowitz") && l.describe().contains("assumed"));
        // an unmeasured relaxation heat is reported as such, not as zero energy silently
        var b = l.account(new EnergyLedger.Usage(1000, 50, 1.0, Double.NaN, 0, 10, 20, 30, 1_000_000));
        assertTrue(Double.isNaN(b.relaxJ()));
        assertEquals(null, ((java.util.Map<?, ?>) b.toMap().get("relax_J")).get("value"));
    }

    @Test
    void metricsDefinitions() {
        assertEquals(1.0, Metrics.cosine(new float[]{1, 2}, new float[]{2, 4}), 1e-12);
        assertEquals(0.0, Metrics.cosine(new float[]{1, 0}, new float[]{0, 3}), 1e-12);
        var with = Map.of("a", new float[]{3, 4}, "b", new float[]{0});
        var without = Map.of("a", new float[]{0, 4}, "b", new float[]{0});
        assertEquals(3.0 / 4.0, Metrics.decoderShift(with, without, List.of("a", "b")), 1e-12);
        assertEquals(-1.0, Metrics.decoderCosine(Map.of("a", new float[]{1}), Map.of("a", new float[]{-1}),
                List.of("a")), 1e-12);
    }

    @Test
    void ddimScheduleRunsFromTheLastStepToZero() {
        assertEquals(List.of(999, 666, 333, 0), java.util.Arrays.stream(GenerateJob.schedule(1000, 4)).boxed().toList());
    }
}
