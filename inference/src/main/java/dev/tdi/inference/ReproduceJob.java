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
                         double[] temperatures, EvaluationSplit split, int samples, int digitalSamples,
                         int batch, boolean resume) {
        /** A fresh run (no resume). */
        public Params(String backend, Path out, long seed, int evalInputs, Path model, int[] ranks,
                      double[] temperatures, EvaluationSplit split, int samples, int digitalSamples, int batch) {
            this(backend, out, seed, evalInputs, model, ranks, temperatures, split, samples, digitalSamples, batch,
                    false);
        }

        /** On the dev split, without generation, the default batch. */
        public Params(String backend, Path out, long seed, int evalInputs, Path model, int[] ranks,
                      double[] temperatures) {
            this(backend, out, seed, evalInputs, model, ranks, temperatures, EvaluationSplit.DEV, 0, 0,
                    Jobs.DEFAULT_BATCH);
        }

        /** On a split, the default batch. */
        public Params(String backend, Path out, long seed, int evalInputs, Path model, int[] ranks,
                      double[] temperatures, EvaluationSplit split, int samples, int digitalSamples) {
            this(backend, out, seed, evalInputs, model, ranks, temperatures, split, samples, digitalSamples,
                    Jobs.DEFAULT_BATCH);
        }

        /** On the dev split, without generation, {@code batch} inputs per run. */
        public Params(String backend, Path out, long seed, int evalInputs, Path model, int[] ranks,
                      double[] temperatures, int batch) {
            this(backend, out, seed, evalInputs, model, ranks, temperatures, EvaluationSplit.DEV, 0, 0, batch);
        }
    }

    /** The sample-quality figures of generation that reproduce copies into its results.json. */
    static final List<String> GENERATION_KEYS = List.of("fd_digital", "fd_substrate", "fd_digital_twins",
            "fd_test_halves", "fd_test_matched", "class_agreement", "confident_fraction", "confident_fraction_digital",
            "psnr_vs_digital_db", "reference_images", "digital_samples", "substrate_samples");

    /** Ranks of the default sweep. */
    public static final int[] RANKS = {1, 2, 4, 8, 16, 32, 64};
    /** Temperatures of the default sweep. */
    public static final double[] TEMPERATURES = {1e-4, 1e-2, 1, 10};
    /** Interface sizes of the default sweep (b, h), full readout. */
    static final int[][] INTERFACE_SIZES = {{1, 4}, {2, 8}, {4, 16}, {8, 32}, {16, 64}};
    /** Readout ranks of the default sweep, at b = 4, h = 16. */
    static final int[] READOUT_RANKS = {1, 2, 4, 6, 8};
    /** The complete system's interface with a full readout (one output per channel), an ablation. */
    static final String FULL_READOUT = "minimal:b=4,h=16";

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
        ShapeCheck.require(p.backend(), model.net(), List.of(complete, "dense", "none"));
        double t0 = p.temperatures()[0];
        out.println("evaluation inputs: the first " + p.evalInputs() + " of the " + p.split().describe()
                + ", each at its own t");
        Experiment e = new Experiment(model.net(), data, Jobs.setup(p.backend(), p.seed(), p.evalInputs(), t0,
                p.batch()), p.split(), ledger, null);
        Experiment.InterfaceMaker im = Jobs.interfaces();
        // the checkpoint: every configuration's outcome is on disk as soon as it is measured (--resume reuses them)
        Stages stages = new Stages(p.out(), "model=" + model.description() + " backend=" + p.backend() + " seed="
                + p.seed() + " split=" + p.split().id() + " eval=" + p.evalInputs(), p.resume());
        List<Map<String, Object>> all = new ArrayList<>();
        int total = 2 + 1 + 2 * p.ranks().length + 3 + INTERFACE_SIZES.length + READOUT_RANKS.length + 2 + 2
                + p.temperatures().length - 1;
        int[] done = {0};
        double[] measured = {0, 0}; // configurations measured in this session, and their seconds
        java.util.function.BiFunction<String, String[], Experiment.Outcome> eval = (label, cfg) -> {
            long s = System.nanoTime();
            Experiment.Outcome o;
            boolean stored;
            try {
                java.util.Optional<Experiment.Outcome> kept = stages.load(done[0], label, cfg);
                stored = kept.isPresent();
                o = stored ? kept.get() : e.evaluate(cfg[0], cfg[1], im, Double.parseDouble(cfg[2]));
                if (!stored) {
                    stages.save(done[0], label, cfg, o);
                    measured[0]++; // the ETA counts only what was measured in this session
                    measured[1] += (System.nanoTime() - s) / 1e9;
                }
            } catch (IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
            done[0]++;
            double el = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "[%2d/%d] %-22s %-16s %-22s T=%-7.0e eps-MSE ratio %.4f, decoder cosine %.4f"
                            + "  (%s; elapsed %.0f s, ETA %.0f s)%n", done[0], total, label, cfg[0],
                    o.conditioning(), o.temperature(), o.output().overall().epsMseRatio(), o.decoderCosine(),
                    stored ? "from its stage file" : String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - s) / 1e9),
                    el, measured[1] / Math.max(1, measured[0]) * (total - done[0]));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", label);
            m.putAll(o.toMap());
            all.add(m);
            return o;
        };
        String tt = Double.toString(t0);
        Experiment.Outcome oracle = eval.apply("oracle bound", new String[]{"dense", "oracle", tt});
        Experiment.Outcome full = eval.apply("complete system", new String[]{complete, completeIf, tt});
        Experiment.Outcome fullReadout = eval.apply("complete, full readout", new String[]{complete, FULL_READOUT, tt});
        Sweep local = rankSweep(p.ranks(), "hbc:k=%d,bus=local", eval, tt);
        Sweep global = rankSweep(p.ranks(), "hbc:k=%d", eval, tt);
        Experiment.Outcome svd = eval.apply("baseline", new String[]{"svd:k=16,bus=local", "oracle", tt});
        Experiment.Outcome rnd = eval.apply("baseline", new String[]{"random:k=16,bus=local", "oracle", tt});
        Experiment.Outcome hbc16 = eval.apply("baseline", new String[]{complete, "oracle", tt});
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
            if (spec.equals(FULL_READOUT)) {
                ifOutput[0] = o.outputCosine();
            }
        }
        List<Map<String, Object>> readoutSweep = new ArrayList<>();
        double[] rp = new double[READOUT_RANKS.length];
        double[] rc = new double[READOUT_RANKS.length];
        for (int i = 0; i < READOUT_RANKS.length; i++) {
            String spec = "minimal:b=4,h=16,r=" + READOUT_RANKS[i];
            Experiment.Outcome o = eval.apply("readout rank", new String[]{"dense", spec, tt});
            readoutSweep.add(Map.of("interface", spec, "r", READOUT_RANKS[i], "parameters",
                    o.interfaceParameters(), "decoder_cosine", o.decoderCosine()));
            rp[i] = o.interfaceParameters();
            rc[i] = o.decoderCosine();
        }
        Experiment.Outcome noSkip = eval.apply("no skip", new String[]{"none", completeIf, tt});
        Experiment.Outcome noIf = eval.apply("no interface", new String[]{complete, "none", tt});
        Experiment.Outcome denseNoIf = eval.apply("no interface", new String[]{"dense", "none", tt});
        Experiment.Outcome noBoth = eval.apply("no skip, no interface", new String[]{"none", "none", tt});
        List<Map<String, Object>> tSweep = new ArrayList<>();
        tSweep.add(Map.of("temperature", t0, "decoder_cosine", full.decoderCosine(),
                "epsilon_mse_ratio", full.output().overall().epsMseRatio()));
        double[] ts = new double[p.temperatures().length];
        double[] tc = new double[p.temperatures().length];
        double[] tm = new double[p.temperatures().length];
        ts[0] = t0;
        tc[0] = full.decoderCosine();
        tm[0] = full.output().overall().epsMseRatio();
        for (int i = 1; i < p.temperatures().length; i++) {
            Experiment.Outcome o = eval.apply("temperature", new String[]{complete, completeIf,
                Double.toString(p.temperatures()[i])});
            tSweep.add(Map.of("temperature", p.temperatures()[i], "decoder_cosine", o.decoderCosine(),
                    "epsilon_mse_ratio", o.output().overall().epsMseRatio()));
            ts[i] = p.temperatures()[i];
            tc[i] = o.decoderCosine();
            tm[i] = o.output().overall().epsMseRatio();
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
        Map<String, Object> generation = new LinkedHashMap<>();
        if (p.samples() > 0) {
            out.println("generation (complete system, 20 DDIM steps): " + p.samples() + " substrate and "
                    + p.digitalSamples() + " digital samples ...");
            Map<String, Object> g = GenerateJob.execute(new GenerateJob.Params(p.backend(), complete, completeIf, 20,
                    p.samples(), p.out().resolve("generate"), p.seed(), t0, p.model(), p.digitalSamples()), out);
            GENERATION_KEYS.forEach(k -> generation.put(k, g.get(k)));
        }
        double wall = (System.nanoTime() - start) / 1e9;

        // the table
        out.println();
        out.printf(Locale.ROOT, "| figure | seed (arXiv:2604.14332) | tdi (%s, %d held-out inputs, seed %d) |%n",
                p.backend(), p.evalInputs(), p.seed());
        out.println("|---|---|---|");
        OutputMetrics.Figures fo = full.output().overall();
        out.printf(Locale.ROOT, "| epsilon MSE vs true noise, complete system / digital U-Net (ratio; %d inputs,"
                + " %s split) | - | %.5f / %.5f (%.4f) |%n", fo.inputs(), p.split().id(), fo.epsMseSubstrate(),
                fo.epsMseDigital(), fo.epsMseRatio());
        out.printf(Locale.ROOT, "| x0-estimate PSNR, complete system / digital U-Net (%d inputs) | - | %.2f dB /"
                + " %.2f dB |%n", fo.inputs(), fo.x0PsnrSubstrate(), fo.x0PsnrDigital());
        out.printf(Locale.ROOT, "| epsilon MSE ratio, oracle bound (dense + oracle) | - | %.4f |%n",
                oracle.output().overall().epsMseRatio());
        out.printf(Locale.ROOT, "| decoder cosine, complete system (%s + %s) | 0.9906 | %.4f |%n", complete,
                completeIf, full.decoderCosine());
        out.printf(Locale.ROOT, "| decoder cosine, oracle bound (dense + oracle) | 1.0000 | %.4f |%n",
                oracle.decoderCosine());
        out.printf(Locale.ROOT, "| digital interface parameters | 2,560 | %d (%s) |%n", full.interfaceParameters(),
                full.conditioning());
        out.printf(Locale.ROOT, "| interface cost: parameters / MACs per inference, complete vs oracle (the digital"
                        + " time network) | - | %d / %d vs %d / %d |%n", full.interfaceParameters(), full.interfaceMacs(),
                oracle.interfaceParameters(), oracle.interfaceMacs());
        out.printf(Locale.ROOT, "| skip couplings: dense -> hbc (long-range lines) | O(D^2) -> O(Dk) | %d -> %d (%d -> %d)"
                + " |%n", full.denseSkipCouplings(), full.skipCouplings(), oracle.longRangeLines(),
                full.longRangeLines());
        out.printf(Locale.ROOT, "| decoder shift caused by the skips | 12.74%% | %.2f%% |%n", 100 * shift);
        out.printf(Locale.ROOT, "| conditioning deficit without the interface | ~2,600x | %.3gx (fixed-bias error /"
                + " minimal-interface error; signal RMS %.3g) |%n", deficitMinimal, deficit.signalRms());
        out.printf(Locale.ROOT, "| net energy saving vs GPU (gross) | ~10^7x (~10^4x) | %.3gx (%.3gx) vs H100 TDP/peak;"
                        + " %.3gx (%.3gx) vs measured H100 |%n", full.energy().netSaving(), full.energy().grossSaving(),
                full.energy().netSavingMeasured(), full.energy().gpuMeasuredJ() / full.energy().substrateJ());
        out.printf(Locale.ROOT, "| steps to converge / per inference; time per step and input | - | %d / %d; %.2f ms"
                + " (batches of %d) |%n", full.stepsToConverge(), full.stepsPerInference(), full.secondsPerStep() * 1e3,
                full.batch());
        out.println();
        out.println("output figures of the complete system per t bucket:");
        out.print(OutputMetrics.format(full.output()));
        out.println();
        out.println("ablations (decoder cosine):");
        out.printf(Locale.ROOT, "  complete system with a full readout (%s + %s, %d parameters): %.4f%n", complete,
                FULL_READOUT, fullReadout.interfaceParameters(), fullReadout.decoderCosine());
        out.printf(Locale.ROOT, "  rank sweep, local bus (hbc:k,bus=local, oracle interface): %s%n",
                sweep(local.k(), local.cosine()));
        out.printf(Locale.ROOT, "  rank sweep, global bus (hbc:k, oracle interface): %s%n",
                sweep(global.k(), global.cosine()));
        out.printf(Locale.ROOT, "  baselines at k=16, local bus (oracle interface): hbc %.4f, svd %.4f, random %.4f%n",
                hbc16.decoderCosine(), svd.decoderCosine(), rnd.decoderCosine());
        out.printf(Locale.ROOT, "  skip couplings (long-range lines): dense %d (%d), %s %d (%d), svd:k=16,bus=local"
                        + " %d (%d), random:k=16,bus=local %d (%d), hbc:k=16 (global) %d (%d), none 0 (0)%n",
                oracle.skipCouplings(), oracle.longRangeLines(), complete, full.skipCouplings(), full.longRangeLines(),
                svd.skipCouplings(), svd.longRangeLines(), rnd.skipCouplings(), rnd.longRangeLines(),
                global.couplingsAt(16), global.linesAt(16));
        out.printf(Locale.ROOT, "  interface size, full readout (dense skips; parameters: cosine): %s%n", sweep(ip, ic));
        out.printf(Locale.ROOT, "  interface readout rank r at b=4, h=16 (dense skips; parameters: cosine): %s%n",
                sweep(rp, rc));
        out.printf(Locale.ROOT, "  denoiser output (epsilon) cosine: oracle %.4f, complete %.4f, dense + %s %.4f%n",
                oracle.outputCosine(), full.outputCosine(), FULL_READOUT, ifOutput[0]);
        out.printf(Locale.ROOT, "  no skip (none + %s): %.4f; no interface (%s + none): %.4f; dense + none: %.4f;"
                        + " none + none: %.4f%n", completeIf, noSkip.decoderCosine(), complete, noIf.decoderCosine(),
                denseNoIf.decoderCosine(), noBoth.decoderCosine());
        out.printf(Locale.ROOT, "  temperature (complete system), decoder cosine: %s%n", sweep(ts, tc));
        out.printf(Locale.ROOT, "  temperature (complete system), epsilon MSE / digital: %s%n", sweep(ts, tm));
        out.print(deficit.format());
        out.print(deficitDevice.format());
        out.print(ledger.describe());
        out.printf(Locale.ROOT, "wall time %.0f s%n", wall);

        Map<String, Object> r = new LinkedHashMap<>(header);
        r.put("split", p.split().id());
        r.put("split_definition", p.split().describe());
        r.put("eval_inputs", p.evalInputs());
        r.putAll(full.output().toMap());
        r.put("epsilon_mse_ratio_oracle", oracle.output().overall().epsMseRatio());
        r.put("long_range_lines", full.longRangeLines());
        r.put("long_range_lines_dense", oracle.longRangeLines());
        r.putAll(generation);
        r.put("decoder_cosine_complete", full.decoderCosine());
        r.put("decoder_cosine_oracle", oracle.decoderCosine());
        r.put("interface_parameters", full.interfaceParameters());
        r.put("interface_complete", full.conditioning());
        r.put("interface_macs", full.interfaceMacs());
        r.put("interface_parameters_oracle", oracle.interfaceParameters());
        r.put("interface_macs_oracle", oracle.interfaceMacs());
        r.put("decoder_cosine_complete_full_readout", fullReadout.decoderCosine());
        r.put("interface_parameters_full_readout", fullReadout.interfaceParameters());
        r.put("decoder_shift", shift);
        r.put("conditioning_deficit", deficitMinimal);
        r.put("energy_saving_net", full.energy().netSaving());
        r.put("energy_saving_gross", full.energy().grossSaving());
        r.put("energy_saving_net_vs_measured_gpu", full.energy().netSavingMeasured());
        r.put("skip_couplings_dense", full.denseSkipCouplings());
        r.put("skip_couplings_hbc", full.skipCouplings());
        r.put("long_range_lines_dense", oracle.longRangeLines());
        r.put("long_range_lines_hbc", full.longRangeLines());
        r.put("hbc_rank", full.maxRank());
        r.put("output_cosine_complete", full.outputCosine());
        r.put("output_cosine_oracle", oracle.outputCosine());
        r.put("steps_to_converge", full.stepsToConverge());
        r.put("steps_per_inference", full.stepsPerInference());
        r.put("seconds_per_step", full.secondsPerStep());
        r.put("rank_sweep", local.rows());
        r.put("rank_sweep_global", global.rows());
        r.put("interface_sweep", ifSweep);
        r.put("readout_sweep", readoutSweep);
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

        double[] ks = local.k();
        Plots.lineChart(p.out().resolve("cosine-vs-rank.png"), "decoder cosine vs bus rank k (oracle interface)",
                "rank k per skip", "decoder cosine", List.of(new Plots.Series("hbc:k,bus=local", ks, local.cosine()),
                        new Plots.Series("hbc:k (global)", global.k(), global.cosine()),
                        new Plots.Series("dense (oracle bound)", new double[]{ks[0], ks[ks.length - 1]},
                                new double[]{oracle.decoderCosine(), oracle.decoderCosine()})), true, false);
        Plots.lineChart(p.out().resolve("cosine-vs-lines.png"), "decoder cosine vs long-range lines (oracle interface)",
                "long-range lines (all skips)", "decoder cosine", List.of(
                        new Plots.Series("hbc:k,bus=local", local.lines(), local.cosine()),
                        new Plots.Series("hbc:k (global)", global.lines(), global.cosine()),
                        new Plots.Series("dense", new double[]{oracle.longRangeLines()},
                                new double[]{oracle.decoderCosine()})), true, false);
        Plots.lineChart(p.out().resolve("cosine-vs-interface.png"), "decoder cosine vs interface size (dense skips)",
                "interface parameters", "decoder cosine", List.of(new Plots.Series("minimal:b,h (full readout)", ip, ic),
                        new Plots.Series("minimal:b=4,h=16,r (readout rank)", rp, rc)), true, false);
        double[] sx = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            sx[i] = steps[i];
        }
        Plots.lineChart(p.out().resolve("relaxation.png"), "relaxation at T=0: decoder distance to the fixed point",
                "steps", "relative error", List.of(new Plots.Series("dense + oracle", sx, curveOracle),
                        new Plots.Series(complete + " + minimal", sx, curveFull)), false, true);
        Plots.lineChart(p.out().resolve("cosine-vs-temperature.png"), "decoder cosine vs temperature (complete)",
                "temperature kT", "decoder cosine", List.of(new Plots.Series("complete system", ts, tc)), true, false);
        Plots.lineChart(p.out().resolve("epsilon-mse-vs-temperature.png"),
                "epsilon MSE / digital vs temperature (complete)", "temperature kT", "epsilon MSE ratio",
                List.of(new Plots.Series("complete system", ts, tm)), true, true);
        out.println("wrote " + p.out().resolve("results.json") + " and 5 PNG plots in " + p.out());
        return r;
    }

    /** One rank sweep: k, decoder cosine, couplings and long-range lines per configuration. */
    private record Sweep(double[] k, double[] cosine, double[] lines, long[] couplings,
                         List<Map<String, Object>> rows) {
        long couplingsAt(int rank) {
            for (int i = 0; i < k.length; i++) {
                if (k[i] == rank) {
                    return couplings[i];
                }
            }
            return -1;
        }

        long linesAt(int rank) {
            for (int i = 0; i < k.length; i++) {
                if (k[i] == rank) {
                    return (long) lines[i];
                }
            }
            return -1;
        }
    }

    private static Sweep rankSweep(int[] ranks, String format, java.util.function.BiFunction<String, String[],
            Experiment.Outcome> eval, String temperature) {
        int n = ranks.length;
        Sweep s = new Sweep(new double[n], new double[n], new double[n], new long[n], new ArrayList<>());
        for (int i = 0; i < n; i++) {
            String spec = String.format(Locale.ROOT, format, ranks[i]);
            Experiment.Outcome o = eval.apply("rank sweep", new String[]{spec, "oracle", temperature});
            s.rows().add(Map.of("k", ranks[i], "spec", spec, "max_rank", o.maxRank(), "decoder_cosine",
                    o.decoderCosine(), "couplings", o.skipCouplings(), "long_range_lines", o.longRangeLines()));
            s.k()[i] = ranks[i];
            s.cosine()[i] = o.decoderCosine();
            s.lines()[i] = o.longRangeLines();
            s.couplings()[i] = o.skipCouplings();
        }
        return s;
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
