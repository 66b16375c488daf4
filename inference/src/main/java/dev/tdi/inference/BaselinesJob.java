package dev.tdi.inference;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.coupling.CoupledSkip;
import dev.tdi.coupling.CouplingStrategies;
import dev.tdi.unet.UNet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tdi reproduce --baselines}: the fair baselines of the skips and the interface, judged by the output error.
 *
 * <p>Every configuration is compiled and solved for its exact zero-temperature fixed point ({@link FixedPoint}: what
 * relaxation converges to, without the thermal error, which the temperature sweep of {@code reproduce} measures), on
 * the same held-out inputs (test images 0..n-1, t uniform, seeded). Its output (the predicted epsilon) is compared
 * with the true noise: epsilon MSE per pixel, and its ratio to the reference model's (by default the shipped
 * one's) digital epsilon MSE on the
 * same inputs, so a retrained model's own loss counts against it.
 * <ul>
 *   <li><b>Skips</b> (oracle interface): on the reference model, dense, none and {@code hbc}/{@code svd}/{@code random}
 *       local buses at several k; on every further model (e.g. one retrained with skips narrowed to k channels or
 *       pooled 2x, {@code UNetConfig#skipChannels}, {@code #skipPool}), its own dense skips. Each row gives the
 *       long-range lines and, per level, what crosses: the rank (values per pixel) and the resolution.</li>
 *   <li><b>Interfaces</b> (dense skips), per model: {@code oracle} (costed as the digital time network), the
 *       complete system's interface and its full-readout variant: parameters, multiply-accumulates per inference
 *       and epsilon MSE.</li>
 * </ul>
 * Writes DIR/baselines.json and DIR/skip-pareto.png (epsilon-MSE ratio against long-range lines).
 */
public final class BaselinesJob {
    /**
     * Parameters; {@code reference} is the model the skip sweep runs on and every ratio refers to (null: the shipped
     * model), {@code models} maps a label to a further model directory.
     */
    public record Params(Path out, long seed, int evalInputs, int[] ranks, List<String> couplings, Path reference,
                         Map<String, Path> models) {
        /** With the default couplings ({@link #COUPLINGS}). */
        public Params(Path out, long seed, int evalInputs, int[] ranks, Path reference, Map<String, Path> models) {
            this(out, seed, evalInputs, ranks, COUPLINGS, reference, models);
        }
    }

    /** Bus ranks of the default sweep. */
    public static final int[] RANKS = {1, 2, 4, 8, 16};
    /**
     * Coupling specs of the skip sweep (local buses), each run at every k: {@code {k}} stands for k, {@code {sk}} for
     * k times the number of skips (a total rank that {@code hbc:budget} splits across the levels by energy, so the
     * per-level ranks differ).
     */
    public static final List<String> COUPLINGS = List.of("hbc:k={k},bus=local", "svd:k={k},bus=local",
            "random:k={k},bus=local", "hbc:budget={sk},bus=local");
    /** Interfaces compared on every model. */
    static final String[] INTERFACES = {"oracle", Jobs.DEFAULT_INTERFACE, ReproduceJob.FULL_READOUT};

    private BaselinesJob() {
    }

    /** One model's set-up: its experiment and its digital epsilon MSE per input. */
    private record Subject(String label, String description, Experiment e, double[] digitalMse) {
    }

    public static Map<String, Object> execute(Params p, PrintStream out) throws IOException {
        long start = System.nanoTime();
        for (int k : p.ranks()) {
            if (k < 1) {
                throw new IllegalArgumentException("--ranks must all be >= 1, found " + k);
            }
        }
        for (String format : p.couplings()) { // fail fast, before any model is loaded
            if (!format.contains("{k}") && !format.contains("{sk}")) {
                throw new IllegalArgumentException("--baselines-couplings: \"" + format + "\" has no {k} or {sk} to"
                        + " put the rank in, e.g. hbc:k={k},bus=local");
            }
            CouplingStrategies.standard().create(format.replace("{k}", "1").replace("{sk}", "2"));
        }
        Workload data = Workload.load();
        out.println("data: " + data.source());
        Experiment.Setup setup = Jobs.setup("reference", p.seed(), p.evalInputs(), 0);
        List<Subject> subjects = new ArrayList<>();
        Map<String, Path> models = new LinkedHashMap<>();
        models.put(p.reference() == null ? "shipped" : "reference", p.reference());
        for (var m : p.models().entrySet()) {
            if (models.containsKey(m.getKey())) {
                throw new IllegalArgumentException("--baselines-model " + m.getKey() + ": the name is taken; use"
                        + " another (\"shipped\" and \"reference\" name the reference model)");
            }
            models.put(m.getKey(), m.getValue());
        }
        for (var m : models.entrySet()) {
            Jobs.Model model = Jobs.loadModel(m.getValue());
            out.printf(Locale.ROOT, "model %s: %s; %d parameters, time network %d parameters (%d wide)%n", m.getKey(),
                    model.description(), model.net().parameterCount(), model.net().timeNetworkParameters(),
                    model.net().config().timeHidden());
            Experiment e = new Experiment(model.net(), data, setup, new EnergyLedger(), null);
            double[] mse = new double[e.evalInputs().size()];
            for (int i = 0; i < mse.length; i++) {
                mse[i] = epsilonMse(e.digitalTaps().get(i).get("out"), e.evalInputs().get(i).eps());
            }
            subjects.add(new Subject(m.getKey(), model.description(), e, mse));
        }
        Subject ref = subjects.get(0);
        double reference = Metrics.mean(ref.digitalMse());
        int n = ref.e().evalInputs().size();
        out.printf(Locale.ROOT, "reference: the %s model's digital epsilon MSE %.5f on %d inputs%n", ref.label(),
                reference, n);
        Experiment.InterfaceMaker im = Jobs.interfaces();

        List<Map<String, Object>> skipRows = new ArrayList<>();
        ConditioningInterface refOracle = Jobs.oracleOf(ref.e());
        skipRows.add(skipRow(ref, "dense", refOracle, reference, out));
        skipRows.add(skipRow(ref, "none", refOracle, reference, out));
        int nSkips = ref.e().skips().size();
        for (String format : p.couplings()) {
            for (int k : p.ranks()) {
                String spec = format.replace("{k}", Integer.toString(k)).replace("{sk}", Integer.toString(k * nSkips));
                skipRows.add(skipRow(ref, spec, refOracle, reference, out));
            }
        }
        for (Subject s : subjects.subList(1, subjects.size())) {
            skipRows.add(skipRow(s, "dense", Jobs.oracleOf(s.e()), reference, out));
        }

        List<Map<String, Object>> ifRows = new ArrayList<>();
        for (Subject s : subjects) {
            for (String spec : INTERFACES) {
                ConditioningInterface iface = im.create(spec, s.e().calibrationInputs(), s.e().oracle(), p.seed());
                CompiledUNet c = compile(s.e(), "dense");
                double[] mse = fixedPointMse(s.e(), c, iface);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("model", s.label());
                r.put("interface", iface.spec());
                r.put("parameters", iface.parameters());
                r.put("macs", iface.multiplyAccumulates());
                r.put("epsilon_mse", Metrics.mean(mse));
                r.put("epsilon_mse_digital", Metrics.mean(s.digitalMse()));
                r.put("epsilon_mse_ratio_to_own_digital", Metrics.mean(mse) / Metrics.mean(s.digitalMse()));
                r.put("epsilon_mse_ratio_to_reference_digital", Metrics.mean(mse) / reference);
                ifRows.add(r);
                out.printf(Locale.ROOT, "  interface %-8s %-30s %6d parameters %6d MACs  eps-MSE %.5f (x%.3f of its"
                                + " digital, x%.3f of reference digital)%n", s.label(), iface.spec(), iface.parameters(),
                        iface.multiplyAccumulates(), Metrics.mean(mse), Metrics.mean(mse) / Metrics.mean(s.digitalMse()),
                        Metrics.mean(mse) / reference);
            }
        }

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", "tdi reproduce --baselines");
        r.put("seed", p.seed());
        r.put("machine", Machine.describe());
        r.put("eval_inputs", n);
        r.put("inputs", "Fashion-MNIST test images 0.." + (n - 1) + ", one seeded uniform t each");
        r.put("solve", "exact zero-temperature fixed point of each compiled program (no thermal error)");
        r.put("epsilon_mse_definition", "mean over inputs of the per-pixel mean of (predicted eps - true eps)^2");
        Map<String, Object> ms = new LinkedHashMap<>();
        for (Subject s : subjects) {
            UNet net = s.e().net();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", s.description());
            m.put("parameters", net.parameterCount());
            m.put("time_hidden", net.config().timeHidden());
            m.put("time_network_parameters", net.timeNetworkParameters());
            m.put("time_network_macs", net.timeNetworkMacs());
            m.put("skip_channels", net.config().skipChannels());
            m.put("skip_pool", net.config().skipPool());
            m.put("epsilon_mse_digital", Metrics.mean(s.digitalMse()));
            ms.put(s.label(), m);
        }
        r.put("models", ms);
        r.put("reference_model", ref.label());
        r.put("epsilon_mse_digital_reference", reference);
        r.put("skips", skipRows);
        r.put("interfaces", ifRows);
        r.put("wall_seconds", (System.nanoTime() - start) / 1e9);
        Jobs.writeJson(p.out().resolve("baselines.json"), r);
        pareto(p.out().resolve("skip-pareto.png"), skipRows, p.ranks().length);
        out.printf(Locale.ROOT, "wrote %s and %s (%.0f s)%n", p.out().resolve("baselines.json"),
                p.out().resolve("skip-pareto.png"), (System.nanoTime() - start) / 1e9);
        return r;
    }

    /** Compiles without the coupling report (its calibration pass would dominate this job's time). */
    private static CompiledUNet compile(Experiment e, String spec) {
        var strategy = CouplingStrategies.standard().create(spec);
        return UNetCompiler.compile(e.net(), strategy, e.skips(), UNetCompiler.Options.defaults());
    }

    /** Per-pixel mean of (a - b)^2. */
    static double epsilonMse(float[] predicted, float[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException("epsilon has " + predicted.length + " values, the noise " + truth.length);
        }
        double s = 0;
        for (int i = 0; i < truth.length; i++) {
            double d = predicted[i] - truth[i];
            s += d * d;
        }
        return s / truth.length;
    }

    /** The epsilon MSE of the exact fixed point of {@code c} with {@code iface}'s biases, per evaluation input. */
    static double[] fixedPointMse(Experiment e, CompiledUNet c, ConditioningInterface iface) {
        int steps = e.net().config().diffusionSteps();
        double[] mse = new double[e.evalInputs().size()];
        UNet.parallel(mse.length, i -> { // inputs are independent; each result depends on its input only
            Workload.Noised in = e.evalInputs().get(i);
            Map<String, float[]> bias = new LinkedHashMap<>();
            iface.biases(ConditioningInput.of(in.t(), steps)).forEach((k, v) -> bias.put(k, c.biasField(k, v)));
            double[] x = FixedPoint.solve(c.program(), Map.of(CompiledUNet.INPUT, in.xt()), bias);
            mse[i] = epsilonMse(FixedPoint.slice(c.program(), x, "out"), in.eps());
        });
        return mse;
    }

    private static Map<String, Object> skipRow(Subject s, String spec, ConditioningInterface oracle, double reference,
                                               PrintStream out) {
        CompiledUNet c = compile(s.e(), spec);
        double mse = Metrics.mean(fixedPointMse(s.e(), c, oracle));
        List<Map<String, Object>> levels = new ArrayList<>();
        UNet net = s.e().net();
        for (int i = 0; i < c.skips().size(); i++) {
            SkipSite site = c.skips().get(i);
            int[] shape = net.shape(site.source());
            CoupledSkip cs = c.coupled().get(i);
            Map<String, Object> lv = new LinkedHashMap<>();
            lv.put("level", site.level());
            lv.put("source", site.source());
            lv.put("realised", switch (cs) {
                case CoupledSkip.Dropped d -> "dropped";
                case CoupledSkip.Direct d -> "direct";
                case CoupledSkip.Bus b -> "global bus";
                case CoupledSkip.LocalBus b -> "local bus";
                case CoupledSkip.Wired w -> "wired by its strategy";
            });
            lv.put("rank", switch (cs) { // values per pixel (local) or in all (global) that cross the chain
                case CoupledSkip.Dropped d -> 0;
                case CoupledSkip.Direct d -> shape[0];
                case CoupledSkip.Bus b -> b.w().rank();
                case CoupledSkip.LocalBus b -> b.rank();
                case CoupledSkip.Wired w -> w.rank();
            });
            lv.put("resolution", shape[1] + "x" + shape[2]);
            lv.put("long_range_lines", cs.longRangeLines());
            levels.add(lv);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", s.label());
        r.put("coupling", spec);
        r.put("long_range_lines", c.longRangeLines());
        r.put("skip_couplings", c.skipCouplings());
        r.put("epsilon_mse", mse);
        r.put("epsilon_mse_ratio", mse / reference);
        r.put("levels", levels);
        StringBuilder ranks = new StringBuilder();
        for (Map<String, Object> lv : levels) {
            ranks.append(String.format(Locale.ROOT, " L%s:%s@%s", lv.get("level"), lv.get("rank"), lv.get("resolution")));
        }
        out.printf(Locale.ROOT, "  skips %-8s %-24s %6d lines  eps-MSE %.5f  ratio %.3f  ranks%s%n", s.label(), spec,
                c.longRangeLines(), mse, mse / reference, ranks);
        return r;
    }

    private static void pareto(Path file, List<Map<String, Object>> rows, int nRanks) throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            String spec = (String) r.get("coupling");
            String model = (String) r.get("model");
            String label = !model.equals(rows.get(0).get("model")) ? model + " (retrained, dense)"
                    : spec.contains(":") ? spec.replaceAll("(k|budget)=\\d+", "$1") : spec;
            if (spec.equals("none")) {
                continue; // no lines: off a log axis; its ratio is in the JSON
            }
            series.computeIfAbsent(label, x -> new ArrayList<>()).add(new double[]{
                    ((Number) r.get("long_range_lines")).doubleValue(), (double) r.get("epsilon_mse_ratio")});
        }
        List<Plots.Series> ss = new ArrayList<>();
        series.forEach((label, pts) -> {
            double[] x = new double[pts.size()], y = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            ss.add(new Plots.Series(label, x, y));
        });
        Plots.lineChart(file, "eps-MSE / reference digital vs long-range lines (oracle, fixed point)",
                "long-range lines (all skips)", "eps-MSE ratio", ss, true, true);
    }
}
