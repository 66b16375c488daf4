package dev.tdi.cli.unet;

import dev.tdi.unet.Dataset;
import dev.tdi.unet.Evaluation;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.io.Png;
import dev.tdi.unet.sample.Sampler;
import dev.tdi.unet.train.TrainOptions;
import dev.tdi.unet.train.Trainer;
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
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "16", description = "Epochs (default ${DEFAULT-VALUE}, the shipped model's).")
    int epochs;
    @Option(names = "--batch", defaultValue = "128", description = "Batch size, a multiple of 4 (default ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--warmup", defaultValue = "200", description = "Warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--ema", defaultValue = "0.999", description = "EMA decay of the saved weights (default ${DEFAULT-VALUE}).")
    double ema;
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clip, 0 for none (default ${DEFAULT-VALUE}).")
    double clip;
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--out", defaultValue = "model", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--data", description = "Directory of MNIST-format IDX files (default /usr/share/datasets/fashion-mnist).")
    Path data;
    @Option(names = "--config", description = "U-Net config JSON (default: the shipped architecture).")
    Path config;
    @Option(names = "--channels", split = ",", description = "Channels per level, e.g. 16,32,64 (overrides the config).")
    int[] channels;
    @Option(names = "--blocks", description = "Blocks per level (overrides the config).")
    Integer blocks;
    @Option(names = "--time-hidden", description = "Width of the time-embedding network (overrides the config; the shipped model's is 6).")
    Integer timeHidden;
    @Option(names = "--skip-channels", split = ",", description = "Per skip level, narrow the skip to k channels by a learned 1x1 projection at training time (0 = full width), e.g. 8,8 (overrides the config).")
    int[] skipChannels;
    @Option(names = "--skip-pool", split = ",", description = "Per skip level, 1 (full resolution) or 2 (2x2 average-pooled skip, upsampled by the decoder's merge), e.g. 2,2 (overrides the config).")
    int[] skipPool;
    @Option(names = "--limit", defaultValue = "0", description = "Train on the first N images only (0 = all).")
    int limit;
    @Option(names = "--threads", defaultValue = "0", description = "Worker threads (0 = all cores); does not change the result.")
    int threads;
    @Option(names = "--checkpoint-every", defaultValue = "500", description = "Steps between checkpoints (default ${DEFAULT-VALUE}).")
    int checkpointEvery;
    @Option(names = "--max-minutes", defaultValue = "0", description = "Stop cleanly with a checkpoint after this many minutes.")
    double maxMinutes;
    @Option(names = "--resume", description = "Continue from DIR/checkpoint.safetensors (same options).")
    boolean resume;
    @Option(names = "--force", description = "Overwrite a model already in --out instead of refusing.")
    boolean force;
    @Option(names = "--eval-images", defaultValue = "2000", description = "Test images for the final eps-MSE table (0 = skip).")
    int evalImages;

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
        // A trained model is hours of work: never overwrite one silently.
        if (!resume && !force && (Files.exists(out.resolve("model.safetensors"))
                || Files.exists(out.resolve("checkpoint.safetensors")))) {
            throw new IllegalArgumentException(out + " already holds a model (model.safetensors or"
                    + " checkpoint.safetensors): pass --resume to continue it, choose another --out, or pass --force"
                    + " to overwrite it");
        }
        Path dir = data != null ? data : Dataset.DEFAULT_DIR;
        Dataset train = Dataset.load(dir, true);
        TrainOptions opt = new TrainOptions(epochs, batch, lr, warmup, ema, seed, limit, out, threads,
                checkpointEvery, maxMinutes, clip);
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
