package dev.tdi.cli.unet;

import dev.tdi.unet.Dataset;
import dev.tdi.unet.Evaluation;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.io.Png;
import dev.tdi.unet.sample.Sampler;
import dev.tdi.unet.train.TrainOptions;
import dev.tdi.unet.train.Trainer;
import dev.tdi.cli.validation.Input;
import dev.tdi.cli.validation.Output;
import dev.tdi.cli.validation.Range;
import dev.tdi.cli.validation.Validated;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tdi train}: trains the denoising U-Net on Fashion-MNIST (or any MNIST-format data). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains the denoising U-Net (DDPM, epsilon objective, Adam) on MNIST-format images.",
                "The result does not depend on --threads. Writes DIR/config.json, DIR/model.safetensors (EMA "
                        + "weights), DIR/checkpoint.safetensors, DIR/train.log and, when all epochs are done, "
                        + "DIR/eval.md (test eps-MSE per time-step bucket) and DIR/samples-ddim.png."})
public final class TrainCommand implements Callable<Integer>, Validated {
    @Range(min = 1, max = 10_000)
    @Option(names = "--epochs", defaultValue = "16", description = "Epochs, 1..10000 (default ${DEFAULT-VALUE}, the shipped model's).")
    int epochs;
    @Range(min = 4, max = 4096)
    @Option(names = "--batch", defaultValue = "128", description = "Batch size, a multiple of 4 in 4..4096 (default ${DEFAULT-VALUE}).")
    int batch;
    @Range(min = 0, max = 1, minExclusive = true)
    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate, (0, 1] (default ${DEFAULT-VALUE}).")
    double lr;
    @Range(min = 0, max = 10_000_000)
    @Option(names = "--warmup", defaultValue = "200", description = "Warm-up steps, 0..10000000 (default ${DEFAULT-VALUE}).")
    int warmup;
    @Range(min = 0, max = 1, maxExclusive = true)
    @Option(names = "--ema", defaultValue = "0.999", description = "EMA decay of the saved weights, [0, 1) (default ${DEFAULT-VALUE}).")
    double ema;
    @Range(min = 0, max = 1e6)
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clip, 0..1000000, 0 for none (default ${DEFAULT-VALUE}).")
    double clip;
    @Range(min = 0, max = 100)
    @Option(names = "--lipschitz", defaultValue = "0", description = "Substrate-aware training: bound every layer's"
            + " operator norm from its module sources to this value, 0..100, by projection after each step (0 = no"
            + " bound; docs/physics.md 4.2 uses 0.9, so a free relaxation with uniform weights converges in steps"
            + " that do not grow with depth).")
    double lipschitz;
    @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
    @Option(names = "--seed", defaultValue = "1", description = "Seed, any integer (default ${DEFAULT-VALUE}).")
    long seed;
    @Output(writes = {"config.json", "model.safetensors", "checkpoint.safetensors", "train.log", "eval.md",
        "samples-ddim.png"})
    @Option(names = "--out", defaultValue = "model", description = "Output directory, created if absent; a model"
            + " already there is kept unless --resume or --force (default ${DEFAULT-VALUE}).")
    Path out;
    @Input(Input.Kind.DIRECTORY)
    @Option(names = "--data", description = "Directory of MNIST-format IDX files (default /usr/share/datasets/fashion-mnist).")
    Path data;
    @Input(Input.Kind.FILE)
    @Option(names = "--config", description = "U-Net config JSON (default: the shipped architecture).")
    Path config;
    @Range(min = 1, max = UNetConfig.MAX_CHANNELS)
    @Option(names = "--channels", split = ",", description = "Channels per level, each 1..4096, e.g. 16,32,64 (overrides the config).")
    int[] channels;
    @Range(min = 1, max = UNetConfig.MAX_BLOCKS)
    @Option(names = "--blocks", description = "Blocks per level, 1..32 (overrides the config).")
    Integer blocks;
    @Range(min = 1, max = 4096)
    @Option(names = "--time-hidden", description = "Width of the time-embedding network, 1..4096 (overrides the config;"
            + " the shipped model's is 6).")
    Integer timeHidden;
    @Range(min = 0, max = 4096)
    @Option(names = "--skip-channels", split = ",", description = "Per skip level, narrow the skip to k channels, each"
            + " 0..4096, by a learned 1x1 projection at training time (0 = full width), e.g. 8,8.")
    int[] skipChannels;
    @Range(min = 1, max = 2)
    @Option(names = "--skip-pool", split = ",", description = "Per skip level, 1..2: 1 (full resolution) or 2 (2x2"
            + " average-pooled skip, upsampled by the decoder's merge), e.g. 2,2.")
    int[] skipPool;
    @Range(min = 0, max = Integer.MAX_VALUE)
    @Option(names = "--limit", defaultValue = "0", description = "Train on the first N images only, 0..2147483647 (0 = all).")
    int limit;
    @Range(min = 0, max = 1024)
    @Option(names = "--threads", defaultValue = "0", description = "Worker threads, 0..1024 (0 = all cores); does not change the result.")
    int threads;
    @Range(min = 1, max = 1_000_000_000)
    @Option(names = "--checkpoint-every", defaultValue = "500", description = "Steps between checkpoints, 1..1000000000;"
            + " one is also written at every epoch end (default ${DEFAULT-VALUE}).")
    int checkpointEvery;
    @Range(min = 0, max = 1e7)
    @Option(names = "--max-minutes", defaultValue = "0", description = "Stop cleanly with a checkpoint after this many"
            + " minutes, 0..10000000 (0 = no limit).")
    double maxMinutes;
    @Option(names = "--resume", description = "Continue from DIR/checkpoint.safetensors (same options).")
    boolean resume;
    @Option(names = "--force", description = "Overwrite a model already in --out instead of refusing.")
    boolean force;
    @Range(min = 0, max = 10_000)
    @Option(names = "--eval-images", defaultValue = "2000", description = "Test images for the final eps-MSE table,"
            + " 0..10000 (0 = skip).")
    int evalImages;

