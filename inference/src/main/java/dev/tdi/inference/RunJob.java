package dev.tdi.inference;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tdi run}: the complete system (a coupling strategy + a conditioning interface) on held-out inputs, with a
 * short table, results.json and a PNG of the digital denoiser's output beside the substrate's.
 */
public final class RunJob {
    /** Parameters of a run; {@code batch} inputs are relaxed per substrate run. */
    public record Params(String backend, String coupling, String conditioning, Path out, long seed, int evalInputs,
                         double temperature, Path model, EvaluationSplit split, int batch) {
        /** On the dev split, the default batch. */
        public Params(String backend, String coupling, String conditioning, Path out, long seed, int evalInputs,
                      double temperature, Path model) {
            this(backend, coupling, conditioning, out, seed, evalInputs, temperature, model, EvaluationSplit.DEV,
                    Jobs.DEFAULT_BATCH);
        }

        /** On a split, the default batch. */
        public Params(String backend, String coupling, String conditioning, Path out, long seed, int evalInputs,
                      double temperature, Path model, EvaluationSplit split) {
            this(backend, coupling, conditioning, out, seed, evalInputs, temperature, model, split,
                    Jobs.DEFAULT_BATCH);
        }

        /** On the dev split, {@code batch} inputs per run. */
        public Params(String backend, String coupling, String conditioning, Path out, long seed, int evalInputs,
                      double temperature, Path model, int batch) {
            this(backend, coupling, conditioning, out, seed, evalInputs, temperature, model, EvaluationSplit.DEV,
                    batch);
        }
    }

    private RunJob() {
    }

