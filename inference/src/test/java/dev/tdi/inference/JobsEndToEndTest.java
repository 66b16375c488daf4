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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run, reproduce and generate end to end on a tiny 28x28 model: outputs, keys, PNGs, headers. */
class JobsEndToEndTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void tinyModel() throws Exception {
        UNetConfig cfg = UNetConfig.defaults().withChannels(new int[]{2, 4}, 1).withTime(8, 8);
        UNet net = UNet.create(cfg, 5);
        model = dir.resolve("model");
        UNetModel.save(net, model, Map.of());
    }

    private static String capture(ThrowingRunnable r) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        r.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        return buf.toString(StandardCharsets.UTF_8);
    }

    interface ThrowingRunnable {
        void run(PrintStream out) throws Exception;
    }

    private static void assertHeader(String out) {
        for (String s : new String[]{"seed 3", "backend reference", "strategy", "interface", "machine:", "cores", "JDK"}) {
            assertTrue(out.contains(s), "header should mention '" + s + "':\n" + out);
        }
    }

    @Test
    void reproduceWritesEveryKeyAndThePlots() throws Exception {
        Path out = dir.resolve("reproduce");
        String text = capture(o -> ReproduceJob.execute(new ReproduceJob.Params("reference", out, 3, 2, model,
                new int[]{1, 2}, new double[]{1e-4, 1}, EvaluationSplit.DEV, 2, 4, 2), o));
        assertHeader(text);
        assertTrue(text.contains("| decoder cosine, oracle bound (dense + oracle) | 1.0000 | 1.0000 |"), text);
        JsonObject j = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        for (String k : new String[]{"decoder_cosine_complete", "decoder_cosine_oracle", "interface_parameters",
            "decoder_shift", "conditioning_deficit", "energy_saving_net", "skip_couplings_dense", "skip_couplings_hbc",
            "hbc_rank", "steps_to_converge", "backend", "seed", "eval_inputs", "rank_sweep", "rank_sweep_global",
            "readout_sweep", "decoder_cosine_complete_full_readout", "long_range_lines_dense", "long_range_lines_hbc"}) {
            assertTrue(j.has(k), "results.json lacks " + k);
        }
        for (String k : new String[]{"split", "epsilon_mse_ratio", "x0_psnr_db", "by_t_bucket", "long_range_lines",
            "long_range_lines_dense", "epsilon_mse_ratio_oracle", "fd_digital", "fd_substrate", "fd_test_halves",
            "class_agreement"}) {
            assertTrue(j.has(k), "results.json lacks " + k);
        }
        assertEquals("reference", j.get("backend").getAsString());
        assertEquals(3, j.get("seed").getAsLong());
        assertEquals(2, j.get("eval_inputs").getAsInt());
        assertTrue(j.get("decoder_cosine_oracle").getAsDouble() >= 0.99995);
        var sweep = j.getAsJsonArray("rank_sweep");
        assertEquals(2, sweep.size());
        for (var e : sweep) {
            var o = e.getAsJsonObject();
            assertTrue(o.has("k") && o.has("decoder_cosine") && o.has("couplings"));
        }
        assertTrue(j.get("hbc_rank").getAsInt() >= 1 && j.get("skip_couplings_hbc").getAsLong() > 0);
        // the default interface is the seed's size: within 2,560 parameters, with its readout rank in the spec
        assertTrue(j.get("interface_parameters").getAsLong() <= 2560, j.toString());
        assertTrue(j.get("interface_complete").getAsString().contains(",r="), j.toString());
        // k = 16 is above the tiny model's channel counts, so the local bus carries as many lines as the dense skip
        assertTrue(j.get("long_range_lines_hbc").getAsLong() <= j.get("long_range_lines_dense").getAsLong());
        for (String png : new String[]{"cosine-vs-rank.png", "cosine-vs-lines.png", "cosine-vs-interface.png",
            "relaxation.png", "cosine-vs-temperature.png"}) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
    }

    @Test
    void reproduceResumesFromItsStagesWithTheSameFigures() throws Exception {
        Path out = dir.resolve("reproduce-resume");
        ReproduceJob.Params first = new ReproduceJob.Params("reference", out, 3, 2, model, new int[]{1},
                new double[]{1e-4}, EvaluationSplit.DEV, 0, 0, 2, false);
        capture(o -> ReproduceJob.execute(first, o));
        String before = Files.readString(out.resolve("results.json"));
        Path stages = out.resolve("stages");
        long count;
        try (var files = Files.list(stages)) {
            count = files.filter(f -> f.toString().endsWith(".json")).count();
        }
        assertTrue(count >= 10, "one stage per configuration: " + count);
        // a run stopped after 4 configurations: the later stages were never written
        for (int i = 4; i < count; i++) {
            Files.delete(stages.resolve(String.format("%02d.json", i)));
        }
        ReproduceJob.Params resumed = new ReproduceJob.Params("reference", out, 3, 2, model, new int[]{1},
                new double[]{1e-4}, EvaluationSplit.DEV, 0, 0, 2, true);
        String text = capture(o -> ReproduceJob.execute(resumed, o));
        assertEquals(4, text.split("from its stage file", -1).length - 1, text);
        JsonObject a = JsonParser.parseString(before).getAsJsonObject();
        JsonObject b = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        for (String k : new String[]{"epsilon_mse_ratio", "x0_psnr_db", "decoder_cosine_complete",
            "decoder_cosine_oracle", "rank_sweep", "by_t_bucket", "long_range_lines", "energy_saving_net",
            "interface_parameters"}) {
            assertEquals(a.get(k), b.get(k), k);
        }
        // stages of another run are refused, naming the file; without --resume they are replaced
        ReproduceJob.Params other = new ReproduceJob.Params("reference", out, 4, 2, model, new int[]{1},
                new double[]{1e-4}, EvaluationSplit.DEV, 0, 0, 2, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> capture(o -> ReproduceJob.execute(other, o)));
        assertTrue(e.getMessage().contains("00.json") && e.getMessage().contains("seed=3"), e.getMessage());
    }

    @Test
    void runAndGenerate() throws Exception {
        Path out = dir.resolve("run");
        String text = capture(o -> RunJob.execute(new RunJob.Params("reference", "hbc:k=2", "minimal:b=2,h=4", out, 3,
                2, 1e-4, model, 2), o));
        assertHeader(text);
        assertTrue(text.contains("decoder cosine") && text.contains("energy ledger constants"), text);
        assertTrue(Files.size(out.resolve("denoiser.png")) > 1000);
        JsonObject j = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        assertEquals("hbc:k=2", j.get("coupling").getAsString());
        // output figures lead, with the split and the input count
        assertTrue(text.contains("epsilon MSE, t 600-999") && text.contains("x0-estimate PSNR (dB), all t"), text);
        java.util.List<String> keys = new java.util.ArrayList<>(j.keySet());
        for (String k : new String[]{"split", "eval_inputs", "epsilon_mse_ratio", "epsilon_mse_substrate",
            "epsilon_mse_digital", "x0_psnr_db", "by_t_bucket", "decoder_cosine_by_module"}) {
            assertTrue(j.has(k), "results.json lacks " + k);
        }
        assertTrue(keys.indexOf("epsilon_mse_ratio") < keys.indexOf("decoder_cosine"), keys.toString());
        assertEquals("dev", j.get("split").getAsString());
        assertEquals(2, j.get("eval_inputs").getAsInt());
        double ratio = j.get("epsilon_mse_ratio").getAsDouble();
        assertEquals(j.get("epsilon_mse_substrate").getAsDouble() / j.get("epsilon_mse_digital").getAsDouble(), ratio,
                1e-12);
        int counted = 0;
        for (var b : j.getAsJsonObject("by_t_bucket").entrySet()) {
            counted += b.getValue().getAsJsonObject().get("inputs").getAsInt();
        }
        assertEquals(2, counted, "every input falls in one t bucket");
        assertTrue(text.contains("captured"), "the per-skip coupling table is printed:\n" + text);
        var skips = j.getAsJsonArray("coupling_report");
        assertEquals(1, skips.size()); // the tiny model has two levels: one skip
        var skip = skips.get(0).getAsJsonObject();
        assertEquals(2, skip.get("rank").getAsInt());
        assertEquals(2, skip.get("long_range_lines").getAsLong());
        double captured = skip.get("captured_energy").getAsDouble();
        assertTrue(captured > 0 && captured <= 1 + 1e-9, "captured " + captured);

        Path gen = dir.resolve("generate");
        String g = capture(o -> GenerateJob.execute(new GenerateJob.Params("reference", "dense", "oracle", 3, 2, gen, 3,
                1e-6, model, 8, 2), o));
        assertHeader(g);
        JsonObject gj = JsonParser.parseString(Files.readString(gen.resolve("results.json"))).getAsJsonObject();
        for (String k : new String[]{"fd_digital", "fd_substrate", "fd_test_halves", "class_agreement",
            "confident_fraction", "psnr_vs_digital_db", "digital_samples", "substrate_samples", "reference_images"}) {
            assertTrue(gj.has(k), "generate's results.json lacks " + k);
        }
        assertEquals(2, gj.get("substrate_samples").getAsInt());
        assertEquals(8, gj.get("digital_samples").getAsInt());
        assertTrue(g.contains("FD substrate vs test") && g.contains("class agreement"), g);
        for (var c : gj.getAsJsonArray("per_sample_cosine")) {
            assertTrue(c.getAsDouble() > 0.999, "exact skips + oracle: substrate DDIM follows digital DDIM: " + gj);
        }
        assertTrue(Files.size(gen.resolve("samples.png")) > 1000);
    }
}
