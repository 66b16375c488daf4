package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reproduce --baselines} end to end on tiny 28 x 28 models: rows, lines and costs counted by hand. */
class BaselinesJobTest {
    @TempDir
    Path dir;

    private Path save(String name, UNetConfig cfg) throws Exception {
        Path p = dir.resolve(name);
        UNetModel.save(UNet.create(cfg, 5), p, Map.of());
        return p;
    }

    @Test
    void epsilonMseIsThePerPixelMeanSquare() {
        assertEquals((1 + 4 + 0 + 9) / 4.0, BaselinesJob.epsilonMse(new float[]{1, 2, 3, 4}, new float[]{0, 0, 3, 7}),
                1e-12);
        assertThrows(IllegalArgumentException.class, () -> BaselinesJob.epsilonMse(new float[2], new float[3]));
    }

    @Test
    void writesTheParetoRowsForTheReferenceAndRetrainedModels() throws Exception {
        // 2 levels (28, 14), channels [2, 4], 1 block: one skip, enc0_0 -> dec0_0, 2 x 28 x 28 = 1,568 lines dense
        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[]{2, 4}, 1).withTime(8, 8);
        Path ref = save("ref", cfg);
        Map<String, Path> more = new LinkedHashMap<>();
        more.put("narrow1", save("narrow1", cfg.withSkipChannels(1)));
        more.put("pool2", save("pool2", cfg.withSkipPool(2)));
        Path out = dir.resolve("out");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        BaselinesJob.execute(new BaselinesJob.Params(out, 3, 2, new int[]{1}, ref, more),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        JsonObject j = JsonParser.parseString(Files.readString(out.resolve("baselines.json"))).getAsJsonObject();
        assertTrue(Files.size(out.resolve("skip-pareto.png")) > 1000);
        assertEquals(2, j.get("eval_inputs").getAsInt());
        var skips = j.getAsJsonArray("skips");
        // dense, none, hbc/svd/random/hbc-budget at k = 1, then each retrained model's dense
        assertEquals(2 + 4 + 2, skips.size());
        JsonObject dense = skips.get(0).getAsJsonObject();
        assertEquals("dense", dense.get("coupling").getAsString());
        assertEquals(1568, dense.get("long_range_lines").getAsLong());
        assertEquals(1.0, dense.get("epsilon_mse_ratio").getAsDouble(), 1e-4, "exact skips + oracle = the digital model");
        assertEquals(0, skips.get(1).getAsJsonObject().get("long_range_lines").getAsLong());
        JsonObject hbc = skips.get(2).getAsJsonObject();
        assertEquals("hbc:k=1,bus=local", hbc.get("coupling").getAsString());
        assertEquals(784, hbc.get("long_range_lines").getAsLong(), "1 line per pixel");
        var level = hbc.getAsJsonArray("levels").get(0).getAsJsonObject();
        assertEquals(1, level.get("rank").getAsInt());
        assertEquals("28x28", level.get("resolution").getAsString());
        JsonObject narrow = skips.get(6).getAsJsonObject();
        assertEquals("narrow1", narrow.get("model").getAsString());
        assertEquals(784, narrow.get("long_range_lines").getAsLong(), "1 channel x 28 x 28");
        JsonObject pool = skips.get(7).getAsJsonObject();
        assertEquals(392, pool.get("long_range_lines").getAsLong(), "2 channels x 14 x 14");
        assertEquals("14x14", pool.getAsJsonArray("levels").get(0).getAsJsonObject().get("resolution").getAsString());
        // the oracle interface costs the time network: 8x8 + 8 + 8x8 + 8 + 10 channels x 8 = 224 parameters,
        // 8 x (8 + 8 + 10) = 208 MACs (conditioned: enc0_0 2, enc1_0 4, up0 2, dec0_0 2)
        JsonObject oracle = j.getAsJsonArray("interfaces").get(0).getAsJsonObject();
        assertEquals("oracle", oracle.get("interface").getAsString());
        assertEquals(224, oracle.get("parameters").getAsLong());
        assertEquals(208, oracle.get("macs").getAsLong());
        assertEquals(1.0, oracle.get("epsilon_mse_ratio_to_own_digital").getAsDouble(), 1e-4);
        assertEquals(3 * 3, j.getAsJsonArray("interfaces").size(), "three interfaces on each of three models");
    }

    @Test
    void aCouplingWithoutARankOrWithABadSpecIsRefusedFirst() {
        Path nowhere = dir.resolve("missing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BaselinesJob.execute(
                new BaselinesJob.Params(dir.resolve("o"), 3, 1, new int[]{1}, java.util.List.of("hbc:k=4"), nowhere,
                        Map.of()), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("has no {k} or {sk}"), e.getMessage());
        RuntimeException bad = assertThrows(RuntimeException.class, () -> BaselinesJob.execute(
                new BaselinesJob.Params(dir.resolve("o"), 3, 1, new int[]{1}, java.util.List.of("nosuch:k={k}"),
                        nowhere, Map.of()), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertTrue(bad.getMessage().contains("nosuch"), bad.getMessage());
    }

    @Test
    void aTakenModelNameIsRefused() throws Exception {
        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[]{2, 4}, 1).withTime(8, 8);
        Path ref = save("ref", cfg);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BaselinesJob.execute(
                new BaselinesJob.Params(dir.resolve("o"), 3, 1, new int[]{1}, ref, Map.of("reference", ref)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("the name is taken"), e.getMessage());
    }
}
