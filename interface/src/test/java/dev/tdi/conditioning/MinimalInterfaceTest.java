package dev.tdi.conditioning;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MinimalInterfaceTest {
    private static final int T = 1000;
    private final ConditioningInterfaces interfaces = ConditioningInterfaces.standard();
    private final SyntheticOracle oracle = new SyntheticOracle(SyntheticOracle.fields(), 0, 7);
    // calibration: every 7th step; held out: every 7th step shifted by 3 (disjoint)
    private final List<ConditioningInput> calibration = SyntheticOracle.steps(T, 0, 7, -1);
    private final List<ConditioningInput> heldOut = SyntheticOracle.steps(T, 3, 7, -1);

    @Test
    void minimalFitsHeldOutInputsAndBeatsFixedBiases() {
        ConditioningInterface minimal = interfaces.create("minimal", calibration, oracle, 1);
        ConditioningInterface none = interfaces.create("none", calibration, oracle, 1);
        ConditioningInterface exact = interfaces.create("oracle", calibration, oracle, 1);
        var report = ConditioningDeficit.measure(oracle, calibration, heldOut, List.of(minimal, exact), null);
        var m = report.entry(minimal.spec());
        // relative error of the input-specific part, held out
        double rel = m.residualRms() / report.signalRms();
        assertTrue(rel < 0.02, "held-out relative error " + rel + "\n" + report.format());
        assertTrue(report.none().residualRms() > 20 * m.residualRms(), report.format());
        assertEquals(0, report.entry("oracle").residualRms());
        assertEquals(Double.POSITIVE_INFINITY, report.entry("oracle").deficit());
        // the fixed biases carry none of the input-specific signal: ratio ~ 1 held out
        assertEquals(1.0, report.none().ratio(), 0.05);
        assertEquals(0, none.parameters());
        assertEquals(0, exact.parameters());
        assertEquals(0, exact.multiplyAccumulates());
    }

    @Test
    void theOracleIsExact() {
        ConditioningInterface exact = interfaces.create("oracle", calibration, oracle, 1);
        for (ConditioningInput c : heldOut) {
            Map<String, float[]> a = exact.biases(c);
            Map<String, float[]> b = oracle.biases(c);
            assertEquals(b.keySet(), a.keySet());
            b.forEach((k, v) -> assertArrayEquals(v, a.get(k)));
        }
    }

    @Test
    void noneWritesTheCalibrationMean() {
        ConditioningInterface none = interfaces.create("none", calibration, oracle, 1);
        float[] mean = new float[8];
        double[] acc = new double[8];
        for (ConditioningInput c : calibration) {
            float[] v = oracle.biases(c).get("enc0");
            for (int j = 0; j < 8; j++) {
                acc[j] += v[j];
            }
        }
        for (int j = 0; j < 8; j++) {
            mean[j] = (float) (acc[j] / calibration.size());
        }
        assertArrayEquals(mean, none.biases(heldOut.get(0)).get("enc0"), 1e-5f);
        assertArrayEquals(none.biases(heldOut.get(0)).get("dec0"), none.biases(heldOut.get(9)).get("dec0"));
    }

    @ParameterizedTest
    @CsvSource({"4,16", "1,1", "2,8", "8,32", "3,5"})
    void parameterCountsAreExact(int b, int h) {
        var i = (MinimalInterface) interfaces.create("minimal:b=" + b + ",h=" + h + ",steps=5", calibration,
                oracle, 3);
        int f = 1 + 2 * MinimalInterface.DEFAULT_FREQUENCIES; // unconditional: no label features
        int c = 24;
        long expected = (long) b * f + b + (long) h * b + h + (long) c * h + c;
        assertEquals(f, i.features());
        assertEquals(expected, i.parameters());
        assertEquals((long) f * b + (long) b * h + (long) h * c, i.multiplyAccumulates());
        assertTrue(i.describe().contains("= " + expected), i.describe());
    }

    @Test
    void theSinusoidalEmbeddingOptionAddsTheUNetsTimeFeatures() {
        var i = (MinimalInterface) interfaces.create("minimal:emb=8,steps=5", calibration, oracle, 3);
        assertEquals(1 + 8 + 8, i.features());
        assertEquals(4L * (17 + 1) + 16 * 5 + 24 * 17, i.parameters());
        double[] phi = MinimalInterface.features(ConditioningInput.of(250, T), 4, 8, 0);
        // emb block after the 9 Fourier features: sin(t w_i), then cos(t w_i), w_i = 10000^(-i/4)
        assertEquals(Math.sin(250.0), phi[9], 1e-12);
        assertEquals(Math.sin(250.0 * Math.pow(10000, -0.25)), phi[10], 1e-12);
        assertEquals(Math.cos(250.0 * Math.pow(10000, -0.75)), phi[16], 1e-12);
        assertEquals(2 * 250.0 / 999 - 1, phi[0], 1e-12);
        assertEquals(Math.sin(Math.PI * 8 * 250.0 / 999), phi[7], 1e-12);
        var e = assertThrows(ConditioningSpecException.class,
                () -> interfaces.create("minimal:emb=7", calibration, oracle, 1));
        assertTrue(e.getMessage().contains("emb=7 must be even"), e.getMessage());
    }

    @Test
    void theSeedBudgetAndTheChannelsItAllows() {
        // defaults b=4, h=16, F=9: 4*10 + 16*5 = 120 fixed, 17 per channel: C <= (2560-120)/17 = 143
        assertEquals(143, MinimalInterface.maxChannels(2560, 9, 4, 16));
        assertEquals(120 + 17 * 143, MinimalInterface.parameterCount(9, 4, 16, 143));
        assertTrue(MinimalInterface.parameterCount(9, 4, 16, 144) > 2560);
        assertEquals(-1, MinimalInterface.maxChannels(10, 9, 4, 16));
    }

    @Test
    void aModelWithTooManyChannelsForTheSeedBudgetIsReportedAsSuch() {
        Map<String, Integer> fields = new java.util.LinkedHashMap<>();
        fields.put("a", 100);
        fields.put("b", 44); // C = 144 > 143
        var big = new SyntheticOracle(fields, 0, 3);
        var i = (MinimalInterface) interfaces.create("minimal:steps=2", calibration, big, 1);
        assertEquals(120 + 17 * 144, i.parameters());
        assertTrue(i.describe().contains("> 2560: the seed's size needs C <= 143 at b=4, h=16"), i.describe());
        var fits = (MinimalInterface) interfaces.create("minimal:h=15,steps=2", calibration, big, 1);
        assertTrue(fits.parameters() <= 2560 && fits.describe().contains("<= 2560"), fits.describe());
    }

    @Test
    void labelsBecomeOneHotFeatures() {
        SyntheticOracle labelled = new SyntheticOracle(SyntheticOracle.fields(), 3, 9);
        List<ConditioningInput> cal = new ArrayList<>();
        List<ConditioningInput> held = new ArrayList<>();
        for (int label = 0; label < 3; label++) {
            cal.addAll(SyntheticOracle.steps(T, 0, 20, label));
            held.addAll(SyntheticOracle.steps(T, 10, 20, label));
        }
        var i = (MinimalInterface) interfaces.create("minimal:b=6,h=24", cal, labelled, 1);
        assertEquals(1 + 2 * 4 + 3, i.features());
        var report = ConditioningDeficit.measure(labelled, cal, held, List.of(i), null);
        assertTrue(report.entry(i.spec()).residualRms() < 0.1 * report.signalRms(), report.format());
        assertThrows(IllegalArgumentException.class, () -> i.biases(new ConditioningInput(5, T, 3)));
    }

    @Test
    void deterministicBySeed() {
        var a = (MinimalInterface) interfaces.create("minimal:steps=200", calibration, oracle, 5);
        var b = (MinimalInterface) interfaces.create("minimal:steps=200", calibration, oracle, 5);
        var c = (MinimalInterface) interfaces.create("minimal:steps=200", calibration, oracle, 6);
        for (ConditioningInput in : heldOut.subList(0, 10)) {
            assertArrayEquals(a.flatBiases(in), b.flatBiases(in));
        }
        assertNotEquals(a.flatBiases(heldOut.get(0))[0], c.flatBiases(heldOut.get(0))[0]);
        assertEquals(a.trainingLoss(), b.trainingLoss());
    }

    @Test
    void miniBatchesAreUsedForManyDistinctInputsAndStillFit() {
        // 1000 distinct steps (> 256): mini-batch path; repeated inputs are merged.
        List<ConditioningInput> all = SyntheticOracle.steps(T, 0, 1, -1);
        List<ConditioningInput> cal = new ArrayList<>(all);
        cal.addAll(all.subList(0, 100)); // duplicates weigh double
        var i = (MinimalInterface) interfaces.create("minimal:steps=800", cal, oracle, 2);
        var report = ConditioningDeficit.measure(oracle, cal, heldOut, List.of(i), null);
        assertTrue(report.entry(i.spec()).residualRms() < 0.05 * report.signalRms(), report.format());
    }

    @Test
    void aReadoutOfTheSignalsRankFitsAsWellAsAFullReadout() {
        // the synthetic biases vary in a 4-dimensional subspace (4 shared shapes of t)
        var full = (MinimalInterface) interfaces.create("minimal", calibration, oracle, 1);
        var r4 = (MinimalInterface) interfaces.create("minimal:r=4", calibration, oracle, 1);
        var r1 = (MinimalInterface) interfaces.create("minimal:r=1", calibration, oracle, 1);
        var report = ConditioningDeficit.measure(oracle, calibration, heldOut, List.of(full, r4, r1), null);
        double eFull = report.entry(full.spec()).residualRms();
        double e4 = report.entry(r4.spec()).residualRms();
        double e1 = report.entry(r1.spec()).residualRms();
        assertTrue(e4 < 0.02 * report.signalRms() && e4 < 2 * eFull + 1e-3 * report.signalRms(), report.format());
        assertTrue(e1 > 3 * e4, "one code value cannot carry four shapes:\n" + report.format());
        assertEquals("minimal:b=4,h=16,r=4", r4.spec());
        assertEquals(4, r4.readoutRank());
        assertEquals(0, full.readoutRank());
        int c = 24;
        assertEquals(4L * 10 + 16 * 5 + 4 * 17 + (long) c * 4, r4.parameters());
        assertEquals(9L * 4 + 4 * 16 + 16 * 4 + 4L * c, r4.multiplyAccumulates());
        assertTrue(r4.describe().contains("code 4") && r4.describe().contains("+ 24*4 = " + r4.parameters()),
                r4.describe());
    }

    @Test
    void aBudgetPicksTheLargestReadoutRankThatFits() {
        // C = 24, F = 9, b = 4, h = 16: 120 + 17 r + 24 r = 120 + 41 r <= 600 gives r = 11
        var i = (MinimalInterface) interfaces.create("minimal:budget=600,steps=5", calibration, oracle, 1);
        assertEquals(11, i.readoutRank());
        assertEquals(120 + 41 * 11, i.parameters());
        assertEquals("minimal:b=4,h=16,steps=5,r=11", i.spec());
        // the shipped model: 368 channels, the seed's 2,560 allow r = 6 (2,430 parameters)
        assertEquals(6, MinimalInterface.maxReadoutRank(2560, 9, 4, 16, 368));
        assertEquals(2430, MinimalInterface.parameterCount(9, 4, 16, 368, 6));
        assertTrue(MinimalInterface.parameterCount(9, 4, 16, 368, 7) > 2560);
        var low = assertThrows(ConditioningSpecException.class,
                () -> interfaces.create("minimal:budget=100", calibration, oracle, 1));
        assertTrue(low.getMessage().contains("budget=100 is below the smallest readout")
                && low.getMessage().contains("161 parameters at r=1"), low.getMessage());
        var big = assertThrows(ConditioningSpecException.class,
                () -> interfaces.create("minimal:r=24", calibration, oracle, 1));
        assertTrue(big.getMessage().contains("r=24 is not below the model's 24 bias channels"), big.getMessage());
        var both = assertThrows(ConditioningSpecException.class,
                () -> interfaces.create("minimal:r=2,budget=600", calibration, oracle, 1));
        assertTrue(both.getMessage().contains("give r or budget, not both"), both.getMessage());
    }

    @Test
    void validationChecksTheSpecWithoutAModel() {
        ConditioningInterfaceFactory f = interfaces.factory("minimal");
        f.validate(Map.of("budget", "100")); // too small only for a model with many channels: checked at fit time
        f.validate(Map.of("r", "500"));
        assertThrows(ConditioningSpecException.class, () -> f.validate(Map.of("r", "0")));
        assertThrows(ConditioningSpecException.class, () -> f.validate(Map.of("q", "1")));
        // the default validation of other factories still fits on a probe
        assertThrows(ConditioningSpecException.class, () -> interfaces.factory("none").validate(Map.of("x", "1")));
    }
}
