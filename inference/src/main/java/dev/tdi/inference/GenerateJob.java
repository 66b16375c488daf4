package dev.tdi.inference;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.UNet;
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
    public record Params(String backend, String coupling, String conditioning, int steps, int samples, Path out,
                         long seed, double temperature, Path model, int batch) {
    }

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

    public static Map<String, Object> execute(Params p, PrintStream out) throws IOException {
        if (p.steps() < 1 || p.samples() < 1) {
            throw new IllegalArgumentException("--steps and --samples must be >= 1, found " + p.steps() + " and "
                    + p.samples());
        }
        Jobs.validate(p.backend(), List.of(p.coupling()), List.of(p.conditioning()));
        long start = System.nanoTime();
        Jobs.Model model = Jobs.loadModel(p.model());
        UNet net = model.net();
        Map<String, Object> header = Jobs.header("tdi generate", p.seed(), p.backend(), p.coupling(),
                p.conditioning(), model);
        Jobs.printHeader(out, header);
        Workload data = Workload.load();
        out.println("data: " + data.source());
        Experiment e = new Experiment(net, data, Jobs.setup(p.backend(), p.seed(), 1, p.temperature(), p.batch()),
                new EnergyLedger(), null);
        CompiledUNet c = e.compile(p.coupling());
        ConditioningInterface iface = Jobs.interfaces().create(p.conditioning(), e.calibrationInputs(), e.oracle(),
                p.seed());
        int[] ts = schedule(net.config().diffusionSteps(), p.steps());
        int n = net.config().diffusionSteps();
        List<float[]> digital = new ArrayList<>();
        List<float[]> substrate = new ArrayList<>();
        double[] cos = new double[p.samples()];
        long relaxSteps = 0;
        long relaxNanos = 0;
        try (Substrate s = SubstrateRegistry.open(p.backend(), dev.tdi.substrate.SubstrateConfig.defaults())) {
            SubstrateDenoiser probe = new SubstrateDenoiser(s, c, iface, new SubstrateDenoiser.Settings(0, 0, 1, 1));
            long converge = e.stepsToConverge(probe, 1e-3, 4096);
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, iface, new SubstrateDenoiser.Settings(p.temperature(),
                    converge > 0 ? converge : 4096, Jobs.DEFAULT_WINDOW, 1));
            out.printf(Locale.ROOT, "DDIM: %d denoiser calls per sample, each a relaxation of %d steps (%d to converge"
                    + " + %d window), warm-started; samples relaxed in batches of %d%n", p.steps(),
                    d.settings().steps(), converge, Jobs.DEFAULT_WINDOW,
                    s.supports(dev.tdi.substrate.Feature.PER_CHAIN_INPUTS) ? p.batch() : 1);
            List<float[]> xTs = new ArrayList<>();
            for (int m = 0; m < p.samples(); m++) {
                SplittableRandom r = new SplittableRandom(p.seed() * 7919 + m);
                float[] xT = new float[net.inputSize()];
                for (int i = 0; i < xT.length; i++) {
                    xT[i] = (float) Workload.gaussian(r);
                }
                xTs.add(xT);
                digital.add(ddim(net, xT, ts, (x, t) -> net.predict(x, new double[]{t})));
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
        double wall = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "mean per-sample cosine %.4f (min %.4f) over %d samples; %.3f ms per relaxation step and sample;"
                + " wall time %.0f s%n", Metrics.mean(cos), Metrics.min(cos), p.samples(),
                relaxNanos / 1e6 / Math.max(1, relaxSteps), wall);
        int side = (int) Math.round(Math.sqrt(net.inputSize()));
        Path png = p.out().resolve("samples.png");
        Plots.imageGrid(png, List.of("digital DDIM", "substrate DDIM"), List.of(digital, substrate), side, 3,
                "DDIM, " + p.steps() + " steps, same seeds: " + p.coupling() + " + " + p.conditioning() + " on "
                        + p.backend());
        Map<String, Object> r = new LinkedHashMap<>(header);
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
