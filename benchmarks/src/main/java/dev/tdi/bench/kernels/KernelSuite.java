package dev.tdi.bench.kernels;

import com.google.gson.Gson;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetModel;
import dev.tdi.kernels.gemm.Gemm;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The kernel part of {@code ./tdi bench}: the U-Net's matrix products (GEMM) on its convolution shapes at batch 1
 * (one image, one thread) and 64 (64 images on all cores), each convolution forward and backward at batch 64, the
 * U-Net forward at batch 1 and 64 and the training step's gradient at batch 64, each beside PyTorch CPU on the same
 * shapes (benchmarks/peers/kernels_torch.py), with GFLOP/s, the fraction of the measured FMA peak, and (for the
 * kernels) the minimum memory traffic against the measured bandwidth.
 */
public final class KernelSuite {
    /** Images per second of {@code ./tdi train} before the blocked kernels (issue 13, same machine and config). */
    public static final double TRAIN_BASELINE_IMAGES_PER_S = 500;

    /** One timed row. */
    public record Row(String name, String op, String shape, String layers, int count, int batch, double flops,
                      double bytes, double medianNs, double bestNs) {
    }

    private KernelSuite() {
    }

    /**
     * Runs the suite; returns the markdown section and puts its rows, peers and targets into {@code json}.
     *
     * @param python  the Python with torch, or null to skip the peer
     * @param fma     the measured FMA peak, flop/s
     * @param bw      the measured memory bandwidth (best STREAM kernel), bytes/s
     */
    public static String run(Path out, String python, Path peerScript, double fma, double bw, boolean quick,
                             PrintStream log, Map<String, Object> json) throws IOException, InterruptedException {
        UNet net = UNetModel.loadDefault();
        long warm = quick ? 400_000_000L : 2_000_000_000L, round = quick ? 150_000_000L : 1_000_000_000L;
        List<Row> rows = new ArrayList<>();
        List<Map<String, Object>> peerCases = new ArrayList<>();
        Map<String, Integer> uses = new LinkedHashMap<>();
        for (ConvShape s : ConvShape.of(net)) {
            int count = s.layers().split(" ").length;
            uses.put(s.name(), count);
            for (int batch : new int[]{1, 64}) {
                ConvOps ops = new ConvOps(s, batch);
                if (batch == 1) {
                    // one image on one thread: the kernel alone
                    add(rows, log, "gemm-" + s.name() + "-b1", "gemm", s, count, 1, 2.0 * s.gemmM() * s.gemmN()
                            * s.gemmK(), 4.0 * (s.gemmM() * s.gemmK() + s.gemmK() * s.gemmN() + s.gemmM() * s.gemmN()),
                            OpTimer.time(ops::gemm, warm, round));
                    continue;
                }
                double mnk = 2.0 * s.gemmM() * s.gemmN() * s.gemmK();
                add(rows, log, "gemm-" + s.name() + "-b64", "gemm", s, count, batch, batch * mnk,
                        4.0 * (s.gemmM() * s.gemmK() + batch * (s.gemmK() * s.gemmN() + s.gemmM() * s.gemmN())),
                        OpTimer.time(ops::gemm, warm, round));
                double in = s.inC() * s.inH() * s.inW(), o = s.outC() * s.outH() * s.outW();
                add(rows, log, "conv-fwd-" + s.name() + "-b64", "conv_fwd", s, count, batch, 2.0 * batch * s.macs(),
                        4.0 * (s.weightSize() + batch * (in + o)), OpTimer.time(ops::forward, warm, round));
                add(rows, log, "conv-bwd-" + s.name() + "-b64", "conv_bwd", s, count, batch, 4.0 * batch * s.macs(),
                        4.0 * (2 * s.weightSize() + batch * (2 * in + o)), OpTimer.time(ops::backward, warm, round));
            }
        }
        double img = 2.0 * net.macsPerImage();
        for (int batch : new int[]{1, 64}) {
            float[] x = new float[batch * net.inputSize()];
            double[] t = new double[batch];
            java.util.SplittableRandom r = new java.util.SplittableRandom(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < batch; i++) {
                t[i] = r.nextInt(net.config().diffusionSteps());
            }
            add(rows, log, "unet-forward-b" + batch, "unet_fwd", null, 1, batch, batch * img, 0,
                    OpTimer.time(() -> net.predict(x, t), warm * 2, round));
        }
        TrainStepOps train = new TrainStepOps(net, 64);
        add(rows, log, "unet-train-step-b64", "unet_train", null, 1, 64, 64 * 3 * img, 0,
                OpTimer.time(train::step, warm * 2, round * 2));
        for (Row row : rows) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", row.name());
            c.put("op", row.op());
            c.put("batch", row.batch());
            ConvShape s = row.shape().isEmpty() ? null : ConvShape.named(net, row.shape());
            if (s != null) {
                c.put("M", s.gemmM());
                c.put("N", s.gemmN());
                c.put("K", s.gemmK());
                c.put("transpose", s.transpose());
                c.put("inC", s.inC());
                c.put("inH", s.inH());
                c.put("inW", s.inW());
                c.put("outC", s.outC());
                c.put("k", s.k());
                c.put("stride", s.stride());
                c.put("pad", s.pad());
                c.put("outPad", s.outPad());
            }
            peerCases.add(c);
        }
        Map<String, Object> peer = python == null ? Map.of() : runPeer(out, python, peerScript, peerCases, quick, log);
        json.put("kernelRows", rows);
        json.put("kernelPeer", peer);
        json.put("gemmKernel", Gemm.kernel().name());
        return markdown(rows, peer, uses, fma, bw);
    }

    /**
     * Runs the kernel suite alone: {@code java --add-modules jdk.incubator.vector -cp <benchmarks classpath>
     * dev.tdi.bench.kernels.KernelSuite [OUT_DIR] [--no-peers]} (default runs/bench-kernels); writes kernels.md and
     * kernels.json.
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 && !args[0].startsWith("--") ? args[0] : "runs/bench-kernels");
        Files.createDirectories(out);
        int threads = Runtime.getRuntime().availableProcessors();
        dev.tdi.bench.MachineProbe.Bandwidth bw = dev.tdi.bench.MachineProbe.stream(1 << 25, threads, 5);
        double fma = dev.tdi.bench.MachineProbe.fmaPeak(threads, 20_000_000);
        String python = List.of(args).contains("--no-peers") ? null : dev.tdi.bench.BenchSuite.findPython();
        Map<String, Object> json = new LinkedHashMap<>();
        String load = dev.tdi.bench.MachineProbe.loadAverage();
        String md = run(out, python, Path.of("benchmarks/peers/kernels_torch.py"), fma, bw.best(), true, System.out,
                json);
        md = String.format(Locale.ROOT, "FMA peak %.0f GFLOP/s, bandwidth %.1f GB/s, %d threads, load %s -> %s%n",
                fma / 1e9, bw.best() / 1e9, threads, load, dev.tdi.bench.MachineProbe.loadAverage()) + md;
        Files.writeString(out.resolve("kernels.md"), md);
        Files.writeString(out.resolve("kernels.json"), new com.google.gson.GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(json));
        System.out.println(md);
    }


    private static void add(List<Row> rows, PrintStream log, String name, String op, ConvShape s, int count,
                            int batch, double flops, double bytes, OpTimer.Timing t) {
        rows.add(new Row(name, op, s == null ? "" : s.name(), s == null ? "" : s.layers(), count, batch, flops, bytes,
                t.medianNs(), t.bestNs()));
        log.printf(Locale.ROOT, "bench: %-34s %10.1f us  %6.1f GFLOP/s%n", name, t.medianNs() / 1e3,
                flops / t.medianNs());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> runPeer(Path out, String python, Path script, List<Map<String, Object>> cases,
                                               boolean quick, PrintStream log)
            throws IOException, InterruptedException {
        Path in = out.resolve("kernel-cases.json"), res = out.resolve("kernel-peer.json");
        Files.writeString(in, new Gson().toJson(cases));
        log.println("bench: running the PyTorch kernel peer (" + python + " " + script + ") ...");
        Process p = new ProcessBuilder(python, script.toString(), in.toString(), res.toString(), "--seconds",
                quick ? "1" : "5").redirectErrorStream(true).start();
        try (var s = p.getInputStream()) {
            s.transferTo(log);
        }
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            log.println("bench: the PyTorch kernel peer failed (exit " + p.exitValue() + "); no peer column");
            return Map.of();
        }
        return new Gson().fromJson(Files.readString(res), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static double peerNs(Map<String, Object> peer, String name) {
        Object cases = peer.get("cases");
        if (!(cases instanceof Map<?, ?> m) || !(m.get(name) instanceof Map<?, ?> c)) {
            return Double.NaN;
        }
        return ((Number) ((Map<String, Object>) c).get("median_ns")).doubleValue();
    }

    static String markdown(List<Row> rows, Map<String, Object> peer, Map<String, Integer> uses, double fma,
                           double bw) {
        StringBuilder sb = new StringBuilder();
        sb.append("\n## Kernels: the U-Net's convolutions, forward pass and training step\n\n");
        sb.append("GEMM kernel: `").append(Gemm.kernel().name()).append("`. Shapes are the default U-Net's distinct"
                + " convolutions (`conv<in>-<out>s<stride>@<input size>`; `uses` = how many of the network's inputs"
                + " have it). gemm = the forward product alone (weights x a patch matrix); b1 = one image on one"
                + " thread, b64 = 64 images on all cores (one image per task, as the network runs). conv-fwd = the"
                + " forward pass as UNet runs it (implicit GEMM for same-size stride-1 convolutions, im2col + GEMM or"
                + " GEMM + col2im otherwise); conv-bwd = weight and input gradients. GB/s counts each operand once"
                + " (minimum traffic). PyTorch: the same op on the same shapes, all cores and one thread, the better"
                + " kept (`matmul`, `conv2d`/`conv_transpose2d`, `convolution_backward`, the network of"
                + " tools/unet_reference.py). Median of 5 rounds.\n\n");
        sb.append("| case | uses | time | GFLOP/s | % of FMA peak | GB/s | % of BW | PyTorch | PyTorch GFLOP/s | speed-up |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            double g = r.flops() / r.medianNs(), tp = peerNs(peer, r.name());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.1f%% | %s | %s | %s | %s | %s |%n", r.name(),
                    r.count() > 0 && !r.shape().isEmpty() ? r.count() : "", us(r.medianNs()), g, 100 * g * 1e9 / fma,
                    r.bytes() > 0 ? String.format(Locale.ROOT, "%.1f", r.bytes() / r.medianNs()) : "",
                    r.bytes() > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * r.bytes() / r.medianNs() * 1e9 / bw) : "",
                    Double.isNaN(tp) ? "" : us(tp),
                    Double.isNaN(tp) ? "" : String.format(Locale.ROOT, "%.1f", r.flops() / tp),
                    Double.isNaN(tp) ? "" : String.format(Locale.ROOT, "%.2fx", tp / r.medianNs())));
        }
        sb.append("\n### Targets (issue 13)\n\n| target | measured | met |\n|---|---|---|\n");
        for (String op : new String[]{"conv_fwd", "conv_bwd"}) {
            double flops = 0, ns = 0, tflops = 0, tns = 0;
            for (Row r : rows) {
                if (r.op().equals(op)) {
                    flops += r.count() * r.flops();
                    ns += r.count() * r.medianNs();
                    double tp = peerNs(peer, r.name());
                    tns += r.count() * tp;
                    tflops += r.count() * r.flops();
                }
            }
            double frac = flops / ns * 1e9 / fma;
            sb.append(String.format(Locale.ROOT, "| convolution layers at batch 64, %s, >= 50%% of FMA peak | %.1f GFLOP/s"
                    + " over all the network's convolutions (%.0f%% of %.0f GFLOP/s)%s | %s |%n",
                    op.equals("conv_fwd") ? "forward" : "backward", flops / ns, 100 * frac, fma / 1e9,
                    Double.isNaN(tns) ? "" : String.format(Locale.ROOT, "; PyTorch %.1f GFLOP/s", tflops / tns),
                    frac >= 0.5 ? "yes" : "**no**"));
        }
        for (int b : new int[]{64, 1}) {
            Row r = find(rows, "unet-forward-b" + b);
            double tp = peerNs(peer, r.name()), need = b == 64 ? 1.5 : 3;
            sb.append(String.format(Locale.ROOT, "| U-Net forward at batch %d >= %.1fx PyTorch CPU | %.0f images/s, PyTorch"
                    + " %s: %s | %s |%n", b, need, b * 1e9 / r.medianNs(),
                    Double.isNaN(tp) ? "-" : String.format(Locale.ROOT, "%.0f", b * 1e9 / tp),
                    Double.isNaN(tp) ? "-" : String.format(Locale.ROOT, "%.2fx", tp / r.medianNs()),
                    Double.isNaN(tp) ? "n/a" : tp / r.medianNs() >= need ? "yes" : "**no**"));
        }
        Row tr = find(rows, "unet-train-step-b64");
        double ips = 64e9 / tr.medianNs(), tpt = peerNs(peer, tr.name());
        sb.append(String.format(Locale.ROOT, "| training throughput >= 3x today's (%.0f images/s, issue 13) | gradient of a"
                + " batch-64 step: %.0f images/s = %.2fx (%.1f GFLOP/s, %.0f%% of FMA peak)%s | %s |%n",
                TRAIN_BASELINE_IMAGES_PER_S, ips, ips / TRAIN_BASELINE_IMAGES_PER_S, tr.flops() / tr.medianNs(),
                100 * tr.flops() / tr.medianNs() * 1e9 / fma,
                Double.isNaN(tpt) ? "" : String.format(Locale.ROOT, "; PyTorch %.0f images/s", 64e9 / tpt),
                ips >= 3 * TRAIN_BASELINE_IMAGES_PER_S ? "yes" : "**no**"));
        return sb.toString();
    }

    private static Row find(List<Row> rows, String name) {
        return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private static String us(double ns) {
        return ns >= 1e6 ? String.format(Locale.ROOT, "%.2f ms", ns / 1e6) : String.format(Locale.ROOT, "%.1f us", ns / 1e3);
    }
}
