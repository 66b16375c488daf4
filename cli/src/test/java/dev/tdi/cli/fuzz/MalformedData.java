package dev.tdi.cli.fuzz;

import dev.tdi.unet.Tensor;
import dev.tdi.unet.io.Idx;
import dev.tdi.unet.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Corrupt or mis-sized IDX data sets for train, and checkpoints --resume must refuse; part of {@link
 * MalformedInputs}.
 */
final class MalformedData {
    private static final Path FIXTURE = MalformedInputs.FIXTURE;
    private final MalformedInputs corpus;

    MalformedData(MalformedInputs corpus) {
        this.corpus = corpus;
    }

    /** Adds this kind's cases to the corpus. */
    void generate() throws IOException {
        idx();
        checkpoints();
    }

    // ------------------------------------------------------------------------------------------------ IDX

    private static byte[] idxBytes(int type, int[] dims, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + dataBytes);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    private void idx() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("zero rows", idxBytes(8, new int[]{8, 0, 28}, 0));
        m.put("zero images", idxBytes(8, new int[]{0, 28, 28}, 0));
        m.put("bad magic", "PK\u0003\u0004 a zip file".getBytes(StandardCharsets.ISO_8859_1));
        m.put("float data type", idxBytes(0x0D, new int[]{8, 28, 28}, 8 * 28 * 28 * 4));
        m.put("five dimensions", idxBytes(8, new int[]{8, 1, 1, 28, 28}, 8 * 28 * 28));
        m.put("two dimensions", idxBytes(8, new int[]{8, 784}, 8 * 784));
        m.put("negative dimension", idxBytes(8, new int[]{8, -28, 28}, 0));
        m.put("dimensions overflowing", idxBytes(8, new int[]{65536, 65536, 65536}, 16));
        m.put("truncated data", Arrays.copyOf(idxBytes(8, new int[]{8, 28, 28}, 8 * 784), 100));
        m.put("trailing bytes", idxBytes(8, new int[]{8, 28, 28}, 8 * 784 + 5));
        m.put("three bytes", new byte[]{0, 0, 8});
        m.put("count differs from the labels", idxBytes(8, new int[]{7, 13, 13}, 7 * 169));
        byte[] gz = gzip(idxBytes(8, new int[]{8, 13, 13}, 8 * 169));
        m.put("corrupt gzip", Arrays.copyOf(gz, gz.length / 2));
        m.put("gzip of garbage", gzip("not an idx file".getBytes(StandardCharsets.US_ASCII)));
        for (Map.Entry<String, byte[]> e : m.entrySet()) {
            images(e.getKey(), e.getValue(), "train-images-idx3-ubyte");
        }
        images("wrong image size for the config", idxBytes(8, new int[]{8, 28, 28}, 8 * 784), "--data|28x28|13x13");
        if (corpus.full) {
            byte[] good = idxBytes(8, new int[]{8, 13, 13}, 8 * 169);
            for (int i = 0; i < 40; i++) {
                int cut = corpus.rnd.nextInt(good.length - 1);
                images("truncated at byte " + cut, Arrays.copyOf(good, cut), "train-images-idx3-ubyte");
            }
            for (int i = 0; i < 20; i++) {
                byte[] b = good.clone();
                b[4 + corpus.rnd.nextInt(12)] ^= (byte) (1 + corpus.rnd.nextInt(255)); // a dimension changed
                images("dimension bytes changed (" + i + ")", b, "train-images-idx3-ubyte");
            }
        }
    }

    private void images(String name, byte[] bytes, String mustName) throws IOException {
        Path d = corpus.dir.resolve("idx" + (corpus.counter++));
        Files.createDirectories(d);
        Files.write(d.resolve("train-images-idx3-ubyte"), bytes);
        Idx.write(d.resolve("train-labels-idx1-ubyte"), new int[]{8}, new byte[8]);
        corpus.add("idx", name, mustName, "train", "--config", corpus.trainConfig().toString(),
                "--data", d.toString(), "--out", corpus.dir.resolve("t" + corpus.counter).toString(), "--epochs", "1",
                "--limit", "8", "--eval-images", "0");
    }

    /** Checkpoints that --resume must refuse: not safetensors, not a tdi checkpoint, metadata of the wrong kind. */
    private void checkpoints() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a text file", "not a checkpoint".getBytes(StandardCharsets.UTF_8));
        m.put("weights without checkpoint metadata", Files.readAllBytes(FIXTURE.resolve("model.safetensors")));
        Map<String, Tensor> one = Map.of("params", new Tensor(new int[]{3}, new float[3]));
        m.put("metadata of another kind", Safetensors.toBytes(one, Map.of("config", "{\"format\": 7}")));
        for (Map.Entry<String, byte[]> e : m.entrySet()) {
            Path out = corpus.dir.resolve("resume" + (corpus.counter++));
            Files.createDirectories(out);
            Files.write(out.resolve("checkpoint.safetensors"), e.getValue());
            corpus.add("checkpoint", e.getKey(), "checkpoint.safetensors", "train", "--resume", "--config",
                    corpus.trainConfig().toString(), "--data", corpus.dataDir().toString(), "--out",
                            out.toString(), "--epochs", "1",
                    "--limit", "8", "--eval-images", "0");
        }
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(o)) {
            g.write(b);
        }
        return o.toByteArray();
    }
}
