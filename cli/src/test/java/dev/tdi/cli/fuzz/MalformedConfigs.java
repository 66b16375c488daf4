package dev.tdi.cli.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * U-Net configs with missing, unknown or duplicated keys, wrong JSON types, absurd sizes and broken syntax, fed to
 * unet-forward and train; part of {@link MalformedInputs}.
 */
final class MalformedConfigs {
    private static final Path FIXTURE = MalformedInputs.FIXTURE;
    private final MalformedInputs corpus;

    MalformedConfigs(MalformedInputs corpus) {
        this.corpus = corpus;
    }

    /** Adds this kind's cases to the corpus. */
    void generate() throws IOException {
        configs();
    }

    // ------------------------------------------------------------------------------------------------ configs

    private void configs() throws IOException {
        String ok = Files.readString(FIXTURE.resolve("config.json"));
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : new String[]{"format", "imageSize", "imageChannels", "channels", "blocksPerLevel",
            "timeEmbedDim", "timeHidden", "diffusionSteps"}) {
            m.put("missing " + key, ok.replaceFirst("\\s*\"" + key + "\": (\"[^\"]*\"|\\[[^\\]]*\\]|[^,\\n]*),?", ""));
        }
        m.put("unknown key", ok.replace("\"imageSize\"", "\"imageSise\": 13, \"imageSize\""));
        m.put("duplicated key", ok.replace("\"imageSize\": 13", "\"imageSize\": 13, \"imageSize\": 13"));
        m.put("wrong format", ok.replace("tdi-unet/1", "tdi-unet/2"));
        m.put("format a number", ok.replace("\"tdi-unet/1\"", "1"));
        m.put("channels as floats", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [4.0, 6.0, 8.0]"));
        m.put("channels 1e9", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [1e9]"));
        m.put("channels empty", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": []"));
        m.put("channels negative", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [4, -6]"));
        m.put("channels a string", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": \"4,6,8\""));
        m.put("nine levels", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]", "\"channels\": [1,1,1,1,1,1,1,1,1]"));
        m.put("kernel size a string", ok.replace("\"kernelSize\": 3", "\"kernelSize\": \"3\""));
        m.put("kernel size even", ok.replace("\"kernelSize\": 3", "\"kernelSize\": 4"));
        m.put("kernel size huge", ok.replace("\"kernelSize\": 3", "\"kernelSize\": 999999"));
        m.put("inputSkip a string", ok.replace("\"inputSkip\": true", "\"inputSkip\": \"yes\""));
        m.put("inputSkip a number", ok.replace("\"inputSkip\": true", "\"inputSkip\": 1"));
        m.put("imageSize 1e9", ok.replace("\"imageSize\": 13", "\"imageSize\": 1e9"));
        m.put("imageSize 2^31", ok.replace("\"imageSize\": 13", "\"imageSize\": 2147483648"));
        m.put("imageSize fractional", ok.replace("\"imageSize\": 13", "\"imageSize\": 13.5"));
        m.put("imageSize null", ok.replace("\"imageSize\": 13", "\"imageSize\": null"));
        m.put("blocksPerLevel 1e9", ok.replace("\"blocksPerLevel\": 2", "\"blocksPerLevel\": 1000000000"));
        m.put("blocksPerLevel 0", ok.replace("\"blocksPerLevel\": 2", "\"blocksPerLevel\": 0"));
        m.put("timeEmbedDim odd", ok.replace("\"timeEmbedDim\": 8", "\"timeEmbedDim\": 7"));
        m.put("diffusionSteps 1", ok.replace("\"diffusionSteps\": 100", "\"diffusionSteps\": 1"));
        m.put("betaEnd 1", ok.replace("\"betaEnd\": 0.02", "\"betaEnd\": 1"));
        m.put("betaStart a string", ok.replace("\"betaStart\": 0.0001", "\"betaStart\": \"1e-4\""));
        m.put("schedule unknown", ok.replace("\"linear\"", "\"quadratic\""));
        m.put("activation gelu", ok.replace("\"relu\"", "\"gelu\""));
        m.put("within bounds but past the heap", ok.replaceFirst("\"channels\": \\[[^\\]]*\\]",
                "\"channels\": [4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096]").replace("\"kernelSize\": 3",
                "\"kernelSize\": 31").replace("\"imageSize\": 13", "\"imageSize\": 1024"));
        m.put("not JSON", "channels = 16");
        m.put("truncated JSON", ok.substring(0, ok.length() / 2));
        m.put("empty file", "");
        m.put("a JSON array", "[1, 2, 3]");
        m.put("comments (lenient JSON)", "// a comment\n" + ok);
        m.put("nested 10000 deep", "{\"channels\": " + "[".repeat(10000) + "]".repeat(10000) + "}");
        m.put("a number of 100000 digits", ok.replace("\"imageSize\": 13", "\"imageSize\": " + "1".repeat(100000)));
        for (Map.Entry<String, String> e : m.entrySet()) {
            config(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        config("binary garbage", new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1, 2, 3});
        if (corpus.full) {
            String[] ints = {"imageSize", "imageChannels", "blocksPerLevel", "kernelSize", "timeEmbedDim",
                "timeHidden", "diffusionSteps"};
            String[] badValues = {"-1", "0.5", "1e99", "-2147483649", "\"7\"", "true", "[]", "{}", "null"};
            for (String k : ints) {
                for (String v : badValues) {
                    config(k + " = " + v, ok.replaceFirst("\"" + k + "\": [^,\\n]*", "\"" + k + "\": " + v)
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            for (int i = 0; i < 60; i++) { // a random structural character replaced by a letter
                byte[] b = ok.getBytes(StandardCharsets.UTF_8);
                int at;
                do {
                    at = corpus.rnd.nextInt(b.length);
                } while ("{}[]:,\"".indexOf(b[at]) < 0);
                b[at] = (byte) ('a' + corpus.rnd.nextInt(26));
                config("byte " + at + " broken", b);
            }
        }
    }

    /** Feeds a config to unet-forward and, every other case, to train. */
    private void config(String name, byte[] json) throws IOException {
        Path f = corpus.dir.resolve("config" + (corpus.counter++) + ".json");
        Files.write(f, json);
        corpus.add("config", name, f.getFileName().toString(), "unet-forward", "--config", f.toString(), "--weights",
                FIXTURE.resolve("model.safetensors").toString(), "--input",
                FIXTURE.resolve("input.safetensors").toString(), "--out",
                        corpus.dir.resolve("c" + corpus.counter).toString());
        if (corpus.full || corpus.counter % 2 == 0) {
            corpus.add("config", name + " (train)", f.getFileName().toString(), "train", "--config", f.toString(),
                    "--data", corpus.dataDir().toString(), "--out",
                    corpus.dir.resolve("train" + corpus.counter).toString(), "--epochs",
                    "1", "--limit", "8", "--eval-images", "0");
        }
    }
}
