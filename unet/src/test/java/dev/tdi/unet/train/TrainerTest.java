package dev.tdi.unet.train;

import dev.tdi.unet.Dataset;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training: determinism across thread counts, exact resume from a checkpoint, and that the loss goes down. */
class TrainerTest {
    private static final UNetConfig CFG = new UNetConfig(8, 1, new int[]{3, 4}, 1, 3, "relu", 8, 12,
            "concat-conv", "conv-transpose", 50, "linear", 1e-4, 0.05);
    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    /** 64 images: a bright square at one of four places, with a little texture. */
    static Dataset squares() {
        int n = 64, s = 8;
        byte[] px = new byte[n * s * s], lb = new byte[n];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < n; i++) {
            int q = i % 4, ox = (q % 2) * 4, oy = (q / 2) * 4;
            lb[i] = (byte) q;
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    px[i * s * s + (oy + y) * s + ox + x] = (byte) (200 + r.nextInt(50));
                }
            }
        }
        return new Dataset(n, s, s, px, lb);
    }

    private TrainOptions opts(Path out, int epochs, int threads) {
        return new TrainOptions(epochs, 8, 1e-2, 4, 0.9, 42, 0, out, threads, 0, 0, 1.0);
    }

    @AfterEach
    void resetThreads() {
        UNet.setThreads(0);
    }

    @Test
    void sameResultWhateverTheThreadCount(@TempDir Path dir) throws Exception {
        Trainer a = new Trainer(CFG, opts(dir.resolve("a"), 2, 1), squares(), false, quiet);
        a.run();
        Trainer b = new Trainer(CFG, opts(dir.resolve("b"), 2, 3), squares(), false, quiet);
        b.run();
        assertArrayEquals(a.network().parameters(), b.network().parameters());
        assertArrayEquals(a.emaNetwork().parameters(), b.emaNetwork().parameters());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/model.safetensors")),
                Files.readAllBytes(dir.resolve("b/model.safetensors")));
    }

    @Test
    void resumeContinuesExactly(@TempDir Path dir) throws Exception {
        Trainer straight = new Trainer(CFG, opts(dir.resolve("s"), 2, 2), squares(), false, quiet);
        Trainer.Result rs = straight.run();
        assertTrue(rs.finished());
        Trainer first = new Trainer(CFG, opts(dir.resolve("r"), 2, 2), squares(), false, quiet);
        Trainer.Result r1 = first.run(5); // stops in the middle of epoch 1
        assertFalse(r1.finished());
        assertEquals(5, r1.steps());
        Trainer second = new Trainer(CFG, opts(dir.resolve("r"), 2, 2), squares(), true, quiet);
        Trainer.Result r2 = second.run();
        assertTrue(r2.finished());
        assertEquals(rs.steps(), r2.steps());
        assertArrayEquals(straight.network().parameters(), second.network().parameters());
        UNet saved = UNetModel.load(dir.resolve("r"));
        assertArrayEquals(straight.emaNetwork().parameters(), saved.parameters());
    }

    @Test
    void resumeRefusesOtherOptions(@TempDir Path dir) throws Exception {
        new Trainer(CFG, opts(dir, 2, 1), squares(), false, quiet).run(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(CFG, opts(dir, 3, 1), squares(), true, quiet));
        assertTrue(e.getMessage().contains("epochs=2"), e.getMessage());
    }

    @Test
    void lossGoesDown(@TempDir Path dir) throws Exception {
        Trainer t = new Trainer(CFG, new TrainOptions(12, 8, 1e-2, 4, 0.9, 42, 0, dir, 0, 0, 0, 1.0), squares(),
                false, quiet);
        Trainer.Result r = t.run();
        String log = Files.readString(dir.resolve("train.log"));
        double first = Double.parseDouble(log.lines().findFirst().orElseThrow().replaceAll(".*mean loss ([0-9.]+).*", "$1"));
        assertTrue(r.lastEpochLoss() < 0.8 * first, "first epoch " + first + ", last " + r.lastEpochLoss());
    }

    @Test
    void narrowedAndPooledSkipsTrainResumeAndReload(@TempDir Path dir) throws Exception {
        UNetConfig cfg = CFG.withSkipChannels(2).withSkipPool(2);
        Trainer straight = new Trainer(cfg, new TrainOptions(6, 8, 1e-2, 4, 0.9, 42, 0, dir.resolve("s"), 0, 0, 0,
                1.0), squares(), false, quiet);
        Trainer.Result rs = straight.run();
        String log = Files.readString(dir.resolve("s/train.log"));
        double first = Double.parseDouble(log.lines().findFirst().orElseThrow().replaceAll(".*mean loss ([0-9.]+).*", "$1"));
        assertTrue(rs.lastEpochLoss() < 0.8 * first, "first epoch " + first + ", last " + rs.lastEpochLoss());
        Trainer first3 = new Trainer(cfg, new TrainOptions(6, 8, 1e-2, 4, 0.9, 42, 0, dir.resolve("r"), 0, 0, 0,
                1.0), squares(), false, quiet);
        first3.run(3);
        Trainer rest = new Trainer(cfg, new TrainOptions(6, 8, 1e-2, 4, 0.9, 42, 0, dir.resolve("r"), 0, 0, 0,
                1.0), squares(), true, quiet);
        rest.run();
        assertArrayEquals(straight.network().parameters(), rest.network().parameters());
        UNet saved = UNetModel.load(dir.resolve("s"));
        assertEquals(cfg, saved.config());
        assertArrayEquals(straight.emaNetwork().parameters(), saved.parameters());
        // the pool is still a plain 2 x 2 average after training: its weights are not parameters
        float[] w = saved.layer("pool0").inputs().get(0).weight();
        for (int o = 0; o < 2; o++) {
            for (int c = 0; c < 2; c++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(o == c ? 0.25f : 0f, w[(o * 2 + c) * 4 + j]);
                }
            }
        }
    }
}
