package dev.tdi.cli.unet;

import dev.tdi.unet.Tensor;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetModel;
import dev.tdi.unet.io.Safetensors;
import dev.tdi.cli.validation.Input;
import dev.tdi.cli.validation.Output;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tdi unet-forward}: runs the Java forward pass on any config and weights and writes the output and every
 * tap, so the comparison with tools/unet_reference.py can be repeated on any model.
 */
@Command(name = "unet-forward", mixinStandardHelpOptions = true,
        description = {"Runs the Java U-Net forward pass and writes every tap.",
                "INPUT is safetensors with \"x\" [B][C][H][W] (float32) and \"t\" [B] (float32 time steps);",
                "OUT is safetensors with \"tap.<name>\" for the input and every layer (\"tap.out\" is the output)."})
public final class UNetForwardCommand implements Callable<Integer> {
    @Input(Input.Kind.FILE)
    @Option(names = "--config", required = true, description = "Config JSON.")
    Path config;
    @Input(Input.Kind.FILE)
    @Option(names = "--weights", required = true, description = "Weights (safetensors).")
    Path weights;
    @Input(Input.Kind.FILE)
    @Option(names = "--input", required = true, description = "Input safetensors (x, t): x finite, t in"
            + " 0..T-1 (T the config's diffusionSteps).")
    Path input;
    @Output(file = true)
    @Option(names = "--out", required = true, description = "Output safetensors file (replaced if it exists).")
    Path out;
    @Option(names = "--allow-non-finite", description = "Load weights and inputs holding NaN or infinity instead of"
            + " refusing them (to inspect a broken model).")
    boolean allowNonFinite;

    @Override
    public Integer call() throws Exception {
        UNet net = UNetModel.load(config, weights, allowNonFinite);
        Map<String, Tensor> in = Safetensors.read(input).tensors();
        if (!allowNonFinite) {
            Safetensors.requireFinite(in, input.toString());
        }
        Tensor x = in.get("x"), t = in.get("t");
        if (x == null || t == null) {
            throw new IllegalArgumentException(input + ": needs tensors \"x\" and \"t\", has " + in.keySet());
        }
        int[] s = net.shape(UNet.INPUT);
        int b = t.shape().length == 1 ? t.shape()[0] : -1;
        if (b < 1 || !Arrays.equals(x.shape(), new int[]{b, s[0], s[1], s[2]})) {
            throw new IllegalArgumentException(input + ": tensor \"x\" has shape " + Arrays.toString(x.shape())
                    + ", expected [B, " + s[0] + ", " + s[1] + ", " + s[2] + "] with B = length of \"t\" "
                    + Arrays.toString(t.shape()));
        }
        double[] ts = new double[b];
        int steps = net.config().diffusionSteps();
        for (int i = 0; i < b; i++) {
            ts[i] = t.data()[i];
            if (!allowNonFinite && !(ts[i] >= 0 && ts[i] <= steps - 1)) {
                throw new IllegalArgumentException(input + ": tensor \"t\"[" + i + "] is " + t.data()[i]
                        + ", accepted: a time step in 0.." + (steps - 1) + " (the config's diffusionSteps - 1)");
            }
        }
        UNet.Forward f = net.forward(x.data(), ts);
        Map<String, Tensor> res = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : f.taps().entrySet()) {
            int[] sh = net.shape(e.getKey());
            res.put("tap." + e.getKey(), new Tensor(new int[]{b, sh[0], sh[1], sh[2]}, e.getValue()));
        }
        Safetensors.write(out, res, Map.of("producer", "tdi unet-forward"));
        System.out.println("wrote " + out + " (" + res.size() + " taps, batch " + b + ")");
        return 0;
    }
}
