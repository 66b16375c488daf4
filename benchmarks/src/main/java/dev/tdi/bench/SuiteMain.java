package dev.tdi.bench;

import com.google.gson.GsonBuilder;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.sim.SimSubstrate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The entry point of benchmarks.jar. {@code --suite [DIR]} runs the JMH step suites for every operator kind over D,
 * rank k and chains (1, 8, 64) on sim and reference (the reference at the smaller sizes only: it is the readable
 * double-precision specification, 30-100x slower) and writes DIR/results.md and results.json (default
 * benchmarks/results/jmh) with bytes, flops and fractions of the measured bandwidth and FMA peak;
 * {@code --suite-small [DIR]} runs a smaller matrix (about 10 minutes); {@code --suite-unet [DIR]} the batched
 * compiled-U-Net step (batch 1 and 32, {@code UNetStepBenchmark}). Anything else is handed to JMH's own command
 * line ({@code -h} for its options, e.g. {@code StepBenchmark -p kind=lowrank -p d=1000000}).
 */
public final class SuiteMain {
    private SuiteMain() {
    }

    /** The parameter sets: kind -> {sim D list, reference D list, ranks}. */
    static List<String[]> matrix() {
        List<String[]> m = new ArrayList<>();
        // kind, backend, d values, k values, chains values
        m.add(new String[] {"dense", "sim", "1024,2048,4096,8192", "16", "1,8,64"});
        m.add(new String[] {"dense", "reference", "1024", "16", "1,8,64"});
        m.add(new String[] {"sparse", "sim", "16384,65536,262144,1048576", "16", "1,8,64"});
        m.add(new String[] {"sparse", "reference", "16384,65536", "16", "1,8"});
        m.add(new String[] {"conv", "sim", "8192,32768,131072,524288", "16", "1,8,64"});
        m.add(new String[] {"conv", "reference", "8192,32768", "16", "1,8"});
        m.add(new String[] {"lowrank", "sim", "16384,65536,262144,1000000", "4,16,64", "1,8,64"});
        m.add(new String[] {"lowrank", "reference", "16384,65536", "16", "1,8"});
        return m;
    }

    /** A smaller matrix (about 10 minutes): two sizes per kind, ranks at one size, chains 1/8/64. */
    static List<String[]> smallMatrix() {
        List<String[]> m = new ArrayList<>();
        m.add(new String[] {"dense", "sim", "1024,4096", "16", "1,8,64"});
        m.add(new String[] {"dense", "reference", "1024", "16", "1,8"});
        m.add(new String[] {"sparse", "sim", "65536,1048576", "16", "1,8,64"});
        m.add(new String[] {"sparse", "reference", "65536", "16", "1,8"});
        m.add(new String[] {"conv", "sim", "32768,524288", "16", "1,8,64"});
        m.add(new String[] {"conv", "reference", "32768", "16", "1,8"});
        m.add(new String[] {"lowrank", "sim", "65536,1000000", "4,16,64", "1"});
        m.add(new String[] {"lowrank", "sim", "65536", "16", "8,64"});
        m.add(new String[] {"lowrank", "reference", "65536", "16", "1,8"});
        return m;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].startsWith("--suite")) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        if (args[0].equals("--suite-unet")) {
            dev.tdi.bench.e2e.UNetStepSuite.run(Path.of(args.length > 1 ? args[1] : "benchmarks/results/jmh-unet"));
            return;
        }
        Path out = Path.of(args.length > 1 ? args[1] : "benchmarks/results/jmh");
        Files.createDirectories(out);
        int threads = Runtime.getRuntime().availableProcessors();
        Map<String, String> machine = MachineProbe.describe();
        String loadBefore = MachineProbe.loadAverage();
        MachineProbe.Bandwidth bw = MachineProbe.stream(1 << 25, threads, 5);
        MachineProbe.Bandwidth bw1 = MachineProbe.stream(1 << 25, 1, 3);
        double fma = MachineProbe.fmaPeak(threads, 20_000_000);
        List<BenchSuite.Row> rows = new ArrayList<>();
        for (String[] set : args[0].equals("--suite-small") ? smallMatrix() : matrix()) {
            ChainedOptionsBuilder ob = new OptionsBuilder().include(StepBenchmark.class.getName())
                    .param("kind", set[0]).param("backend", set[1]).param("d", set[2].split(","))
                    .param("k", set[3].split(",")).param("chains", set[4].split(","));
            for (RunResult r : new Runner(ob.build()).run()) {
                BenchmarkParams p = r.getParams();
                String kind = p.getParam("kind");
                int d = Integer.parseInt(p.getParam("d")), k = Integer.parseInt(p.getParam("k"));
                int chains = Integer.parseInt(p.getParam("chains"));
                String backend = p.getParam("backend");
                long steps = StepBenchmark.steps(kind, d, k, chains, backend);
                double nsPerStep = r.getPrimaryResult().getScore() * 1000 / steps;
                Program prog = BenchPrograms.build(BenchPrograms.Kind.of(kind), d, k, 1);
                long[] cost;
                try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
                    s.program(prog);
                    cost = ((SimSubstrate) s).costPerStep(chains);
                }
                String name = kind + "-d" + d + (kind.equals("lowrank") ? "-k" + k : "") + "-c" + chains;
                double best = r.getPrimaryResult().getStatistics().getMin() * 1000 / steps;
                rows.add(new BenchSuite.Row(name, kind, prog.units(), k, chains, backend, nsPerStep, best, cost[0],
                        cost[1], steps));
            }
        }
        machine.put("load", "before " + loadBefore + ", after " + MachineProbe.loadAverage());
        Report report = new Report(machine, bw, bw1, fma, threads, rows, Map.of());
        String md = report.markdown(false, 0).replace("# tdi per-step benchmarks (full)",
                "# tdi per-step benchmarks (JMH suites: java -jar benchmarks/target/benchmarks.jar " + args[0] + ")")
                .replace("timed through the public `Substrate.run` API (per step = (T(2S) - T(S)) / S over 5 pairs of"
                        + " runs of S steps, S sized so a run lasts ~0.1 s, after a warm-up)", "timed by JMH"
                        + " (`StepBenchmark`: each invocation a run of S steps through `Substrate.run`, 8 warm-up and 5"
                        + " measured iterations of 1 s, one fork; per step = score / S; best = the fastest iteration)");
        Files.writeString(out.resolve("results.md"), md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", Instant.now().toString());
        json.put("machine", machine);
        json.put("bandwidth", bw);
        json.put("fmaPeakFlops", fma);
        json.put("rows", rows);
        json.put("targets", report.targets());
        json.put("args", Arrays.asList(args));
        Files.writeString(out.resolve("results.json"), new GsonBuilder().setPrettyPrinting().create().toJson(json));
        System.out.println(md);
    }
}
