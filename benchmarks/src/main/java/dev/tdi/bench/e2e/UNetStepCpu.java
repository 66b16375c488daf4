package dev.tdi.bench.e2e;

import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.sim.SimSubstrate;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * The compiled U-Net's Langevin step on {@code sim} (the relaxation of {@link UNetRelaxation}, as
 * {@link UNetStepBenchmark} times it) as the CPU time of one thread ({@code threads=1}): the measure that other jobs
 * on a loaded machine do not distort, for before/after comparisons. Median of 5 runs of 16 steps after 3 warm-up
 * runs, per batch size given.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp 'cli/target/lib/*' dev.tdi.bench.e2e.UNetStepCpu 1 32};
 * {@code -Dbench.sim=conv=stencil} (comma-separated key=value) adds {@code sim} settings, e.g. to time the
 * convolutions' stencil form against the default.
 */
public final class UNetStepCpu {
    private static final int STEPS = 16;

    private UNetStepCpu() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: UNetStepCpu BATCH... (e.g. 1 32); -Dbench.sim=key=value,... adds sim settings");
            System.exit(2);
        }
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        String extra = System.getProperty("bench.sim", "").trim();
        for (String arg : args) {
            int batch;
            try {
                batch = Integer.parseInt(arg);
            } catch (NumberFormatException e) {
                System.err.println("UNetStepCpu: batch '" + arg + "' is not a number; accepted: 1 to 4096");
                System.exit(2);
                return;
            }
            UNetRelaxation w = UNetRelaxation.prepare(batch, 1, 1e-4,
                    new PrintStream(OutputStream.nullOutputStream()));
            String[] settings = extra.isEmpty() ? new String[] {"threads=1"}
                    : ("threads=1," + extra).split(",");
            try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of(settings))) {
                s.program(w.compiled().program());
                w.load(s);
                RunSpec spec = w.fullSteps(w.batch(), STEPS);
                long flops = ((SimSubstrate) s).costPerStep(batch)[1];
                double[] ms = new double[5];
                for (int r = -3; r < ms.length; r++) {
                    long t0 = bean.getCurrentThreadCpuTime();
                    s.run(spec);
                    double perStep = (bean.getCurrentThreadCpuTime() - t0) / 1e6 / STEPS;
                    if (r >= 0) {
                        ms[r] = perStep;
                    }
                }
                Arrays.sort(ms);
                double median = ms[ms.length / 2];
                System.out.printf(Locale.ROOT, "batch %d%s: %.2f ms CPU per step (best %.2f), %.3f ms per step and"
                        + " input, %.1f GFLOP/s per CPU-second (%.1f MFLOP per step)%n", batch,
                        extra.isEmpty() ? "" : " (" + extra + ")", median, ms[0], median / batch,
                        flops / (median * 1e-3) / 1e9, flops / 1e6);
            }
        }
    }
}
