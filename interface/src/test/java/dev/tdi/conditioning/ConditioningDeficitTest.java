package dev.tdi.conditioning;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConditioningDeficitTest {

    /** One field of two channels: b(t) = (t, -2 t) for t in 0..3 of T = 4 (hand-computable). */
    private static final BiasOracle LINEAR = c -> {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("f", new float[] {c.timestep(), -2f * c.timestep()});
        return m;
    };

    private static List<ConditioningInput> all() {
        return List.of(ConditioningInput.of(0, 4), ConditioningInput.of(1, 4), ConditioningInput.of(2, 4),
                ConditioningInput.of(3, 4));
    }

    @Test
    void theDefinitionsOnAHandComputedCase() {
        // mean over t = 0..3: (1.5, -3). Signal: deviations (t-1.5) and -2(t-1.5): mean square over 4 x 2 values
        // = (1 + 4)/2 * mean_t (t-1.5)^2 = 2.5 * 1.25 = 3.125.
        ConditioningInterface half = new ConditioningInterface() {
            @Override public String spec() { return "half"; }
            @Override public long parameters() { return 1; }
            @Override public long multiplyAccumulates() { return 1; }

            @Override
            public Map<String, float[]> biases(ConditioningInput c) {
                // mean + half the deviation: residual = half the signal
                return Map.of("f", new float[] {(float) (1.5 + 0.5 * (c.timestep() - 1.5)),
                        (float) (-3 - (c.timestep() - 1.5))});
            }
        };
        var r = ConditioningDeficit.measure(LINEAR, all(), all(), List.of(half), null);
        assertEquals(Math.sqrt(3.125), r.signalRms(), 1e-12);
        assertEquals(Math.sqrt(3.125), r.none().residualRms(), 1e-6);
        assertEquals(1.0, r.none().ratio(), 1e-6);
        assertEquals(1.0, r.none().deficit(), 1e-12);
        assertEquals(Math.sqrt(3.125) / 2, r.entry("half").residualRms(), 1e-6);
        assertEquals(2.0, r.entry("half").ratio(), 1e-6);
        assertEquals(2.0, r.entry("half").deficit(), 1e-6);
        assertTrue(Double.isNaN(r.entry("half").deviceResidualRms()));
    }

    @Test
    void deviceLimitsQuantiseAndClip() {
        var dac = new ConditioningDeficit.DeviceLimits(1.0, 2); // levels -1, -1/3, 1/3, 1
        assertEquals(2.0 / 3, dac.step(), 1e-15);
        assertEquals(1.0, dac.quantise(5), 1e-15);
        assertEquals(-1.0, dac.quantise(-0.9), 1e-15);
        assertEquals(1.0 / 3, dac.quantise(0.1), 1e-15);
        assertEquals(-1.0 / 3, dac.quantise(-0.2), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new ConditioningDeficit.DeviceLimits(0, 8));
        assertThrows(IllegalArgumentException.class, () -> new ConditioningDeficit.DeviceLimits(1, 0));
    }

    @Test
    void theOracleOnADeviceIsLimitedByItsDac() {
        SyntheticOracle oracle = new SyntheticOracle(SyntheticOracle.fields(), 0, 7);
        List<ConditioningInput> cal = SyntheticOracle.steps(500, 0, 5, -1);
        List<ConditioningInput> held = SyntheticOracle.steps(500, 2, 5, -1);
        ConditioningInterface exact = new OracleInterface(oracle);
        double lastResidual = Double.POSITIVE_INFINITY;
        for (int bits : new int[] {4, 8, 12}) {
            var dac = new ConditioningDeficit.DeviceLimits(12, bits);
            var r = ConditioningDeficit.measure(oracle, cal, held, List.of(exact), dac);
            var e = r.entry("oracle");
            assertEquals(0, e.residualRms());
            // range 12 covers every bias here, so the floor is rounding: at most step/2, about step/sqrt(12)
            assertTrue(e.deviceResidualRms() <= dac.step() / 2, r.format());
            assertTrue(e.deviceResidualRms() > dac.step() / 8, r.format());
            assertTrue(e.deviceResidualRms() < lastResidual);
            lastResidual = e.deviceResidualRms();
            assertTrue(Double.isFinite(e.deviceDeficit()));
        }
        // a range that clips: the residual includes the clipped excess and exceeds the rounding floor
        var clip = new ConditioningDeficit.DeviceLimits(0.5, 12);
        var r = ConditioningDeficit.measure(oracle, cal, held, List.of(exact), clip);
        assertTrue(r.entry("oracle").deviceResidualRms() > 100 * clip.step(), r.format());
    }
}
