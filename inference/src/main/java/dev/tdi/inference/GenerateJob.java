package dev.tdi.inference;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.UNet;
import dev.tdi.unet.classify.Classifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code tdi generate}: deterministic DDIM sampling (eta = 0) in which every denoiser call is one relaxation of the
 * substrate, warm-started from the previous call's final state, beside the digital sampler from the same seeds. The
 * samples advance together: at each DDIM step their relaxations run as batches ({@code --batch}), each sample's
 * chain with its own x_t, biases, warm start and seed, so the result does not depend on the batch size.
 */
public final class GenerateJob {
    /** Parameters. */
    /**
     * Parameters.
     *
     * @param samples        substrate samples (each with a digital twin from the same seed)
     * @param digitalSamples digital samples for FD(digital) (at least {@code samples}; the first {@code samples} are
     *                       the twins)
     */
    public record Params(String backend, String coupling, String conditioning, int steps, int samples, Path out,
                         long seed, double temperature, Path model, int digitalSamples, int batch) {
        /** With as many digital samples as {@link #DEFAULT_DIGITAL_SAMPLES} (at least {@code samples}). */
        public Params(String backend, String coupling, String conditioning, int steps, int samples, Path out,
                      long seed, double temperature, Path model) {
            this(backend, coupling, conditioning, steps, samples, out, seed, temperature, model,
                    Math.max(samples, DEFAULT_DIGITAL_SAMPLES), Jobs.DEFAULT_BATCH);
        }

        /** With {@code digitalSamples} digital samples and the default batch. */
        public Params(String backend, String coupling, String conditioning, int steps, int samples, Path out,
                      long seed, double temperature, Path model, int digitalSamples) {
            this(backend, coupling, conditioning, steps, samples, out, seed, temperature, model, digitalSamples,
                    Jobs.DEFAULT_BATCH);
        }
    }

    /** Default number of digital samples (cheap: one batched U-Net pass per DDIM step). */
    public static final int DEFAULT_DIGITAL_SAMPLES = 200;
    /** Twins drawn in samples.png (the first ones). */
    static final int PNG_SAMPLES = 16;
    /** Digital samples per batched DDIM pass (bounds memory). */
    static final int DIGITAL_BATCH = 100;

    private GenerateJob() {
    }

    /** The DDIM time steps, descending: round(linspace(T-1, 0, n)). */
    public static int[] schedule(int diffusionSteps, int n) {
        int[] ts = new int[n];
        for (int i = 0; i < n; i++) {
            ts[i] = (int) Math.round((diffusionSteps - 1) * (n == 1 ? 1.0 : 1.0 - (double) i / (n - 1)));
        }
        return ts;
    }

    /** A denoiser: predicted epsilon for x at step t. */
    interface Eps {
        float[] eps(float[] x, int t);
    }

    /** A batched denoiser: predicted epsilon for every x at step t, in order. */
    interface BatchEps {
        List<float[]> eps(List<float[]> xs, int t);
    }

    /** One DDIM trajectory from x_T, returning the final x0. */
    static float[] ddim(UNet net, float[] xT, int[] ts, Eps model) {
        return ddimAll(net, List.of(xT), ts, (xs, t) -> List.of(model.eps(xs.get(0), t))).get(0);
    }

    /** DDIM trajectories from several x_T advanced together (one batched denoiser call per step); the final x0s. */
    static List<float[]> ddimAll(UNet net, List<float[]> xTs, int[] ts, BatchEps model) {
        List<float[]> xs = new ArrayList<>();
        xTs.forEach(xT -> xs.add(xT.clone()));
        List<float[]> x0s = new ArrayList<>();
        for (int i = 0; i < ts.length; i++) {
            int t = ts[i];
            List<float[]> eps = model.eps(List.copyOf(xs), t);
            x0s.clear();
            double abPrev = i + 1 < ts.length ? Workload.alphaBar(net.config(), ts[i + 1]) : 1.0;
            double ab = Workload.alphaBar(net.config(), t);
            for (int m = 0; m < xs.size(); m++) {
                float[] x = xs.get(m);
                float[] x0 = Jobs.x0Estimate(net, x, eps.get(m), t);
                x0s.add(x0);
                for (int j = 0; j < x.length; j++) {
                    // recompute eps consistent with the clipped x0 (standard DDIM with clipping)
                    double e = (x[j] - Math.sqrt(ab) * x0[j]) / Math.sqrt(1 - ab);
                    x[j] = (float) (Math.sqrt(abPrev) * x0[j] + Math.sqrt(1 - abPrev) * e);
                }
            }
        }
        return x0s;
    }

    /** The starting noise x_T of sample m: standard normal from a generator seeded by (seed, m). */
    static float[] startingNoise(UNet net, long seed, int m) {
        SplittableRandom r = new SplittableRandom(seed * 7919 + m);
        float[] xT = new float[net.inputSize()];
        for (int i = 0; i < xT.length; i++) {
            xT[i] = (float) Workload.gaussian(r);
        }
        return xT;
    }

