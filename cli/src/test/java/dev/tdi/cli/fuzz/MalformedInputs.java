package dev.tdi.cli.fuzz;

import dev.tdi.cli.validation.Range;
import dev.tdi.unet.Tensor;
import dev.tdi.unet.io.Idx;
import dev.tdi.unet.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Option;

/**
 * A generator of malformed inputs for the fuzz suite ({@link MalformedInputTest}): safetensors weights and input
 * files that break one rule of the format each, weights holding NaN or infinity, IDX data sets that are corrupt or
 * of the wrong size, U-Net configs with wrong keys, types and absurd sizes, and careless command-line values (every
 * {@link Range}d option of every command just outside its range, non-finite, non-numeric; output paths that are
 * files or unwritable). Every case must be refused, so each one is built to be invalid whatever the random draw.
 * The small corpus is deterministic; {@code full} adds seeded random mutations.
 */
public final class MalformedInputs {
    /** One command line to run, what it feeds the command, and a word the error must contain. */
    public record Case(String kind, String name, List<String> args, String mustName) {
        @Override
        public String toString() {
            return kind + ": " + name;
        }
    }

    /** The valid fixture model (13x13, 2 channels, T = 100) the mutations start from. */
    static final Path FIXTURE = Path.of("../unet/src/test/resources/dev/tdi/unet/fixtures/odd");

    private final Path dir;
    private final boolean full;
    private final SplittableRandom rnd;
    private final List<Case> cases = new ArrayList<>();
    private int counter;

