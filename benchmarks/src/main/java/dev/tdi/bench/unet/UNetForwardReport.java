package dev.tdi.bench.unet;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetModel;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs {@link UNetForwardBenchmark} with JMH, then the PyTorch CPU peer on the same model and machine
 * ({@code python3 benchmarks/unet_forward_torch.py}, Debian package python3-torch), and prints both in one table
 * of images per second and GFLOP/s. Run from the repository root:
 * {@code java --add-modules jdk.incubator.vector -cp <benchmarks classpath> dev.tdi.bench.unet.UNetForwardReport}.
 */
public final class UNetForwardReport {
    private UNetForwardReport() {
    }

    public static void main(String[] args) throws Exception {
        Options o = new OptionsBuilder().include(UNetForwardBenchmark.class.getName()).build();
        Collection<RunResult> rs = new Runner(o).run();
        Map<Integer, double[]> java = new TreeMap<>();
        for (RunResult r : rs) {
            int b = Integer.parseInt(r.getParams().getParam("batch"));
            double ops = r.getPrimaryResult().getScore(), err = r.getPrimaryResult().getScoreError();
            java.put(b, new double[]{ops * b, err * b});
        }
        Map<Integer, double[]> torch = new TreeMap<>();
        String python = System.getenv().getOrDefault("TDI_PYTHON", "python3");
        List<String> cmd = new ArrayList<>(List.of(python, "benchmarks/unet_forward_torch.py", "--machine"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String torchInfo = "";
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println("[torch] " + line);
                String[] f = line.trim().split("\\s+");
                if (f.length >= 3 && f[0].equals("RESULT")) {
                    torch.put(Integer.parseInt(f[1]), new double[]{Double.parseDouble(f[2]),
                            f.length > 3 ? Double.parseDouble(f[3]) : 0});
                } else if (line.startsWith("INFO")) {
                    torchInfo = line.substring(5);
                }
            }
        }
        int rc = p.waitFor();
        UNet net = UNetModel.loadDefault();
        double gflop = 2e-9 * net.macsPerImage();
        System.out.printf(Locale.ROOT, "%nU-Net forward throughput, default model (%.1f MFLOP/image), %d cores; Java %s;"
                + " PyTorch: %s%n", gflop * 1e3, Runtime.getRuntime().availableProcessors(), Runtime.version(),
                rc == 0 ? torchInfo : "peer failed (exit " + rc + ")");
        System.out.println("| batch | Java img/s | Java GFLOP/s | PyTorch CPU img/s | PyTorch GFLOP/s | Java / PyTorch |");
        System.out.println("|---|---|---|---|---|---|");
        for (int b : java.keySet()) {
            double[] j = java.get(b), t = torch.get(b);
            System.out.printf(Locale.ROOT, "| %d | %.0f ± %.0f | %.2f | %s | %s | %s |%n", b, j[0], j[1], j[0] * gflop,
                    t == null ? "-" : String.format(Locale.ROOT, "%.0f ± %.0f", t[0], t[1]),
                    t == null ? "-" : String.format(Locale.ROOT, "%.2f", t[0] * gflop),
                    t == null ? "-" : String.format(Locale.ROOT, "%.2f", j[0] / t[0]));
        }
    }
}
