package dev.tdi.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors the end-to-end peer reads: header length, JSON header with shapes and offsets, raw data. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void writesHeaderAndDataAsTheFormatSays() throws Exception {
        Path f = dir.resolve("t.safetensors");
        new SafeTensors().put("a", new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
                .putRows("b", new float[][] {{-1f}, {0.5f}}).write(f);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, n % 8, "the header is padded to 8 bytes");
        byte[] h = new byte[(int) n];
        b.get(h);
        JsonObject header = JsonParser.parseString(new String(h, StandardCharsets.UTF_8).trim()).getAsJsonObject();
        assertEquals("[2,3]", header.getAsJsonObject("a").get("shape").toString());
        assertEquals("[0,24]", header.getAsJsonObject("a").get("data_offsets").toString());
        assertEquals("[2,1]", header.getAsJsonObject("b").get("shape").toString());
        assertEquals("[24,32]", header.getAsJsonObject("b").get("data_offsets").toString());
        float[] all = new float[8];
        b.asFloatBuffer().get(all);
        assertEquals(6f, all[5]);
        assertEquals(0.5f, all[7]);
        assertThrows(IllegalArgumentException.class, () -> new SafeTensors().put("c", new float[5], 2, 3));
    }
}