    /**
     * n digital DDIM samples from the starting noise of samples 0..n-1, in batches of {@value #DIGITAL_BATCH}:
     * DDIM's update is per pixel and every image of a batch is at the same t, so one trajectory of the concatenated
     * batch is the batch of trajectories.
     */
    static List<float[]> digitalSamples(UNet net, int[] ts, long seed, int n) {
        int size = net.inputSize();
        List<float[]> out = new ArrayList<>(n);
        for (int first = 0; first < n; first += DIGITAL_BATCH) {
            int m = Math.min(DIGITAL_BATCH, n - first);
            float[] xT = new float[m * size];
            for (int i = 0; i < m; i++) {
                System.arraycopy(startingNoise(net, seed, first + i), 0, xT, i * size, size);
            }
            double[] tb = new double[m];
            float[] x0 = ddim(net, xT, ts, (x, t) -> {
                java.util.Arrays.fill(tb, t);
                return net.predict(x, tb);
            });
            for (int i = 0; i < m; i++) {
                out.add(java.util.Arrays.copyOfRange(x0, i * size, (i + 1) * size));
            }
        }
        return out;
    }

    /**
     * The reference images for FD: the test split (test images 500-4999) when the full test set is installed, else
     * the shipped subset (test images 0-499). Returns where they came from.
     */
    static String referenceImages(Workload data, List<float[]> into) {
        EvaluationSplit test = EvaluationSplit.TEST;
        if (data.count() >= test.index(test.size() - 1) + 1) {
            for (int k = 0; k < test.size(); k++) {
                into.add(data.image(test.index(k)));
            }
            return "the test split, Fashion-MNIST test images " + test.index(0) + "-" + test.index(test.size() - 1);
        }
        int n = Math.min(data.count(), dev.tdi.unet.EvaluationSet.SIZE);
        for (int i = 0; i < n; i++) {
            into.add(data.image(i));
        }
        return "Fashion-MNIST test images 0-" + (n - 1) + " (the shipped subset; install dataset-fashion-mnist for"
                + " the 4,500-image test split)";
    }

    private static Classifier loadClassifier() throws IOException {
        try {
            return Classifier.loadDefault();
        } catch (java.io.UncheckedIOException e) {
            throw new IOException("the shipped classifier is not in this build (" + e.getCause().getMessage() + ")", e);
        }
    }

