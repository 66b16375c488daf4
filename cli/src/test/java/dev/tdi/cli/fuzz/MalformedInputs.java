package dev.tdi.cli.fuzz;

import dev.tdi.cli.validation.Range;
import dev.tdi.unet.io.Idx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A generator of malformed inputs for the fuzz suite ({@link MalformedInputTest}): safetensors weights and input
 * files that break one rule of the format each, weights holding NaN or infinity, IDX data sets that are corrupt or
 * of the wrong size, U-Net configs with wrong keys, types and absurd sizes, and careless command-line values (every
 * {@link Range}d option of every command just outside its range, non-finite, non-numeric; output paths that are
 * files or unwritable). Every case must be refused, so each one is built to be invalid whatever the random draw.
 * The small corpus is deterministic; {@code full} adds seeded random mutations. This class holds the corpus and
 * the valid fixtures the cases start from; {@link MalformedModelFiles}, {@link MalformedConfigs},
 * {@link MalformedData} and {@link CarelessOptions} each add one family of cases.
 */
public final class MalformedInputs {
    /** One command line to run, what it feeds the command, and the words ("|"-separated) its error must contain. */
    public record Case(String kind, String name, List<String> args, String mustName) {
        @Override
        public String toString() {
            return kind + ": " + name;
        }
    }

    /** The valid fixture model (13x13, 2 channels, T = 100) the mutations start from. */
    static final Path FIXTURE = Path.of("../unet/src/test/resources/dev/tdi/unet/fixtures/odd");

    final Path dir;
    final boolean full;
    final SplittableRandom rnd;
    private final List<Case> cases = new ArrayList<>();
    int counter;

    private MalformedInputs(Path dir, boolean full, long seed) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.full = full;
        this.rnd = new SplittableRandom(seed);
    }

    /** Writes the malformed files under {@code dir} and returns the cases; {@code full} for the large corpus. */
    public static List<Case> generate(Path dir, boolean full, long seed) throws IOException {
        MalformedInputs g = new MalformedInputs(dir, full, seed);
        new MalformedModelFiles(g).generate();
        new MalformedConfigs(g).generate();
        new MalformedData(g).generate();
        new CarelessOptions(g).generate();
        return g.cases;
    }


    /** Adds a case: its kind, name, the words its error must contain ("|"-separated) and the command line. */
    void add(String kind, String name, String mustName, String... args) {
        cases.add(new Case(kind, name, List.of(args), mustName));
    }

    private Path data;

    /** A valid 8-image 13x13 data set (the fixture config's size), for options and configs cases of train. */
    Path dataDir() throws IOException {
        if (data == null) {
            data = dir.resolve("data-ok");
            Files.createDirectories(data);
            Idx.write(data.resolve("train-images-idx3-ubyte"), new int[]{8, 13, 13}, new byte[8 * 169]);
            Idx.write(data.resolve("train-labels-idx1-ubyte"), new int[]{8}, new byte[8]);
        }
        return data;
    }

    private Path trainConfig;

    /** The fixture's architecture with one image channel, so that it fits the 13x13 greyscale data. */
    Path trainConfig() throws IOException {
        if (trainConfig == null) {
            trainConfig = dir.resolve("train-config.json");
            Files.writeString(trainConfig, Files.readString(FIXTURE.resolve("config.json"))
                    .replace("\"imageChannels\": 2", "\"imageChannels\": 1"));
        }
        return trainConfig;
    }

}
