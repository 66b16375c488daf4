package dev.tdi.inference;

import dev.tdi.conditioning.ConditioningDeficit;
import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tdi reproduce}: the seed's table (DESIGN.md section 1) beside ours, with ablations: rank sweep, coupling
 * baselines, interface sizes, no skip, no interface, temperature; relaxation curves; results.json and PNG plots.
 */
public final class ReproduceJob {
    /** Parameters. */
    public record Params(String backend, Path out, long seed, int evalInputs, Path model, int[] ranks,
                         double[] temperatures) {
    }

    /** Ranks of the default sweep. */
    public static final int[] RANKS = {1, 2, 4, 8, 16, 32, 64};
    /** Temperatures of the default sweep. */
    public static final double[] TEMPERATURES = {1e-4, 1e-2, 1, 10};
    /** Interface sizes of the default sweep (b, h). */
    static final int[][] INTERFACE_SIZES = {{1, 4}, {2, 8}, {4, 16}, {8, 32}, {16, 64}};

    private ReproduceJob() {
    }

    public static Map<String, Object> execute(Params p, PrintStream out) throws IOException {
        String complete = Jobs.DEFAULT_COUPLING;
        String completeIf = Jobs.DEFAULT_INTERFACE;
        Jobs.validate(p.backend(), List.of(complete, "dense", "none"), List.of(completeIf, "oracle", "none"));
        long start = System.nanoTime();
        Jobs.Model model = Jobs.loadModel(p.model());
        Map<String, Object> header = Jobs.header("tdi reproduce", p.seed(), p.backend(), complete, completeIf, model);
        Jobs.printHeader(out, header);
        Workload data = Workload.load();
        out.println("data: " + data.source());
        EnergyLedger ledger = new EnergyLedger();
        double t0 = p.temperatures()[0];
        Experiment e = new Experiment(model.net(), data, Jobs.setup(p.backend(), p.seed(), p.evalInputs(), t0),
                ledger, null);
        Experiment.InterfaceMaker im = Jobs.interfaces();
        List<Map<String, Object>> all = new ArrayList<>();
        int total = 3 + p.ranks().length + 2 + INTERFACE_SIZES.length + 2 + 2 + p.temperatures().length - 1;
        int[] done = {0};
        java.util.function.BiFunction<String, String[], Experiment.Outcome> eval = (label, cfg) -> {
            long s = System.nanoTime();
            Experiment.Outcome o = e.evaluate(cfg[0], cfg[1], im, Double.parseDouble(cfg[2]));
            done[0]++;
            double el = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "[%2d/%d] %-22s %-16s %-22s T=%-7.0e decoder cosine %.4f  (%.1f s; elapsed %.0f s,"
                            + " ETA %.0f s)%n", done[0], total, label, cfg[0], o.conditioning(), o.temperature(),
                    o.decoderCosine(), (System.nanoTime() - s) / 1e9, el, el / done[0] * (total - done[0]));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", label);
            m.putAll(o.toMap());
            all.add(m);
            return o;
        };
        String tt = Double.toString(t0);
        Experiment.Outcome oracle = eval.apply("oracle bound", new String[]{"dense", "oracle", tt});
        Experiment.Outcome full = eval.apply("complete system", new String[]{complete, completeIf, tt});
        String budgetIf = withinSeedBudget(e);
        Experiment.Outcome budget = budgetIf == null ? null
                : eval.apply("complete, <= 2,560", new String[]{complete, budgetIf, tt});
        List<Map<String, Object>> rankSweep = new ArrayList<>();
        double[] ks = new double[p.ranks().length];
        double[] kc = new double[p.ranks().length];
        for (int i = 0; i < p.ranks().length; i++) {
            int k = p.ranks()[i];
            Experiment.Outcome o = eval.apply("rank sweep", new String[]{"hbc:k=" + k, "oracle", tt});
            rankSweep.add(Map.of("k", k, "decoder_cosine", o.decoderCosine(), "couplings", o.skipCouplings(),
                    "long_range_lines", o.longRangeLines()));
            ks[i] = k;
            kc[i] = o.decoderCosine();
        }
        Experiment.Outcome svd = eval.apply("baseline", new String[]{"svd:k=16", "oracle", tt});
        Experiment.Outcome rnd = eval.apply("baseline", new String[]{"random:k=16", "oracle", tt});
        List<Map<String, Object>> ifSweep = new ArrayList<>();
        double[] ip = new double[INTERFACE_SIZES.length];
        double[] ic = new double[INTERFACE_SIZES.length];
        double[] ifOutput = {Double.NaN};
        for (int i = 0; i < INTERFACE_SIZES.length; i++) {
            String spec = "minimal:b=" + INTERFACE_SIZES[i][0] + ",h=" + INTERFACE_SIZES[i][1];
            Experiment.Outcome o = eval.apply("interface size", new String[]{"dense", spec, tt});
            ifSweep.add(Map.of("interface", spec, "parameters", o.interfaceParameters(), "decoder_cosine",
                    o.decoderCosine()));
            ip[i] = o.interfaceParameters();
            ic[i] = o.decoderCosine();
            if (spec.equals(completeIf)) {
                ifOutput[0] = o.outputCosine();
            }
        }
        Experiment.Outcome noSkip = eval.apply("no skip", new String[]{"none", completeIf, tt});
        Experiment.Outcome noIf = eval.apply("no interface", new String[]{complete, "none", tt});
        Experiment.Outcome denseNoIf = eval.apply("no interface", new String[]{"dense", "none", tt});
        Experiment.Outcome noBoth = eval.apply("no skip, no interface", new String[]{"none", "none", tt});
        List<Map<String, Object>> tSweep = new ArrayList<>();
        tSweep.add(Map.of("temperature", t0, "decoder_cosine", full.decoderCosine()));
        double[] ts = new double[p.temperatures().length];
        double[] tc = new double[p.temperatures().length];
        ts[0] = t0;
        tc[0] = full.decoderCosine();
        for (int i = 1; i < p.temperatures().length; i++) {
            Experiment.Outcome o = eval.apply("temperature", new String[]{complete, completeIf,
                Double.toString(p.temperatures()[i])});
            tSweep.add(Map.of("temperature", p.temperatures()[i], "decoder_cosine", o.decoderCosine()));
            ts[i] = p.temperatures()[i];
            tc[i] = o.decoderCosine();
        }
        out.println("decoder shift (dense vs none, exact fixed points) ...");
        double shift = e.decoderShift();
        out.println("conditioning deficit ...");
        List<ConditioningInput> held = new ArrayList<>();
        for (Workload.Noised n : e.evalInputs()) {
            held.add(ConditioningInput.of(n.t(), model.net().config().diffusionSteps()));
        }
        ConditioningInterface minimal = im.create(completeIf, e.calibrationInputs(), e.oracle(), p.seed());
        ConditioningDeficit.Report deficit = ConditioningDeficit.measure(e.oracle(), e.calibrationInputs(), held,
                List.of(minimal, Jobs.oracleOf(e)), null);
        double deficitMinimal = deficit.entry(minimal.spec()).deficit();
        // the same through an 8-bit DAC spanning the largest calibration bias (device limits)
        double range = 0;
        for (ConditioningInput ci : e.calibrationInputs()) {
            for (float[] v : e.oracle().biases(ci).values()) {
                for (float x : v) {
                    range = Math.max(range, Math.abs(x));
                }
            }
        }
        ConditioningDeficit.Report deficitDevice = ConditioningDeficit.measure(e.oracle(), e.calibrationInputs(), held,
                List.of(minimal, Jobs.oracleOf(e)), new ConditioningDeficit.DeviceLimits(range, 8));
        out.println("relaxation curves ...");
        long[] steps = {1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128};
        double[] curveOracle = e.relaxationCurve("dense", Jobs.oracleOf(e), steps);
        double[] curveFull = e.relaxationCurve(complete, minimal, steps);
        double wall = (System.nanoTime() - start) / 1e9;

