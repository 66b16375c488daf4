package dev.tdi.unet;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.tdi.unet.io.StrictJson;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The architecture and diffusion schedule of a {@link UNet}, read from and written to JSON.
 *
 * <p>The network is built for the substrate: every layer is {@code rho(sum_i Op_i(in_i) + b + timeBias(t))} with
 * rho relu (identity for the output layer), Op_i a 2-D convolution or a transposed convolution, no normalisation,
 * stride-2 convolutions to go down, stride-2 transposed convolutions to go up, and skips merged by concatenation
 * followed by a convolution (exposed as a layer with two inputs).
 *
 * @param imageSize      height and width of the (square) image
 * @param imageChannels  channels of the image (1 for Fashion-MNIST)
 * @param channels       channels per level; level 0 works at full resolution, each further level halves it
 * @param blocksPerLevel convolution layers per level on the way down (the first of a level > 0 has stride 2) and
 *                       on the way up (the first of a decoder level merges the skip)
 * @param kernelSize     odd kernel size of every convolution (padding kernelSize/2)
 * @param activation     hidden activation: only "relu" (the substrate's rectified residual)
 * @param timeEmbedDim   size of the sinusoidal time-step embedding (even)
 * @param timeHidden     width of the time-embedding MLP (two relu layers), projected to every layer's bias
 * @param skipMerge      how skips merge: only "concat-conv"
 * @param upsample       how the decoder goes up: only "conv-transpose"
 * @param diffusionSteps number of diffusion steps T (t runs over 0..T-1)
 * @param schedule       beta schedule: "linear" or "cosine"
 * @param betaStart      first beta of the linear schedule
 * @param betaEnd        last beta of the linear schedule
 * @param inputSkip      whether the output layer also reads the input image through its own convolution (a linear
 *                       path x_t -> eps, which the relu layers cannot carry precisely at high noise)
 * @param timeEmbedding  the fixed features of t the time MLP reads: "sinusoidal" (the transformer embedding of the
 *                       raw step, frequencies 10000^(-i/half) rad per step, periods down to 2 pi steps; what a
 *                       config without this key means) or "fourier" (sin and cos of pi k tau, k = 1..half, tau =
 *                       t / (T - 1): smooth in t, shortest period 2 (T - 1) / half steps), see docs/unet.md
 * @param skipChannels   per skip level l = 0..levels-2, the channels k the skip is narrowed to at training time
 *                       by a learned 1x1 projection on the encoder side (layer {@code skip{l}}, identity, no time
 *                       bias); 0 keeps the full-width skip. Empty (what a config without the key means) is all 0
 * @param skipPool       per skip level, 1 (full resolution) or 2: the skip is average-pooled 2x2 on the encoder
 *                       side (layer {@code pool{l}}, fixed weights, not trained) and upsampled by the decoder's
 *                       merge, a learned stride-2 transposed convolution. Empty (no key) is all 1
 */
public record UNetConfig(int imageSize, int imageChannels, int[] channels, int blocksPerLevel, int kernelSize,
                         String activation, int timeEmbedDim, int timeHidden, String skipMerge, String upsample,
                         int diffusionSteps, String schedule, double betaStart, double betaEnd, boolean inputSkip,
                         String timeEmbedding, int[] skipChannels, int[] skipPool) {

    /** The format tag written into every config file. */
    public static final String FORMAT = "tdi-unet/1";

    private static final Set<String> KEYS = Set.of("format", "imageSize", "imageChannels", "channels",
            "blocksPerLevel", "kernelSize", "activation", "timeEmbedDim", "timeHidden", "skipMerge", "upsample",
            "diffusionSteps", "schedule", "betaStart", "betaEnd", "inputSkip", "timeEmbedding", "skipChannels",
            "skipPool");
    /** The time embedding of configs written before the key existed. */
    public static final String LEGACY_TIME_EMBEDDING = "sinusoidal";

    /** Accepted range of {@code imageSize}. */
    public static final int MAX_IMAGE_SIZE = 1024;
    /** Accepted range of {@code imageChannels}: 1..MAX_IMAGE_CHANNELS. */
    public static final int MAX_IMAGE_CHANNELS = 16;
    /** At most this many levels (entries of {@code channels}). */
    public static final int MAX_LEVELS = 8;
    /** Channels of a level: 1..MAX_CHANNELS. */
    public static final int MAX_CHANNELS = 4096;
    /** blocksPerLevel: 1..MAX_BLOCKS. */
    public static final int MAX_BLOCKS = 32;
    /** kernelSize: odd, 1..MAX_KERNEL. */
    public static final int MAX_KERNEL = 31;
    /** timeEmbedDim (even, 2..) and timeHidden (1..): at most MAX_TIME_WIDTH. */
    public static final int MAX_TIME_WIDTH = 4096;
    /** diffusionSteps: 2..MAX_DIFFUSION_STEPS. */
    public static final int MAX_DIFFUSION_STEPS = 100_000;

    /**
     * Validates every field against the documented bounds (docs/unet.md, "Config rules"), then the memory the
     * network needs ({@link ConfigFootprint}) against the Java heap, before anything is allocated; an invalid field
     * raises {@link IllegalArgumentException} naming it, the value and the accepted range.
     */
    public UNetConfig {
        channels = channels.clone();
        range("imageSize", imageSize, 4, MAX_IMAGE_SIZE);
        range("imageChannels", imageChannels, 1, MAX_IMAGE_CHANNELS);
        req(channels.length >= 1 && channels.length <= MAX_LEVELS, "channels lists " + channels.length
                + " levels, accepted: 1.." + MAX_LEVELS);
        int skipLevels = Math.max(0, channels.length - 1);
        skipChannels = skipChannels == null || skipChannels.length == 0 ? new int[skipLevels] : skipChannels.clone();
        skipPool = skipPool == null || skipPool.length == 0 ? filled(skipLevels, 1) : skipPool.clone();
        for (int c : channels) {
            req(c >= 1 && c <= MAX_CHANNELS, "channels " + Arrays.toString(channels) + ": " + c
                    + " is outside the accepted range 1.." + MAX_CHANNELS);
        }
        range("blocksPerLevel", blocksPerLevel, 1, MAX_BLOCKS);
        req(kernelSize >= 1 && kernelSize <= MAX_KERNEL && kernelSize % 2 == 1, "kernelSize is " + kernelSize
                + ", accepted: an odd integer in 1.." + MAX_KERNEL);
        req("relu".equals(activation), "activation must be \"relu\" (the substrate's rectified residual), got \""
                + activation + "\"");
        req(timeEmbedDim >= 2 && timeEmbedDim <= MAX_TIME_WIDTH && timeEmbedDim % 2 == 0, "timeEmbedDim is "
                + timeEmbedDim + ", accepted: an even integer in 2.." + MAX_TIME_WIDTH);
        range("timeHidden", timeHidden, 1, MAX_TIME_WIDTH);
        req("concat-conv".equals(skipMerge), "skipMerge must be \"concat-conv\", got \"" + skipMerge + "\"");
        req("conv-transpose".equals(upsample), "upsample must be \"conv-transpose\", got \"" + upsample + "\"");
        range("diffusionSteps", diffusionSteps, 2, MAX_DIFFUSION_STEPS);
        req("linear".equals(schedule) || "cosine".equals(schedule),
                "schedule must be \"linear\" or \"cosine\", got \"" + schedule + "\"");
        req(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd, "need 0 < betaStart <= betaEnd < 1, got betaStart "
                + betaStart + ", betaEnd " + betaEnd);
        req("sinusoidal".equals(timeEmbedding) || "fourier".equals(timeEmbedding),
                "timeEmbedding must be \"sinusoidal\" or \"fourier\", got \"" + timeEmbedding + "\"");
        int h = imageSize;
        for (int l = 1; l < channels.length; l++) {
            h = (h - 1) / 2 + 1;
        }
        req(h >= 1, "too many levels for imageSize " + imageSize);
        req(skipChannels.length == skipLevels, "skipChannels must list one value per skip level (" + skipLevels
                + "), got " + Arrays.toString(skipChannels));
        req(skipPool.length == skipLevels, "skipPool must list one value per skip level (" + skipLevels + "), got "
                + Arrays.toString(skipPool));
        int hl = imageSize;
        for (int l = 0; l < skipLevels; l++) {
            req(skipChannels[l] >= 0, "skipChannels must be >= 0 (0 = full width), got "
                    + Arrays.toString(skipChannels));
            req(skipPool[l] == 1 || skipPool[l] == 2, "skipPool must be 1 or 2 at every level, got "
                    + Arrays.toString(skipPool));
            req(skipPool[l] == 1 || hl % 2 == 0, "skipPool 2 needs an even size at level " + l + ", which is "
                    + hl + " x " + hl);
            hl = (hl - 1) / 2 + 1;
        }
    }

    /**
     * The memory this network needs, counted from the sizes (see {@link ConfigFootprint}); {@link UNet} checks it
     * against the heap before it allocates.
     */
    public ConfigFootprint footprint() {
        return ConfigFootprint.of(this);
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    /** A config with full-width, full-resolution skips. */
    public UNetConfig(int imageSize, int imageChannels, int[] channels, int blocksPerLevel, int kernelSize,
                      String activation, int timeEmbedDim, int timeHidden, String skipMerge, String upsample,
                      int diffusionSteps, String schedule, double betaStart, double betaEnd, boolean inputSkip,
                      String timeEmbedding) {
        this(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation, timeEmbedDim, timeHidden,
                skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip, timeEmbedding, null,
                null);
    }

    /** A config with the legacy sinusoidal time embedding. */
    public UNetConfig(int imageSize, int imageChannels, int[] channels, int blocksPerLevel, int kernelSize,
                      String activation, int timeEmbedDim, int timeHidden, String skipMerge, String upsample,
                      int diffusionSteps, String schedule, double betaStart, double betaEnd, boolean inputSkip) {
        this(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation, timeEmbedDim, timeHidden,
                skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip, LEGACY_TIME_EMBEDDING);
    }

    /** A config without the input skip. */
    public UNetConfig(int imageSize, int imageChannels, int[] channels, int blocksPerLevel, int kernelSize,
                      String activation, int timeEmbedDim, int timeHidden, String skipMerge, String upsample,
                      int diffusionSteps, String schedule, double betaStart, double betaEnd) {
        this(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation, timeEmbedDim, timeHidden,
                skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, false);
    }

    private static void range(String field, int value, int min, int max) {
        req(value >= min && value <= max, field + " is " + value + ", accepted: an integer in " + min + ".." + max);
    }

    private static void req(boolean ok, String msg) {
        if (!ok) {
            throw new IllegalArgumentException("U-Net config: " + msg);
        }
    }

    /** The default architecture shipped with tdi (see docs/default-model.md for why this size). */
    public static UNetConfig defaults() {
        return new UNetConfig(28, 1, new int[]{16, 32, 64}, 2, 3, "relu", 32, 6, "concat-conv",
                "conv-transpose", 1000, "linear", 1e-4, 0.02, true, "fourier");
    }

    /** A copy of the channels per level. */
    @Override
    public int[] channels() {
        return channels.clone();
    }

    /** Number of levels (resolutions). */
    public int levels() {
        return channels.length;
    }

    /** A copy with other channels and blocks per level (the skip options are kept if the level count is). */
    public UNetConfig withChannels(int[] ch, int blocks) {
        boolean same = ch.length == channels.length;
        return new UNetConfig(imageSize, imageChannels, ch, blocks, kernelSize, activation, timeEmbedDim,
                timeHidden, skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip,
                timeEmbedding, same ? skipChannels : null, same ? skipPool : null);
    }

    /** A copy with or without the input skip. */
    public UNetConfig withInputSkip(boolean skip) {
        return new UNetConfig(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation, timeEmbedDim,
                timeHidden, skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, skip,
                timeEmbedding, skipChannels, skipPool);
    }

    /** A copy with another image size. */
    public UNetConfig withImageSize(int size) {
        return new UNetConfig(size, imageChannels, channels, blocksPerLevel, kernelSize, activation, timeEmbedDim,
                timeHidden, skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip,
                timeEmbedding, skipChannels, skipPool);
    }

    /** A copy with another kind of time embedding ("sinusoidal" or "fourier"). */
    public UNetConfig withTimeEmbedding(String kind) {
        return new UNetConfig(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation, timeEmbedDim,
                timeHidden, skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip, kind,
                skipChannels, skipPool);
    }

    /** A copy with another time embedding. */
    public UNetConfig withTime(int embedDim, int hidden) {
        return new UNetConfig(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation, embedDim,
                hidden, skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip,
                timeEmbedding, skipChannels, skipPool);
    }

    /** A copy with another diffusion schedule. */
    public UNetConfig withSchedule(String sched, int steps) {
        return new UNetConfig(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation,
                timeEmbedDim, timeHidden, skipMerge, upsample, steps, sched, betaStart, betaEnd, inputSkip,
                timeEmbedding, skipChannels, skipPool);
    }

    /** A copy whose skips are narrowed to {@code k[l]} channels at level l (0 = full width); see the record. */
    public UNetConfig withSkipChannels(int... k) {
        return new UNetConfig(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation,
                timeEmbedDim, timeHidden, skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip,
                timeEmbedding, k, skipPool);
    }

    /** A copy whose skips are average-pooled by {@code f[l]} (1 or 2) at level l; see the record. */
    public UNetConfig withSkipPool(int... f) {
        return new UNetConfig(imageSize, imageChannels, channels, blocksPerLevel, kernelSize, activation,
                timeEmbedDim, timeHidden, skipMerge, upsample, diffusionSteps, schedule, betaStart, betaEnd, inputSkip,
                timeEmbedding, skipChannels, f);
    }

    /** A copy of the skip widths per level (0 = full width). */
    @Override
    public int[] skipChannels() {
        return skipChannels.clone();
    }

    /** A copy of the skip pooling factors per level (1 = full resolution). */
    @Override
    public int[] skipPool() {
        return skipPool.clone();
    }

    /** Whether any skip is narrowed or pooled (the keys are written to JSON only then). */
    public boolean hasSkipOptions() {
        return Arrays.stream(skipChannels).anyMatch(k -> k != 0) || Arrays.stream(skipPool).anyMatch(f -> f != 1);
    }

    /** The config as pretty-printed JSON. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("imageSize", imageSize);
        m.put("imageChannels", imageChannels);
        m.put("channels", channels);
        m.put("blocksPerLevel", blocksPerLevel);
        m.put("kernelSize", kernelSize);
        m.put("activation", activation);
        m.put("timeEmbedDim", timeEmbedDim);
        m.put("timeHidden", timeHidden);
        m.put("skipMerge", skipMerge);
        m.put("upsample", upsample);
        m.put("diffusionSteps", diffusionSteps);
        m.put("schedule", schedule);
        m.put("betaStart", betaStart);
        m.put("betaEnd", betaEnd);
        m.put("inputSkip", inputSkip);
        m.put("timeEmbedding", timeEmbedding);
        if (hasSkipOptions()) { // absent otherwise, so configs written before the keys existed stay byte-identical
            m.put("skipChannels", skipChannels);
            m.put("skipPool", skipPool);
        }
        Gson g = new GsonBuilder().setPrettyPrinting().create();
        return g.toJson(m) + "\n";
    }

    /**
     * Parses JSON strictly (docs/unet.md, "Config rules"): no unknown or duplicated keys; {@code format},
     * {@code imageSize}, {@code imageChannels}, {@code channels}, {@code blocksPerLevel}, {@code timeEmbedDim},
     * {@code timeHidden} and {@code diffusionSteps} required; integers written as integers, strings as strings,
     * booleans as booleans; every value within its bounds. Each error is one line naming the key, the value and the
     * accepted range.
     */
    public static UNetConfig fromJson(String json) {
        JsonElement root;
        try {
            root = StrictJson.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("U-Net config: not a JSON object: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException("U-Net config: not a JSON object: found " + StrictJson.describe(root));
        }
        JsonObject obj = root.getAsJsonObject();
        JsonFields f = new JsonFields(obj, "U-Net config: ");
        f.onlyKeys(KEYS);
        JsonElement format = f.required("format");
        req(format.isJsonPrimitive() && format.getAsJsonPrimitive().isString() && FORMAT.equals(format.getAsString()),
                "\"format\" is " + StrictJson.describe(format) + ", accepted: \"" + FORMAT + "\"");
        UNetConfig d = defaults();
        UNetConfig c = new UNetConfig(f.integer("imageSize", 4, MAX_IMAGE_SIZE),
                f.integer("imageChannels", 1, MAX_IMAGE_CHANNELS),
                f.integers("channels", 1, MAX_LEVELS, 1, MAX_CHANNELS),
                f.integer("blocksPerLevel", 1, MAX_BLOCKS),
                f.integer("kernelSize", 1, MAX_KERNEL, d.kernelSize),
                f.string("activation", Set.of("relu"), d.activation),
                f.integer("timeEmbedDim", 2, MAX_TIME_WIDTH), f.integer("timeHidden", 1, MAX_TIME_WIDTH),
                f.string("skipMerge", Set.of("concat-conv"), d.skipMerge),
                f.string("upsample", Set.of("conv-transpose"), d.upsample),
                f.integer("diffusionSteps", 2, MAX_DIFFUSION_STEPS),
                f.string("schedule", Set.of("linear", "cosine"), d.schedule),
                f.numberBetween("betaStart", 0, 1, d.betaStart, false),
                f.numberBetween("betaEnd", 0, 1, d.betaEnd, false),
                f.bool("inputSkip", false),
                f.string("timeEmbedding", Set.of("sinusoidal", "fourier"), LEGACY_TIME_EMBEDDING),
                obj.has("skipChannels") ? f.integers("skipChannels", 0, MAX_LEVELS, 0, MAX_CHANNELS) : null,
                obj.has("skipPool") ? f.integers("skipPool", 0, MAX_LEVELS, 1, 2) : null);
        c.footprint().requireFits(Runtime.getRuntime().maxMemory());
        return c;
    }

    /** The largest config file read (a config is well under 1 KiB). */
    public static final long MAX_FILE_BYTES = 1 << 20;

    /** Reads a config file (UTF-8 JSON, at most {@link #MAX_FILE_BYTES}); errors name the file. */
    public static UNetConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": " + (Files.exists(file) ? "not a regular file" : "no such file")
                    + " (accepted: a U-Net config JSON file)");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes is too large for a U-Net config (at most "
                    + MAX_FILE_BYTES + ")");
        }
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text (accepted: a U-Net config JSON file)");
        }
        try {
            return fromJson(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the config as JSON. */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && toJson().equals(c.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "UNetConfig" + toJson().replaceAll("\\s+", " ");
    }
}
