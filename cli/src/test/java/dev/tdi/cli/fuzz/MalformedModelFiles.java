package dev.tdi.cli.fuzz;

import dev.tdi.unet.Tensor;
import dev.tdi.unet.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.function.UnaryOperator;

/**
 * Malformed safetensors weights (one broken rule each), weights holding NaN or infinity, and malformed unet-forward
 * input files; part of {@link MalformedInputs}.
 */
final class MalformedModelFiles {
    private static final Path FIXTURE = MalformedInputs.FIXTURE;
    private final MalformedInputs corpus;

    MalformedModelFiles(MalformedInputs corpus) {
        this.corpus = corpus;
    }

    /** Adds this kind's cases to the corpus. */
    void generate() throws IOException {
        safetensors();
        nonFiniteWeights();
        inputFiles();
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
        if (corpus.full) {
            byte[] good = file(header(ok), data, -1);
            for (int i = 0; i < 120; i++) {
                int cut = corpus.rnd.nextInt(good.length);
                weights("truncated at byte " + cut, Arrays.copyOf(good, cut), ": ");
            }
            for (int i = 0; i < 60; i++) {
                int extra = 1 + corpus.rnd.nextInt(64);
                weights(extra + " trailing bytes", Arrays.copyOf(good, good.length + extra), "trailing");
            }
            for (int i = 0; i < 120; i++) { // a structural character of the header replaced by a letter
                byte[] b = good.clone();
                int at;
                do {
                    at = 8 + corpus.rnd.nextInt(header(ok).length());
                } while ("{}[]:,\"".indexOf(b[at]) < 0);
                b[at] = (byte) ('a' + corpus.rnd.nextInt(26));
                weights("header byte " + at + " broken", b, ": ");
            }
            for (int i = 0; i < 120; i++) { // one offset or dimension replaced by another integer
                int k = corpus.rnd.nextInt(ok.size());
                Entry e = ok.get(k);
                long v = corpus.rnd.nextInt(3) == 0 ? corpus.rnd.nextLong(Long.MAX_VALUE) : corpus.rnd.nextInt(100000);
                int which = corpus.rnd.nextInt(2);
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
        Path f = corpus.dir.resolve("w" + (corpus.counter++) + ".safetensors");
        Files.write(f, bytes);
        corpus.add("safetensors", name, f.getFileName() + "|" + mustName, "unet-forward", "--config",
                FIXTURE.resolve("config.json").toString(),
                "--weights", f.toString(), "--input", FIXTURE.resolve("input.safetensors").toString(), "--out",
                corpus.dir.resolve("out-" + corpus.counter + ".safetensors").toString());
        if (!corpus.full && corpus.counter % 4 != 0) {
            return;
        }
        Path model = corpus.dir.resolve("model" + corpus.counter);
        Files.createDirectories(model);
        Files.copy(FIXTURE.resolve("config.json"), model.resolve("config.json"));
        Files.copy(f, model.resolve("model.safetensors"));
        String[] cmd = corpus.counter % 8 == 0 ? new String[]{"run", "--model", model.toString(), "--out",
            corpus.dir.resolve("run" + corpus.counter).toString()} : new String[]{"sample", "--model",
                    model.toString(), "--out",
            corpus.dir.resolve("sample" + corpus.counter).toString(), "-n", "1", "--steps", "2"};
        corpus.add("safetensors", name + " (" + cmd[0] + ")", "model.safetensors", cmd);
    }

    /** Weights with NaN or infinity in one tensor: refused by unet-forward, sample and run, naming file and tensor. */
    private void nonFiniteWeights() throws IOException {
        Map<String, Tensor> t = Safetensors.read(FIXTURE.resolve("model.safetensors")).tensors();
        List<String> names = new ArrayList<>(t.keySet());
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int n = corpus.full ? 40 : 3;
        for (int i = 0; i < n; i++) {
            String victim = names.get(corpus.full ? corpus.rnd.nextInt(names.size()) : (i * 7) % names.size());
            Map<String, Tensor> c = new LinkedHashMap<>(t);
            float[] d = t.get(victim).data().clone();
            d[corpus.full ? corpus.rnd.nextInt(d.length) : 0] = bad[i % 3];
            c.put(victim, new Tensor(t.get(victim).shape(), d));
            Path model = corpus.dir.resolve("nonfinite" + i);
            Files.createDirectories(model);
            Files.copy(FIXTURE.resolve("config.json"), model.resolve("config.json"));
            Safetensors.write(model.resolve("model.safetensors"), c, null);
            String w = model.resolve("model.safetensors").toString();
            corpus.add("non-finite weights", bad[i % 3] + " in " + victim + " (unet-forward)", victim, "unet-forward",
                    "--config", FIXTURE.resolve("config.json").toString(), "--weights", w, "--input",
                    FIXTURE.resolve("input.safetensors").toString(), "--out", corpus.dir.resolve("nf" + i).toString());
            corpus.add("non-finite weights", bad[i % 3] + " in " + victim + " (sample)", victim, "sample", "--model",
                    model.toString(), "--out", corpus.dir.resolve("nfs" + i).toString(), "-n", "1", "--steps", "2");
            corpus.add("non-finite weights", bad[i % 3] + " in " + victim + " (run)", victim, "run", "--model",
                    model.toString(), "--out", corpus.dir.resolve("nfr" + i).toString());
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
        Path garbage = corpus.dir.resolve("garbage-input.safetensors");
        Files.writeString(garbage, "x,t\n1,2\n");
        corpus.add("input file", "a CSV file as input", "garbage-input", forward(garbage));
        corpus.add("input file", "input is a directory", "--input", forward(corpus.dir));
        corpus.add("input file", "input does not exist", "--input", forward(corpus.dir.resolve("nope.safetensors")));
    }

    private void input(String name, Map<String, Tensor> tensors, String mustName) throws IOException {
        Path f = corpus.dir.resolve("input" + (corpus.counter++) + ".safetensors");
        Safetensors.write(f, new LinkedHashMap<>(tensors), null);
        corpus.add("input file", name, mustName, forward(f));
    }

    private String[] forward(Path input) {
        return new String[]{"unet-forward", "--config", FIXTURE.resolve("config.json").toString(), "--weights",
            FIXTURE.resolve("model.safetensors").toString(), "--input", input.toString(), "--out",
            corpus.dir.resolve("fwd" + corpus.counter + ".safetensors").toString()};
    }
}
