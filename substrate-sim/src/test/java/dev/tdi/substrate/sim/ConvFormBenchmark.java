package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.Operator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The measurement behind {@link ConvRule}: each convolution shape of the default U-Net, both directions (W x and
 * W^T x), batches of 1, 8 and 32 chains, in the stencil and the GEMM form, interleaved round by round in one JVM on
 * one thread, timed as that thread's CPU time (so other jobs on a loaded machine do not count), median of the rounds.
 * Off by default (a few minutes); run with
 * {@code mvn -o test -pl substrate-sim -am -Dtest=ConvFormBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtdi.sim.convBench=true}; prints a markdown table.
 */
class ConvFormBenchmark {
    private static final int ROUNDS = 7;
    private static final long ROUND_NANOS = 40_000_000;

    /** The U-Net's convolutions (tools: benchmarks' ConvShape names): in, out channels, input size, stride, T. */
    private static final Object[][] SHAPES = {
        {"conv1-16s1@28", 1, 16, 28, 1, false}, {"conv16-16s1@28", 16, 16, 28, 1, false},
        {"conv16-1s1@28", 16, 1, 28, 1, false}, {"conv1-1s1@28", 1, 1, 28, 1, false},
        {"conv4-16s1@28 (not in the U-Net)", 4, 16, 28, 1, false},
        {"conv16-4s1@28 (not in the U-Net)", 16, 4, 28, 1, false},
        {"conv16-32s2@28", 16, 32, 28, 2, false}, {"conv32-32s1@14", 32, 32, 14, 1, false},
        {"conv32-64s2@14", 32, 64, 14, 2, false}, {"conv64-64s1@7", 64, 64, 7, 1, false},
        {"convT64-32s2@7", 64, 32, 7, 2, true}, {"convT32-16s2@14", 32, 16, 14, 2, true},
    };

    @Test
    void stencilVersusGemm() {
        assumeTrue(Boolean.getBoolean("tdi.sim.convBench"), "set -Dtdi.sim.convBench=true to run");
        Kernels k = Kernels.load(true);
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        System.out.println("kernels: " + k.description() + ", gemm " + k.gemm().name());
        System.out.println("| shape | direction | chains | stencil GFLOP/s | gemm GFLOP/s | gemm / stencil | rule |");
        System.out.println("|---|---|---|---|---|---|---|");
        try (Pool pool = new Pool(1)) {
            for (Object[] sh : SHAPES) {
                Operator op = operator(sh);
                for (boolean adjoint : new boolean[] {false, true}) {
                    for (int chains : new int[] {1, 8, 32}) {
                        SimOp.Conv st = SimOp.Conv.of(op, ConvForm.STENCIL);
                        SimOp.Conv ge = SimOp.Conv.of(op, ConvForm.GEMM);
                        SimOp.Conv auto = SimOp.Conv.of(op, ConvForm.AUTO);
                        int in = adjoint ? op.rows() : op.cols(), out = adjoint ? op.cols() : op.rows();
                        float[][] x = new float[chains][in], y = new float[chains][out];
                        Random r = new Random(3);
                        for (float[] row : x) {
                            for (int i = 0; i < in; i++) {
                                row[i] = (float) r.nextGaussian();
                            }
                        }
                        double[] ts = new double[ROUNDS], tg = new double[ROUNDS];
                        for (int round = -3; round < ROUNDS; round++) {
                            double a = perCall(bean, st, k, pool, x, y, adjoint);
                            double b = perCall(bean, ge, k, pool, x, y, adjoint);
                            if (round >= 0) {
                                ts[round] = a;
                                tg[round] = b;
                            }
                        }
                        Arrays.sort(ts);
                        Arrays.sort(tg);
                        double flops = 2.0 * ((SimOp) st).macs() * chains;
                        double gs = flops / ts[ROUNDS / 2] * 1e-9, gg = flops / tg[ROUNDS / 2] * 1e-9;
                        boolean rule = (adjoint ? auto.backward() : auto.forward()).onMatrixKernel();
                        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.2f | %s |%n", sh[0],
                                adjoint ? "W^T x" : "W x", chains, gs, gg, gg / gs, rule ? "gemm" : "stencil");
                    }
                }
            }
        }
    }

    private static Operator operator(Object[] sh) {
        int in = (int) sh[1], out = (int) sh[2], size = (int) sh[3], stride = (int) sh[4];
        Random r = new Random(11);
        float[] w = new float[in * out * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.1);
        }
        return (boolean) sh[5] ? new ConvTranspose2dOperator(in, size, size, out, 3, 3, stride, 1, 1, w)
                : new Conv2dOperator(in, size, size, out, 3, 3, stride, 1, w);
    }

    /** Seconds of this thread's CPU per call, over the calls that fill one round. */
    private static double perCall(ThreadMXBean bean, SimOp.Conv op, Kernels k, Pool pool, float[][] x, float[][] y,
                                  boolean adjoint) {
        long t0 = bean.getCurrentThreadCpuTime(), calls = 0, t;
        do {
            if (adjoint) {
                op.applyTranspose(k, pool, x, 0, y, 0, 1f);
            } else {
                op.apply(k, pool, x, 0, y, 0, 1f);
            }
            calls++;
            t = bean.getCurrentThreadCpuTime();
        } while (t - t0 < ROUND_NANOS);
        return (t - t0) * 1e-9 / calls;
    }
}
