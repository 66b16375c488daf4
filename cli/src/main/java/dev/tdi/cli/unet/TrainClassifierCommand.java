package dev.tdi.cli.unet;

import dev.tdi.cli.validation.Input;
import dev.tdi.cli.validation.Range;
import dev.tdi.cli.validation.Validated;
import dev.tdi.unet.Dataset;
import dev.tdi.unet.UNet;
import dev.tdi.unet.classify.Classifier;
import dev.tdi.unet.classify.ClassifierTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tdi train-classifier}: trains the Fashion-MNIST CNN that judges generated samples. */
@Command(name = "train-classifier", mixinStandardHelpOptions = true,
        description = {"Trains the small Fashion-MNIST CNN whose features and class probabilities judge samples",
                "(FD, class agreement, confident fraction; docs/classifier.md). Deterministic by seed, whatever",
                "--threads. Writes FILE (safetensors, with the recipe and test accuracy as metadata)."})
public final class TrainClassifierCommand implements Callable<Integer>, Validated {
    @Range(min = 1, max = 1000)
    @Option(names = "--epochs", defaultValue = "4", description = "Epochs, 1..1000 (default ${DEFAULT-VALUE}, the"
            + " shipped classifier's).")
    int epochs;
    @Range(min = 8, max = 4096)
    @Option(names = "--batch", defaultValue = "64", description = "Batch size, 8..4096 and a multiple of 8 (default"
            + " ${DEFAULT-VALUE}).")
    int batch;
    @Range(min = 0, max = 1, minExclusive = true)
    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate, (0, 1], cosine-decayed (default"
            + " ${DEFAULT-VALUE}).")
    double lr;
    @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
    @Option(names = "--seed", defaultValue = "1", description = "Seed, any integer (default ${DEFAULT-VALUE}).")
    long seed;
    @Range(min = 0, max = 60000)
    @Option(names = "--limit", defaultValue = "0", description = "Train on the first N training images only, 0..60000"
            + " (0 = all).")
    int limit;
    @Input(Input.Kind.DIRECTORY)
    @Option(names = "--data", description = "Directory of MNIST-format IDX files (default /usr/share/datasets/fashion-mnist).")
    Path data;
    @Option(names = "--out", defaultValue = "classifier.safetensors", description = "Output file; an existing one is"
            + " refused unless --force (default ${DEFAULT-VALUE}).")
    Path out;
    @Range(min = 0, max = 1024)
    @Option(names = "--threads", defaultValue = "0", description = "Worker threads, 0..1024 (0 = all cores); does not"
            + " change the result.")
    int threads;
    @Option(names = "--force", description = "Overwrite --out if it exists.")
    boolean force;

    /** Cross-option checks, before any work. */
    @Override
    public void validate() {
        if (batch % 8 != 0) {
            throw new IllegalArgumentException("--batch is " + batch + ", accepted: a multiple of 8 in 8..4096");
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a directory, accepted: a file path");
        }
        if (Files.exists(out) && !force) {
            throw new IllegalArgumentException("--out " + out + " already exists: choose another --out or pass --force");
        }
    }

    @Override
    public Integer call() throws Exception {
        ClassifierTrainer.Options opt = new ClassifierTrainer.Options(epochs, batch, lr, seed, limit);
        Path dir = data != null ? data : Dataset.DEFAULT_DIR;
        Dataset train = Dataset.load(dir, true);
        Dataset test = Dataset.load(dir, false);
        if (threads > 0) {
            UNet.setThreads(threads);
        }
        System.err.printf(Locale.ROOT, "classifier: %d parameters; %d training images, %d epochs, batch %d, lr %s,"
                + " seed %d, %d threads%n", Classifier.PARAMETERS, limit > 0 ? Math.min(limit, train.count())
                : train.count(), epochs, batch, lr, seed, UNet.threads());
        long t0 = System.nanoTime();
        Classifier c = ClassifierTrainer.train(train, opt, System.err);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double acc = ClassifierTrainer.accuracy(c, test, test.count());
        System.err.printf(Locale.ROOT, "test accuracy %.4f on %d test images; training %.0f s%n", acc, test.count(),
                seconds);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("command", String.format(Locale.ROOT, "tdi train-classifier --epochs %d --batch %d --lr %s --seed %d"
                + (limit > 0 ? " --limit " + limit : ""), epochs, batch, lr, seed));
        meta.put("test_accuracy", String.format(Locale.ROOT, "%.4f", acc));
        meta.put("test_images", Integer.toString(test.count()));
        meta.put("training_seconds", String.format(Locale.ROOT, "%.0f", seconds));
        c.save(out, meta);
        System.err.println("wrote " + out);
        return 0;
    }
}
