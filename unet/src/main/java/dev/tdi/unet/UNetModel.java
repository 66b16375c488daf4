package dev.tdi.unet;

import dev.tdi.unet.io.Safetensors;
import dev.tdi.unet.io.SafetensorsException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loading and saving a {@link UNet} as a model directory: {@code config.json} (a {@link UNetConfig}) beside
 * {@code model.safetensors} (every tensor of {@link UNet#tensors()}, float32). The default model, trained by tdi on
 * Fashion-MNIST, ships as a resource: {@link #loadDefault()}.
 */
public final class UNetModel {
    /** File name of the config in a model directory. */
    public static final String CONFIG = "config.json";
    /** File name of the weights in a model directory. */
    public static final String WEIGHTS = "model.safetensors";
    private static final String RESOURCE = "/dev/tdi/unet/default/";

    private UNetModel() {
    }

    /** Loads {@code dir/config.json} and {@code dir/model.safetensors}. */
    public static UNet load(Path dir) throws IOException {
        return load(dir.resolve(CONFIG), dir.resolve(WEIGHTS));
    }

    /**
     * Loads a config and weights file; any mismatch between them is an error naming the weights file and the
     * tensor, and so is a weight that is NaN or infinite.
     */
    public static UNet load(Path config, Path weights) throws IOException {
        return load(config, weights, false);
    }

    /**
     * Loads a config and weights file. With {@code allowNonFinite} NaN and infinite weights are kept (for
     * inspection tools such as {@code tdi unet-forward --allow-non-finite}); otherwise they are an error naming the
     * weights file and the tensor.
     */
    public static UNet load(Path config, Path weights, boolean allowNonFinite) throws IOException {
        if (!Files.exists(config)) {
            throw new IOException(config + ": no such config file");
        }
        UNetConfig cfg = UNetConfig.read(config);
        Safetensors.Content c = Safetensors.read(weights);
        if (!allowNonFinite) {
            Safetensors.requireFinite(c.tensors(), weights.toString());
        }
        return build(cfg, c.tensors(), weights.toString(), config.toString());
    }

    private static UNet build(UNetConfig cfg, Map<String, Tensor> tensors, String wname, String cname) {
        try {
            return UNet.fromTensors(cfg, tensors);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(wname + ": does not match config " + cname + ": " + e.getMessage(), e);
        }
    }

    /** Saves the model into a directory (created if needed), with optional string metadata. */
    public static void save(UNet net, Path dir, Map<String, String> metadata) throws IOException {
        Files.createDirectories(dir);
        net.config().write(dir.resolve(CONFIG));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "tdi-unet");
        if (metadata != null) {
            meta.putAll(metadata);
        }
        Safetensors.write(dir.resolve(WEIGHTS), net.tensors(), meta);
    }

    /** The default model shipped in this module's resources (trained on Fashion-MNIST, see docs/default-model.md). */
    public static UNet loadDefault() {
        try (InputStream ci = resource(CONFIG); InputStream wi = resource(WEIGHTS)) {
            UNetConfig cfg = UNetConfig.fromJson(new String(ci.readAllBytes(), StandardCharsets.UTF_8));
            Safetensors.Content c = Safetensors.read(wi.readAllBytes(), "resource " + RESOURCE + WEIGHTS);
            return build(cfg, c.tensors(), "resource " + RESOURCE + WEIGHTS, "resource " + RESOURCE + CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The metadata of the shipped default model's weights (training command, seed, epochs, loss). */
    public static Map<String, String> defaultMetadata() {
        try (InputStream wi = resource(WEIGHTS)) {
            return Safetensors.read(wi.readAllBytes(), RESOURCE + WEIGHTS).metadata();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = UNetModel.class.getResourceAsStream(RESOURCE + name);
        if (in == null) {
            throw new IOException("resource " + RESOURCE + name + " is missing from the tdi-unet jar");
        }
        return in;
    }
}
