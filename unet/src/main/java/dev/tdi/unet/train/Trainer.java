package dev.tdi.unet.train;

import dev.tdi.unet.Dataset;
import dev.tdi.unet.NoiseSchedule;
import dev.tdi.unet.Tensor;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetConfig;
import dev.tdi.unet.UNetModel;
import dev.tdi.unet.io.Safetensors;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DDPM training with the epsilon objective: {@code L = mean ||eps - net(sqrt(ab_t) x0 + sqrt(1-ab_t) eps, t)||^2}
 * with t uniform in 0..T-1, Adam, warm-up and cosine decay of the learning rate, global-norm clipping and an
 * exponential moving average of the weights (the saved model).
 *
 * <p><b>Determinism.</b> Every random draw is a function of (seed, epoch, step, image slot), never of a shared
 * generator; a batch is cut into fixed chunks of {@value #CHUNK} images whose gradients are summed in a fixed
 * order, image by image, then the chunks are summed in chunk order. The result is therefore the same whatever
 * the number of threads, and a run resumed from a checkpoint continues exactly as if it had not stopped (on a
 * machine with the same vector width).
 *
 * <p><b>Files</b> in the output directory: {@code config.json} and {@code model.safetensors} (the EMA weights,
 * updated at every checkpoint), {@code checkpoint.safetensors} (weights, EMA, Adam moments, position) and
 * {@code train.log} (one line per epoch).
 */
public final class Trainer {
    /** Images per gradient chunk (fixed, so results do not depend on threads). */
    public static final int CHUNK = 4;
    /** File name of the checkpoint. */
    public static final String CHECKPOINT = "checkpoint.safetensors";

    private final UNetConfig cfg;
    private final TrainOptions opt;
    private final Dataset data;
    private final PrintStream log;
    private final UNet net;
    private final float[] m, v, ema;
    private final SpectralBound bound; // null: no operator-norm bound
    private int epoch, step; // position: next step to run
    private long globalStep;
    private double lastEpochLoss = Double.NaN;
    private double lastLoss = Double.NaN;

    /** Result of a run. */
    public record Result(UNet ema, int epochsDone, long steps, double lastLoss, double lastEpochLoss,
                         boolean finished, double seconds) {
    }

    /**
     * A trainer, fresh or resumed from {@code opt.out()/checkpoint.safetensors} when {@code resume} is set.
     */
    public Trainer(UNetConfig cfg, TrainOptions opt, Dataset data, boolean resume, PrintStream log)
            throws IOException {
        this.cfg = cfg;
        this.opt = opt;
        this.data = opt.limit() > 0 && opt.limit() < data.count() ? data.head(opt.limit()) : data;
        this.log = log;
        if (data.height() != cfg.imageSize() || data.width() != cfg.imageSize() || cfg.imageChannels() != 1) {
            throw new IllegalArgumentException("the training data are " + data.count() + " greyscale images of "
                    + data.height() + "x" + data.width() + " pixels, but the config wants images of "
                    + cfg.imageChannels() + " channel(s) x " + cfg.imageSize() + "x" + cfg.imageSize()
                    + " (imageChannels, imageSize)");
        }
        if (resume) {
            Path cp = opt.out().resolve(CHECKPOINT);
            Safetensors.Content c = Safetensors.read(cp);
            Safetensors.requireFinite(c.tensors(), cp.toString());
            Map<String, String> meta = c.metadata();
            String savedJson = metadata(meta, "config", cp);
            UNetConfig saved;
            try {
                saved = UNetConfig.fromJson(savedJson);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(cp + ": metadata \"config\": " + e.getMessage(), e);
            }
            if (!saved.equals(cfg)) {
                throw new IllegalArgumentException(cp + ": the checkpoint was trained with another config: " + saved);
            }
            if (!opt.identity().equals(metadata(meta, "options", cp))) {
                throw new IllegalArgumentException(cp + ": the checkpoint was made with options [" + meta.get("options")
                        + "], this run has [" + opt.identity() + "]; resume with the same options");
            }
            // the built network's count: the footprint does not count the layers of the skip options
            int count = UNet.create(cfg, 0).parameterCount();
            net = UNet.withParameters(cfg, get(c, "params", cp, count));
            m = get(c, "adam.m", cp, count);
            v = get(c, "adam.v", cp, count);
            ema = get(c, "ema", cp, count);
            bound = opt.lipschitz() > 0 ? new SpectralBound(net, opt.seed()) : null;
            if (bound != null) {
                Map<String, float[]> vectors = new LinkedHashMap<>();
                c.tensors().forEach((name, tensor) -> vectors.put(name, tensor.data()));
                bound.restore(vectors, cp.toString());
            }
            epoch = (int) number(meta, "epoch", cp, opt.epochs());
            step = (int) number(meta, "step", cp, Integer.MAX_VALUE);
            globalStep = number(meta, "globalStep", cp, Long.MAX_VALUE);
            try {
                lastEpochLoss = Double.parseDouble(meta.getOrDefault("lastEpochLoss", "NaN"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(cp + ": metadata \"lastEpochLoss\" is \""
                        + meta.get("lastEpochLoss") + "\", accepted: a number");
            }
            log.printf(Locale.ROOT, "resumed from %s at epoch %d step %d%n", cp, epoch + 1, step);
        } else {
            net = UNet.create(cfg, opt.seed());
            m = new float[net.parameterCount()];
            v = new float[net.parameterCount()];
            bound = opt.lipschitz() > 0 ? new SpectralBound(net, opt.seed()) : null;
            if (bound != null) { // start inside the bound, so the EMA never averages weights outside it
                bound.enforce(net.parameters(), opt.lipschitz(), 30);
            }
            ema = net.parameters().clone();
        }
    }

    private static float[] get(Safetensors.Content c, String name, Path file, int length) {
        Tensor t = c.tensors().get(name);
        if (t == null) {
            throw new IllegalArgumentException(file + ": missing tensor \"" + name + "\"");
        }
        if (t.data().length != length) {
            throw new IllegalArgumentException(file + ": tensor \"" + name + "\" holds " + t.data().length
                    + " values, the config's network has " + length + " parameters");
        }
        return t.data();
    }

    private static String metadata(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": missing metadata \"" + key + "\" (not a tdi checkpoint?)");
        }
        return v;
    }

    /** A metadata integer in 0..max. */
    private static long number(Map<String, String> meta, String key, Path file, long max) {
        String v = metadata(meta, key, file);
        try {
            long n = Long.parseLong(v);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(file + ": metadata \"" + key + "\" is \"" + v + "\", accepted: an integer in"
                + " 0.." + max);
    }

    /** The network being trained (live weights, not the EMA). */
    public UNet network() {
        return net;
    }

    /** Steps per epoch. */
    public int stepsPerEpoch() {
        return data.count() / opt.batch();
    }

    private static long mix(long... xs) {
        long h = 0x9E3779B97F4A7C15L;
        for (long x : xs) {
            h ^= x + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    private int[] permutation(int ep) {
        int n = data.count();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(mix(opt.seed(), 1, ep));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    private double learningRate(long s) {
        long total = (long) opt.epochs() * stepsPerEpoch();
        if (s < opt.warmup()) {
            return opt.lr() * (s + 1) / opt.warmup();
        }
        double f = Math.min(1.0, (s - opt.warmup()) / (double) Math.max(1, total - opt.warmup()));
        return opt.lr() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * f)));
    }

    /** Runs until all epochs are done or the time limit is reached; writes the model and checkpoints. */
    public Result run() throws IOException {
        return run(Long.MAX_VALUE);
    }

    /**
     * As {@link #run()}, stopping (with a checkpoint) after at most {@code maxSteps} steps in this session, the same
     * way the time limit does.
     */
    public Result run(long maxSteps) throws IOException {
        Files.createDirectories(opt.out());
        if (opt.threads() > 0) {
            UNet.setThreads(opt.threads());
        }
        NoiseSchedule ns = NoiseSchedule.of(cfg);
        int T = cfg.diffusionSteps(), P = net.inputSize(), B = opt.batch(), nChunks = B / CHUNK;
        int spe = stepsPerEpoch();
        if (spe < 1) {
            throw new IllegalArgumentException("fewer training images (" + data.count() + ") than one batch (" + B + ")");
        }
        int np = net.parameterCount();
        float[][] chunkGrad = new float[nChunks][np];
        double[] chunkLoss = new double[nChunks];
        float[] grad = new float[np];
        float[] params = net.parameters();
        long t0 = System.nanoTime();
        long stepsThisSession = 0, images = 0;
        long totalSteps = (long) opt.epochs() * spe;
        Progress bar = new Progress(log);
        float scale = 1f / (B * P);
        boolean stopped = false;
        while (epoch < opt.epochs() && !stopped) {
            int[] perm = permutation(epoch);
            double epochLoss = 0;
            int epochSteps = 0;
            for (; step < spe; step++) {
                final int ep = epoch, st = step;
                UNet.parallel(nChunks, c -> {
                    float[] g = chunkGrad[c];
                    java.util.Arrays.fill(g, 0f);
                    float[] xt = new float[P], eps = new float[P], x0 = new float[P];
                    double l = 0;
                    for (int k = 0; k < CHUNK; k++) {
                        int slot = c * CHUNK + k;
                        SplittableRandom r = new SplittableRandom(mix(opt.seed(), 2, ep, st, slot));
                        int t = r.nextInt(T);
                        double ab = ns.alphaBar(t), sa = Math.sqrt(ab), sb = Math.sqrt(1 - ab);
                        data.image(perm[st * B + slot], x0, 0);
                        for (int j = 0; j < P; j++) {
                            eps[j] = (float) r.nextGaussian();
                            xt[j] = (float) (sa * x0[j] + sb * eps[j]);
                        }
                        l += net.lossGradient(xt, 0, t, eps, 0, scale, g);
                    }
                    chunkLoss[c] = l;
                });
                double loss = 0;
                for (int c = 0; c < nChunks; c++) {
                    loss += chunkLoss[c];
                }
                loss /= (double) B * P;
                int blocks = 64;
                int per = (np + blocks - 1) / blocks;
                UNet.parallel(blocks, bi -> {
                    int from = bi * per, to = Math.min(np, from + per);
                    for (int j = from; j < to; j++) {
                        float s = 0;
                        for (int c = 0; c < nChunks; c++) {
                            s += chunkGrad[c][j];
                        }
                        grad[j] = s;
                    }
                });
                double norm = 0;
                for (int j = 0; j < np; j++) {
                    norm += (double) grad[j] * grad[j];
                }
                norm = Math.sqrt(norm);
                float gs = (float) (opt.clip() > 0 && norm > opt.clip() ? opt.clip() / norm : 1.0);
                adam(params, grad, gs, learningRate(globalStep), globalStep + 1);
                if (bound != null) {
                    bound.project(params, opt.lipschitz(), 1);
                }
                updateEma(params, globalStep + 1);
                globalStep++;
                epochLoss += loss;
                epochSteps++;
                lastLoss = loss;
                stepsThisSession++;
                images += B;
                bar.update(epoch + 1, opt.epochs(), step + 1, spe, loss, images, stepsThisSession,
                        totalSteps - globalStep, false);
                if (opt.checkpointEvery() > 0 && globalStep % opt.checkpointEvery() == 0) {
                    int keep = step;
                    step++;
                    checkpoint();
                    step = keep;
                }
                if (stepsThisSession >= maxSteps
                        || opt.maxMinutes() > 0 && (System.nanoTime() - t0) / 6e10 >= opt.maxMinutes()) {
                    step++;
                    stopped = true;
                    break;
                }
            }
            if (step >= spe) { // the epoch is complete (also when the limit struck on its last step)
                lastEpochLoss = epochSteps > 0 ? epochLoss / epochSteps : lastEpochLoss;
                bar.update(epoch + 1, opt.epochs(), spe, spe, lastEpochLoss, images, stepsThisSession,
                        totalSteps - globalStep, true);
                bar.finish();
                String line = String.format(Locale.ROOT, "epoch %d/%d done: mean loss %.5f, %d steps, %.1f s%n",
                        epoch + 1, opt.epochs(), lastEpochLoss, globalStep, (System.nanoTime() - t0) / 1e9);
                log.print(line);
                Files.writeString(opt.out().resolve("train.log"), line, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                epoch++;
                step = 0;
            }
            checkpoint();
        }
        bar.finish();
        double sec = (System.nanoTime() - t0) / 1e9;
        if (stopped) {
            log.printf(Locale.ROOT, "stopped at the time or step limit after %.1f s at epoch %d step %d; continue with --resume%n",
                    sec, epoch + 1, step);
        }
        return new Result(emaNetwork(), epoch, globalStep, lastLoss, lastEpochLoss, epoch >= opt.epochs(), sec);
    }

    private void adam(float[] p, float[] g, float gs, double lr, long t) {
        double b1 = 0.9, b2 = 0.999, epsA = 1e-8;
        double c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
        int np = p.length;
        int blocks = 16, per = (np + blocks - 1) / blocks;
        UNet.parallel(blocks, bi -> {
            for (int j = bi * per, to = Math.min(np, j + per); j < to; j++) {
                float gj = g[j] * gs;
                m[j] = (float) (b1 * m[j] + (1 - b1) * gj);
                v[j] = (float) (b2 * v[j] + (1 - b2) * gj * gj);
                double mh = m[j] / c1, vh = v[j] / c2;
                p[j] -= (float) (lr * mh / (Math.sqrt(vh) + epsA));
            }
        });
    }

    /** The EMA after step t, of the weights as updated (and projected, under an operator-norm bound). */
    private void updateEma(float[] p, long t) {
        float d = (float) Math.min(opt.emaDecay(), (1.0 + t) / (10.0 + t));
        int np = p.length;
        int blocks = 16, per = (np + blocks - 1) / blocks;
        UNet.parallel(blocks, bi -> {
            for (int j = bi * per, to = Math.min(np, j + per); j < to; j++) {
                ema[j] = d * ema[j] + (1 - d) * p[j];
            }
        });
    }

    /**
     * The EMA weights as a network. Under an operator-norm bound the EMA of projected weights is within the bound
     * up to the lag of one power iteration per step (the norm is convex); the copy returned is brought within it
     * exactly ({@link SpectralBound#enforce}, 100 iterations, on a copy of the vectors so training is unaffected).
     */
    public UNet emaNetwork() {
        if (bound == null) {
            return UNet.withParameters(cfg, ema);
        }
        float[] w = ema.clone();
        bound.copy().enforce(w, opt.lipschitz(), ENFORCE_ITERATIONS);
        return UNet.withParameters(cfg, w);
    }

    /** Power iterations per layer when a bounded model is saved. */
    static final int ENFORCE_ITERATIONS = 100;

    private void checkpoint() throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("config", cfg.toJson());
        meta.put("options", opt.identity());
        meta.put("epoch", Integer.toString(epoch));
        meta.put("step", Integer.toString(step));
        meta.put("globalStep", Long.toString(globalStep));
        meta.put("lastEpochLoss", Double.toString(lastEpochLoss));
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("params", new Tensor(new int[]{net.parameterCount()}, net.parameters().clone()));
        t.put("adam.m", new Tensor(new int[]{m.length}, m.clone()));
        t.put("adam.v", new Tensor(new int[]{v.length}, v.clone()));
        t.put("ema", new Tensor(new int[]{ema.length}, ema.clone()));
        if (bound != null) {
            bound.vectors().forEach((name, vec) -> t.put(name, new Tensor(new int[]{vec.length}, vec)));
        }
        Path tmp = opt.out().resolve(CHECKPOINT + ".tmp");
        Safetensors.write(tmp, t, meta);
        Files.move(tmp, opt.out().resolve(CHECKPOINT), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> mm = new LinkedHashMap<>();
        mm.put("trainer", "tdi DDPM epsilon, Adam, EMA weights");
        mm.put("options", opt.identity());
        mm.put("epochsDone", Integer.toString(epoch));
        mm.put("steps", Long.toString(globalStep));
        mm.put("lastEpochLoss", Double.toString(lastEpochLoss));
        UNet saved = emaNetwork();
        if (bound != null) {
            double max = SpectralBound.norms(saved, ENFORCE_ITERATIONS).values().stream()
                    .mapToDouble(Double::doubleValue).max().orElse(0);
            mm.put("lipschitz", Double.toString(opt.lipschitz()));
            mm.put("maxLayerNorm", Double.toString(max));
        }
        UNetModel.save(saved, opt.out(), mm);
    }
}
