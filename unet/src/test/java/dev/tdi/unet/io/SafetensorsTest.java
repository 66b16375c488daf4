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

    private static String entry(String name, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void theFormatsLayoutRulesAreEnforcedNamingTensorAndRule() {
        // two 2-float tensors a [0,8) and b [8,16) are fine; each variant breaks one rule
        assertEquals(2, Safetensors.read(file("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 8, 16) + "}", 16),
                "ok").tensors().size());
        String m = fails(file("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 0, 8) + "}", 16));
        assertTrue(m.contains("\"b\"") && m.contains("overlap tensor \"a\""), m);
        m = fails(file("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 4, 12) + "}", 16));
        assertTrue(m.contains("\"b\"") && m.contains("overlap"), m);
        m = fails(file("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 12, 20) + "}", 20));
        assertTrue(m.contains("\"b\"") && m.contains("gap of 4 bytes after tensor \"a\""), m);
        m = fails(file("{" + entry("a", "[2]", 4, 12) + "}", 12));
        assertTrue(m.contains("\"a\"") && m.contains("gap of 4 bytes after the header"), m);
        m = fails(file("{" + entry("a", "[2]", 0, 8) + "}", 12));
        assertTrue(m.contains("4 trailing bytes"), m);
        m = fails(file("{" + entry("a", "[2]", 0, 8) + "," + entry("a", "[2]", 8, 16) + "}", 16));
        assertTrue(m.contains("duplicate key \"a\""), m);
        m = fails(file("{" + entry("a", "\"[2]\"", 0, 8) + "}", 8));
        assertTrue(m.contains("\"a\"") && m.contains("shape is \"[2]\"") && m.contains("non-negative integers"), m);
        m = fails(file("{" + entry("a", "[2.0]", 0, 8) + "}", 8));
        assertTrue(m.contains("shape[0] is the number 2.0"), m);
        m = fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", 8));
        assertTrue(m.contains("data_offsets[1] is the number 8.5"), m);
        m = fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8));
        assertTrue(m.contains("data_offsets") && m.contains("2 non-negative integers"), m);
        m = fails(file("{" + entry("a", "[-2]", 0, 8) + "}", 8));
        assertTrue(m.contains("shape[0] is -2"), m);
        m = fails(file("{" + entry("a", "[65536,65536,65536]", 0, 8) + "}", 8));
        assertTrue(m.contains("\"a\"") && m.contains("more than one Java array"), m);
        m = fails(file("{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        assertTrue(m.contains("unknown dtype \"Q7\"") && m.contains("F32"), m);
        m = fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", 8));
        assertTrue(m.contains("unknown key \"extra\""), m);
        m = fails(file("{\"__metadata__\":{\"k\":1}}", 0));
        assertTrue(m.contains("__metadata__ \"k\" is the number 1") && m.contains("a string"), m);
        m = fails(file("{\"__metadata__\":[\"k\"]}", 0));
        assertTrue(m.contains("__metadata__ is an array"), m);
        m = fails(file("[1,2]", 0));
        assertTrue(m.contains("bad header") && m.contains("an array"), m);
        m = fails(file("{\"a\":1}", 0));
        assertTrue(m.contains("\"a\"") && m.contains("bad header entry"), m);
        byte[] latin = file("{\"\u00e9\":1}", 0);
        latin[10] = (byte) 0xff;
        assertTrue(fails(latin).contains("not UTF-8"));
        // the spec allows the header to be padded with spaces, and an empty file of tensors
        assertEquals(1, Safetensors.read(file("{" + entry("a", "[2]", 0, 8) + "}    ", 8), "ok").tensors().size());
        assertEquals(0, Safetensors.read(file("{}", 0), "ok").tensors().size());
    }

    @Test
    void nonFiniteWeightsAreRefusedWhereAModelIsLoadedNamingFileAndTensor(@TempDir Path dir) throws Exception {
        UNet net = UNet.create(CFG, 1);
        UNetModel.save(net, dir, null);
        Map<String, Tensor> t = new LinkedHashMap<>(net.tensors());
        float[] w = t.get("enc1_0.w0").data();
        w[5] = Float.NaN;
        w[7] = Float.POSITIVE_INFINITY;
        t.put("enc1_0.w0", new Tensor(t.get("enc1_0.w0").shape(), w));
        Safetensors.write(dir.resolve(UNetModel.WEIGHTS), t, null);
        String m = assertThrows(SafetensorsException.class, () -> UNetModel.load(dir)).getMessage();
        assertTrue(m.contains("model.safetensors") && m.contains("\"enc1_0.w0\"") && m.contains("[5] is NaN")
                && m.contains("2 of"), m);
        UNet kept = UNetModel.load(dir.resolve(UNetModel.CONFIG), dir.resolve(UNetModel.WEIGHTS), true);
        assertTrue(Float.isNaN(kept.tensors().get("enc1_0.w0").data()[5]));
    }

    @Test
    void missingFile(@TempDir Path dir) {
        String m = assertThrows(SafetensorsException.class, () -> Safetensors.read(dir.resolve("nope.safetensors")))
                .getMessage();
        assertTrue(m.contains("nope.safetensors"), m);
        assertTrue(Files.notExists(dir.resolve("nope.safetensors")));
    }
}
