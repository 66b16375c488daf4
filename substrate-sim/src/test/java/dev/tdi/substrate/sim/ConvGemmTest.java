package dev.tdi.substrate.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.Operator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The convolution directions on the matrix kernel ({@link ConvGemm}) and on the stencil, on the vector and the
 * scalar kernels, for awkward shapes (odd sizes, non-square and even kernels, strides 1 to 3, padding 0 to 3 beyond
 * the kernel, output padding, sums past the GEMM's k block of 192), against the operator's own double-precision
 * {@code apply} / {@code applyTranspose}.
 *
 * <p>Bound per output: the float result y = y0 + alpha sum_k w_k x_k, summed in any order (the GEMM's k blocks or
 * the stencil's taps) and added with one fma, is within (K + 2) u (|y0| + |alpha| sum_k |w_k x_k|) of the exact
 * value, u = 2^-24, K the number of terms (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5;
 * K here is the whole kernel volume ni kh kw, an upper bound on any output's term count). The double reference's
 * own error is negligible at this scale. With K &lt;= 216 and terms of order 1, the bound is about 1e-5 per output,
 * while an index error moves outputs by order 1 (and the test checks that the sums are not trivially small).
 *
 * <p>The build runs this class a second time with {@code -Dtdi.gemm.bits=256}, so the matrix kernel's AVX2 tile
 * (4 x 2 vectors of 8) is tested on AVX-512 machines too.
 *
 * <p>Also: every chain of a 5-chain batch is bit-identical to the one-chain run of its input, on 1 and 3 threads
 * (the task split and the thread do not change a bit), and on the vector kernels a stride-1 gather whose sum fits
 * one k block gives the stencil's bits exactly (same fma order from zero, same final fma).
 */
class ConvGemmTest {
    private static final double U = Math.ulp(1.0f) / 2;
    private static final int CHAINS = 5;
    private static final int XO = 3;
    private static final int YO = 5;
    private static final float ALPHA = -0.7f;

    private static List<Operator> shapes() {
        Random r = new Random(42);
        List<Operator> ops = new ArrayList<>();
        ops.add(new Conv2dOperator(3, 11, 13, 5, 3, 2, 1, 1, randn(r, 3 * 5 * 6)));
        ops.add(new Conv2dOperator(5, 9, 17, 7, 3, 3, 2, 1, randn(r, 5 * 7 * 9)));
        ops.add(new Conv2dOperator(6, 5, 7, 9, 3, 3, 1, 0, randn(r, 6 * 9 * 9)));
        ops.add(new Conv2dOperator(24, 6, 5, 6, 3, 3, 1, 1, randn(r, 24 * 6 * 9)));
        ops.add(new Conv2dOperator(2, 4, 5, 3, 2, 2, 1, 3, randn(r, 2 * 3 * 4)));
        ops.add(new Conv2dOperator(4, 10, 9, 4, 2, 3, 3, 2, randn(r, 4 * 4 * 6)));
        ops.add(new ConvTranspose2dOperator(5, 6, 7, 3, 3, 3, 2, 1, 1, randn(r, 5 * 3 * 9)));
        ops.add(new ConvTranspose2dOperator(4, 5, 3, 6, 2, 3, 3, 0, 2, randn(r, 4 * 6 * 6)));
        ops.add(new ConvTranspose2dOperator(7, 4, 6, 5, 3, 3, 1, 1, 0, randn(r, 7 * 5 * 9)));
        return ops;
    }

    @Test
    void theMatrixKernelIsTheOneThisJvmChose() {
        // the build runs this class twice: at the machine's vector width and with -Dtdi.gemm.bits=256 (AVX2's tile)
        String bits = System.getProperty("tdi.gemm.bits");
        Kernels k = Kernels.load(true);
        if (bits != null && k.vectorized()) {
            assertTrue(k.gemm().name().contains(bits), k.gemm().name() + " at -Dtdi.gemm.bits=" + bits);
        }
        assertEquals(k.vectorized() ? dev.tdi.kernels.gemm.Gemm.kernel().name() : "scalar", k.gemm().name());
    }

    @Test
    void bothFormsOnBothKernelsMatchDoublePrecision() {
        // the vector kernels where this JVM has jdk.incubator.vector (the default test run does), and the scalar
        List<Kernels> kernels = Kernels.load(true).vectorized()
                ? List.of(Kernels.load(true), ScalarKernels.INSTANCE) : List.of(ScalarKernels.INSTANCE);
        int gemmDirections = 0;
        for (Operator op : shapes()) {
            for (Kernels k : kernels) {
                for (ConvForm form : new ConvForm[] {ConvForm.STENCIL, ConvForm.GEMM}) {
                    SimOp.Conv conv = SimOp.Conv.of(op, form);
                    for (boolean adjoint : new boolean[] {false, true}) {
                        String what = op.describe() + (adjoint ? " W^T x" : " W x") + ", " + form + ", "
                                + k.description();
                        if ((adjoint ? conv.backward() : conv.forward()).onMatrixKernel()) {
                            gemmDirections++;
                        }
                        check(op, conv, k, adjoint, what);
                    }
                }
            }
        }
        assertEquals(2 * kernels.size() * shapes().size(), gemmDirections, "the GEMM form runs every direction on the kernel");
    }

    private static void check(Operator op, SimOp.Conv conv, Kernels k, boolean adjoint, String what) {
        int in = adjoint ? op.rows() : op.cols(), out = adjoint ? op.cols() : op.rows();
        Random r = new Random(in * 31L + out);
        float[][] x = new float[CHAINS][XO + in + 2];
        float[][] y0 = new float[CHAINS][YO + out + 4];
        for (int c = 0; c < CHAINS; c++) {
            fill(r, x[c]);
            fill(r, y0[c]);
        }
        float[][] y1 = run(conv, k, 1, x, y0, adjoint);
        float[][] y3 = run(conv, k, 3, x, y0, adjoint);
        Operator abs = absolute(op);
        double maxTerms = 0;
        for (int c = 0; c < CHAINS; c++) {
            assertArrayEquals(y1[c], y3[c], what + ": 1 thread vs 3, chain " + c);
            float[][] one = run(conv, k, 1, new float[][] {x[c]}, new float[][] {y0[c]}, adjoint);
            assertArrayEquals(y1[c], one[0], what + ": chain " + c + " of " + CHAINS + " vs alone");
            double[] xd = new double[in], xa = new double[in];
            for (int i = 0; i < in; i++) {
                xd[i] = x[c][XO + i];
                xa[i] = Math.abs(x[c][XO + i]);
            }
            double[] exact = new double[out], mag = new double[out];
            if (adjoint) {
                op.applyTranspose(xd, 0, exact, 0);
                abs.applyTranspose(xa, 0, mag, 0);
            } else {
                op.apply(xd, 0, exact, 0);
                abs.apply(xa, 0, mag, 0);
            }
            long terms = kernelVolume(op);
            for (int j = 0; j < out; j++) {
                double want = y0[c][YO + j] + ALPHA * exact[j];
                double bound = (terms + 2) * U * (Math.abs(y0[c][YO + j]) + Math.abs(ALPHA) * mag[j]);
                assertEquals(want, y1[c][YO + j], bound, what + ", chain " + c + ", output " + j);
                maxTerms = Math.max(maxTerms, mag[j]);
            }
            // the untouched margins stay as they were
            for (int j = 0; j < YO; j++) {
                assertEquals(y0[c][j], y1[c][j], 0.0, what + ": wrote before the block");
            }
            for (int j = YO + out; j < y0[c].length; j++) {
                assertEquals(y0[c][j], y1[c][j], 0.0, what + ": wrote after the block");
            }
        }
        assertTrue(maxTerms > 0.5, what + ": the check is not vacuous");
    }

    @Test
    void oneKBlockGatherGivesTheStencilBitsOnTheVectorKernels() {
        Kernels k = Kernels.load(true);
        assumeTrue(k.vectorized(), "needs jdk.incubator.vector");
        Random r = new Random(9);
        Operator op = new Conv2dOperator(16, 13, 19, 8, 3, 3, 1, 1, randn(r, 16 * 8 * 9)); // K = 144 <= 192
        float[][] x = new float[3][op.cols()];
        float[][] y0 = new float[3][op.rows()];
        for (int c = 0; c < 3; c++) {
            fill(r, x[c]);
            fill(r, y0[c]);
        }
        float[][] st = run(SimOp.Conv.of(op, ConvForm.STENCIL), k, 1, x, y0, false, 0, 0);
        float[][] ge = run(SimOp.Conv.of(op, ConvForm.GEMM), k, 2, x, y0, false, 0, 0);
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(st[c], ge[c], "chain " + c);
        }
    }

    @Test
    void theRulePicksTheMeasuredWinner() {
        // strided: always the kernel; stride 1: the kernel from 4 input and 4 output channels
        assertTrue(ConvRule.gemmWins(false, 1, 1, 3, 3, 2));
        assertTrue(ConvRule.gemmWins(true, 32, 64, 3, 3, 2));
        assertTrue(ConvRule.gemmWins(false, 16, 16, 3, 3, 1));
        assertFalse(ConvRule.gemmWins(false, 16, 1, 3, 3, 1));
        assertFalse(ConvRule.gemmWins(true, 1, 16, 3, 3, 1));
        Operator first = new Conv2dOperator(1, 28, 28, 16, 3, 3, 1, 1, new float[16 * 9]);
        SimOp.Conv c = SimOp.Conv.of(first, ConvForm.AUTO);
        assertFalse(c.forward().onMatrixKernel(), "conv1-16: the stencil");
        assertFalse(c.backward().onMatrixKernel(), "its adjoint (16 -> 1): the stencil");
        Operator mid = new Conv2dOperator(16, 28, 28, 16, 3, 3, 1, 1, new float[16 * 16 * 9]);
        assertTrue(SimOp.Conv.of(mid, ConvForm.AUTO).forward().onMatrixKernel(), "conv16-16: the kernel");
    }

    private static float[][] run(SimOp.Conv conv, Kernels k, int threads, float[][] x, float[][] y0,
                                 boolean adjoint) {
        return run(conv, k, threads, x, y0, adjoint, XO, YO);
    }

    private static float[][] run(SimOp.Conv conv, Kernels k, int threads, float[][] x, float[][] y0, boolean adjoint,
                                 int xo, int yo) {
        float[][] y = new float[y0.length][];
        for (int c = 0; c < y.length; c++) {
            y[c] = y0[c].clone();
        }
        try (Pool pool = new Pool(threads)) {
            if (adjoint) {
                conv.applyTranspose(k, pool, x, xo, y, yo, ALPHA);
            } else {
                conv.apply(k, pool, x, xo, y, yo, ALPHA);
            }
        }
        return y;
    }

    private static long kernelVolume(Operator op) {
        return switch (op) {
            case Conv2dOperator c -> (long) c.inChannels() * c.outChannels() * c.kernelHeight() * c.kernelWidth();
            case ConvTranspose2dOperator c -> (long) c.inChannels() * c.outChannels() * c.kernelHeight()
                    * c.kernelWidth();
            default -> throw new IllegalArgumentException(op.describe());
        };
    }

    private static Operator absolute(Operator op) {
        return switch (op) {
            case Conv2dOperator c -> new Conv2dOperator(c.inChannels(), c.inHeight(), c.inWidth(), c.outChannels(),
                    c.kernelHeight(), c.kernelWidth(), c.stride(), c.padding(), abs(c.kernel()));
            case ConvTranspose2dOperator c -> new ConvTranspose2dOperator(c.inChannels(), c.inHeight(), c.inWidth(),
                    c.outChannels(), c.kernelHeight(), c.kernelWidth(), c.stride(), c.padding(), c.outputPadding(),
                    abs(c.kernel()));
            default -> throw new IllegalArgumentException(op.describe());
        };
    }

    private static float[] abs(float[] w) {
        float[] a = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            a[i] = Math.abs(w[i]);
        }
        return a;
    }

    private static float[] randn(Random r, int n) {
        return TestPrograms.randn(r, n, 0.3);
    }

    private static void fill(Random r, float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
    }
}
