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
        assertTrue(msg.contains("timeEmbedding must be \"sinusoidal\" or \"fourier\", got \"gaussian\""), msg);
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
