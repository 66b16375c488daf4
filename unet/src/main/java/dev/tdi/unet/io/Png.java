package dev.tdi.unet.io;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** A minimal PNG writer (8-bit greyscale) and an image-grid helper; no java.desktop needed. */
public final class Png {
    private Png() {
    }

    /**
     * Writes images in [-1, 1] ({@code [n][1][h][w]}) as a grid of {@code cols} columns with a 2-pixel border.
     *
     * @return the grid's width and height
     */
    public static int[] writeGrid(Path file, float[] images, int n, int h, int w, int cols) throws IOException {
        int rows = (n + cols - 1) / cols, pad = 2;
        int gw = cols * (w + pad) + pad, gh = rows * (h + pad) + pad;
        byte[] g = new byte[gw * gh];
        for (int i = 0; i < n; i++) {
            int ox = pad + (i % cols) * (w + pad), oy = pad + (i / cols) * (h + pad);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = images[i * h * w + y * w + x];
                    int p = Math.round((Math.max(-1f, Math.min(1f, v)) + 1f) * 127.5f);
                    g[(oy + y) * gw + ox + x] = (byte) p;
                }
            }
        }
        writeGray(file, g, gw, gh);
        return new int[]{gw, gh};
    }

    /** Writes an 8-bit greyscale PNG. */
    public static void writeGray(Path file, byte[] pixels, int w, int h) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < h; y++) {
            raw.write(0);
            raw.write(pixels, y * w, w);
        }
        Deflater d = new Deflater(9);
        d.setInput(raw.toByteArray());
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!d.finished()) {
            z.write(buf, 0, d.deflate(buf));
        }
        d.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(out);
        o.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream ih = new DataOutputStream(ihdr);
        ih.writeInt(w);
        ih.writeInt(h);
        ih.write(new byte[]{8, 0, 0, 0, 0});
        chunk(o, "IHDR", ihdr.toByteArray());
        chunk(o, "IDAT", z.toByteArray());
        chunk(o, "IEND", new byte[0]);
        Files.write(file, out.toByteArray());
    }

    private static void chunk(DataOutputStream o, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        o.writeInt(data.length);
        o.write(t);
        o.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        o.writeInt((int) crc.getValue());
    }
}