    public static Map<String, Object> execute(Params p, PrintStream out) throws IOException {
        Jobs.validate(p.backend(), List.of(p.coupling()), List.of(p.conditioning()));
        long start = System.nanoTime();
        Jobs.Model model = Jobs.loadModel(p.model());
        Map<String, Object> header = Jobs.header("tdi run", p.seed(), p.backend(), p.coupling(), p.conditioning(),
                model);
        Jobs.printHeader(out, header);
        Workload data = Workload.load();
        out.println("data: " + data.source());
        EnergyLedger ledger = new EnergyLedger();
        ShapeCheck.require(p.backend(), model.net(), List.of(p.coupling())); // refuse in seconds, not after calibration
        out.println("calibrating (digital forward on " + Jobs.CALIBRATION_IMAGES + " calibration images) ...");
        out.println("evaluation inputs: the first " + p.evalInputs() + " of the " + p.split().describe()
                + ", each at its own t");
        Experiment e = new Experiment(model.net(), data, Jobs.setup(p.backend(), p.seed(), p.evalInputs(),
                p.temperature(), p.batch()), p.split(), ledger, out::println);
        Experiment.Outcome o = e.evaluate(p.coupling(), p.conditioning(), Jobs.interfaces(), p.temperature());
        double wall = (System.nanoTime() - start) / 1e9;

        out.println();
        out.printf(Locale.ROOT, "results (%d inputs of the %s split, each at its own uniform t, T = %.3g):%n",
                p.evalInputs(), p.split().id(), p.temperature());
        out.print(OutputMetrics.format(o.output()));
        out.println("secondary: decoder states against the digital U-Net's");
        out.println(Jobs.row("decoder cosine (mean / min)", String.format(Locale.ROOT, "%.4f / %.4f",
                o.decoderCosine(), o.decoderCosineMin())));
        StringBuilder lv = new StringBuilder();
        o.decoderCosineByLevel().forEach((k, v) -> lv.append(String.format(Locale.ROOT, "level %d: %.4f  ", k, v)));
        out.println(Jobs.row("decoder cosine by level", lv.toString().trim()));
        StringBuilder mods = new StringBuilder();
        o.decoderCosineByModule().forEach((k, v) -> mods.append(String.format(Locale.ROOT, "%s %.4f  ", k, v)));
        out.println(Jobs.row("decoder cosine by module", mods.toString().trim()));
        out.println(Jobs.row("denoiser output (epsilon) cosine", String.format(Locale.ROOT, "%.4f",
                o.outputCosine())));
        out.println(Jobs.row("interface parameters / multiply-accumulates", o.interfaceParameters() + " / "
                + o.interfaceMacs()));
        out.println(Jobs.row("skip couplings (dense skips)", o.skipCouplings() + " (" + o.denseSkipCouplings()
                + ")"));
        out.println(Jobs.row("long-range lines", Long.toString(o.longRangeLines())));
        out.println(Jobs.row("steps per inference (to converge + window)", o.stepsPerInference() + " ("
                + o.stepsToConverge() + " + " + (o.stepsPerInference() - Math.max(0, o.stepsToConverge())) + ")"));
        out.println(Jobs.row("wall time per step and input", String.format(Locale.ROOT, "%.3f ms (batches of %d)",
                o.secondsPerStep() * 1e3, o.batch())));
        out.println(Jobs.row("inferences per second", String.format(Locale.ROOT, "%.2f", o.inferencesPerSecond())));
        out.println(Jobs.row("relaxation plan", o.plan().name().toLowerCase(Locale.ROOT)
                + (o.phases() > 0 ? " (" + o.phases() + " phases)" : "")));
        out.println(Jobs.row("dynamic range (largest/smallest)", String.format(Locale.ROOT,
                "%.2f decades: couplings %.3g, stiffnesses %.3g", o.dynamicRangeDecades(), o.range().couplingRatio(),
                o.range().stiffnessRatio())));
        if (o.rangeFit().zeroedWeights() > 0) {
            out.println(Jobs.row("couplings zeroed to fit the range", String.format(Locale.ROOT,
                    "%d of %d below %.3g (%.2g of the squared norm)", o.rangeFit().zeroedWeights(),
                    o.rangeFit().storedWeights(), o.rangeFit().threshold(), o.rangeFit().zeroedFraction())));
        }
        out.println(Jobs.row("effective temperature per module (T/w)", String.format(Locale.ROOT, "%.3g .. %.3g",
                o.effectiveTemperatureMin(), o.effectiveTemperatureMax())));
        var en = o.energy();
        out.println(Jobs.row("latency per inference (steps x tau)", String.format(Locale.ROOT, "%.3g s",
                en.latencyS())));
        out.println(Jobs.row("static power of the substrate", String.format(Locale.ROOT, "%.3g W",
                en.staticPowerW())));
        out.println(Jobs.row("relaxation heat (from the run)", String.format(Locale.ROOT, "%.3g kT = %.3g J",
                en.releasedKT(), en.relaxJ())));
        out.println(Jobs.row("energy: static / hold / DAC / ADC / interface", String.format(Locale.ROOT,
                "%.3g / %.3g / %.3g / %.3g / %.3g J", en.staticJ(), en.holdJ(), en.dacJ(), en.adcJ(),
                en.interfaceJ())));
        out.println(Jobs.row("energy per inference: substrate / total", String.format(Locale.ROOT,
                "%.3g J / %.3g J", en.substrateJ(), en.totalJ())));
        out.println(Jobs.row("GPU energy per U-Net forward (TDP/peak)", String.format(Locale.ROOT, "%.3g J", en.gpuJ())));
        out.println(Jobs.row("saving vs GPU (TDP/peak): gross / net", String.format(Locale.ROOT, "%.3g x / %.3g x",
                en.grossSaving(), en.netSaving())));
        out.println(Jobs.row("saving vs measured H100 (J/image): net", String.format(Locale.ROOT, "%.3g x (GPU %.3g J)",
                en.netSavingMeasured(), en.gpuMeasuredJ())));
        // per skip: what the strategy built and how much of the skip's contribution it keeps on the calibration set
        var report = e.strategies().couple(p.coupling(), e.skips()).report();
        out.print(report.format());
        out.print(ledger.describe());
        out.printf(Locale.ROOT, "wall time %.1f s%n", wall);

        Map<String, Object> results = new LinkedHashMap<>(header);
        // output figures first; o.toMap() repeats them, and a repeated key keeps its first position
        results.put("split", p.split().id());
        results.put("split_definition", p.split().describe());
        results.put("eval_inputs", p.evalInputs());
        results.putAll(o.output().toMap());
        results.putAll(o.toMap());
        List<Map<String, Object>> skips = new ArrayList<>();
        for (var s : report.skips()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("skip", s.name());
            m.put("level", s.level());
            m.put("source", s.sourceModule());
            m.put("target", s.targetModule());
            m.put("rank", s.rank());
            m.put("couplings", s.couplings());
            m.put("long_range_lines", s.longRangeLines());
            m.put("dense_couplings", s.denseCouplings());
            m.put("captured_energy", s.capturedEnergy());
            skips.add(m);
        }
        results.put("coupling_report", skips);
        // the same skips kept dense: the baseline the long-range lines are read against
        results.put("long_range_lines_dense", e.compile("dense").longRangeLines());
        results.put("energy_ledger", ledger.toMap());
        results.put("wall_seconds", wall);
        Jobs.writeJson(p.out().resolve("results.json"), results);
        writeDenoiserPng(p.out().resolve("denoiser.png"), e, o, Math.min(8, p.evalInputs()), p);
        out.println("wrote " + p.out().resolve("results.json") + " and " + p.out().resolve("denoiser.png"));
        return results;
    }

    static void writeDenoiserPng(Path file, Experiment e, Experiment.Outcome o, int n, Params p) throws IOException {
        List<float[]> noisy = new ArrayList<>();
        List<float[]> digital = new ArrayList<>();
        List<float[]> substrate = new ArrayList<>();
        List<float[]> clean = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Workload.Noised in = e.evalInputs().get(i);
            noisy.add(in.xt());
            clean.add(in.x0());
            digital.add(Jobs.x0Estimate(e.net(), in.xt(), e.digitalTaps().get(i).get("out"), in.t()));
            substrate.add(Jobs.x0Estimate(e.net(), in.xt(), o.states().get(i).get("out"), in.t()));
        }
        int side = (int) Math.round(Math.sqrt(e.net().inputSize()));
        Plots.imageGrid(file, List.of("clean x0", "noisy x_t", "digital denoiser", "substrate denoiser"),
                List.of(clean, noisy, digital, substrate), side, 3,
                "x0 estimates from the predicted noise: " + p.coupling() + " + " + p.conditioning() + " on "
                        + p.backend() + ", seed " + p.seed());
    }
}
