package dev.tdi.unet.io;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reader and writer for IDX files (the MNIST / Fashion-MNIST format): a 4-byte magic {@code 0x00 0x00 type dims},
 * big-endian 32-bit dimensions, then the data. Unsigned bytes only (type 0x08). Files may be gzip-compressed
 * (detected from the content, not the name).
 */
public final class Idx {
    private Idx() {
    }

    /** An unsigned-byte IDX array: its dimensions and data. */
    public record Array(int[] dims, byte[] data) {
        /** Number of items (the first dimension). */
        public int count() {
            return dims[0];
        }
    }

    /** The most data bytes read from one file, compressed or not (Fashion-MNIST's largest is 47 MB). */
    public static final int MAX_BYTES = 1 << 30;

    /** Reads an IDX file (gzip or not); errors name the file. */
    public static Array read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException(file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file (accepted: an IDX file, gzip or not)");
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new IOException(file + ": " + Files.size(file) + " bytes, more than tdi reads (at most " + MAX_BYTES
                    + ")");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads IDX from a stream (gzip or not); {@code name} is used in error messages. */
    public static Array read(InputStream raw, String name) throws IOException {
        byte[] bytes = raw.readAllBytes();
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                bytes = gz.readNBytes(MAX_BYTES + 1);
            } catch (IOException e) {
                throw new IOException(name + ": corrupt gzip data: " + e.getMessage(), e);
            }
        }
        if (bytes.length > MAX_BYTES) {
            throw new IOException(name + ": gzip data decompress to more than " + MAX_BYTES + " bytes (at most "
                    + MAX_BYTES + ")");
        }
        if (bytes.length < 4) {
            throw new IOException(name + ": short read: " + bytes.length + " bytes, too short for the IDX magic");
        }
        if (bytes[0] != 0 || bytes[1] != 0) {
            throw new IOException(name + String.format(": bad magic %02x %02x %02x %02x (an IDX file starts 00 00)",
                    bytes[0], bytes[1], bytes[2], bytes[3]));
        }
        if (bytes[2] != 0x08) {
            throw new IOException(name + String.format(": bad magic: data type 0x%02x is not unsigned byte (0x08)",
                    bytes[2]));
        }
        int nd = bytes[3] & 0xff;
        if (nd < 1 || nd > 4) {
            throw new IOException(name + ": bad magic: " + nd + " dimensions");
        }
        if (bytes.length < 4 + 4 * nd) {
            throw new IOException(name + ": short read: the header needs " + (4 + 4 * nd) + " bytes, the file has "
                    + bytes.length);
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        bb.position(4);
        int[] dims = new int[nd];
        long n = 1;
        for (int i = 0; i < nd; i++) {
            dims[i] = bb.getInt();
            if (dims[i] < 0) {
                throw new IOException(name + ": bad dimension " + dims[i] + " (dimension " + i + "; accepted: 0.."
                        + Integer.MAX_VALUE + ")");
            }
            n = n > MAX_BYTES ? n : n * dims[i]; // saturates: more than MAX_BYTES never matches a file we read
        }
        long have = bytes.length - 4L - 4L * nd;
        if (have < n) {
            java.math.BigInteger declared = java.math.BigInteger.ONE;
            for (int d : dims) {
                declared = declared.multiply(java.math.BigInteger.valueOf(d));
            }
            throw new IOException(name + ": short read: the header declares " + declared + " bytes of data ("
                    + java.util.Arrays.toString(dims) + "), the file holds " + have);
        }
        if (have > n) {
            throw new IOException(name + ": " + (have - n) + " unexpected bytes after the declared data");
        }
        byte[] data = new byte[(int) n];
        bb.get(data);
        return new Array(dims, data);
    }

    /** Writes an unsigned-byte IDX file, gzip-compressed when the name ends in {@code .gz}. */
    public static void write(Path file, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) {
            d.writeInt(x);
        }
        d.write(data);
        d.flush();
        byte[] bytes = bo.toByteArray();
        try (OutputStream out = Files.newOutputStream(file)) {
            if (file.getFileName().toString().endsWith(".gz")) {
                try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                    gz.write(bytes);
                }
            } else {
                out.write(bytes);
            }
        }
    }
}
