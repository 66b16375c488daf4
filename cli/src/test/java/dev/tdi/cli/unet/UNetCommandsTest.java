package dev.tdi.cli.unet;

import dev.tdi.cli.TdiCommand;
import dev.tdi.unet.Tensor;
import dev.tdi.unet.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The U-Net commands through the tdi root command. */
class UNetCommandsTest {
    private static final Path FIXTURE = Path.of("../unet/src/test/resources/dev/tdi/unet/fixtures/odd");

    @Test
    void unetForwardWritesEveryTapMatchingPyTorch(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("java.safetensors");
        int rc = TdiCommand.execute("unet-forward", "--config", FIXTURE.resolve("config.json").toString(),
                "--weights", FIXTURE.resolve("model.safetensors").toString(),
                "--input", FIXTURE.resolve("input.safetensors").toString(), "--out", out.toString());
        assertEquals(0, rc);
        Map<String, Tensor> got = Safetensors.read(out).tensors();
        Map<String, Tensor> ref = Safetensors.read(FIXTURE.resolve("expected.safetensors")).tensors();
        assertEquals(ref.keySet(), got.keySet());
        for (String k : ref.keySet()) {
            float[] a = got.get(k).data(), b = ref.get(k).data();
            double num = 0, den = 0;
            for (int i = 0; i < a.length; i++) {
                num += (a[i] - b[i]) * (double) (a[i] - b[i]);
                den += b[i] * (double) b[i];
            }
            assertTrue(Math.sqrt(num / den) <= 1e-5, k);
        }
    }

    @Test
    void unetForwardRejectsWeightsOfAnotherConfig(@TempDir Path dir) {
        Path even = Path.of("../unet/src/test/resources/dev/tdi/unet/fixtures/even");
        int rc = TdiCommand.execute("unet-forward", "--config", FIXTURE.resolve("config.json").toString(),
                "--weights", even.resolve("model.safetensors").toString(),
                "--input", FIXTURE.resolve("input.safetensors").toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, rc);
    }

    @Test
    void sampleWritesAGridFromTheShippedModel(@TempDir Path dir) throws Exception {
        int rc = TdiCommand.execute("sample", "--out", dir.toString(), "-n", "2", "--cols", "2", "--steps", "3");
        assertEquals(0, rc);
        byte[] png = Files.readAllBytes(dir.resolve("samples-ddim.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }

    @Test
    void trainRefusesToOverwriteAModel(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model.safetensors"), "a model the user trained");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int rc;
        try {
            rc = TdiCommand.execute("train", "--epochs", "1", "--limit", "8", "--out", dir.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, rc);
        assertTrue(err.toString().contains("already holds a model"), err.toString());
        assertEquals("a model the user trained", Files.readString(dir.resolve("model.safetensors")));
    }

    @Test
    void trainClassifierWritesWeightsWithTheRecipeAndAccuracy(@TempDir Path dir) throws Exception {
        dev.tdi.unet.Dataset d = dev.tdi.unet.EvaluationSet.loadDefault().head(64);
        d.write(dir, "train");
        d.write(dir, "t10k");
        Path out = dir.resolve("c.safetensors");
        int rc = TdiCommand.execute("train-classifier", "--epochs", "1", "--batch", "16", "--data", dir.toString(),
                "--out", out.toString());
        assertEquals(0, rc);
        var c = dev.tdi.unet.classify.Classifier.load(out);
        assertTrue(c.metadata().get("command").contains("--epochs 1 --batch 16"), c.metadata().toString());
        assertEquals("64", c.metadata().get("test_images"));
        double acc = Double.parseDouble(c.metadata().get("test_accuracy"));
        assertTrue(acc >= 0 && acc <= 1, c.metadata().toString());
        assertEquals(1, TdiCommand.execute("train-classifier", "--data", dir.toString(), "--out", out.toString()),
                "refuses to overwrite without --force");
    }

    @Test
    void trainNamesABadSkipOptionBeforeLoadingAnything(@TempDir Path dir) {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int rc1, rc2;
        try {
            rc1 = TdiCommand.execute("train", "--skip-pool", "3,1", "--out", dir.resolve("a").toString());
            rc2 = TdiCommand.execute("train", "--skip-channels", "8", "--out", dir.resolve("b").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, rc1);
        assertEquals(1, rc2);
        assertTrue(err.toString().contains("--skip-pool is 3, accepted: an integer in 1..2"), err.toString());
        assertTrue(err.toString().contains("skipChannels must list one value per skip level (2), got [8]"),
                err.toString());
        // --out may be created up front (README "Errors and bad input"), but no model is written into it
        assertTrue(!Files.exists(dir.resolve("a").resolve("model.safetensors"))
                && !Files.exists(dir.resolve("b").resolve("model.safetensors"))
                && !Files.exists(dir.resolve("b").resolve("checkpoint.safetensors")), "nothing written");
    }
}
