package dev.tdi.inference;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The checkpoint of a long evaluation job: each configuration's {@link Experiment.Outcome} written to
 * {@code DIR/stages/NN.json} as soon as it is measured, so that a run stopped part-way (a session's end, a crash)
 * continues with {@code --resume} from the first configuration not yet on disk, and the stages done so far can be
 * committed as they are.
 *
 * <p>A stage records the run's key (everything that changes its figures: model, backend, seed, split, inputs, batch)
 * and the configuration's; a resumed run reuses a stage only when both match, and refuses a mismatch naming the
 * file. The relaxed states kept for pictures are not stored (they are not used by the job's figures).
 */
final class Stages {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();

    private final Path dir;
    private final String runKey;
    private final boolean resume;

    /**
     * Stages under {@code out/stages}. Without {@code resume} the stage files of an earlier run are deleted (they are
     * this job's own output, replaced like its other files).
     */
    Stages(Path out, String runKey, boolean resume) throws IOException {
        this.dir = out.resolve("stages");
        this.runKey = runKey;
        this.resume = resume;
        if (!resume && Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().matches("\\d+\\.json")).toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(dir);
    }

    private Path file(int index) {
        return dir.resolve(String.format(Locale.ROOT, "%02d.json", index));
    }

    private static String configKey(String label, String[] cfg) {
        return label + " | " + String.join(" | ", List.of(cfg));
    }

    /**
     * The stored outcome of configuration {@code index}, when resuming and it is on disk.
     *
     * @throws IllegalArgumentException naming the file when it belongs to another run or configuration, or is not a
     *                                  stage file
     */
    Optional<Experiment.Outcome> load(int index, String label, String[] cfg) throws IOException {
        Path f = file(index);
        if (!resume || !Files.isRegularFile(f)) {
            return Optional.empty();
        }
        JsonObject j;
        try {
            j = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(f + ": not a stage file (" + e.getMessage() + "); delete it to"
                    + " measure that configuration again");
        }
        String run = j.has("run") ? j.get("run").getAsString() : "";
        String config = j.has("config") ? j.get("config").getAsString() : "";
        if (!run.equals(runKey)) {
            throw new IllegalArgumentException(f + ": written by another run [" + run + "], this run is [" + runKey
                    + "]; resume with the same options, or drop --resume to start again");
        }
        if (!config.equals(configKey(label, cfg))) {
            throw new IllegalArgumentException(f + ": holds configuration [" + config + "], expected ["
                    + configKey(label, cfg) + "]; drop --resume to start again");
        }
        try {
            return Optional.of(GSON.fromJson(j.get("outcome"), Experiment.Outcome.class));
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(f + ": field \"outcome\" cannot be read (" + e.getMessage()
                    + "); delete the file to measure that configuration again");
        }
    }

    /** Writes configuration {@code index}'s outcome (without its kept states), atomically. */
    void save(int index, String label, String[] cfg, Experiment.Outcome o) throws IOException {
        JsonObject j = new JsonObject();
        j.addProperty("run", runKey);
        j.addProperty("config", configKey(label, cfg));
        j.add("outcome", GSON.toJsonTree(o.withoutStates()));
        Path tmp = dir.resolve(file(index).getFileName() + ".tmp");
        Files.writeString(tmp, GSON.toJson(j), StandardCharsets.UTF_8);
        Files.move(tmp, file(index), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
