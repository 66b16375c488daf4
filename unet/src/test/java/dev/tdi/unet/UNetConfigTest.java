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
}
