package dev.tdi.unet.io;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.tdi.unet.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON {@code {"name": {"dtype": "F32", "shape": [...],
 * "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "value"}}}, then the raw little-endian data.
 *
 * <p>Only F32 tensors are read or written (tdi stores everything in float32). Every error is a
 * {@link SafetensorsException} naming the file and, where there is one, the tensor.
 */
public final class Safetensors {
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {
    }

    /** The content of a file: tensors in file order and the string metadata. */
    public record Content(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    /** Writes tensors (in the map's order) and metadata. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Files.write(file, toBytes(tensors, metadata));
    }

    /** Serialises tensors and metadata to the safetensors byte layout. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long off = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("dtype", "F32");
            h.put("shape", e.getValue().shape());
            long n = 4L * e.getValue().data().length;
            h.put("data_offsets", new long[]{off, off + n});
            off += n;
            header.put(e.getKey(), h);
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // align data to 8 bytes, padding with spaces as the spec allows
        int hl = json.length + pad;
        ByteBuffer bb = ByteBuffer.allocate(Math.toIntExact(8 + hl + off)).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(hl);
        bb.put(json);
        for (int i = 0; i < pad; i++) {
            bb.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            bb.asFloatBuffer().put(t.data());
            bb.position(bb.position() + 4 * t.data().length);
        }
        return bb.array();
    }

    /** Reads a whole file (at most 2 GiB, the largest Java array). */
    public static Content read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new SafetensorsException(file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new SafetensorsException(file + ": not a regular file (accepted: a .safetensors file)");
        }
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8L) {
            throw new SafetensorsException(file + ": " + size + " bytes, more than tdi reads (at most "
                    + (Integer.MAX_VALUE - 8L) + ")");
        }
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Writes to a stream. */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        out.write(toBytes(tensors, metadata));
    }

    /**
     * Parses safetensors bytes; {@code name} is the file name used in error messages. Enforces the format's rules
     * (see docs/unet.md, "Safetensors rules"): a strict JSON object header without duplicate keys; every entry
     * exactly {@code dtype} (a safetensors dtype), {@code shape} (non-negative JSON integers) and
     * {@code data_offsets} (two JSON integers {@code [begin, end]} with {@code end - begin = numel x dtype size});
     * the entries, ordered by offset, start at 0, follow one another without gap or overlap and end exactly at the
     * end of the file; {@code __metadata__} maps strings to strings. Only F32 tensors are read.
     *
     * @throws SafetensorsException naming the file, the tensor where there is one, the rule and what was found
     */
    public static Content read(byte[] bytes, String name) {
        if (bytes.length < 8) {
            throw new SafetensorsException(name + ": truncated: " + bytes.length
                    + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long hl = bb.getLong();
        if (hl < 2 || hl > MAX_HEADER) {
            throw new SafetensorsException(name + ": bad header: header length " + hl
                    + " is implausible (accepted: 2.." + MAX_HEADER + " bytes; not a safetensors file?)");
        }
        if (8 + hl > bytes.length) {
            throw new SafetensorsException(name + ": truncated: the header says " + hl + " bytes of JSON but only "
                    + (bytes.length - 8) + " follow");
        }
        JsonObject header = parseHeader(bytes, (int) hl, name);
        long dataStart = 8 + hl, dataLen = bytes.length - dataStart;
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                meta = metadata(e.getValue(), name);
            } else {
                entries.add(entry(e.getKey(), e.getValue(), name));
            }
        }
        checkLayout(entries, dataLen, name);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            if (!en.dtype.equals("F32")) {
                throw new SafetensorsException(name + ": tensor \"" + en.name + "\": dtype " + en.dtype
                        + " is a safetensors dtype tdi does not read (accepted: F32)");
            }
            float[] d = new float[(int) ((en.end - en.begin) / 4)];
            ByteBuffer.wrap(bytes, (int) (dataStart + en.begin), (int) (en.end - en.begin))
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(d);
            tensors.put(en.name, new Tensor(en.shape, d));
        }
        return new Content(tensors, meta);
    }

    /**
     * Checks that every value of every tensor is finite; a model's weights must be (a NaN or infinity would only
     * show up later as NaN outputs or a divergence far from its cause).
     *
     * @throws SafetensorsException naming the file, the first tensor with a non-finite value, its index and how
     *                              many such values the tensor holds
     */
    public static void requireFinite(Map<String, Tensor> tensors, String name) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            float[] d = e.getValue().data();
            int first = -1, count = 0;
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite(d[i])) {
                    count++;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            if (count > 0) {
                throw new SafetensorsException(name + ": tensor \"" + e.getKey() + "\": value [" + first + "] is "
                        + d[first] + " (" + count + " of " + d.length + " values are not finite; accepted: finite"
                        + " numbers)");
            }
        }
    }

    /** The bytes per element of every safetensors dtype (the format's list; tdi reads F32 only). */
    static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(Map.entry("BOOL", 1), Map.entry("U8", 1),
            Map.entry("I8", 1), Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E8M0", 1),
            Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4), Map.entry("F64", 8),
            Map.entry("I64", 8), Map.entry("U64", 8));
    private static final String METADATA = "__metadata__";
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

    private record Entry(String name, String dtype, int[] shape, long begin, long end) {
    }

    private static JsonObject parseHeader(byte[] bytes, int hl, String name) {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 8, hl)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(name + ": bad header: the " + hl + "-byte header is not UTF-8 text"
                    + " (not a safetensors file?)");
        }
        JsonElement root;
        try {
            root = StrictJson.parse(json);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(name + ": bad header: not a JSON object (" + e.getMessage() + ")");
        }
        if (!root.isJsonObject()) {
            throw new SafetensorsException(name + ": bad header: the header is " + StrictJson.describe(root)
                    + ", accepted: a JSON object of tensor entries");
        }
        return root.getAsJsonObject();
    }

    private static Map<String, String> metadata(JsonElement v, String name) {
        if (!v.isJsonObject()) {
            throw new SafetensorsException(name + ": bad header: __metadata__ is " + StrictJson.describe(v)
                    + ", accepted: an object mapping strings to strings");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            if (!(m.getValue().isJsonPrimitive() && m.getValue().getAsJsonPrimitive().isString())) {
                throw new SafetensorsException(name + ": bad header: __metadata__ \"" + StrictJson.abbreviate(m.getKey())
                        + "\" is " + StrictJson.describe(m.getValue()) + ", accepted: a string");
            }
            meta.put(m.getKey(), m.getValue().getAsString());
        }
        return meta;
    }

    private static Entry entry(String tn, JsonElement v, String name) {
        String where = name + ": tensor \"" + StrictJson.abbreviate(tn) + "\": ";
        if (!v.isJsonObject()) {
            throw new SafetensorsException(where + "bad header entry " + StrictJson.describe(v)
                    + " (accepted: an object with dtype, shape, data_offsets)");
        }
        JsonObject o = v.getAsJsonObject();
        for (String k : o.keySet()) {
            if (!ENTRY_KEYS.contains(k)) {
                throw new SafetensorsException(where + "bad header entry: unknown key \"" + StrictJson.abbreviate(k)
                        + "\" (accepted: dtype, shape, data_offsets)");
            }
        }
        for (String k : List.of("dtype", "shape", "data_offsets")) {
            if (!o.has(k)) {
                throw new SafetensorsException(where + "bad header entry (needs dtype, shape, data_offsets):"
                        + " missing " + k);
            }
        }
        JsonElement dt = o.get("dtype");
        if (!(dt.isJsonPrimitive() && dt.getAsJsonPrimitive().isString())) {
            throw new SafetensorsException(where + "dtype is " + StrictJson.describe(dt) + ", accepted: a string");
        }
        String dtype = dt.getAsString();
        Integer size = DTYPE_BYTES.get(dtype);
        if (size == null) {
            throw new SafetensorsException(where + "unknown dtype \"" + StrictJson.abbreviate(dtype)
                    + "\" (safetensors dtypes: " + new TreeSet<>(DTYPE_BYTES.keySet()) + "; tdi reads F32)");
        }
        long[] sh = integers(o.get("shape"), -1, where + "shape");
        int[] shape = new int[sh.length];
        long numel = 1;
        for (int i = 0; i < sh.length; i++) {
            if (sh[i] > Integer.MAX_VALUE) {
                throw new SafetensorsException(where + "shape " + o.get("shape") + ": dimension " + sh[i]
                        + " is too large (accepted: 0.." + Integer.MAX_VALUE + ")");
            }
            shape[i] = (int) sh[i];
            numel = numel == 0 || sh[i] == 0 ? 0 : multiplyOrMax(numel, sh[i]);
        }
        long need = multiplyOrMax(numel, size);
        if (need > Integer.MAX_VALUE - 8L || (dtype.equals("F32") && numel > Integer.MAX_VALUE - 8L)) {
            throw new SafetensorsException(where + "shape " + Arrays.toString(shape) + " holds " + numel
                    + " elements, more than one Java array can (at most " + (Integer.MAX_VALUE - 8L) / size + ")");
        }
        long[] off = integers(o.get("data_offsets"), 2, where + "data_offsets");
        if (off[1] < off[0] || off[1] - off[0] != need) {
            throw new SafetensorsException(where + "data_offsets [" + off[0] + ", " + off[1] + "] do not match shape "
                    + Arrays.toString(shape) + " of " + dtype + " (accepted: end - begin = " + need + " bytes)");
        }
        return new Entry(tn, dtype, shape, off[0], off[1]);
    }

    /** A JSON array of non-negative plain integers (count entries, or any number when count < 0). */
    private static long[] integers(JsonElement v, int count, String what) {
        String accepted = count < 0 ? "an array of non-negative integers"
                : "an array of " + count + " non-negative integers";
        if (!v.isJsonArray() || (count >= 0 && v.getAsJsonArray().size() != count)) {
            throw new SafetensorsException(what + " is " + StrictJson.abbreviate(v.toString()) + ", accepted: "
                    + accepted);
        }
        long[] out = new long[v.getAsJsonArray().size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = v.getAsJsonArray().get(i);
            if (!StrictJson.isPlainInteger(x)) {
                throw new SafetensorsException(what + "[" + i + "] is " + StrictJson.describe(x) + ", accepted: "
                        + accepted);
            }
            BigDecimal b = (BigDecimal) x.getAsJsonPrimitive().getAsNumber();
            if (b.signum() < 0 || b.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw new SafetensorsException(what + "[" + i + "] is " + b + ", accepted: 0.." + Long.MAX_VALUE);
            }
            out[i] = b.longValueExact();
        }
        return out;
    }

    /** Contiguity: ordered by begin, the entries tile [0, dataLen) exactly. */
    private static void checkLayout(List<Entry> entries, long dataLen, String name) {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        String prev = null;
        for (Entry e : byOffset) {
            String where = name + ": tensor \"" + StrictJson.abbreviate(e.name) + "\": ";
            if (e.begin > at) {
                throw new SafetensorsException(where + "data_offsets [" + e.begin + ", " + e.end + "] leave a gap of "
                        + (e.begin - at) + " bytes after " + (prev == null ? "the header" : "tensor \"" + prev + "\"")
                        + " (accepted: tensors back to back from byte 0)");
            }
            if (e.begin < at) {
                throw new SafetensorsException(where + "data_offsets [" + e.begin + ", " + e.end + "] overlap tensor \""
                        + prev + "\", which ends at " + at + " (accepted: tensors back to back, no overlap)");
            }
            if (e.end > dataLen) {
                throw new SafetensorsException(where + "truncated: data ends at byte " + e.end + " of the data section"
                        + " but the file holds only " + dataLen + " bytes of data");
            }
            if (e.end > e.begin) {
                prev = StrictJson.abbreviate(e.name);
            }
            at = Math.max(at, e.end);
        }
        if (at != dataLen) {
            throw new SafetensorsException(name + ": " + (dataLen - at) + " trailing bytes after the last tensor (the"
                    + " tensors cover " + at + " of " + dataLen + " data bytes; accepted: exactly the data)");
        }
    }

    private static long multiplyOrMax(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
