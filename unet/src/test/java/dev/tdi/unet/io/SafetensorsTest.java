package dev.tdi.unet.io;

import dev.tdi.unet.Tensor;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    private static final UNetConfig CFG = new UNetConfig(8, 1, new int[]{2, 3}, 1, 3, "relu", 4, 5,
            "concat-conv", "conv-transpose", 10, "linear", 1e-4, 0.02);

    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static String fails(byte[] bytes) {
        return assertThrows(SafetensorsException.class, () -> Safetensors.read(bytes, "w.safetensors")).getMessage();
    }

    @Test
    void roundTripKeepsOrderShapesDataAndMetadata() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("b", new Tensor(new int[]{2, 3}, new float[]{1, 2, 3, 4, 5, -6.5f}));
        t.put("a", new Tensor(new int[]{1}, new float[]{Float.MIN_VALUE}));
        t.put("scalar", new Tensor(new int[]{}, new float[]{7}));
        Safetensors.Content c = Safetensors.read(Safetensors.toBytes(t, Map.of("k", "v")), "x");
        assertEquals(t, c.tensors());
        assertEquals(java.util.List.of("b", "a", "scalar"), java.util.List.copyOf(c.tensors().keySet()));
        assertEquals("v", c.metadata().get("k"));
    }

    @Test
    void readsTheHeaderLayoutOfTheSpec() {
        // 8-byte little-endian header size, JSON, data; one F32 tensor of value 1.5
        byte[] f = file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putFloat(f.length - 4, 1.5f);
        assertEquals(1.5f, Safetensors.read(f, "x").tensors().get("x").data()[0]);
    }

    @Test
    void truncatedFilesNameFileAndTensor() {
        Map<String, Tensor> t = Map.of("weight", new Tensor(new int[]{4}, new float[4]));
        byte[] ok = Safetensors.toBytes(t, null);
        String m = fails(Arrays.copyOf(ok, ok.length - 3));
        assertTrue(m.contains("w.safetensors") && m.contains("\"weight\"") && m.contains("truncated"), m);
        assertTrue(fails(new byte[5]).contains("truncated"));
        assertTrue(fails(Arrays.copyOf(ok, 20)).contains("truncated"));
    }

    @Test
    void badHeadersAreNamed() {
        byte[] junk = "this is not safetensors at all".getBytes(StandardCharsets.UTF_8);
        assertTrue(fails(junk).contains("bad header"), fails(junk));
        assertTrue(fails(file("{not json", 0)).contains("bad header"));
        String m = fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8));
        assertTrue(m.contains("\"w\"") && m.contains("bad header entry"), m);
    }

    @Test
    void wrongDtypeAndInconsistentOffsets() {
        String m = fails(file("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        assertTrue(m.contains("\"w\"") && m.contains("F16"), m);
        m = fails(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertTrue(m.contains("\"w\"") && m.contains("do not match shape"), m);
    }

    @Test
    void missingUnexpectedAndMisShapedTensorsAgainstTheConfig(@TempDir Path dir) throws Exception {
        UNet net = UNet.create(CFG, 1);
        UNetModel.save(net, dir, null);
        assertArrayEquals(net.parameters(), UNetModel.load(dir).parameters());

        Map<String, Tensor> t = new LinkedHashMap<>(net.tensors());
        t.remove("dec0_0.w1");
        Safetensors.write(dir.resolve(UNetModel.WEIGHTS), t, null);
        String m = assertThrows(SafetensorsException.class, () -> UNetModel.load(dir)).getMessage();
        assertTrue(m.contains("model.safetensors") && m.contains("missing tensor \"dec0_0.w1\""), m);

        t = new LinkedHashMap<>(net.tensors());
        t.put("enc0_0.w0", new Tensor(new int[]{2, 1, 1, 9}, new float[18]));
        Safetensors.write(dir.resolve(UNetModel.WEIGHTS), t, null);
        m = assertThrows(SafetensorsException.class, () -> UNetModel.load(dir)).getMessage();
        assertTrue(m.contains("\"enc0_0.w0\"") && m.contains("[2, 1, 1, 9]") && m.contains("[2, 1, 3, 3]"), m);

        // weights of another architecture: the config does not match
        Safetensors.write(dir.resolve(UNetModel.WEIGHTS),
                UNet.create(CFG.withChannels(new int[]{2, 3}, 2), 1).tensors(), null);
        m = assertThrows(SafetensorsException.class, () -> UNetModel.load(dir)).getMessage();
        assertTrue(m.contains("does not match config") && m.contains("unexpected tensor"), m);
    }

    @Test
    void missingFile(@TempDir Path dir) {
        String m = assertThrows(SafetensorsException.class, () -> Safetensors.read(dir.resolve("nope.safetensors")))
                .getMessage();
        assertTrue(m.contains("nope.safetensors"), m);
        assertTrue(Files.notExists(dir.resolve("nope.safetensors")));
    }
}
