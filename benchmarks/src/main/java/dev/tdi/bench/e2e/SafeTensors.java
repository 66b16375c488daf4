package dev.tdi.bench.e2e;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes float32 tensors in the safetensors format (an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data), which Python reads without a framework.
 */
public final class SafeTensors {
    private record Tensor(String name, float[] data, long[] shape) {
    }

    private final List<Tensor> tensors = new ArrayList<>();

    /** Adds a tensor (not copied: do not modify it before {@link #write}). */
    public SafeTensors put(String name, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + data.length + " values but shape "
                    + java.util.Arrays.toString(shape) + " holds " + n);
        }
        tensors.add(new Tensor(name, data, shape));
        return this;
    }

    /** Adds rows of equal length as a (rows, length) tensor. */
    public SafeTensors putRows(String name, float[][] rows) {
        int n = rows[0].length;
        float[] flat = new float[rows.length * n];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * n, n);
        }
        return put(name, flat, rows.length, n);
    }

    public void write(Path file) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Tensor t : tensors) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", t.shape());
            entry.put("data_offsets", new long[] {offset, offset + 4L * t.data().length});
            header.put(t.name(), entry);
            offset += 4L * t.data().length;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (Tensor t : tensors) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.data());
                out.write(b.array());
            }
        }
    }
}