    public static Map<String, Object> execute(Params p, PrintStream out) throws IOException {
        if (p.steps() < 1 || p.samples() < 2) {
            throw new IllegalArgumentException("--steps must be >= 1 and --samples >= 2 (FD needs a covariance), found "
                    + p.steps() + " and " + p.samples());
        }
        if (p.digitalSamples() < p.samples()) {
            throw new IllegalArgumentException("--digital-samples must be >= --samples (the first are the substrate"
                    + " samples' twins), found " + p.digitalSamples() + " < " + p.samples());
        }
        Classifier classifier = loadClassifier();
        Jobs.validate(p.backend(), List.of(p.coupling()), List.of(p.conditioning()));
        long start = System.nanoTime();
        Jobs.Model model = Jobs.loadModel(p.model());
        UNet net = model.net();
        Map<String, Object> header = Jobs.header("tdi generate", p.seed(), p.backend(), p.coupling(),
                p.conditioning(), model);
        Jobs.printHeader(out, header);
        Workload data = Workload.load();
        out.println("data: " + data.source());
        ShapeCheck.require(p.backend(), net, List.of(p.coupling())); // refuse in seconds, not after calibration
        Experiment e = new Experiment(net, data, Jobs.setup(p.backend(), p.seed(), 1, p.temperature(), p.batch()),
                new EnergyLedger(), null);
        CompiledUNet c = e.compile(p.coupling());
        ConditioningInterface iface = Jobs.interfaces().create(p.conditioning(), e.calibrationInputs(), e.oracle(),
                p.seed());
        int[] ts = schedule(net.config().diffusionSteps(), p.steps());
        int n = net.config().diffusionSteps();
        out.printf(Locale.ROOT, "digital DDIM: %d samples ...%n", p.digitalSamples());
        List<float[]> digital = digitalSamples(net, ts, p.seed(), p.digitalSamples());
        List<float[]> substrate = new ArrayList<>();
        double[] cos = new double[p.samples()];
        long relaxSteps = 0;
        long relaxNanos = 0;
        try (Substrate s = SubstrateRegistry.open(p.backend(), dev.tdi.substrate.SubstrateConfig.defaults())) {
            SubstrateDenoiser probe = new SubstrateDenoiser(s, c, iface, new SubstrateDenoiser.Settings(0, 0, 1, 1));
            long converge = e.stepsToConverge(probe, 1e-3, 4096);
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, iface, e.settingsFor(c, p.temperature(), converge));
            out.printf(Locale.ROOT, "DDIM: %d denoiser calls per sample, each a relaxation of %d steps (%s; %d to"
                    + " converge at T = 0), warm-started; samples relaxed in batches of %d%n", p.steps(),
                    d.stepsPerInference(), c.plan().scheduled() ? "hold schedule, " + c.plan().holdWindow()
                    + " steps per phase" : "burn-in + window", converge,
                    s.supports(dev.tdi.substrate.Feature.PER_CHAIN_INPUTS) ? p.batch() : 1);
            List<float[]> xTs = new ArrayList<>();
            for (int m = 0; m < p.samples(); m++) {
                xTs.add(startingNoise(net, p.seed(), m));
            }
            float[][] warm = new float[p.samples()][];
            long[][] acc = new long[p.samples()][2];
            int[] calls = {0};
            substrate.addAll(ddimAll(net, xTs, ts, (xs, t) -> {
                List<SubstrateDenoiser.Input> inputs = new ArrayList<>();
                for (int m = 0; m < xs.size(); m++) {
                    inputs.add(new SubstrateDenoiser.Input(xs.get(m), ConditioningInput.of(t, n), warm[m],
                            p.seed() * 1_000_003L + m * 1000L + t));
                }
                List<SubstrateDenoiser.Relaxed> rx = d.denoiseAll(inputs, p.batch());
                List<float[]> eps = new ArrayList<>();
                for (int m = 0; m < xs.size(); m++) {
                    warm[m] = rx.get(m).finalState();
                    acc[m][0] += rx.get(m).steps();
                    acc[m][1] += rx.get(m).wallNanos();
                    eps.add(rx.get(m).states().get("out"));
                }
                double el = (System.nanoTime() - start) / 1e9;
                calls[0]++;
                out.printf(Locale.ROOT, "  DDIM step %d/%d (t = %d): %d samples relaxed (elapsed %.0f s, ETA %.0f s)%n",
                        calls[0], ts.length, t, xs.size(), el, el / calls[0] * (ts.length - calls[0]));
                return eps;
            }));
            for (int m = 0; m < p.samples(); m++) {
                relaxSteps += acc[m][0];
                relaxNanos += acc[m][1];
                cos[m] = Metrics.cosine(substrate.get(m), digital.get(m));
                out.printf(Locale.ROOT, "  sample %d/%d: cosine(substrate, digital) = %.4f  (%d relaxation steps, %.0f"
                                + " steps/s per sample)%n", m + 1, p.samples(), cos[m], acc[m][0],
                        acc[m][0] / Math.max(1e-9, acc[m][1] / 1e9));
            }
        }
        List<float[]> reference = new ArrayList<>();
        String referenceSource = referenceImages(data, reference);
        SampleQuality.Report q = SampleQuality.measure(classifier, reference, digital, substrate);
        double wall = (System.nanoTime() - start) / 1e9;
        out.println("sample quality (classifier " + classifier.metadata().getOrDefault("command", "shipped")
                + ", test accuracy " + classifier.metadata().getOrDefault("test_accuracy", "?") + "); reference: "
                + referenceSource);
        out.print(q.format());
        out.printf(Locale.ROOT, "mean per-sample cosine %.4f (min %.4f) over %d samples; %.3f ms per relaxation step"
                + " and sample;"
                + " wall time %.0f s%n", Metrics.mean(cos), Metrics.min(cos), p.samples(),
                relaxNanos / 1e6 / Math.max(1, relaxSteps), wall);
        int side = (int) Math.round(Math.sqrt(net.inputSize()));
        Path png = p.out().resolve("samples.png");
        int shown = Math.min(PNG_SAMPLES, substrate.size());
        Plots.imageGrid(png, List.of("digital DDIM", "substrate DDIM"), List.of(digital.subList(0, shown),
                substrate.subList(0, shown)), side, 3,
                "DDIM, " + p.steps() + " steps, same seeds: " + p.coupling() + " + " + p.conditioning() + " on "
                        + p.backend());
        Map<String, Object> r = new LinkedHashMap<>(header);
        r.putAll(q.toMap());
        r.put("reference_source", referenceSource);
        r.put("ddim_steps", p.steps());
        r.put("samples", p.samples());
        r.put("batch", p.batch());
        r.put("temperature", p.temperature());
        r.put("per_sample_cosine", cos);
        r.put("mean_cosine", Metrics.mean(cos));
        r.put("relaxation_steps", relaxSteps);
        r.put("seconds_per_step", relaxNanos / 1e9 / Math.max(1, relaxSteps));
        r.put("wall_seconds", wall);
        Jobs.writeJson(p.out().resolve("results.json"), r);
        out.println("wrote " + png + " and " + p.out().resolve("results.json"));
        return r;
    }
}