        // the table
        out.println();
        out.printf(Locale.ROOT, "| figure | seed (arXiv:2604.14332) | tdi (%s, %d held-out inputs, seed %d) |%n",
                p.backend(), p.evalInputs(), p.seed());
        out.println("|---|---|---|");
        out.printf(Locale.ROOT, "| decoder cosine, complete system (%s + %s) | 0.9906 | %.4f |%n", complete,
                completeIf, full.decoderCosine());
        out.printf(Locale.ROOT, "| decoder cosine, oracle bound (dense + oracle) | 1.0000 | %.4f |%n",
                oracle.decoderCosine());
        if (budget != null) {
            out.printf(Locale.ROOT, "| decoder cosine, complete system within 2,560 parameters (%s + %s) | 0.9906 | %.4f"
                    + " |%n", complete, budgetIf, budget.decoderCosine());
        }
        out.printf(Locale.ROOT, "| digital interface parameters | 2,560 | %d (%s)%s |%n", full.interfaceParameters(),
                completeIf, budget == null ? "" : "; " + budget.interfaceParameters() + " (" + budgetIf + ")");
        out.printf(Locale.ROOT, "| skip couplings: dense -> hbc (long-range lines) | O(D^2) -> O(Dk) | %d -> %d (%d -> %d)"
                + " |%n", full.denseSkipCouplings(), full.skipCouplings(), full.denseSkipCouplings(),
                full.longRangeLines());
        out.printf(Locale.ROOT, "| decoder shift caused by the skips | 12.74%% | %.2f%% |%n", 100 * shift);
        out.printf(Locale.ROOT, "| conditioning deficit without the interface | ~2,600x | %.3gx (fixed-bias error /"
                + " minimal-interface error; signal RMS %.3g) |%n", deficitMinimal, deficit.signalRms());
        out.printf(Locale.ROOT, "| net energy saving vs GPU (gross) | ~10^7x (~10^4x) | %.3gx (%.3gx) vs H100 TDP/peak;"
                        + " %.3gx (%.3gx) vs measured H100 |%n", full.energy().netSaving(), full.energy().grossSaving(),
                full.energy().netSavingMeasured(), full.energy().gpuMeasuredJ() / full.energy().substrateJ());
        out.printf(Locale.ROOT, "| steps to converge / per inference; time per step | - | %d / %d; %.2f ms |%n",
                full.stepsToConverge(), full.stepsPerInference(), full.secondsPerStep() * 1e3);
        out.println();
        out.println("ablations (decoder cosine):");
        out.printf(Locale.ROOT, "  rank sweep (hbc:k, oracle interface): %s%n", sweep(ks, kc));
        out.printf(Locale.ROOT, "  baselines at k=16 (oracle interface): hbc %.4f, svd %.4f, random %.4f%n",
                kc[indexOf(p.ranks(), 16)], svd.decoderCosine(), rnd.decoderCosine());
        out.printf(Locale.ROOT, "  skip couplings (long-range lines): dense %d (%d), %s %d (%d), svd:k=16 %d (%d),"
                        + " random:k=16 %d (%d), none 0 (0)%n", oracle.skipCouplings(), oracle.longRangeLines(), complete,
                full.skipCouplings(), full.longRangeLines(), svd.skipCouplings(), svd.longRangeLines(),
                rnd.skipCouplings(), rnd.longRangeLines());
        out.printf(Locale.ROOT, "  interface size (dense skips): %s%n", sweep(ip, ic));
        out.printf(Locale.ROOT, "  denoiser output (epsilon) cosine: oracle %.4f, complete %.4f, dense + %s %.4f%n",
                oracle.outputCosine(), full.outputCosine(), completeIf, ifOutput[0]);
        out.printf(Locale.ROOT, "  no skip (none + %s): %.4f; no interface (%s + none): %.4f; dense + none: %.4f;"
                        + " none + none: %.4f%n", completeIf, noSkip.decoderCosine(), complete, noIf.decoderCosine(),
                denseNoIf.decoderCosine(), noBoth.decoderCosine());
        out.printf(Locale.ROOT, "  temperature (complete system): %s%n", sweep(ts, tc));
        out.print(deficit.format());
        out.print(deficitDevice.format());
        out.print(ledger.describe());
        out.printf(Locale.ROOT, "wall time %.0f s%n", wall);

