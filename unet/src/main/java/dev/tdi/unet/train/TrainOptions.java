package dev.tdi.unet.train;

import java.nio.file.Path;

/**
 * Options of a training run. Everything that changes the result is here and recorded in the checkpoint; the thread
 * count is not, because the result does not depend on it.
 *
 * @param epochs          passes over the training set
 * @param batch           images per step (a multiple of {@link Trainer#CHUNK})
 * @param lr              peak Adam learning rate (linear warm-up, then cosine decay to lr/10)
 * @param warmup          warm-up steps
 * @param emaDecay        decay of the exponential moving average of the weights (the saved model)
 * @param seed            seed of initialisation, shuffling, time steps and noise
 * @param limit           use only the first {@code limit} training images (0 = all)
 * @param out             output directory (model, checkpoint, log)
 * @param threads         worker threads (0 = all cores); does not change the result
 * @param checkpointEvery steps between checkpoints (0 = only at epoch ends)
 * @param maxMinutes      stop cleanly (with a checkpoint) after this many minutes (0 = no limit)
 * @param clip            global gradient-norm clip (0 = none)
 * @param lipschitz       substrate-aware training: the bound on every layer's operator norm from its module sources,
 *                        kept by projection after each step ({@link SpectralBound}); 0 = none
 */
public record TrainOptions(int epochs, int batch, double lr, int warmup, double emaDecay, long seed, int limit,
                           Path out, int threads, int checkpointEvery, double maxMinutes, double clip,
                           double lipschitz) {
    /** Options without an operator-norm bound. */
    public TrainOptions(int epochs, int batch, double lr, int warmup, double emaDecay, long seed, int limit,
                        Path out, int threads, int checkpointEvery, double maxMinutes, double clip) {
        this(epochs, batch, lr, warmup, emaDecay, seed, limit, out, threads, checkpointEvery, maxMinutes, clip, 0);
    }

    /** Validates. */
    public TrainOptions {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1");
        }
        if (batch < Trainer.CHUNK || batch % Trainer.CHUNK != 0) {
            throw new IllegalArgumentException("--batch must be a positive multiple of " + Trainer.CHUNK);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr must be > 0");
        }
        if (!(lipschitz >= 0) || Double.isInfinite(lipschitz)) {
            throw new IllegalArgumentException("--lipschitz must be 0 (none) or a positive bound, found " + lipschitz);
        }
    }

    /** The string recorded in checkpoints: every option that changes the result. */
    public String identity() {
        return "epochs=" + epochs + " batch=" + batch + " lr=" + lr + " warmup=" + warmup + " ema=" + emaDecay
                + " seed=" + seed + " limit=" + limit + " clip=" + clip
                // only when set, so checkpoints made before the option existed still resume
                + (lipschitz > 0 ? " lipschitz=" + lipschitz : "");
    }
}
