package dev.tdi.cli.unet;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import dev.tdi.unet.io.Png;
import dev.tdi.unet.sample.Sampler;
import dev.tdi.cli.validation.Input;
import dev.tdi.cli.validation.Output;
import dev.tdi.cli.validation.Range;
import dev.tdi.cli.validation.Validated;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tdi sample}: draws an image grid with DDIM or DDPM from the shipped model or a model directory. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Draws samples from the denoising U-Net and writes them as a PNG grid (OUT/samples-SAMPLER.png).")
public final class SampleCommand implements Callable<Integer>, Validated {
    @Input(Input.Kind.MODEL_DIRECTORY)
    @Option(names = "--model", description = "Model directory (config.json + model.safetensors); default: the shipped model.")
    Path model;
    @Output(writes = "samples-{sampler}.png")
    @Option(names = "--out", defaultValue = ".", description = "Output directory, created if absent; its"
            + " samples-SAMPLER.png is replaced (default ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--sampler", defaultValue = "ddim", description = "ddim or ddpm (default ${DEFAULT-VALUE}).")
    String sampler;
    @Range(min = 1, max = UNetConfig.MAX_DIFFUSION_STEPS)
    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps, 1..100000 and at most the model's"
            + " diffusion steps (default ${DEFAULT-VALUE}); DDPM uses all T.")
    int steps;
    @Range(min = 1, max = 1024)
    @Option(names = {"-n", "--count"}, defaultValue = "64", description = "Images, 1..1024 (default ${DEFAULT-VALUE}).")
    int n;
    @Range(min = 1, max = 1024)
    @Option(names = "--cols", defaultValue = "8", description = "Grid columns, 1..1024 (default ${DEFAULT-VALUE}).")
    int cols;
    @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
    @Option(names = "--seed", defaultValue = "1", description = "Seed, any integer (default ${DEFAULT-VALUE}).")
    long seed;

    /** The sampler must be known before any work. */
    @Override
    public void validate() {
        if (!sampler.equals("ddim") && !sampler.equals("ddpm")) {
            throw new IllegalArgumentException("--sampler is '" + sampler + "', accepted: ddim or ddpm");
        }
    }

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