        Map<String, Object> r = new LinkedHashMap<>(header);
        r.put("decoder_cosine_complete", full.decoderCosine());
        r.put("decoder_cosine_oracle", oracle.decoderCosine());
        r.put("interface_parameters", full.interfaceParameters());
        if (budget != null) {
            r.put("decoder_cosine_complete_within_2560", budget.decoderCosine());
            r.put("interface_within_2560", budgetIf);
            r.put("interface_parameters_within_2560", budget.interfaceParameters());
        }
        r.put("decoder_shift", shift);
        r.put("conditioning_deficit", deficitMinimal);
        r.put("energy_saving_net", full.energy().netSaving());
        r.put("energy_saving_gross", full.energy().grossSaving());
        r.put("energy_saving_net_vs_measured_gpu", full.energy().netSavingMeasured());
        r.put("skip_couplings_dense", full.denseSkipCouplings());
        r.put("skip_couplings_hbc", full.skipCouplings());
        r.put("long_range_lines_dense", full.denseSkipCouplings());
        r.put("long_range_lines_hbc", full.longRangeLines());
        r.put("hbc_rank", full.maxRank());
        r.put("output_cosine_complete", full.outputCosine());
        r.put("output_cosine_oracle", oracle.outputCosine());
        r.put("steps_to_converge", full.stepsToConverge());
        r.put("steps_per_inference", full.stepsPerInference());
        r.put("seconds_per_step", full.secondsPerStep());
        r.put("eval_inputs", p.evalInputs());
        r.put("rank_sweep", rankSweep);
        r.put("interface_sweep", ifSweep);
        r.put("temperature_sweep", tSweep);
        r.put("conditioning_deficit_8bit_dac", deficitDevice.entry(minimal.spec()).deviceDeficit());
        r.put("conditioning_deficit_8bit_dac_oracle", deficitDevice.entry("oracle").deviceDeficit());
        r.put("conditioning_deficit_report", Map.of("signal_rms", deficit.signalRms(), "none_residual_rms",
                deficit.none().residualRms(), "minimal_residual_rms", deficit.entry(minimal.spec()).residualRms(),
                "definition", "sigma_none / sigma_minimal: RMS error of the fixed biases over the RMS error of the"
                        + " minimal interface, against the oracle's per-channel biases on held-out t"));
        Map<String, Object> curves = new LinkedHashMap<>();
        curves.put("steps", steps);
        curves.put("oracle_relative_error", curveOracle);
        curves.put("complete_relative_error", curveFull);
        r.put("relaxation_curves", curves);
        r.put("configurations", all);
        r.put("energy", full.energy().toMap());
        r.put("energy_ledger", ledger.toMap());
        r.put("wall_seconds", wall);
        Jobs.writeJson(p.out().resolve("results.json"), r);

