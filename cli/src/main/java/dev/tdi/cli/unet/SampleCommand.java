package dev.tdi.cli.unet;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetModel;
import dev.tdi.unet.io.Png;
import dev.tdi.unet.sample.Sampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tdi sample}: draws an image grid with DDIM or DDPM from the shipped model or a model directory. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Draws samples from the denoising U-Net and writes them as a PNG grid (OUT/samples-SAMPLER.png).")
public final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Model directory (config.json + model.safetensors); default: the shipped model.")
    Path model;
    @Option(names = "--out", defaultValue = ".", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--sampler", defaultValue = "ddim", description = "ddim or ddpm (default ${DEFAULT-VALUE}).")
    String sampler;
    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps (default ${DEFAULT-VALUE}); DDPM uses all T.")
    int steps;
    @Option(names = {"-n", "--count"}, defaultValue = "64", description = "Images (default ${DEFAULT-VALUE}).")
    int n;
    @Option(names = "--cols", defaultValue = "8", description = "Grid columns (default ${DEFAULT-VALUE}).")
    int cols;
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        UNet net = model == null ? UNetModel.loadDefault() : UNetModel.load(model);
        Sampler s = new Sampler(net);
        long t0 = System.nanoTime();
        float[] x = switch (sampler) {
            case "ddim" -> s.ddim(n, steps, seed);
            case "ddpm" -> s.ddpm(n, seed);
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--sampler must be ddim or ddpm, got " + sampler);
        };
        Files.createDirectories(out);
        Path f = out.resolve("samples-" + sampler + ".png");
        int size = net.config().imageSize();
        Png.writeGrid(f, x, n, size, size, cols);
        System.out.printf(Locale.ROOT, "wrote %s (%d images, %s, %.1f s)%n", f, n, sampler,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
