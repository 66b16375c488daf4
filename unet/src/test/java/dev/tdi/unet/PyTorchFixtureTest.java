package dev.tdi.unet;

import dev.tdi.unet.io.Safetensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java forward pass against PyTorch, tap by tap. The fixtures (config, random weights, inputs and PyTorch's
 * taps) were written by {@code tools/unet_reference.py fixtures} with python3-torch; see docs/unet.md.
 */
class PyTorchFixtureTest {
    static byte[] resource(String path) throws IOException {
        try (InputStream in = PyTorchFixtureTest.class.getResourceAsStream("/dev/tdi/unet/fixtures/" + path)) {
            assertNotNull(in, "fixture " + path);
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"even", "odd", "fourier"})
    void everyTapMatchesPyTorch(String fixture) throws IOException {
        UNetConfig cfg = UNetConfig.fromJson(new String(resource(fixture + "/config.json"), StandardCharsets.UTF_8));
        UNet net = UNet.fromTensors(cfg, Safetensors.read(resource(fixture + "/model.safetensors"), "model").tensors());
        Map<String, Tensor> in = Safetensors.read(resource(fixture + "/input.safetensors"), "input").tensors();
        Map<String, Tensor> expected = Safetensors.read(resource(fixture + "/expected.safetensors"), "expected")
                .tensors();
        float[] tt = in.get("t").data();
        double[] t = new double[tt.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = tt[i];
        }
        UNet.Forward f = net.forward(in.get("x").data(), t);
        List<String> javaTaps = new ArrayList<>();
        f.taps().keySet().forEach(k -> javaTaps.add("tap." + k));
        assertEquals(List.copyOf(expected.keySet()), javaTaps, "the same taps in the same order");
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            String name = e.getKey().substring(4);
            float[] ref = e.getValue().data();
            float[] got = f.tap(name);
            int[] s = net.shape(name);
            assertArrayEquals(new int[]{t.length, s[0], s[1], s[2]}, e.getValue().shape(), name + " shape");
            assertEquals(ref.length, got.length, name + " size");
            double num = 0, den = 0, maxErr = 0, maxRef = 0;
            for (int i = 0; i < ref.length; i++) {
                double d = (double) got[i] - ref[i];
                num += d * d;
                den += (double) ref[i] * ref[i];
                maxErr = Math.max(maxErr, Math.abs(d));
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
            }
            double rel = Math.sqrt(num / den);
            assertTrue(den > 0, name + " is all zeros: the fixture would not test anything");
            assertTrue(rel <= 1e-5, fixture + " tap " + name + ": relative L2 error " + rel + " > 1e-5");
            assertTrue(maxErr <= 1e-5 * maxRef, fixture + " tap " + name + ": max error " + maxErr
                    + " > 1e-5 x max |ref| " + maxRef);
        }
    }
}
