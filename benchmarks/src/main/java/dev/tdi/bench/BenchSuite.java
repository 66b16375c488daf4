package dev.tdi.bench;

import com.google.gson.GsonBuilder;
import dev.tdi.bench.kernels.KernelSuite;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.sim.SimSubstrate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one-command benchmark: probes the machine (STREAM-like bandwidth, FMA peak), times one Langevin step of every
 * benchmark program on {@code sim} and {@code reference}, exports the programs and runs the NumPy and PyTorch peers
 * on them (benchmarks/peers/peers.py), and writes a markdown and a JSON table with the targets of issue 3 judged,
 * followed by the U-Net kernel suite ({@link KernelSuite}) and the targets of issue 13.
 * {@code quick} (for ./tdi bench) takes a few minutes; the full suite is the JMH one ({@link SuiteMain}).
 */
public final class BenchSuite {

    /** How to run. */
    public record Options(boolean quick, Path out, Path peersScript, String python, boolean peers, PrintStream log) {
    }

    /** One benchmark case. */
    public record Case(BenchPrograms.Kind kind, int d, int k, int chains, boolean reference, boolean peers,
                       String group) {
        String name() {
            return kind.id() + "-d" + d + (kind == BenchPrograms.Kind.LOWRANK ? "-k" + k : "") + "-c" + chains;
        }
    }

    /** One timed row. */
    public record Row(String name, String kind, int units, int k, int chains, String backend, double nsPerStep,
                      double bestNsPerStep, long bytes, long flops, long stepsPerRun) {
    }

    private BenchSuite() {
    }

    /** The cases of the quick run. */
    public static List<Case> quickCases() {
        List<Case> c = new ArrayList<>();
        BenchPrograms.Kind dense = BenchPrograms.Kind.DENSE, sparse = BenchPrograms.Kind.SPARSE;
        BenchPrograms.Kind conv = BenchPrograms.Kind.CONV, low = BenchPrograms.Kind.LOWRANK;
        c.add(new Case(dense, 4096, 0, 1, false, true, "bandwidth"));
        c.add(new Case(dense, 1024, 0, 1, true, true, ""));
        c.add(new Case(dense, 1024, 0, 8, true, true, "batched"));
        c.add(new Case(dense, 1024, 0, 64, true, true, "batched"));
        c.add(new Case(sparse, 65536, 0, 1, true, true, ""));
        c.add(new Case(sparse, 65536, 0, 8, true, true, "batched"));
        c.add(new Case(conv, 32768, 0, 1, true, true, "conv-scaling"));
        c.add(new Case(conv, 32768, 0, 8, true, true, "batched"));
        for (int d : new int[] {8192, 131072, 524288, 2_097_152}) {
            c.add(new Case(conv, d, 0, 1, false, false, "conv-scaling"));
        }
        c.add(new Case(low, 65536, 16, 1, true, true, "lowrank-scaling"));
        c.add(new Case(low, 65536, 16, 8, true, true, "batched"));
        for (int d : new int[] {16384, 262144}) {
            c.add(new Case(low, d, 16, 1, false, false, "lowrank-scaling"));
        }
        c.add(new Case(low, 1_000_000, 16, 1, false, true, "lowrank-scaling"));
        c.add(new Case(low, 4_000_000, 16, 1, false, false, "lowrank-scaling"));
        return c;
    }

    /** The cases of the long run: every kind at more sizes, ranks and chains (1, 8, 64). */
    public static List<Case> fullCases() {
        List<Case> c = new ArrayList<>(quickCases());
        BenchPrograms.Kind sparse = BenchPrograms.Kind.SPARSE, conv = BenchPrograms.Kind.CONV;
        BenchPrograms.Kind low = BenchPrograms.Kind.LOWRANK, dense = BenchPrograms.Kind.DENSE;
        c.add(new Case(dense, 8192, 0, 1, false, true, "bandwidth"));
        c.add(new Case(dense, 4096, 0, 64, false, true, "batched"));
        c.add(new Case(sparse, 1_048_576, 0, 1, false, true, ""));
        c.add(new Case(sparse, 65536, 0, 64, false, true, "batched"));
        c.add(new Case(conv, 32768, 0, 64, false, true, "batched"));
        c.add(new Case(low, 65536, 16, 64, false, true, "batched"));
        c.add(new Case(low, 65536, 4, 1, false, true, "rank"));
        c.add(new Case(low, 65536, 64, 1, false, true, "rank"));
        return c;
    }

