package dev.tdi.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What this machine can do, measured: a STREAM-like memory probe (copy, scale-add "triad", and a read-only sum,
 * over arrays far larger than the last-level cache, best of several repetitions as STREAM reports) and an FMA
 * throughput probe (independent vector FMA chains in registers), each on a given number of threads; plus the
 * machine's description (CPU model, cores, JDK, load average).
 */
public final class MachineProbe {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private MachineProbe() {
    }

    /** Measured bandwidths in bytes per second. */
    public record Bandwidth(double copy, double triad, double read, long arrayBytes, int threads) {
        /** The best of the three kernels: the most this machine's memory delivered to Java. */
        public double best() {
            return Math.max(copy, Math.max(triad, read));
        }
    }

    /** Runs the memory probe with arrays of {@code floats} floats each. */
    public static Bandwidth stream(int floats, int threads, int reps) {
        float[] a = new float[floats], b = new float[floats], c = new float[floats];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        double copy = 0, triad = 0, read = 0;
        float[] sink = new float[threads];
        for (int r = 0; r < reps; r++) {
            copy = Math.max(copy, 8.0 * floats / parallel(threads, floats, (lo, hi, t) -> {
                System.arraycopy(b, lo, a, lo, hi - lo);
            }));
            triad = Math.max(triad, 12.0 * floats / parallel(threads, floats, (lo, hi, t) -> {
                for (int i = lo; i < hi; i++) {
                    a[i] = b[i] + 3f * c[i];
                }
            }));
            read = Math.max(read, 4.0 * floats / parallel(threads, floats, (lo, hi, t) -> {
                sink[t] += sum(a, lo, hi);
            }));
        }
        if (sink[0] == 42) {
            System.out.print("");
        }
        return new Bandwidth(copy * 1e9, triad * 1e9, read * 1e9, 4L * floats, threads);
    }

    private static float sum(float[] a, int lo, int hi) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int l = F.length();
        int i = lo;
        for (; i + 4 * l <= hi; i += 4 * l) {
            s0 = s0.add(FloatVector.fromArray(F, a, i));
            s1 = s1.add(FloatVector.fromArray(F, a, i + l));
            s2 = s2.add(FloatVector.fromArray(F, a, i + 2 * l));
            s3 = s3.add(FloatVector.fromArray(F, a, i + 3 * l));
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < hi; i++) {
            s += a[i];
        }
        return s;
    }

    /** Measured single-precision FMA throughput in flops per second (2 per lane per FMA), on all threads. */
    public static double fmaPeak(int threads, long iterations) {
        double best = 0;
        float[] sink = new float[threads];
        for (int r = 0; r < 3; r++) {
            double ns = parallel(threads, threads, (lo, hi, t) -> sink[t] += fmaLoop(iterations));
            best = Math.max(best, 2.0 * F.length() * 12 * iterations * threads / ns);
        }
        return best * 1e9;
    }

    private static float fmaLoop(long n) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        for (long i = 0; i < n; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .lane(0);
    }

    interface Chunk {
        void run(int lo, int hi, int thread);
    }

    /** Runs chunk on {@code threads} threads splitting [0, n), returning the wall nanoseconds of the slowest. */
    private static double parallel(int threads, int n, Chunk chunk) {
        CyclicBarrier start = new CyclicBarrier(threads);
        long[] end = new long[threads];
        long[] begin = new long[threads];
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            int lo = (int) ((long) n * t / threads), hi = (int) ((long) n * (t + 1) / threads);
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                begin[id] = System.nanoTime();
                chunk.run(lo, hi, id);
                end[id] = System.nanoTime();
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long b = Long.MAX_VALUE, e = 0;
        for (int t = 0; t < threads; t++) {
            b = Math.min(b, begin[t]);
            e = Math.max(e, end[t]);
        }
        return e - b;
    }

    /** The machine: CPU model, cores, memory, JDK, vector width, load average. */
    public static Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        m.put("memory", memTotal());
        m.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("vector", F.vectorBitSize() + "-bit FloatVector (" + F.length() + " lanes)");
        m.put("maxHeap", String.format("%.1f GiB", Runtime.getRuntime().maxMemory() / 1073741824.0));
        m.put("load", loadAverage());
        return m;
    }

    /** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    String model = line.substring(line.indexOf(':') + 1).trim();
                    String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                            .filter(l -> l.startsWith("flags")).findFirst().orElse("");
                    String fam = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                            .filter(l -> l.startsWith("cpu family")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                            .orElse("?");
                    return model + " (family " + fam + (flags.contains("avx512f") ? ", AVX-512" : "")
                            + (flags.contains(" fma") ? ", FMA" : "") + ")";
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    return String.format("%.1f GiB", kb / 1048576.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "unknown";
    }
}
