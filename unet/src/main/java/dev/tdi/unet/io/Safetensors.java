package dev.tdi.unet.io;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tdi.unet.Tensor;

import java.io.IOException;
import java.io.OutputStream;
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

    /** Reads a whole file. */
    public static Content read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new SafetensorsException(file + ": no such file");
        }
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Writes to a stream. */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        out.write(toBytes(tensors, metadata));
    }

    /**
     * Parses safetensors bytes; {@code name} is the file name used in error messages.
     *
     * @throws SafetensorsException on a truncated file, a bad header, an unsupported dtype, inconsistent shapes or
     *                              offsets
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
                    + " is implausible (not a safetensors file?)");
        }
        if (8 + hl > bytes.length) {
            throw new SafetensorsException(name + ": truncated: the header says " + hl + " bytes of JSON but only "
                    + (bytes.length - 8) + " follow");
        }
        String json = new String(bytes, 8, (int) hl, StandardCharsets.UTF_8);
        JsonObject header;
        try {
            header = JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new SafetensorsException(name + ": bad header: not a JSON object (" + e.getMessage() + ")", e);
        }
        long dataStart = 8 + hl, dataLen = bytes.length - dataStart;
        Map<String, String> meta = new LinkedHashMap<>();
        record Entry(String name, int[] shape, long begin, long end) {
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            String tn = e.getKey();
            if (tn.equals("__metadata__")) {
                try {
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        meta.put(m.getKey(), m.getValue().getAsString());
                    }
                } catch (RuntimeException ex) {
                    throw new SafetensorsException(name + ": bad header: __metadata__ must map strings to strings", ex);
                }
                continue;
            }
            String where = name + ": tensor \"" + tn + "\": ";
            JsonObject o;
            String dtype;
            int[] shape;
            long b, en;
            try {
                o = e.getValue().getAsJsonObject();
                dtype = o.get("dtype").getAsString();
                var sa = o.get("shape").getAsJsonArray();
                shape = new int[sa.size()];
                for (int i = 0; i < shape.length; i++) {
                    long d = sa.get(i).getAsLong();
                    if (d < 0 || d > Integer.MAX_VALUE) {
                        throw new SafetensorsException(where + "bad shape " + sa);
                    }
                    shape[i] = (int) d;
                }
                var oa = o.get("data_offsets").getAsJsonArray();
                if (oa.size() != 2) {
                    throw new SafetensorsException(where + "data_offsets must have two entries, got " + oa);
                }
                b = oa.get(0).getAsLong();
                en = oa.get(1).getAsLong();
            } catch (SafetensorsException ex) {
                throw ex;
            } catch (RuntimeException ex) {
                throw new SafetensorsException(where + "bad header entry (needs dtype, shape, data_offsets): "
                        + e.getValue(), ex);
            }
            if (!dtype.equals("F32")) {
                throw new SafetensorsException(where + "dtype " + dtype + " is not supported (tdi reads F32 only)");
            }
            long need = 4 * Tensor.numel(shape);
            if (b < 0 || en < b || en - b != need) {
                throw new SafetensorsException(where + "data_offsets [" + b + ", " + en + "] do not match shape "
                        + Arrays.toString(shape) + " of F32 (" + need + " bytes)");
            }
            if (en > dataLen) {
                throw new SafetensorsException(where + "truncated: data ends at byte " + en + " of the data section but"
                        + " the file holds only " + dataLen + " bytes of data");
            }
            entries.add(new Entry(tn, shape, b, en));
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            float[] d = new float[(int) ((en.end - en.begin) / 4)];
            ByteBuffer.wrap(bytes, (int) (dataStart + en.begin), (int) (en.end - en.begin))
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(d);
            tensors.put(en.name, new Tensor(en.shape, d));
        }
        return new Content(tensors, meta);
    }
}