    /** Runs the suite and writes {@code out}/results.md and results.json; returns the markdown. */
    public static String run(Options o) throws IOException, InterruptedException {
        long start = System.nanoTime();
        PrintStream log = o.log();
        Files.createDirectories(o.out());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", Instant.now().toString());
        json.put("mode", o.quick() ? "quick" : "full");
        Map<String, String> machine = MachineProbe.describe();
        json.put("machine", machine);
        String loadBefore = MachineProbe.loadAverage();
        int threads = Runtime.getRuntime().availableProcessors();
        log.println("bench: probing memory bandwidth and FMA peak on " + threads + " threads ...");
        MachineProbe.Bandwidth bw = MachineProbe.stream(1 << 25, threads, 5);
        MachineProbe.Bandwidth bw1 = MachineProbe.stream(1 << 25, 1, 3);
        double fma = MachineProbe.fmaPeak(threads, 20_000_000);
        json.put("bandwidth", bw);
        json.put("bandwidthOneThread", bw1);
        json.put("fmaPeakFlops", fma);
        log.printf(Locale.ROOT, "bench: STREAM copy %.1f, triad %.1f, read %.1f GB/s (%d threads; 1 thread best %.1f);"
                + " FMA peak %.0f GFlop/s%n", bw.copy() / 1e9, bw.triad() / 1e9, bw.read() / 1e9, threads,
                bw1.best() / 1e9, fma / 1e9);

        List<Case> cases = o.quick() ? quickCases() : fullCases();
        List<Row> rows = new ArrayList<>();
        Path export = o.out().resolve("peer-export");
        boolean peers = o.peers() && o.python() != null;
        long warm = o.quick() ? 2_000_000_000L : 4_000_000_000L;
        long runNs = o.quick() ? 100_000_000L : 300_000_000L;
        for (Case c : cases) {
            Program p = BenchPrograms.build(c.kind(), c.d(), Math.max(1, c.k()), 1);
            long[] cost;
            try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
                s.program(p);
                cost = ((SimSubstrate) s).costPerStep(c.chains());
                StepTimer.Timing t = StepTimer.time(s, c.chains(), warm, runNs, 5);
                rows.add(new Row(c.name(), c.kind().id(), p.units(), c.k(), c.chains(), "sim", t.medianNs(),
                        t.bestNs(), cost[0], cost[1], t.stepsPerRun()));
                log.printf(Locale.ROOT, "bench: %-26s sim        %12.0f ns/step  %6.2f ns/unit  %5.1f GB/s%n",
                        c.name(), t.medianNs(), t.medianNs() / ((double) p.units() * c.chains()),
                        cost[0] / t.medianNs());
            }
            if (c.group().equals("bandwidth")) {
                // the same step on one thread, against the one-thread bandwidth: a per-core figure that a busy
                // machine disturbs less than the all-core one
                try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("threads=1", "range=unbounded"))) {
                    s.program(p);
                    StepTimer.Timing t = StepTimer.time(s, c.chains(), warm, runNs, 5);
                    rows.add(new Row(c.name(), c.kind().id(), p.units(), c.k(), c.chains(), "sim-1-thread",
                            t.medianNs(), t.bestNs(), cost[0], cost[1], t.stepsPerRun()));
                    log.printf(Locale.ROOT, "bench: %-26s sim 1 thr  %12.0f ns/step  %5.1f GB/s%n", c.name(),
                            t.medianNs(), cost[0] / t.medianNs());
                }
            }
            if (c.reference()) {
                try (Substrate s = SubstrateRegistry.open("reference", SubstrateConfig.defaults())) {
                    s.program(p);
                    StepTimer.Timing t = StepTimer.time(s, c.chains(), warm / 2, runNs, 3);
                    rows.add(new Row(c.name(), c.kind().id(), p.units(), c.k(), c.chains(), "reference",
                            t.medianNs(), t.bestNs(), cost[0], cost[1], t.stepsPerRun()));
                    log.printf(Locale.ROOT, "bench: %-26s reference  %12.0f ns/step%n", c.name(), t.medianNs());
                }
            }
            if (peers && c.peers()) {
                PeerExport.export(export, c.name(), c.kind(), c.d(), c.k(), c.chains(), p, 0.1, 1.0);
            }
        }
        Map<String, Object> peerResults = Map.of();
        if (peers) {
            log.println("bench: running the NumPy and PyTorch peers (" + o.python() + " " + o.peersScript() + ") ...");
            Path peerJson = o.out().resolve("peers.json");
            ProcessBuilder pb = new ProcessBuilder(o.python(), o.peersScript().toString(), export.toString(),
                    peerJson.toString(), "--seconds", o.quick() ? "1.5" : "4").redirectErrorStream(true);
            Process proc = pb.start();
            try (var in = proc.getInputStream()) {
                in.transferTo(log);
            }
            if (!proc.waitFor(30, TimeUnit.MINUTES) || proc.exitValue() != 0) {
                log.println("bench: the peer harness failed (exit " + proc.exitValue() + "); the table has no peers");
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> pr = new com.google.gson.Gson().fromJson(Files.readString(peerJson), Map.class);
                peerResults = pr;
            }
        } else {
            log.println("bench: peers skipped (" + (o.peers() ? "no python3 with numpy found" : "--no-peers") + ")");
        }
        // Probe again at the end and keep the better of the two (STREAM's own best-of rule): on a shared machine a
        // single probe can land on a busy moment and make every fraction look too high.
        MachineProbe.Bandwidth bwEnd = MachineProbe.stream(1 << 25, threads, 5);
        MachineProbe.Bandwidth bw1End = MachineProbe.stream(1 << 25, 1, 3);
        double fmaEnd = MachineProbe.fmaPeak(threads, 20_000_000);
        log.printf(Locale.ROOT, "bench: again at the end: STREAM best %.1f GB/s (1 thread %.1f); FMA peak %.0f GFlop/s%n",
                bwEnd.best() / 1e9, bw1End.best() / 1e9, fmaEnd / 1e9);
        bw = bwEnd.best() > bw.best() ? bwEnd : bw;
        bw1 = bw1End.best() > bw1.best() ? bw1End : bw1;
        fma = Math.max(fma, fmaEnd);
        json.put("bandwidth", bw);
        json.put("bandwidthOneThread", bw1);
        json.put("fmaPeakFlops", fma);
        String loadAfter = MachineProbe.loadAverage();
        machine.put("load", "before " + loadBefore + ", after " + loadAfter);
        json.put("rows", rows);
        json.put("peers", peerResults);
        Report report = new Report(machine, bw, bw1, fma, threads, rows, peerResults);
        json.put("targets", report.targets());
        json.put("seconds", (System.nanoTime() - start) / 1e9);
        // the kernel suite (issue 13): GEMM, convolutions, U-Net forward and training step, beside PyTorch
        String md = report.markdown(o.quick(), (System.nanoTime() - start) / 1e9)
                + KernelSuite.run(o.out(), peers ? o.python() : null, o.peersScript().resolveSibling("kernels_torch.py"),
                fma, bw.best(), o.quick(), log, json);
        Files.writeString(o.out().resolve("results.md"), md);
        Files.writeString(o.out().resolve("results.json"),
                new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json));
        log.println("bench: wrote " + o.out().resolve("results.md") + " and results.json");
        return md;
    }

    /** The first python3 that imports numpy: $TDI_PYTHON, /usr/bin/python3, then python3 on the PATH. */
    public static String findPython() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("TDI_PYTHON");
        if (env != null && !env.isBlank()) {
            candidates.add(env);
        }
        candidates.add("/usr/bin/python3");
        candidates.add("python3");
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return c;
                }
            } catch (IOException | InterruptedException e) {
                // try the next
            }
        }
        return null;
    }
}
