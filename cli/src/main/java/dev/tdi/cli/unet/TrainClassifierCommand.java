package dev.tdi.cli.unet;

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
public final class TrainClassifierCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "4", description = "Epochs (default ${DEFAULT-VALUE}, the shipped classifier's).")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "Batch size, a multiple of 8 (default ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate, cosine-decayed (default ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--limit", defaultValue = "0", description = "Train on the first N training images only (0 = all).")
    int limit;
    @Option(names = "--data", description = "Directory of MNIST-format IDX files (default /usr/share/datasets/fashion-mnist).")
    Path data;
    @Option(names = "--out", defaultValue = "classifier.safetensors", description = "Output file (default ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--threads", defaultValue = "0", description = "Worker threads (0 = all cores); does not change the result.")
    int threads;
    @Option(names = "--force", description = "Overwrite --out if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        ClassifierTrainer.Options opt = new ClassifierTrainer.Options(epochs, batch, lr, seed, limit);
        if (Files.exists(out) && !force) {
            throw new IllegalArgumentException(out + " already exists: choose another --out or pass --force");
        }
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
