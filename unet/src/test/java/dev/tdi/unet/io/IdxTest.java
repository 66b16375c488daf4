package dev.tdi.unet.io;

import dev.tdi.unet.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {
    private static final byte[] PIX = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255};

    @Test
    void roundTripGzipAndPlain(@TempDir Path d) throws IOException {
        for (String n : new String[]{"a-images-idx3-ubyte", "a-images-idx3-ubyte.gz"}) {
            Idx.write(d.resolve(n), new int[]{3, 2, 2}, PIX);
            Idx.Array a = Idx.read(d.resolve(n));
            assertArrayEquals(new int[]{3, 2, 2}, a.dims());
            assertArrayEquals(PIX, a.data());
        }
        // gzip is detected from the content, not the name
        Files.move(d.resolve("a-images-idx3-ubyte.gz"), d.resolve("renamed"));
        assertArrayEquals(PIX, Idx.read(d.resolve("renamed")).data());
    }

    @Test
    void emptySetsAndOverflowingDimensionsNameTheFileAndSizes(@TempDir Path d) throws IOException {
        Idx.write(d.resolve("train-images-idx3-ubyte"), new int[]{4, 0, 28}, new byte[0]);
        Idx.write(d.resolve("train-labels-idx1-ubyte"), new int[]{4}, new byte[4]);
        String m = assertThrows(IOException.class, () -> Dataset.load(d, true)).getMessage();
        assertTrue(m.contains("train-images-idx3-ubyte: holds 4 images of 0x28 pixels") && m.contains("at least 1"), m);
        Path f = d.resolve("huge");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 12 + 16);
        b.put(new byte[]{0, 0, 8, 3}).putInt(65536).putInt(65536).putInt(65536);
        Files.write(f, b.array());
        m = msg(f);
        assertTrue(m.contains("huge") && m.contains("short read") && m.contains("[65536, 65536, 65536]")
                && m.contains("holds 16"), m);
    }

    @Test
    void badMagicShortReadsAndTrailingBytes(@TempDir Path d) throws IOException {
        Path f = d.resolve("x");
        Files.write(f, new byte[]{1, 2, 8, 3, 0, 0});
        assertTrue(msg(f).contains("bad magic"), msg(f));
        Files.write(f, new byte[]{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0});
        assertTrue(msg(f).contains("not unsigned byte"), msg(f));
        Idx.write(f, new int[]{3, 2, 2}, PIX);
        byte[] ok = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(ok, ok.length - 1));
        assertTrue(msg(f).contains("short read") && msg(f).contains(f.toString()), msg(f));
        Files.write(f, Arrays.copyOf(ok, 9));
        assertTrue(msg(f).contains("short read"), msg(f));
        Files.write(f, Arrays.copyOf(ok, ok.length + 2));
        assertTrue(msg(f).contains("unexpected bytes"), msg(f));
    }

    private static String msg(Path f) {
        return assertThrows(IOException.class, () -> Idx.read(f)).getMessage();
    }

    @Test
    void datasetChecksCountsAndNamesThePackage(@TempDir Path d) throws IOException {
        Idx.write(d.resolve("train-images-idx3-ubyte.gz"), new int[]{3, 2, 2}, PIX);
        Idx.write(d.resolve("train-labels-idx1-ubyte.gz"), new int[]{3}, new byte[]{1, 2, 3});
        Dataset ds = Dataset.load(d, true);
        assertEquals(3, ds.count());
        assertEquals(2, ds.label(1));
        float[] img = ds.images(2, 1);
        assertEquals(1f, img[3], 1e-6);
        assertEquals(-1f + 8 / 127.5f, img[0], 1e-6);

        Idx.write(d.resolve("train-labels-idx1-ubyte.gz"), new int[]{2}, new byte[]{1, 2});
        String m = assertThrows(IOException.class, () -> Dataset.load(d, true)).getMessage();
        assertTrue(m.contains("count mismatch") && m.contains("3 images") && m.contains("2 labels"), m);

        m = assertThrows(IOException.class, () -> Dataset.load(d, false)).getMessage();
        assertTrue(m.contains("t10k-images-idx3-ubyte") && m.contains("apt-get install dataset-fashion-mnist"), m);
        m = assertThrows(IOException.class, () -> Dataset.load(d.resolve("absent"), true)).getMessage();
        assertTrue(m.contains("apt-get install dataset-fashion-mnist"), m);
    }
}