    /** Option combinations, and the model-overwrite policy, before any work. */
    @Override
    public void validate() {
        if (batch % 4 != 0) {
            throw new IllegalArgumentException("--batch is " + batch + ", accepted: a multiple of 4 in 4..4096");
        }
        if (channels != null && (channels.length < 1 || channels.length > UNetConfig.MAX_LEVELS)) {
            throw new IllegalArgumentException("--channels lists " + channels.length + " levels, accepted: 1.."
                    + UNetConfig.MAX_LEVELS);
        }
        // A trained model is hours of work: never overwrite one silently.
        if (!resume && !force && (Files.exists(out.resolve("model.safetensors"))
                || Files.exists(out.resolve("checkpoint.safetensors")))) {
            throw new IllegalArgumentException("--out " + out + " already holds a model (model.safetensors or"
                    + " checkpoint.safetensors): pass --resume to continue it, choose another --out, or pass --force"
                    + " to overwrite it");
        }
        if (resume && !Files.isRegularFile(out.resolve("checkpoint.safetensors"))) {
            throw new IllegalArgumentException("--resume: " + out.resolve("checkpoint.safetensors") + " does not"
                    + " exist, accepted: --resume with an --out that holds a checkpoint");
        }
    }

    @Override
    public Integer call() throws Exception {
        UNetConfig cfg = config != null ? UNetConfig.read(config) : UNetConfig.defaults();
        if (channels != null || blocks != null) {
            cfg = cfg.withChannels(channels != null ? channels : cfg.channels(),
                    blocks != null ? blocks : cfg.blocksPerLevel());
        }
        if (timeHidden != null) {
            cfg = cfg.withTime(cfg.timeEmbedDim(), timeHidden);
        }
        if (skipChannels != null) {
            cfg = cfg.withSkipChannels(skipChannels);
        }
        if (skipPool != null) {
            cfg = cfg.withSkipPool(skipPool);
        }
        cfg.footprint().requireFits(Runtime.getRuntime().maxMemory());
        Path dir = data != null ? data : Dataset.DEFAULT_DIR;
        Dataset train = Dataset.load(dir, true);
        if (train.height() != cfg.imageSize() || train.width() != cfg.imageSize() || cfg.imageChannels() != 1) {
            throw new IllegalArgumentException((data != null ? "--data " : "") + dir + ": the training images are "
                    + train.height() + "x" + train.width() + " greyscale, but the config wants "
                    + cfg.imageChannels() + " channel(s) of " + cfg.imageSize() + "x" + cfg.imageSize()
                    + " (imageChannels, imageSize)");
        }
        TrainOptions opt = new TrainOptions(epochs, batch, lr, warmup, ema, seed, limit, out, threads,
                checkpointEvery, maxMinutes, clip, lipschitz);
        if (threads > 0) {
            UNet.setThreads(threads);
        }
        Trainer tr = new Trainer(cfg, opt, train, resume, System.err);
        UNet probe = tr.network();
        System.err.printf(Locale.ROOT, "U-Net %s, %d blocks/level: %d parameters, %d units, %.2f MFLOP/image; %d "
                        + "images, %d steps/epoch, %d threads%n", Arrays.toString(cfg.channels()), cfg.blocksPerLevel(),
                probe.parameterCount(), probe.unitCount(), 2e-6 * probe.macsPerImage(), train.count(),
                tr.stepsPerEpoch(), UNet.threads());
        Trainer.Result r = tr.run();
        System.err.printf(Locale.ROOT, "%s: %d epochs, %d steps, last epoch mean loss %.5f, %.1f s this session%n",
                r.finished() ? "finished" : "paused", r.epochsDone(), r.steps(), r.lastEpochLoss(), r.seconds());
        if (r.finished()) {
            if (evalImages > 0) {
                Dataset test = Dataset.load(dir, false);
                Evaluation.Row[] rows = Evaluation.epsilonMse(r.ema(), test, Math.min(evalImages, test.count()), 10, 12345);
                String table = Evaluation.table(rows);
                System.err.print(table);
                Files.writeString(out.resolve("eval.md"), "Test eps-MSE, first " + Math.min(evalImages, test.count())
                        + " test images, one t per image per bucket, seed 12345\n\n" + table, StandardCharsets.UTF_8);
            }
            float[] s = new Sampler(r.ema()).ddim(64, 50, seed);
            Png.writeGrid(out.resolve("samples-ddim.png"), s, 64, cfg.imageSize(), cfg.imageSize(), 8);
            System.err.println("wrote " + out.resolve("samples-ddim.png"));
        }
        return 0;
    }
}
