package dev.tdi.bench.e2e;

import com.google.gson.GsonBuilder;
import dev.tdi.bench.MachineProbe;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.sim.SimSubstrate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * {@code java -jar benchmarks.jar --suite-unet [DIR]}: runs {@link UNetStepBenchmark} at batch 1 and 32 and writes
 * DIR/results.md and results.json with the time per step, per step and input, GFLOP/s (flops from
 * {@link SimSubstrate#costPerStep}) and the fraction of the FMA peak measured by {@link MachineProbe#fmaPeak}.
 */
public final class UNetStepSuite {
    private UNetStepSuite() {
    }

    /** One row: the batch, the JMH score per step (median-free average and best iteration), the flops per step. */
    public record Row(int batch, double nsPerStep, double bestNsPerStep, long flopsPerStep) {
    }

    public static void run(Path out) throws Exception {
        Files.createDirectories(out);
        String loadBefore = MachineProbe.loadAverage();
        int threads = Runtime.getRuntime().availableProcessors();
        double fma = MachineProbe.fmaPeak(threads, 20_000_000);
        List<Row> rows = new ArrayList<>();
        UNetRelaxation w = UNetRelaxation.prepare(1, 1, 1e-4, System.out);
        for (RunResult r : new Runner(new OptionsBuilder().include(UNetStepBenchmark.class.getName()).build()).run()) {
            int batch = Integer.parseInt(r.getParams().getParam("batch"));
            long flops;
            try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.defaults())) {
                s.program(w.compiled().program());
                flops = ((SimSubstrate) s).costPerStep(batch)[1];
            }
            rows.add(new Row(batch, r.getPrimaryResult().getScore() * 1e3 / UNetStepBenchmark.STEPS,
                    r.getPrimaryResult().getStatistics().getMin() * 1e3 / UNetStepBenchmark.STEPS, flops));
        }
        fma = Math.max(fma, MachineProbe.fmaPeak(threads, 20_000_000));
        String load = "before " + loadBefore + ", after " + MachineProbe.loadAverage();
        StringBuilder md = new StringBuilder("# The compiled U-Net's Langevin step on sim, batched (JMH: java -jar"
                + " benchmarks/target/benchmarks.jar --suite-unet)\n\n");
        md.append(String.format(Locale.ROOT, "System %s, %d units; %s; %d threads; FMA peak %.0f GFLOP/s measured;"
                + " load %s; %s.%n%n", w.system(), w.compiled().program().units(), MachineProbe.describe(), threads,
                fma / 1e9, load, Instant.now()));
        md.append("| batch | ms per step | best | us per step and input | GFLOP/s | % of FMA peak |\n"
                + "|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            double gflops = r.flopsPerStep() / r.nsPerStep();
            md.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.1f | %.1f | %.1f %% |%n", r.batch(),
                    r.nsPerStep() / 1e6, r.bestNsPerStep() / 1e6, r.nsPerStep() / 1e3 / r.batch(), gflops,
                    100 * gflops * 1e9 / fma));
        }
        Files.writeString(out.resolve("results.md"), md.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", Instant.now().toString());
        json.put("fmaPeakFlops", fma);
        json.put("load", load);
        json.put("rows", rows);
        Files.writeString(out.resolve("results.json"), new GsonBuilder().setPrettyPrinting().create().toJson(json));
        System.out.println(md);
    }
}
