package dev.tdi.bench;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes NumPy .npy files (format 1.0, little-endian float32 or int32, C order), the peers' input format. */
public final class Npy {
    private Npy() {
    }

    public static void write(Path file, float[] data, int... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        write(file, "<f4", b.array(), data.length, shape);
    }

    public static void write(Path file, int[] data, int... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        write(file, "<i4", b.array(), data.length, shape);
    }

    private static void write(Path file, String descr, byte[] bytes, long count, int... shape) throws IOException {
        long n = Arrays.stream(shape).asLongStream().reduce(1, (a, c) -> a * c);
        if (n != count) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + count);
        }
        String dims = Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        if (shape.length == 1) {
            dims += ",";
        }
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
             DataOutputStream out = new DataOutputStream(os)) {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            byte[] h = header.getBytes(StandardCharsets.US_ASCII);
            out.write(h.length & 0xff);
            out.write(h.length >>> 8);
            out.write(h);
            out.write(bytes);
        }
    }
}