        Plots.lineChart(p.out().resolve("cosine-vs-rank.png"), "decoder cosine vs bus rank k (oracle interface)",
                "rank k per skip", "decoder cosine", List.of(new Plots.Series("hbc:k", ks, kc),
                        new Plots.Series("dense (oracle bound)", new double[]{ks[0], ks[ks.length - 1]},
                                new double[]{oracle.decoderCosine(), oracle.decoderCosine()})), true, false);
        Plots.lineChart(p.out().resolve("cosine-vs-interface.png"), "decoder cosine vs interface size (dense skips)",
                "interface parameters", "decoder cosine", List.of(new Plots.Series("minimal:b,h", ip, ic)), true,
                false);
        double[] sx = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            sx[i] = steps[i];
        }
        Plots.lineChart(p.out().resolve("relaxation.png"), "relaxation at T=0: decoder distance to the fixed point",
                "steps", "relative error", List.of(new Plots.Series("dense + oracle", sx, curveOracle),
                        new Plots.Series(complete + " + minimal", sx, curveFull)), false, true);
        Plots.lineChart(p.out().resolve("cosine-vs-temperature.png"), "decoder cosine vs temperature (complete)",
                "temperature kT", "decoder cosine", List.of(new Plots.Series("complete system", ts, tc)), true, false);
        out.println("wrote " + p.out().resolve("results.json") + " and 4 PNG plots in " + p.out());
        return r;
    }

    /**
     * The largest minimal interface with b = 4 whose parameter count stays within the seed's 2,560 for this model's
     * conditioned channels, or null when none does.
     */
    static String withinSeedBudget(Experiment e) {
        int channels = e.oracle().biases(e.calibrationInputs().get(0)).values().stream().mapToInt(v -> v.length).sum();
        int f = dev.tdi.conditioning.MinimalInterface.featureCount(dev.tdi.conditioning.MinimalInterface
                .DEFAULT_FREQUENCIES, 0, 0);
        int best = 0;
        for (int h = 1; h <= 1024; h++) {
            if (dev.tdi.conditioning.MinimalInterface.parameterCount(f, 4, h, channels)
                    <= dev.tdi.conditioning.MinimalInterface.SEED_PARAMETERS) {
                best = h;
            }
        }
        return best == 0 ? null : "minimal:b=4,h=" + best;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return 0;
    }

    private static String sweep(double[] x, double[] y) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            s.append(String.format(Locale.ROOT, "%s%s: %.4f", i == 0 ? "" : ", ", fmt(x[i]), y[i]));
        }
        return s.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.0e", v);
    }
}
