package dev.tdi.bench.e2e;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.tdi.bench.MachineProbe;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.sim.SimSubstrate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end suite of {@code ./tdi bench}: the relaxation {@code ./tdi run} performs ({@link UNetRelaxation}),
 * batched over the same inputs, timed on {@code sim} and, from the same export, in PyTorch CPU
 * ({@code benchmarks/peers/relaxation_torch.py}: the same program, plan, step sizes, step count and initial state).
 * Both first run at T = 0 (no noise) and the peer's states must match tdi's; then both are timed at the job's
 * temperature with their own generators. Also times the compiled U-Net's Langevin step at batch 1 and at the batch,
 * with its flops ({@link SimSubstrate#costPerStep}) against the measured FMA peak.
 */
public final class EndToEndBench {
    /** The peer's states must match tdi's at T = 0 within this relative error (see the README). */
    public static final double MAX_RELATIVE_ERROR = 1e-4;
    /** Steps per timed run in the batch sweep of the step alone. */
    static final int SWEEP_STEPS = 16;

    /**
     * What was measured.
     *
     * @param batch           inputs per run
     * @param steps           Langevin steps per relaxation
     * @param units           units of the compiled program
     * @param tdiSeconds      median wall time of one batched relaxation on sim (T of the job, noise included; 3
     *                        runs after a warm-up run)
     * @param tdiCpuSeconds   the process CPU time (every thread) of one relaxation, the mean over those four runs
     * @param peerSeconds     the same in PyTorch (NaN when the peer did not run)
     * @param peerCpuSeconds  the peer's process CPU time of one relaxation (NaN without the peer)
     * @param peerThreads     the PyTorch thread count that was faster
     * @param maxRelError     the peer's largest |x_peer - x_tdi| over max |x_tdi| at T = 0 (NaN without the peer)
     * @param batches         the batch sizes of the step sweep (1 up to the batch)
     * @param stepNs          per swept batch, the wall time of one Langevin step on sim (median), ns
     * @param stepFlops       per swept batch, the flops of one step (SimSubstrate.costPerStep)
     * @param fmaPeakFlops    the measured FMA peak, flop/s
     * @param peerNote        why the peer did not run, or its device line
     */
    public record Result(int batch, long steps, int units, String system, double tdiSeconds, double tdiCpuSeconds,
                         double peerSeconds, double peerCpuSeconds, int peerThreads, double maxRelError, int[] batches, double[] stepNs, long[] stepFlops,
                         double fmaPeakFlops,
                         String peerNote, String load) {

        /** tdi's speed-up over the peer in wall time (NaN without the peer). */
        public double speedup() {
            return peerSeconds / tdiSeconds;
        }

        /** tdi's speed-up over the peer in CPU time, the fairer figure on a shared machine (NaN without the peer). */
        public double cpuSpeedup() {
            return peerCpuSeconds / tdiCpuSeconds;
        }

        /** The markdown section for results.md. */
        public String markdown() {
            StringBuilder b = new StringBuilder();
            b.append("\n## End-to-end relaxation: tdi `sim` against PyTorch CPU\n\n");
            b.append(String.format(Locale.ROOT, "The relaxation of `./tdi run` (%s, %d units, %d steps), batched over"
                    + " %d held-out inputs (one chain each), from the same program, plan, step sizes and zero initial"
                    + " state, exported by `RelaxationExport` and run by `benchmarks/peers/relaxation_torch.py`. Load:"
                    + " %s.%n%n", system, units, steps, batch, load));
            b.append("| | tdi sim | PyTorch CPU | tdi speed-up (target >= 1.5x) | states at T = 0 (max rel. error,"
                    + " bound 1e-4) |\n|---|---|---|---|---|\n");
            b.append(String.format(Locale.ROOT, "| one batched relaxation, CPU time (all threads) | %.3f s | %s | %s | |%n",
                    tdiCpuSeconds, Double.isNaN(peerCpuSeconds) ? "-" : String.format(Locale.ROOT, "%.3f s",
                            peerCpuSeconds), Double.isNaN(peerCpuSeconds) ? "-" : String.format(Locale.ROOT,
                            "%.2fx", cpuSpeedup())));
            b.append(String.format(Locale.ROOT, "| one batched relaxation, wall time | %.3f s (%.2f inferences/s) | %s | %s | %s |%n",
                    tdiSeconds, batch / tdiSeconds,
                    Double.isNaN(peerSeconds) ? "not run (" + peerNote + ")"
                            : String.format(Locale.ROOT, "%.3f s (%.2f inferences/s, %d thread(s))", peerSeconds,
                            batch / peerSeconds, peerThreads),
                    Double.isNaN(peerSeconds) ? "-" : String.format(Locale.ROOT, "%.2fx%s", speedup(),
                            speedup() >= 1.5 ? " (met)" : " (missed)"),
                    Double.isNaN(maxRelError) ? "-" : String.format(Locale.ROOT, "%.1e%s", maxRelError,
                            maxRelError <= MAX_RELATIVE_ERROR ? "" : " **FAILED**")));
            b.append("\nThe compiled U-Net's Langevin step on `sim` (flops from `SimSubstrate.costPerStep`; FMA peak"
                    + String.format(Locale.ROOT, " %.0f GFLOP/s measured):%n%n", fmaPeakFlops / 1e9));
            b.append("| batch | ms per step | ms per step and input | GFLOP/s | % of FMA peak (target at batch 32: 40 %) |\n"
                    + "|---|---|---|---|---|\n");
            for (int i = 0; i < batches.length; i++) {
                double gflops = stepFlops[i] / stepNs[i];
                b.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.1f | %.1f %% |%n", batches[i],
                        stepNs[i] / 1e6, stepNs[i] / 1e6 / batches[i], gflops, 100 * gflops * 1e9 / fmaPeakFlops));
            }
            return b.toString();
        }
    }

    private EndToEndBench() {
    }

    /**
     * Runs the suite, writing the export under {@code out}/e2e-export and end-to-end.json.
     *
     * @param python the Python with torch, or null to skip the peer
     */
    public static Result run(Path out, String python, Path script, int batch, PrintStream log)
            throws IOException, InterruptedException {
        String loadBefore = MachineProbe.loadAverage();
        UNetRelaxation w = UNetRelaxation.prepare(batch, 1, 1e-4, log);
        long steps = w.stepsPerRelaxation();
        Path export = out.resolve("e2e-export");
        double tdiSeconds;
        double tdiCpuSeconds;
        int[] batches = java.util.stream.IntStream.of(1, 4, 8, 16, 32, batch).filter(b -> b <= batch).distinct()
                .toArray();
        double[] stepNs = new double[batches.length];
        long[] stepFlops = new long[batches.length];
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.defaults())) {
            s.program(w.compiled().program());
            w.load(s);
            RunResult exact = s.run(w.spec().toBuilder().temperature(0).build());
            float[][] fin = new float[batch][];
            float[][] mean = new float[batch][];
            for (int c = 0; c < batch; c++) {
                fin[c] = exact.finalState(c);
                mean[c] = exact.mean(c);
            }
            RelaxationExport.write(export, w, fin, mean);
            log.printf(Locale.ROOT, "bench: end-to-end: %s, %d units, %d steps, batch %d; timing tdi sim ...%n",
                    w.system(), w.compiled().program().units(), steps, batch);
            long cpu0 = processCpuNanos();
            tdiSeconds = median(s, w.spec(), 1, 3) / 1e9;
            tdiCpuSeconds = (processCpuNanos() - cpu0) / 4 / 1e9; // the warm-up and the three timed runs
            log.printf(Locale.ROOT, "bench: end-to-end: tdi %.3f s per batch of %d (%.2f inferences/s)%n", tdiSeconds,
                    batch, batch / tdiSeconds);
            SimSubstrate sim = (SimSubstrate) s;
            for (int i = 0; i < batches.length; i++) { // the step alone: runs of SWEEP_STEPS steps
                w.load(s, batches[i]);
                stepFlops[i] = sim.costPerStep(batches[i])[1];
                stepNs[i] = median(s, w.fullSteps(batches[i], SWEEP_STEPS), 1,
                        3) / SWEEP_STEPS;
                log.printf(Locale.ROOT, "bench: end-to-end: step at batch %d: %.2f ms (%.3f ms per input)%n",
                        batches[i], stepNs[i] / 1e6, stepNs[i] / 1e6 / batches[i]);
            }
        }
        double fma = MachineProbe.fmaPeak(Runtime.getRuntime().availableProcessors(), 20_000_000);
        double peerSeconds = Double.NaN;
        double peerCpuSeconds = Double.NaN;
        double err = Double.NaN;
        int peerThreads = 0;
        String note;
        if (python == null) {
            note = "no python3 with numpy and torch";
        } else if (!Files.isRegularFile(script)) {
            note = "missing " + script;
        } else {
            Path json = out.resolve("e2e-peer.json");
            Process proc = new ProcessBuilder(python, script.toString(), export.toString(), json.toString())
                    .redirectErrorStream(true).start();
            try (var in = proc.getInputStream()) {
                in.transferTo(log);
            }
            if (!proc.waitFor(30, TimeUnit.MINUTES) || proc.exitValue() != 0) {
                note = "the peer failed (exit " + proc.exitValue() + ")";
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = new Gson().fromJson(Files.readString(json), Map.class);
                peerSeconds = number(r, "seconds");
                peerCpuSeconds = number(r, "cpu_seconds");
                peerThreads = (int) number(r, "threads");
                err = number(r, "max_relative_error");
                note = err <= MAX_RELATIVE_ERROR ? String.valueOf(r.get("torch"))
                        : r.get("torch") + "; its states do NOT match tdi's (max relative error " + err + ")";
            }
        }
        Result res = new Result(batch, steps, w.compiled().program().units(), w.system(), tdiSeconds, tdiCpuSeconds,
                peerSeconds, peerCpuSeconds, peerThreads, err, batches, stepNs, stepFlops, fma, note,
                "before " + loadBefore + ", after " + MachineProbe.loadAverage());
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("result", res);
        j.put("speedup", res.speedup());
        Files.writeString(out.resolve("end-to-end.json"), new GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(j));
        return res;
    }

    /** CPU time of this process so far (every thread), ns. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Median wall time of {@code runs} runs of {@code spec} after {@code warm} warm-up runs, ns. */
    static double median(Substrate s, RunSpec spec, int warm, int runs) {
        for (int i = 0; i < warm; i++) {
            s.run(spec);
        }
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long a = System.nanoTime();
            s.run(spec);
            t[i] = System.nanoTime() - a;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    /** A number of the peer's JSON; NaN when it is absent, null or not a number (e.g. non-finite states). */
    private static double number(Map<String, Object> r, String key) {
        return r.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
