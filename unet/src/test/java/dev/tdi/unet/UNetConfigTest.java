package dev.tdi.unet;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UNetConfigTest {
    @Test
    void jsonRoundTrip() {
        UNetConfig c = UNetConfig.defaults().withSchedule("cosine", 500);
        assertEquals(c, UNetConfig.fromJson(c.toJson()));
    }

    @Test
    void errorsNameTheKey() {
        String json = UNetConfig.defaults().toJson();
        assertTrue(bad(json.replace("\"relu\"", "\"gelu\"")).contains("activation"));
        assertTrue(bad(json.replace("\"imageSize\"", "\"imageSise\"")).contains("imageSise"));
        assertTrue(bad(json.replace("\"blocksPerLevel\": 2,", "")).contains("blocksPerLevel"));
        assertTrue(bad(json.replace("\"concat-conv\"", "\"add\"")).contains("skipMerge"));
        assertTrue(bad("[1, 2]").contains("not a JSON object"));
    }

    @Test
    void wrongJsonTypesAreRefusedNamingKeyValueAndAcceptedRange() {
        String json = UNetConfig.defaults().toJson();
        String m = bad(json.replace("\"channels\": [\n    16,", "\"channels\": [\n    16.0,"));
        assertTrue(m.contains("\"channels\"[0] is 16.0") && m.contains("an integer in 1..4096"), m);
        m = bad(json.replace("\"kernelSize\": 3", "\"kernelSize\": \"3\""));
        assertTrue(m.contains("\"kernelSize\" is a string \"3\"") && m.contains("an integer in 1..31"), m);
        m = bad(json.replace("\"inputSkip\": true", "\"inputSkip\": \"true\""));
        assertTrue(m.contains("\"inputSkip\"") && m.contains("true or false"), m);
        m = bad(json.replace("\"betaEnd\": 0.02", "\"betaEnd\": \"0.02\""));
        assertTrue(m.contains("\"betaEnd\"") && m.contains("a number"), m);
        m = bad(json.replace("  \"format\": \"tdi-unet/1\",\n", ""));
        assertTrue(m.contains("missing key \"format\""), m);
        m = bad(json.replace("\"blocksPerLevel\": 2", "\"blocksPerLevel\": 2, \"blocksPerLevel\": 3"));
        assertTrue(m.contains("duplicate key \"blocksPerLevel\""), m);
        m = bad(json.replace("\"relu\"", "'relu'"));
        assertTrue(m.contains("not a JSON object") && m.contains("malformed JSON"), m);
    }

    @Test
    void absurdSizesAreRefusedBeforeAnythingIsAllocated() {
        String json = UNetConfig.defaults().toJson();
        String m = bad(json.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [1e9]"));
        assertTrue(m.contains("\"channels\"[0] is 1E+9") && m.contains("1..4096"), m);
        m = bad(json.replace("\"imageSize\": 28", "\"imageSize\": 1000000000"));
        assertTrue(m.contains("\"imageSize\" is 1000000000") && m.contains("4..1024"), m);
        m = bad(json.replace("\"blocksPerLevel\": 2", "\"blocksPerLevel\": 1000000000"));
        assertTrue(m.contains("\"blocksPerLevel\"") && m.contains("1..32"), m);
        m = bad(json.replace("\"kernelSize\": 3", "\"kernelSize\": 99999"));
        assertTrue(m.contains("\"kernelSize\"") && m.contains("1..31"), m);
        m = bad(json.replace("\"kernelSize\": 3", "\"kernelSize\": 4"));
        assertTrue(m.contains("kernelSize is 4") && m.contains("odd"), m);
        // every value in range, but the network is far larger than any heap: refused from the estimate
        m = bad(json.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [4096, 4096, 4096, 4096]")
                .replace("\"kernelSize\": 3", "\"kernelSize\": 31").replace("\"imageSize\": 28", "\"imageSize\": 1024"));
        assertTrue(m.contains("Java heap") || m.contains("too large to hold"), m);
    }

    @Test
    void theFootprintCountsWhatTheNetworkAllocates() {
        UNetConfig[] cs = {UNetConfig.defaults(), UNetConfig.defaults().withInputSkip(false).withImageSize(13),
                UNetConfig.defaults().withChannels(new int[]{3}, 1), UNetConfig.defaults().withChannels(new int[]{2, 5, 7, 4}, 3)};
        for (UNetConfig c : cs) {
            UNet net = UNet.create(c, 1);
            ConfigFootprint f = c.footprint();
            assertEquals(net.parameterCount(), f.parameters(), c.toString());
            assertEquals(net.unitCount() + net.inputSize(), f.activations(), c.toString());
        }
    }

    private static String bad(String json) {
        return assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(json)).getMessage();
    }

    @Test
    void scheduleEndsAndIsMonotone() {
        for (String s : new String[]{"linear", "cosine"}) {
            NoiseSchedule ns = NoiseSchedule.of(UNetConfig.defaults().withSchedule(s, 1000));
            assertTrue(ns.alphaBar(0) > 0.99, s);
            assertTrue(ns.alphaBar(999) < 1e-3, s);
            for (int t = 1; t < 1000; t++) {
                assertTrue(ns.alphaBar(t) < ns.alphaBar(t - 1), s);
            }
        }
        assertEquals(0.02, NoiseSchedule.of(UNetConfig.defaults()).beta(999), 1e-12);
    }

    @Test
    void theTimeEmbeddingIsRecordedAndOldConfigsKeepTheSinusoidalOne() {
        UNetConfig c = UNetConfig.defaults();
        assertEquals("fourier", c.timeEmbedding());
        assertTrue(c.toJson().contains("\"timeEmbedding\": \"fourier\""), c.toJson());
        String legacy = c.toJson().replace(",\n  \"timeEmbedding\": \"fourier\"", "");
        assertEquals("sinusoidal", UNetConfig.fromJson(legacy).timeEmbedding(), legacy);
        String bad = c.toJson().replace("\"fourier\"", "\"gaussian\"");
        String msg = assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(bad)).getMessage();
        assertTrue(msg.contains("\"timeEmbedding\" is a string \"gaussian\", accepted: one of the strings [fourier,"
                + " sinusoidal]"), msg);
    }

    @Test
    void theFourierFeaturesAreHarmonicsOfTheNormalisedTime() {
        UNet net = UNet.create(UNetConfig.defaults().withChannels(new int[]{2}, 1).withTime(6, 4), 1);
        float[] e = net.timeEmbedding(333);
        double tau = 333.0 / 999;
        for (int k = 1; k <= 3; k++) {
            assertEquals(Math.sin(Math.PI * k * tau), e[k - 1], 1e-6);
            assertEquals(Math.cos(Math.PI * k * tau), e[3 + k - 1], 1e-6);
        }
        UNet old = UNet.create(UNetConfig.defaults().withChannels(new int[]{2}, 1).withTime(6, 4)
                .withTimeEmbedding("sinusoidal"), 1);
        assertEquals(Math.sin(333.0), old.timeEmbedding(333)[0], 1e-6); // f_0 = 1 radian per step
    }
}
