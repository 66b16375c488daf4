package dev.tdi.inference;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.coupling.CouplingStrategies;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.ProgramRange;
import dev.tdi.substrate.Range;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.UNet;
import dev.tdi.unet.train.SpectralBound;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The U-Net half of {@code tdi relaxation-study}: each way of relaxing measured on trained U-Nets (the shipped model,
 * and e.g. one trained with {@code --lipschitz}), not only on synthetic chains. Per model it reports the largest
 * layer operator norm (the quantity substrate-aware training bounds) and, per approach, the program's dynamic range,
 * the steps to converge (decoder within 1e-3 of the program's exact fixed point at T = 0, input 0, doubling up to a
 * limit) and the output error after a step budget: the epsilon MSE against the true noise, substrate over digital,
 * over the first dev-split inputs at the given temperature, with the decoder's relative distance to the fixed point
 * at T = 0 beside it.
 *
 * <p>To isolate the relaxation every program keeps its skips as trained ({@code dense}) and reads the exact time
 * biases ({@code oracle} interface), and runs on {@code sim} with its range lifted ({@code range=unbounded}), so that
 * the graded plan's decades can be measured rather than refused.
 */
public final class UNetRelaxationStudy {

    /** The range ratio the bounded approaches are fitted to: the analog range of {@code sim} (docs/physics.md 4.4). */
    public static final double RATIO = 1e3;

    /** The approaches, in the order they are reported. */
    public enum Approach {
        /** Every weight 1, every module free, the stable eta. */
        UNIFORM("uniform"),
        /** Graded weights, gamma = 0.1, unbounded. */
        GRADED("graded g=0.1"),
        /** Graded weights bounded to 1e3 (gamma doubled until they fit). */
        GRADED_BOUNDED("graded, w<=1e3"),
        /** The hold schedule. */
        SCHEDULED("hold schedule");

        final String label;

        Approach(String label) {
            this.label = label;
        }

        /**
         * The compiler options: every approach but the unbounded graded plan has its couplings fitted to a ratio of
         * {@link #RATIO} (those below the largest / ratio set to zero, as a device with that resolution realises
         * them), so its decades are what a device would hold; the graded plan's weights alone span more, so it is
         * compiled unfitted and its decades are the price of keeping it exact.
         */
        UNetCompiler.Options options() {
            UNetCompiler.Options d = UNetCompiler.Options.defaults();
            Range fit = new Range(Double.POSITIVE_INFINITY, RATIO);
            return switch (this) {
                case UNIFORM -> d.withKind(RelaxationPlan.Kind.UNIFORM).withRanges(fit, fit);
                case GRADED -> d.withKind(RelaxationPlan.Kind.GRADED);
                case GRADED_BOUNDED -> d.withKind(RelaxationPlan.Kind.GRADED).withMaxWeight(RATIO)
                        .withRanges(fit, fit);
                case SCHEDULED -> d.withRanges(fit, fit);
            };
        }
    }

    /**
     * Parameters.
     *
     * @param models      models by label, in order (a null directory is the shipped model)
     * @param inputs      dev-split inputs for the output error
     * @param seed        seed of inputs, calibration and noise
     * @param temperature T of the budgeted runs
     * @param maxSteps    limit of the convergence search
     * @param budget      steps per inference of the budgeted runs (free plans: burn-in + window; a schedule runs
     *                    its own phases when they fit, else it is reported as not fitting)
     * @param window      read-out window of the free plans' budgeted runs
     */
    public record Params(Map<String, Path> models, int inputs, long seed, double temperature, long maxSteps,
                         long budget, long window) {
    }

