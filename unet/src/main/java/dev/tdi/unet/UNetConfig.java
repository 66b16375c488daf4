package dev.tdi.unet;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
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

    /** Validates every field; an invalid one raises {@link IllegalArgumentException} naming it. */
    public UNetConfig {
        channels = channels.clone();
        int skipLevels = Math.max(0, channels.length - 1);
        skipChannels = skipChannels == null || skipChannels.length == 0 ? new int[skipLevels] : skipChannels.clone();
        skipPool = skipPool == null || skipPool.length == 0 ? filled(skipLevels, 1) : skipPool.clone();
        req(imageSize >= 4, "imageSize must be >= 4, got " + imageSize);
        req(imageChannels >= 1, "imageChannels must be >= 1, got " + imageChannels);
        req(channels.length >= 1, "channels must list at least one level");
        for (int c : channels) {
            req(c >= 1, "channels must be positive, got " + Arrays.toString(channels));
        }
        req(blocksPerLevel >= 1, "blocksPerLevel must be >= 1, got " + blocksPerLevel);
        req(kernelSize >= 1 && kernelSize % 2 == 1, "kernelSize must be odd and >= 1, got " + kernelSize);
        req("relu".equals(activation), "activation must be \"relu\" (the substrate's rectified residual), got \""
                + activation + "\"");
        req(timeEmbedDim >= 2 && timeEmbedDim % 2 == 0, "timeEmbedDim must be even and >= 2, got " + timeEmbedDim);
        req(timeHidden >= 1, "timeHidden must be >= 1, got " + timeHidden);
        req("concat-conv".equals(skipMerge), "skipMerge must be \"concat-conv\", got \"" + skipMerge + "\"");
        req("conv-transpose".equals(upsample), "upsample must be \"conv-transpose\", got \"" + upsample + "\"");
        req(diffusionSteps >= 2, "diffusionSteps must be >= 2, got " + diffusionSteps);
        req("linear".equals(schedule) || "cosine".equals(schedule),
                "schedule must be \"linear\" or \"cosine\", got \"" + schedule + "\"");
        req(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd, "need 0 < betaStart <= betaEnd < 1");
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

    /** Parses JSON; unknown keys, missing keys and bad values are errors naming the key. */
    public static UNetConfig fromJson(String json) {
        JsonObject o;
        try {
            o = JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("U-Net config: not a JSON object: " + e.getMessage(), e);
        }
        for (String k : o.keySet()) {
            req(KEYS.contains(k), "unknown key \"" + k + "\" (known: " + KEYS + ")");
        }
        if (o.has("format")) {
            req(FORMAT.equals(o.get("format").getAsString()),
                    "format must be \"" + FORMAT + "\", got " + o.get("format"));
        }
        UNetConfig d = defaults();
        try {
            JsonElement ch = need(o, "channels");
            int[] channels = new int[ch.getAsJsonArray().size()];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = ch.getAsJsonArray().get(i).getAsInt();
            }
            return new UNetConfig(need(o, "imageSize").getAsInt(), need(o, "imageChannels").getAsInt(), channels,
                    need(o, "blocksPerLevel").getAsInt(),
                    o.has("kernelSize") ? o.get("kernelSize").getAsInt() : d.kernelSize,
                    o.has("activation") ? o.get("activation").getAsString() : d.activation,
                    need(o, "timeEmbedDim").getAsInt(), need(o, "timeHidden").getAsInt(),
                    o.has("skipMerge") ? o.get("skipMerge").getAsString() : d.skipMerge,
                    o.has("upsample") ? o.get("upsample").getAsString() : d.upsample,
                    need(o, "diffusionSteps").getAsInt(),
                    o.has("schedule") ? o.get("schedule").getAsString() : d.schedule,
                    o.has("betaStart") ? o.get("betaStart").getAsDouble() : d.betaStart,
                    o.has("betaEnd") ? o.get("betaEnd").getAsDouble() : d.betaEnd,
                    o.has("inputSkip") && o.get("inputSkip").getAsBoolean(),
                    o.has("timeEmbedding") ? o.get("timeEmbedding").getAsString() : LEGACY_TIME_EMBEDDING,
                    o.has("skipChannels") ? ints(o.get("skipChannels")) : null,
                    o.has("skipPool") ? ints(o.get("skipPool")) : null);
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            throw new IllegalArgumentException("U-Net config: a value has the wrong type: " + e.getMessage(), e);
        }
    }

    private static int[] ints(JsonElement e) {
        int[] a = new int[e.getAsJsonArray().size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = e.getAsJsonArray().get(i).getAsInt();
        }
        return a;
    }

    private static JsonElement need(JsonObject o, String key) {
        req(o.has(key), "missing key \"" + key + "\"");
        return o.get(key);
    }

    /** Reads a config file; errors name the file. */
    public static UNetConfig read(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
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
