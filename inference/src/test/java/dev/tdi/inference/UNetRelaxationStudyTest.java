package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import dev.tdi.unet.train.SpectralBound;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The U-Net part of the relaxation study on two tiny 28 x 28 networks, one as initialised and one with every layer's
 * operator norm bounded to 0.5: the schedule converges in one step per phase, the graded plan needs more decades
 * than the fitted plans, and the bounded network relaxes with uniform weights.
 */
class UNetRelaxationStudyTest {
    @TempDir
    Path dir;

    @Test
    void measuresEveryApproachOnEveryModel() throws Exception {
        // 2 levels (28, 14), channels [4, 6], 2 blocks: depth 7 (enc0_0, enc0_1, enc1_0, enc1_1, up0, dec0_0, dec0_1,
        // out: 8 modules in 8 levels of the schedule)
        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[]{4, 6}, 2).withTime(8, 8);
        UNet plain = UNet.create(cfg, 11);
        UNet bounded = UNet.create(cfg, 11);
        double rho = 0.5;
        new SpectralBound(bounded, 1).enforce(bounded.parameters(), rho, 200);
        Map<String, Path> models = new LinkedHashMap<>();
        models.put("plain", dir.resolve("plain"));
        models.put("bounded", dir.resolve("bounded"));
        UNetModel.save(plain, models.get("plain"), Map.of());
        UNetModel.save(bounded, models.get("bounded"), Map.of());
        Path out = dir.resolve("out");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<UNetRelaxationStudy.Point> points = UNetRelaxationStudy.execute(new UNetRelaxationStudy.Params(models, 3,
                1, 1e-4, 256, 200, 32), out, new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertEquals(8, points.size());
        assertTrue(Files.size(out.resolve("unet-steps-vs-range.png")) > 1000);
        assertTrue(Files.size(out.resolve("unet-error-vs-range.png")) > 1000);
        JsonObject j = JsonParser.parseString(Files.readString(out.resolve("unet-relaxation.json"))).getAsJsonObject();
        assertEquals(8, j.getAsJsonArray("points").size());

        for (UNetRelaxationStudy.Point p : points) {
            assertEquals(3, p.inputs(), p.toString());
            if (p.approach().equals("hold schedule")) {
                // one step per phase reaches the fixed point at T = 0 (theorem 3): 8 phases
                assertEquals(8, p.stepsToConverge(), p.toString());
                assertTrue(Math.abs(p.epsilonMseRatio() - 1) < 0.01, p.toString());
            }
            // the fit only removes couplings: what the plan needs exactly spans at least the fitted program
            assertTrue(p.exactRangeDecades() >= p.rangeDecades() - 1e-9, p.toString());
            if (p.model().equals("bounded")) {
                assertTrue(p.maxLayerNorm() <= rho * (1 + 1e-3), p.toString());
            }
        }
        UNetRelaxationStudy.Point graded = find(points, "plain", "graded g=0.1");
        UNetRelaxationStudy.Point schedule = find(points, "plain", "hold schedule");
        assertTrue(graded.rangeDecades() > schedule.rangeDecades() + 1, graded + " vs " + schedule);
        assertTrue(schedule.rangeDecades() <= 3 + 1e-9, schedule.toString());
        UNetRelaxationStudy.Point uniformBounded = find(points, "bounded", "uniform");
        assertTrue(uniformBounded.stepsToConverge() > 0, "a network of layer norms <= 0.5 relaxes with uniform"
                + " weights: " + uniformBounded);
        assertTrue(uniformBounded.decoderErrorAtBudget() < 1e-3, uniformBounded.toString());
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("ETA"));
    }

    private static UNetRelaxationStudy.Point find(List<UNetRelaxationStudy.Point> ps, String model, String approach) {
        return ps.stream().filter(p -> p.model().equals(model) && p.approach().equals(approach)).findFirst()
                .orElseThrow();
    }
}