    /** One measurement. */
    public record Point(String model, String approach, double maxLayerNorm, double exactRangeDecades,
                        double rangeDecades, double zeroedFraction,
                        long stepsToConverge, long stepsPerInference, double decoderErrorAtBudget,
                        double epsilonMseRatio, double epsilonMseSubstrate, double epsilonMseDigital, int inputs) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model);
            m.put("approach", approach);
            m.put("max_layer_norm", maxLayerNorm);
            m.put("dynamic_range_decades_exact", exactRangeDecades);
            m.put("dynamic_range_decades", rangeDecades);
            m.put("range_fit_zeroed_norm_fraction", zeroedFraction);
            m.put("steps_to_converge", stepsToConverge);
            m.put("steps_per_inference", stepsPerInference);
            m.put("decoder_relative_error_at_budget", Double.isFinite(decoderErrorAtBudget) ? decoderErrorAtBudget
                    : null);
            m.put("epsilon_mse_ratio", Double.isFinite(epsilonMseRatio) ? epsilonMseRatio : null);
            m.put("epsilon_mse_substrate", Double.isFinite(epsilonMseSubstrate) ? epsilonMseSubstrate : null);
            m.put("epsilon_mse_digital", epsilonMseDigital);
            m.put("inputs", inputs);
            return m;
        }
    }

    private UNetRelaxationStudy() {
    }

    /** The backend of the study: the simulator with its range lifted, so every plan compiles. */
    static final String BACKEND = "sim";

    /** Runs the study; writes {@code unet-relaxation.json} and two plots into {@code out}. */
    public static List<Point> execute(Params p, Path out, PrintStream log) throws IOException {
        Workload data = Workload.load();
        List<Point> points = new ArrayList<>();
        log.printf(Locale.ROOT, "U-Nets: dense skips, oracle time biases, %s (range=unbounded); converged = decoder"
                + " within 1e-3 of the exact fixed point at T = 0 (input 0, at most %d steps); couplings fitted to a"
                + " ratio of 1e3 except the unbounded graded plan's; output error after %d"
                + " steps at T = %s over %d dev inputs, seed %d%n", BACKEND, p.maxSteps(), p.budget(),
                p.temperature(), p.inputs(), p.seed());
        log.printf(Locale.ROOT, "%-10s %-16s %8s %8s %8s %9s %8s %10s %10s%n", "model", "approach", "max|W|",
                "exact", "decades", "zeroed", "steps", "dec.err", "eps ratio");
        long t0 = System.nanoTime();
        int total = p.models().size() * Approach.values().length, done = 0;
        for (var m : p.models().entrySet()) {
            Jobs.Model model = Jobs.loadModel(m.getValue());
            UNet net = model.net();
            double maxNorm = SpectralBound.norms(net, 100).values().stream().mapToDouble(Double::doubleValue).max()
                    .orElse(0);
            for (Approach a : Approach.values()) {
                Point pt = measure(m.getKey(), net, data, a, maxNorm, p);
                points.add(pt);
                done++;
                log.printf(Locale.ROOT, "%-10s %-16s %8.3f %8.2f %8.2f %9.2g %8s %10.3g %10.4f   [%d/%d, ETA %.0f s]%n",
                        pt.model(), pt.approach(), pt.maxLayerNorm(), pt.exactRangeDecades(), pt.rangeDecades(),
                        pt.zeroedFraction(),
                        pt.stepsToConverge() < 0 ? ">" + p.maxSteps() : Long.toString(pt.stepsToConverge()),
                        pt.decoderErrorAtBudget(), pt.epsilonMseRatio(), done, total,
                        (System.nanoTime() - t0) / 1e9 / done * (total - done));
            }
        }
        write(p, out, points);
        return points;
    }

    private static Point measure(String label, UNet net, Workload data, Approach a, double maxNorm, Params p) {
        Experiment.Setup setup = new Experiment.Setup(BACKEND, SubstrateConfig.of("range=unbounded"), p.seed(),
                p.inputs(), Jobs.CALIBRATION_IMAGES, 64, p.temperature(), p.window(), a.options(),
                Jobs.DEFAULT_BATCH);
        Experiment e = new Experiment(net, data, setup, new EnergyLedger(), null);
        CompiledUNet c = e.compile("dense");
        double decades = ProgramRange.of(c.program()).decades();
        // what the same plan needs to be exact: its program with no coupling dropped
        CouplingStrategies.Result dense = e.strategies().couple("dense", e.skips());
        double exact = ProgramRange.of(UNetCompiler.compile(net, dense.coupled(), dense.strategy().spec(),
                a.options().withRanges(Range.UNBOUNDED, Range.UNBOUNDED)).program()).decades();
        ConditioningInterface oracle = Jobs.oracleOf(e);
        long steps;
        double decoderError;
        List<OutputMetrics.Sample> samples = new ArrayList<>();
        long perInference;
        try (Substrate s = SubstrateRegistry.open(BACKEND, setup.backendConfig())) {
            SubstrateDenoiser probe = new SubstrateDenoiser(s, c, oracle, new SubstrateDenoiser.Settings(0, 0, 1, 1));
            steps = e.stepsToConverge(probe, 1e-3, p.maxSteps());
            SubstrateDenoiser.Settings budgeted = c.plan().scheduled()
                    ? new SubstrateDenoiser.Settings(p.temperature(), 0, c.plan().holdWindow(), 1)
                    : new SubstrateDenoiser.Settings(p.temperature(), Math.max(0, p.budget() - p.window()),
                    Math.min(p.window(), p.budget()), 1);
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, oracle, budgeted);
            perInference = d.stepsPerInference();
            if (perInference > p.budget()) {
                decoderError = Double.NaN; // a schedule longer than the budget does not fit it
            } else {
                decoderError = e.relaxationCurve("dense", oracle, new long[]{perInference})[0];
                List<SubstrateDenoiser.Input> ins = new ArrayList<>();
                for (int i = 0; i < e.evalInputs().size(); i++) {
                    Workload.Noised n = e.evalInputs().get(i);
                    ins.add(new SubstrateDenoiser.Input(n.xt(), ConditioningInput.of(n.t(),
                            net.config().diffusionSteps()), null, p.seed() + i));
                }
                int batch = s.supports(Feature.PER_CHAIN_INPUTS) ? setup.batch() : 1;
                List<SubstrateDenoiser.Relaxed> relaxed = d.denoiseAll(ins, batch);
                for (int i = 0; i < relaxed.size(); i++) {
                    samples.add(OutputMetrics.of(net.config(), e.evalInputs().get(i),
                            relaxed.get(i).states().get("out"), e.digitalTaps().get(i).get("out")));
                }
            }
        }
        double ratio = Double.NaN, sub = Double.NaN, dig = Double.NaN;
        if (!samples.isEmpty()) {
            OutputMetrics.Figures f = OutputMetrics.summarize(samples).overall();
            ratio = f.epsMseRatio();
            sub = f.epsMseSubstrate();
            dig = f.epsMseDigital();
        }
        return new Point(label, a.label, maxNorm, exact, decades, c.rangeFit().zeroedFraction(), steps, perInference, decoderError, ratio, sub, dig,
                samples.size());
    }

    private static void write(Params p, Path out, List<Point> points) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", "tdi relaxation-study (U-Net part)");
        json.put("backend", BACKEND + " (range=unbounded)");
        json.put("coupling", "dense");
        json.put("interface", "oracle");
        json.put("seed", p.seed());
        json.put("temperature", p.temperature());
        json.put("max_steps", p.maxSteps());
        json.put("budget", p.budget());
        json.put("window", p.window());
        json.put("split", EvaluationSplit.DEV.name().toLowerCase(Locale.ROOT));
        Map<String, String> models = new LinkedHashMap<>();
        p.models().forEach((k, v) -> models.put(k, v == null ? "shipped" : v.toString()));
        json.put("models", models);
        json.put("criterion", "decoder relative error <= 1e-3 against the program's exact fixed point, T = 0, zero"
                + " initial state, input 0");
        json.put("points", points.stream().map(Point::toMap).toList());
        Jobs.writeJson(out.resolve("unet-relaxation.json"), json);
        List<Plots.Series> steps = new ArrayList<>();
        List<Plots.Series> err = new ArrayList<>();
        for (Approach a : Approach.values()) {
            List<Point> ps = points.stream().filter(x -> x.approach().equals(a.label)).toList();
            // x: the decades the plan needs to be exact (its fitted program, what a 1e3 device holds, is <= 3)
            double[] r = ps.stream().mapToDouble(Point::exactRangeDecades).toArray();
            double[] s = ps.stream().mapToDouble(x -> x.stepsToConverge() < 0 ? p.maxSteps() : x.stepsToConverge())
                    .toArray();
            double[] q = ps.stream().mapToDouble(x -> Double.isFinite(x.epsilonMseRatio()) ? x.epsilonMseRatio()
                    : Double.NaN).toArray();
            // each line joins the models in the order given (e.g. shipped -> Lipschitz-trained)
            steps.add(new Plots.Series(a.label, r, s));
            err.add(new Plots.Series(a.label, r, q));
        }
        Plots.lineChart(out.resolve("unet-steps-vs-range.png"), "U-Net: steps to converge vs dynamic range",
                "decades the plan needs to be exact", "steps to 1e-3 (limit = not converged)", steps, false, true);
        Plots.lineChart(out.resolve("unet-error-vs-range.png"), "U-Net: epsilon MSE ratio after " + p.budget()
                + " steps (within 1e3) vs decades needed", "decades the plan needs to be exact", "eps MSE substrate / digital", err, false, true);
    }
}