    private MalformedInputs(Path dir, boolean full, long seed) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.full = full;
        this.rnd = new SplittableRandom(seed);
    }

    /** Writes the malformed files under {@code dir} and returns the cases; {@code full} for the large corpus. */
    public static List<Case> generate(Path dir, boolean full, long seed) throws IOException {
        MalformedInputs g = new MalformedInputs(dir, full, seed);
        g.safetensors();
        g.nonFiniteWeights();
        g.inputFiles();
        g.configs();
        g.idx();
        g.checkpoints();
        g.options();
        g.outputPaths();
        return g.cases;
    }

    // ------------------------------------------------------------------------------------------------ safetensors

    /** A tensor entry of a header being built. */
    private record Entry(String name, String dtype, String shape, String begin, String end) {
        String json() {
            return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                    + "," + end + "]}";
        }
    }

    private List<Entry> fixtureEntries(Map<String, Tensor> t) {
        List<Entry> es = new ArrayList<>();
        long off = 0;
        for (Map.Entry<String, Tensor> e : t.entrySet()) {
            long n = 4L * e.getValue().data().length;
            es.add(new Entry(e.getKey(), "F32", Arrays.toString(e.getValue().shape()).replace(" ", ""),
                    Long.toString(off), Long.toString(off + n)));
            off += n;
        }
        return es;
    }

    private static byte[] file(String header, byte[] data, long declaredLength) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength < 0 ? h.length : declaredLength).put(h).put(data);
        return b.array();
    }

    private static String header(List<Entry> es) {
        StringBuilder s = new StringBuilder("{");
        for (Entry e : es) {
            s.append(s.length() > 1 ? "," : "").append(e.json());
        }
        return s.append("}").toString();
    }

    private static byte[] data(Map<String, Tensor> t) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Tensor x : t.values()) {
            ByteBuffer b = ByteBuffer.allocate(4 * x.data().length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(x.data());
            o.writeBytes(b.array());
        }
        return o.toByteArray();
    }

    /** Header mutations of the fixture's weights, each breaking one rule; the error must name the rule's word. */
    private void safetensors() throws IOException {
        Map<String, Tensor> t = Safetensors.read(FIXTURE.resolve("model.safetensors")).tensors();
        byte[] data = data(t);
        List<Entry> ok = fixtureEntries(t);
        Map<String, UnaryOperator<List<Entry>>> m = new LinkedHashMap<>();
        m.put("overlapping offsets (same range)", es -> with(es, 1, e -> new Entry(e.name, "F32", e.shape,
                es.get(0).begin, es.get(0).end)));
        m.put("overlapping offsets (partial)", es -> shift(es, 2, -4));
        m.put("gap between tensors", es -> shift(es, 2, 4));
        m.put("shape given as a string", es -> with(es, 0, e -> new Entry(e.name, "F32", "\"" + e.shape + "\"",
                e.begin, e.end)));
        m.put("fractional offsets", es -> with(es, 0, e -> new Entry(e.name, "F32", e.shape, e.begin, e.end + ".5")));
        m.put("offsets written as floats", es -> with(es, 0, e -> new Entry(e.name, "F32", e.shape, e.begin + ".0",
                e.end)));
        m.put("duplicated tensor name", es -> with(es, 1, e -> new Entry(es.get(0).name, "F32", e.shape, e.begin,
                e.end)));
        m.put("unknown dtype", es -> with(es, 0, e -> new Entry(e.name, "F33", e.shape, e.begin, e.end)));
        m.put("unsupported dtype F16", es -> with(es, 0, e -> new Entry(e.name, "F16", e.shape, e.begin, e.end)));
        m.put("negative dimension", es -> with(es, 0, e -> new Entry(e.name, "F32", "[-1]", e.begin, e.end)));
        m.put("dimension past 2^31", es -> with(es, 0, e -> new Entry(e.name, "F32", "[4294967296]", e.begin,
                e.end)));
        m.put("offsets that do not match the shape", es -> with(es, 0, e -> new Entry(e.name, "F32", "[1]", e.begin,
                e.end)));
        m.put("end before begin", es -> with(es, 0, e -> new Entry(e.name, "F32", e.shape, e.end, e.begin)));
        m.put("offset past 2^63", es -> with(es, 0, e -> new Entry(e.name, "F32", e.shape, e.begin,
                "99999999999999999999")));
        for (Map.Entry<String, UnaryOperator<List<Entry>>> e : m.entrySet()) {
            weights(e.getKey(), file(header(e.getValue().apply(ok)), data, -1), "tensor");
        }
        weights("trailing bytes after the data", file(header(ok), Arrays.copyOf(data, data.length + 3), -1),
                "trailing");
        weights("data truncated", file(header(ok), Arrays.copyOf(data, data.length - 5), -1), "truncated");
        weights("header length past the file", file(header(ok), data, 1L << 20), "truncated");
        weights("header length absurd", file(header(ok), data, -2L >>> 1), "header");
        weights("header length zero", file(header(ok), data, 0), "header");
        weights("empty file", new byte[0], "truncated");
        weights("five bytes", new byte[5], "truncated");
        weights("header not JSON", file("{nope" + " ".repeat(8), data, -1), "header");
        weights("header a JSON array", file("[1,2,3]", data, -1), "header");
        weights("header lenient JSON (single quotes)", file(header(ok).replace("\"dtype\"", "'dtype'"), data, -1),
                "header");
        weights("header nested 10000 deep", file("[".repeat(10000) + "]".repeat(10000), data, -1), "header");
        weights("number of 100000 digits", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + "9".repeat(100000)
                + "],\"data_offsets\":[0,4]}}", data, -1), "header");
        weights("metadata not string to string", file("{\"__metadata__\":{\"epochs\":16}," + header(ok).substring(1),
                data, -1), "__metadata__");
        weights("metadata an array", file("{\"__metadata__\":[\"x\"]," + header(ok).substring(1), data, -1),
                "__metadata__");
        weights("entry missing data_offsets", file(header(ok).replaceFirst(",\"data_offsets\":\\[[0-9]+,[0-9]+]",
                ""), data, -1), "data_offsets");
        weights("entry with an unknown key", file(header(ok).replaceFirst("\"dtype\"", "\"colour\":1,\"dtype\""),
                data, -1), "colour");
        byte[] notUtf8 = file(header(ok), data, -1);
        notUtf8[12] = (byte) 0xC3;
        notUtf8[13] = (byte) 0x28;
        weights("header not UTF-8", notUtf8, "UTF-8");
        weights("a tensor the config lacks", file(header(with(ok, 0, e -> new Entry("temb.extra", "F32", e.shape,
                e.begin, e.end))), data, -1), "temb");
        if (full) {
            byte[] good = file(header(ok), data, -1);
            for (int i = 0; i < 120; i++) {
                int cut = rnd.nextInt(good.length);
                weights("truncated at byte " + cut, Arrays.copyOf(good, cut), ": ");
            }
            for (int i = 0; i < 60; i++) {
                int extra = 1 + rnd.nextInt(64);
                weights(extra + " trailing bytes", Arrays.copyOf(good, good.length + extra), "trailing");
            }
            for (int i = 0; i < 120; i++) { // a structural character of the header replaced by a letter
                byte[] b = good.clone();
                int at;
                do {
                    at = 8 + rnd.nextInt(header(ok).length());
                } while ("{}[]:,\"".indexOf(b[at]) < 0);
                b[at] = (byte) ('a' + rnd.nextInt(26));
                weights("header byte " + at + " broken", b, ": ");
            }
            for (int i = 0; i < 120; i++) { // one offset or dimension replaced by another integer
                int k = rnd.nextInt(ok.size());
                Entry e = ok.get(k);
                long v = rnd.nextInt(3) == 0 ? rnd.nextLong(Long.MAX_VALUE) : rnd.nextInt(100000);
                int which = rnd.nextInt(2);
                if (Long.toString(v).equals(which == 0 ? e.begin : e.end)) {
                    v++;
                }
                String vs = Long.toString(v);
                weights("offset of " + e.name + " set to " + v, file(header(with(ok, k, x -> new Entry(x.name, "F32",
                        x.shape, which == 0 ? vs : x.begin, which == 1 ? vs : x.end))), data, -1), e.name);
            }
        }
    }

    private static List<Entry> with(List<Entry> es, int i, UnaryOperator<Entry> f) {
        List<Entry> c = new ArrayList<>(es);
        c.set(i, f.apply(es.get(i)));
        return c;
    }

    /** Moves tensor i and every later one by {@code delta} bytes. */
    private static List<Entry> shift(List<Entry> es, int from, long delta) {
        List<Entry> c = new ArrayList<>(es);
        for (int i = from; i < c.size(); i++) {
            Entry e = c.get(i);
            c.set(i, new Entry(e.name, e.dtype, e.shape, Long.toString(Long.parseLong(e.begin) + delta),
                    Long.toString(Long.parseLong(e.end) + delta)));
        }
        return c;
    }

    /** Feeds weights to unet-forward; every few cases also to sample and run through a model directory. */
    private void weights(String name, byte[] bytes, String mustName) throws IOException {
        Path f = dir.resolve("w" + (counter++) + ".safetensors");
        Files.write(f, bytes);
        add("safetensors", name, f.getFileName() + "|" + mustName, "unet-forward", "--config", FIXTURE.resolve("config.json").toString(),
                "--weights", f.toString(), "--input", FIXTURE.resolve("input.safetensors").toString(), "--out",
                dir.resolve("out-" + counter + ".safetensors").toString());
        if (!full && counter % 4 != 0) {
            return;
        }
        Path model = dir.resolve("model" + counter);
        Files.createDirectories(model);
        Files.copy(FIXTURE.resolve("config.json"), model.resolve("config.json"));
        Files.copy(f, model.resolve("model.safetensors"));
        String[] cmd = counter % 8 == 0 ? new String[]{"run", "--model", model.toString(), "--out",
            dir.resolve("run" + counter).toString()} : new String[]{"sample", "--model", model.toString(), "--out",
            dir.resolve("sample" + counter).toString(), "-n", "1", "--steps", "2"};
        add("safetensors", name + " (" + cmd[0] + ")", "model.safetensors", cmd);
    }

    /** Weights with NaN or infinity in one tensor: refused by unet-forward, sample and run, naming file and tensor. */
    private void nonFiniteWeights() throws IOException {
        Map<String, Tensor> t = Safetensors.read(FIXTURE.resolve("model.safetensors")).tensors();
        List<String> names = new ArrayList<>(t.keySet());
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int n = full ? 40 : 3;
        for (int i = 0; i < n; i++) {
            String victim = names.get(full ? rnd.nextInt(names.size()) : (i * 7) % names.size());
            Map<String, Tensor> c = new LinkedHashMap<>(t);
            float[] d = t.get(victim).data().clone();
            d[full ? rnd.nextInt(d.length) : 0] = bad[i % 3];
            c.put(victim, new Tensor(t.get(victim).shape(), d));
            Path model = dir.resolve("nonfinite" + i);
            Files.createDirectories(model);
            Files.copy(FIXTURE.resolve("config.json"), model.resolve("config.json"));
            Safetensors.write(model.resolve("model.safetensors"), c, null);
            String w = model.resolve("model.safetensors").toString();
            add("non-finite weights", bad[i % 3] + " in " + victim + " (unet-forward)", victim, "unet-forward",
                    "--config", FIXTURE.resolve("config.json").toString(), "--weights", w, "--input",
                    FIXTURE.resolve("input.safetensors").toString(), "--out", dir.resolve("nf" + i).toString());
            add("non-finite weights", bad[i % 3] + " in " + victim + " (sample)", victim, "sample", "--model",
                    model.toString(), "--out", dir.resolve("nfs" + i).toString(), "-n", "1", "--steps", "2");
            add("non-finite weights", bad[i % 3] + " in " + victim + " (run)", victim, "run", "--model",
                    model.toString(), "--out", dir.resolve("nfr" + i).toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ input files

    private void inputFiles() throws IOException {
        Map<String, Tensor> in = Safetensors.read(FIXTURE.resolve("input.safetensors")).tensors();
        Tensor x = in.get("x"), t = in.get("t");
        input("no tensor t", Map.of("x", x), "\"t\"");
        input("no tensor x", Map.of("t", t), "\"x\"");
        input("x of the wrong shape", Map.of("x", new Tensor(new int[]{3, 2, 12, 13}, new float[3 * 2 * 12 * 13]),
                "t", t), "\"x\"");
        input("t two-dimensional", Map.of("x", x, "t", new Tensor(new int[]{3, 1}, t.data())), "\"x\"");
        float[] nan = x.data().clone();
        nan[17] = Float.NaN;
        input("NaN in x", Map.of("x", new Tensor(x.shape(), nan), "t", t), "\"x\"");
        input("t past the schedule", Map.of("x", x, "t", new Tensor(t.shape(), new float[]{0, 100, 5})), "\"t\"");
        input("t negative", Map.of("x", x, "t", new Tensor(t.shape(), new float[]{-1, 1, 5})), "\"t\"");
        input("t infinite", Map.of("x", x, "t", new Tensor(t.shape(), new float[]{0, Float.POSITIVE_INFINITY, 5})),
                "\"t\"");
        Path garbage = dir.resolve("garbage-input.safetensors");
        Files.writeString(garbage, "x,t\n1,2\n");
        add("input file", "a CSV file as input", "garbage-input", forward(garbage));
        add("input file", "input is a directory", "--input", forward(dir));
        add("input file", "input does not exist", "--input", forward(dir.resolve("nope.safetensors")));
    }

    private void input(String name, Map<String, Tensor> tensors, String mustName) throws IOException {
        Path f = dir.resolve("input" + (counter++) + ".safetensors");
        Safetensors.write(f, new LinkedHashMap<>(tensors), null);
        add("input file", name, mustName, forward(f));
    }

    private String[] forward(Path input) {
        return new String[]{"unet-forward", "--config", FIXTURE.resolve("config.json").toString(), "--weights",
            FIXTURE.resolve("model.safetensors").toString(), "--input", input.toString(), "--out",
            dir.resolve("fwd" + counter + ".safetensors").toString()};
    }

    // ------------------------------------------------------------------------------------------------ configs

    private void configs() throws IOException {
        String ok = Files.readString(FIXTURE.resolve("config.json"));
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : new String[]{"format", "imageSize", "imageChannels", "channels", "blocksPerLevel",
            "timeEmbedDim", "timeHidden", "diffusionSteps"}) {
            m.put("missing " + key, ok.replaceFirst("\\s*\"" + key + "\": (\"[^\"]*\"|\\[[^\\]]*\\]|[^,\\n]*),?", ""));
        }
        m.put("unknown key", ok.replace("\"imageSize\"", "\"imageSise\": 13, \"imageSize\""));
        m.put("duplicated key", ok.replace("\"imageSize\": 13", "\"imageSize\": 13, \"imageSize\": 13"));
        m.put("wrong format", ok.replace("tdi-unet/1", "tdi-unet/2"));
        m.put("format a number", ok.replace("\"tdi-unet/1\"", "1"));
        m.put("channels as floats", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [4.0, 6.0, 8.0]"));
        m.put("channels 1e9", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [1e9]"));
        m.put("channels empty", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": []"));
        m.put("channels negative", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [4, -6]"));
        m.put("channels a string", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": \"4,6,8\""));
        m.put("nine levels", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [1,1,1,1,1,1,1,1,1]"));
        m.put("kernel size a string", ok.replace("\"kernelSize\": 3", "\"kernelSize\": \"3\""));
        m.put("kernel size even", ok.replace("\"kernelSize\": 3", "\"kernelSize\": 4"));
        m.put("kernel size huge", ok.replace("\"kernelSize\": 3", "\"kernelSize\": 999999"));
        m.put("inputSkip a string", ok.replace("\"inputSkip\": true", "\"inputSkip\": \"yes\""));
        m.put("inputSkip a number", ok.replace("\"inputSkip\": true", "\"inputSkip\": 1"));
        m.put("imageSize 1e9", ok.replace("\"imageSize\": 13", "\"imageSize\": 1e9"));
        m.put("imageSize 2^31", ok.replace("\"imageSize\": 13", "\"imageSize\": 2147483648"));
        m.put("imageSize fractional", ok.replace("\"imageSize\": 13", "\"imageSize\": 13.5"));
        m.put("imageSize null", ok.replace("\"imageSize\": 13", "\"imageSize\": null"));
        m.put("blocksPerLevel 1e9", ok.replace("\"blocksPerLevel\": 2", "\"blocksPerLevel\": 1000000000"));
        m.put("blocksPerLevel 0", ok.replace("\"blocksPerLevel\": 2", "\"blocksPerLevel\": 0"));
        m.put("timeEmbedDim odd", ok.replace("\"timeEmbedDim\": 8", "\"timeEmbedDim\": 7"));
        m.put("diffusionSteps 1", ok.replace("\"diffusionSteps\": 100", "\"diffusionSteps\": 1"));
        m.put("betaEnd 1", ok.replace("\"betaEnd\": 0.02", "\"betaEnd\": 1"));
        m.put("betaStart a string", ok.replace("\"betaStart\": 0.0001", "\"betaStart\": \"1e-4\""));
        m.put("schedule unknown", ok.replace("\"linear\"", "\"quadratic\""));
        m.put("activation gelu", ok.replace("\"relu\"", "\"gelu\""));
        m.put("within bounds but past the heap", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]",
                "\"channels\": [4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096]").replace("\"kernelSize\": 3",
                "\"kernelSize\": 31").replace("\"imageSize\": 13", "\"imageSize\": 1024"));
        m.put("not JSON", "channels = 16");
        m.put("truncated JSON", ok.substring(0, ok.length() / 2));
        m.put("empty file", "");
        m.put("a JSON array", "[1, 2, 3]");
        m.put("comments (lenient JSON)", "// a comment\n" + ok);
        m.put("nested 10000 deep", "{\"channels\": " + "[".repeat(10000) + "]".repeat(10000) + "}");
        m.put("a number of 100000 digits", ok.replace("\"imageSize\": 13", "\"imageSize\": " + "1".repeat(100000)));
        for (Map.Entry<String, String> e : m.entrySet()) {
            config(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        config("binary garbage", new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1, 2, 3});
        if (full) {
            String[] ints = {"imageSize", "imageChannels", "blocksPerLevel", "kernelSize", "timeEmbedDim",
                "timeHidden", "diffusionSteps"};
            String[] badValues = {"-1", "0.5", "1e99", "-2147483649", "\"7\"", "true", "[]", "{}", "null"};
            for (String k : ints) {
                for (String v : badValues) {
                    config(k + " = " + v, ok.replaceFirst("\"" + k + "\": [^,\\n]*", "\"" + k + "\": " + v)
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            for (int i = 0; i < 60; i++) { // a random structural character replaced by a letter
                byte[] b = ok.getBytes(StandardCharsets.UTF_8);
                int at;
                do {
                    at = rnd.nextInt(b.length);
                } while ("{}[]:,\"".indexOf(b[at]) < 0);
                b[at] = (byte) ('a' + rnd.nextInt(26));
                config("byte " + at + " broken", b);
            }
        }
    }

    /** Feeds a config to unet-forward and, every other case, to train. */
    private void config(String name, byte[] json) throws IOException {
        Path f = dir.resolve("config" + (counter++) + ".json");
        Files.write(f, json);
        add("config", name, f.getFileName().toString(), "unet-forward", "--config", f.toString(), "--weights",
                FIXTURE.resolve("model.safetensors").toString(), "--input",
                FIXTURE.resolve("input.safetensors").toString(), "--out", dir.resolve("c" + counter).toString());
        if (full || counter % 2 == 0) {
            add("config", name + " (train)", f.getFileName().toString(), "train", "--config", f.toString(),
                    "--data", dataDir().toString(), "--out", dir.resolve("train" + counter).toString(), "--epochs",
                    "1", "--limit", "8", "--eval-images", "0");
        }
    }

    // ------------------------------------------------------------------------------------------------ IDX

    private Path data;

    /** A valid 8-image 13x13 data set (the fixture config's size), for options and configs cases of train. */
    private Path dataDir() throws IOException {
        if (data == null) {
            data = dir.resolve("data-ok");
            Files.createDirectories(data);
            Idx.write(data.resolve("train-images-idx3-ubyte"), new int[]{8, 13, 13}, new byte[8 * 169]);
            Idx.write(data.resolve("train-labels-idx1-ubyte"), new int[]{8}, new byte[8]);
        }
        return data;
    }

    private Path trainConfig;

    /** The fixture's architecture with one image channel, so that it fits the 13x13 greyscale data. */
    private Path trainConfig() throws IOException {
        if (trainConfig == null) {
            trainConfig = dir.resolve("train-config.json");
            Files.writeString(trainConfig, Files.readString(FIXTURE.resolve("config.json"))
                    .replace("\"imageChannels\": 2", "\"imageChannels\": 1"));
        }
        return trainConfig;
    }

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
        if (full) {
            byte[] good = idxBytes(8, new int[]{8, 13, 13}, 8 * 169);
            for (int i = 0; i < 40; i++) {
                int cut = rnd.nextInt(good.length - 1);
                images("truncated at byte " + cut, Arrays.copyOf(good, cut), "train-images-idx3-ubyte");
            }
            for (int i = 0; i < 20; i++) {
                byte[] b = good.clone();
                b[4 + rnd.nextInt(12)] ^= (byte) (1 + rnd.nextInt(255)); // a dimension changed
                images("dimension bytes changed (" + i + ")", b, "train-images-idx3-ubyte");
            }
        }
    }

    private void images(String name, byte[] bytes, String mustName) throws IOException {
        Path d = dir.resolve("idx" + (counter++));
        Files.createDirectories(d);
        Files.write(d.resolve("train-images-idx3-ubyte"), bytes);
        Idx.write(d.resolve("train-labels-idx1-ubyte"), new int[]{8}, new byte[8]);
        add("idx", name, mustName, "train", "--config", trainConfig().toString(),
                "--data", d.toString(), "--out", dir.resolve("t" + counter).toString(), "--epochs", "1",
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
            Path out = dir.resolve("resume" + (counter++));
            Files.createDirectories(out);
            Files.write(out.resolve("checkpoint.safetensors"), e.getValue());
            add("checkpoint", e.getKey(), "checkpoint.safetensors", "train", "--resume", "--config",
                    trainConfig().toString(), "--data", dataDir().toString(), "--out", out.toString(), "--epochs", "1",
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

    // ------------------------------------------------------------------------------------------------ options

    /** The base command line of each command, valid as it is, that a careless option is added to. */
    private Map<Class<?>, List<String>> bases() throws IOException {
        Map<Class<?>, List<String>> b = new LinkedHashMap<>();
        Path o = dir.resolve("opt-out");
        b.put(dev.tdi.cli.inference.RunCommand.class, List.of("run", "--out", o.toString()));
        b.put(dev.tdi.cli.inference.GenerateCommand.class, List.of("generate", "--out", o.toString()));
        b.put(dev.tdi.cli.inference.ReproduceCommand.class, List.of("reproduce", "--out", o.toString()));
        b.put(dev.tdi.cli.unet.SampleCommand.class, List.of("sample", "--out", o.toString(), "-n", "1"));
        b.put(dev.tdi.cli.unet.TrainCommand.class, List.of("train", "--config", trainConfig().toString(), "--data", dataDir().toString(), "--out",
                dir.resolve("opt-train").toString(), "--epochs", "1", "--limit", "8", "--eval-images", "0"));
        b.put(dev.tdi.cli.fpga.FpgaEmulatorCommand.class, List.of("fpga-emulator", "--port", "0", "--duration-s",
                "1"));
        return b;
    }

    /**
     * Every {@link Range}d option of every command, given values just outside its range, non-finite ones (for
     * numbers) and non-numbers; plus the named careless values of issue 14.
     */
    private void options() throws IOException {
        for (Map.Entry<Class<?>, List<String>> e : bases().entrySet()) {
            for (Field f : fields(e.getKey())) {
                Range r = f.getAnnotation(Range.class);
                Option o = f.getAnnotation(Option.class);
                if (r == null || o == null) {
                    continue;
                }
                String name = longName(o);
                boolean integral = dev.tdi.cli.validation.OptionChecks.integral(f.getType());
                List<String> values = new ArrayList<>();
                if (integral) {
                    if (r.min() > Long.MIN_VALUE) {
                        values.add(Long.toString((long) r.min() - 1));
                    }
                    if (r.max() < Long.MAX_VALUE) {
                        values.add(Long.toString((long) r.max() + 1));
                    }
                    values.add("abc");
                    if (full) {
                        values.add("1.5");
                        values.add("");
                        values.add("99999999999999999999");
                        values.add("-99999999999999999999");
                    }
                } else {
                    values.add(r.minExclusive() ? fmt(r.min()) : fmt(Math.nextDown(r.min()) - Math.ulp(r.min()) * 4
                            - 1e-9));
                    values.add(r.maxExclusive() ? fmt(r.max()) : fmt(r.max() * 2 + 1));
                    values.add("NaN");
                    if (full) {
                        values.add("Infinity");
                        values.add("-Infinity");
                        values.add("1e308");
                        values.add("abc");
                        values.add("");
                    }
                }
                for (String v : values) {
                    List<String> args = withOption(e.getValue(), name, v);
                    add("option", String.join(" ", args.subList(0, 1)) + " " + name + " " + v, name,
                            args.toArray(new String[0]));
                }
            }
        }
        String out = dir.resolve("named").toString();
        add("option", "sample -n -1", "-n", "sample", "-n", "-1", "--out", out);
        add("option", "sample -n 0", "-n", "sample", "-n", "0", "--out", out);
        add("option", "sample -n 1000000000", "-n", "sample", "-n", "1000000000", "--out", out);
        add("option", "sample --cols 0", "--cols", "sample", "--cols", "0", "--out", out);
        add("option", "sample --steps 0", "--steps", "sample", "--steps", "0", "--out", out);
        add("option", "sample --steps 5000 (past the model's T)", "--steps", "sample", "--steps", "5000", "-n",
                "1", "--out", out);
        add("option", "sample --sampler euler", "--sampler", "sample", "--sampler", "euler", "--out", out);
        add("option", "generate --steps 1000000000", "--steps", "generate", "--steps", "1000000000", "--out", out);
        add("option", "run --temperature 1e308", "--temperature", "run", "--temperature", "1e308", "--out", out);
        add("option", "run --coupling ''", "--coupling", "run", "--coupling", "", "--out", out);
        add("option", "run --interface ''", "--interface", "run", "--interface", "", "--out", out);
        add("option", "run --backend ''", "--backend", "run", "--backend", "", "--out", out);
        add("option", "reproduce --ranks 4,0", "--ranks", "reproduce", "--ranks", "4,0", "--out", out);
        add("option", "reproduce --temperatures 1,NaN", "--temperatures", "reproduce", "--temperatures", "1,NaN",
                "--out", out);
        List<String> train = bases().get(dev.tdi.cli.unet.TrainCommand.class);
        for (String[] c : new String[][]{{"--ema", "2"}, {"--ema", "-1"}, {"--clip", "-1"}, {"--limit", "-1"},
            {"--threads", "-1"}, {"--warmup", "-1"}, {"--eval-images", "-1"}, {"--max-minutes", "-1"},
            {"--checkpoint-every", "0"}, {"--checkpoint-every", "-5"}, {"--batch", "6"}, {"--channels", "4,0"},
            {"--channels", "1,1,1,1,1,1,1,1,1"}, {"--blocks", "1000000000"}}) {
            List<String> args = withOption(train, c[0], c[1]);
            add("option", "train " + String.join(" ", c), c[0], args.toArray(new String[0]));
        }
        add("option", "unknown option", "--frobnicate", "run", "--frobnicate");
        add("option", "unknown command", "frobnicate", "frobnicate");
        add("option", "fpga-emulator --memory-mb past the heap", "--memory-mb", "fpga-emulator", "--memory-mb",
                "65536", "--duration-s", "1", "--port", "0");
    }

    // ------------------------------------------------------------------------------------------------ paths

    private void outputPaths() throws IOException {
        Path aFile = dir.resolve("a-file.txt");
        Files.writeString(aFile, "the user's notes");
        String unwritable = "/proc/tdi-unwritable/out";
        for (String cmd : new String[]{"run", "reproduce", "generate", "sample", "bench"}) {
            add("output path", cmd + " --out <a file>", "--out", cmd, "--out", aFile.toString());
            add("output path", cmd + " --out <unwritable>", "--out", cmd, "--out", unwritable);
        }
        List<String> train = new ArrayList<>(bases().get(dev.tdi.cli.unet.TrainCommand.class));
        train.set(train.indexOf("--out") + 1, aFile.toString());
        add("output path", "train --out <a file>", "--out", train.toArray(new String[0]));
        add("output path", "unet-forward --out <a directory>", "--out", "unet-forward", "--config",
                FIXTURE.resolve("config.json").toString(), "--weights", FIXTURE.resolve("model.safetensors")
                        .toString(), "--input", FIXTURE.resolve("input.safetensors").toString(), "--out",
                dir.toString());
        add("output path", "unet-forward --out <unwritable>", "--out", "unet-forward", "--config",
                FIXTURE.resolve("config.json").toString(), "--weights", FIXTURE.resolve("model.safetensors")
                        .toString(), "--input", FIXTURE.resolve("input.safetensors").toString(), "--out",
                unwritable);
        add("output path", "run --out ''", "--out", "run", "--out", "");
        add("input path", "sample --model ''", "--model", "sample", "--model", "");
        add("input path", "run --model <a file>", "--model", "run", "--model", aFile.toString());
        add("input path", "sample --model <a directory without a model>", "--model", "sample", "--model",
                dir.resolve("data-ok").toString());
        add("input path", "train --data <missing>", "--data", "train", "--data", dir.resolve("nope").toString(),
                "--out", dir.resolve("x").toString());
        add("input path", "train --config <a directory>", "--config", "train", "--config", dir.toString(), "--out",
                dir.resolve("x").toString());
        add("input path", "fpga-emulator --mmap <a directory>", "--mmap", "fpga-emulator", "--mmap",
                dir.toString(), "--duration-s", "1");
        add("input path", "fpga-emulator --mmap <the user's file>", "--mmap", "fpga-emulator", "--mmap",
                aFile.toString(), "--duration-s", "1");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void add(String kind, String name, String mustName, String... args) {
        cases.add(new Case(kind, name, List.of(args), mustName));
    }

    /** The base with the option set to a value (replaced if the base has it: a repeated option fails otherwise). */
    private static List<String> withOption(List<String> base, String name, String value) {
        List<String> args = new ArrayList<>(base);
        int at = args.indexOf(name);
        if (at >= 0) {
            args.set(at + 1, value);
        } else {
            args.add(name);
            args.add(value);
        }
        return args;
    }

    private static List<Field> fields(Class<?> c) {
        List<Field> fs = new ArrayList<>(Arrays.asList(c.getDeclaredFields()));
        for (Field f : c.getDeclaredFields()) {
            if (f.getAnnotation(picocli.CommandLine.Mixin.class) != null) {
                fs.addAll(Arrays.asList(f.getType().getDeclaredFields()));
            }
        }
        return fs;
    }

    private static String longName(Option o) {
        for (String n : o.names()) {
            if (n.startsWith("--")) {
                return n;
            }
        }
        return o.names()[0];
    }

    private static String fmt(double v) {
        return Double.toString(v);
    }
}
