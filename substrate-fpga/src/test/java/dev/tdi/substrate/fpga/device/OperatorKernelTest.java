package dev.tdi.substrate.fpga.device;

import static org.junit.jupiter.api.Assertions.*;

import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.program.SparseOperator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The device's operator kernels (the phase-split gather and scatter, for every stride) against the API's
 * reference {@code apply}/{@code applyTranspose}: with integer-valued weights (in raw quanta) and inputs small
 * enough for doubles to be exact, W x and W^T x must agree exactly, over strides 1-3, paddings 0-2, kernels 1-4
 * and output paddings.
 */
class OperatorKernelTest {

    private static FxOperator compile(Operator w) throws Exception {
        Program p = Program.builder().module("t", w.rows()).module("s", w.cols())
                .onSite("t", Potential.quadratic(1, 0)).onSite("s", Potential.quadratic(1, 0)).coupling("t", "s", w)
                .build();
        LoadedProgram lp = LoadedProgram.parse(new FpgaCompiler("fpga").compile(p).image(), 1 << 20);
        return lp.ops[0];
    }

    private static float[] quantaWeights(SplittableRandom r, int n) {
        float[] k = new float[n];
        for (int i = 0; i < n; i++) {
            k[i] = (float) (r.nextInt(-500, 501) / 65536.0); // exactly representable, raw value in [-500, 500]
        }
        return k;
    }

    private static void check(Operator w, SplittableRandom r) throws Exception {
        FxOperator op = compile(w);
        for (boolean transpose : new boolean[] {false, true}) {
            int nIn = transpose ? w.rows() : w.cols();
            int nOut = transpose ? w.cols() : w.rows();
            int[] x = new int[nIn + 3];
            double[] xd = new double[nIn + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextInt(-1000, 1001);
                xd[i] = x[i] / 65536.0;
            }
            long[] y = new long[nOut + 2];
            double[] yd = new double[nOut + 2];
            if (transpose) {
                op.applyTranspose(x, 3, y, 2);
                w.applyTranspose(xd, 3, yd, 2);
            } else {
                op.apply(x, 3, y, 2);
                w.apply(xd, 3, yd, 2);
            }
            for (int i = 0; i < y.length; i++) {
                assertEquals(Math.round(yd[i] * 65536.0 * 65536.0), y[i], w.describe() + (transpose ? " W^T" : " W")
                        + " at " + i);
            }
        }
    }

    @Test
    void convolutionsMatchTheReferenceExactly() throws Exception {
        SplittableRandom r = new SplittableRandom(2);
        int cases = 0;
        for (int stride = 1; stride <= 3; stride++) {
            for (int pad = 0; pad <= 2; pad++) {
                for (int k = 1; k <= 4; k++) {
                    if (pad >= k + 1) {
                        continue;
                    }
                    int h = 5 + r.nextInt(3);
                    int wd = 4 + r.nextInt(4);
                    if ((h + 2 * pad - k) >= 0 && (wd + 2 * pad - k) >= 0) {
                        check(new Conv2dOperator(2, h, wd, 3, k, k == 4 ? 3 : k, stride, pad,
                                quantaWeights(r, 3 * 2 * k * (k == 4 ? 3 : k))), r);
                        cases++;
                    }
                    for (int outPad = 0; outPad < stride; outPad++) {
                        int oh = (h - 1) * stride - 2 * pad + k + outPad;
                        int ow = (wd - 1) * stride - 2 * pad + k + outPad;
                        if (oh > 0 && ow > 0) {
                            check(new ConvTranspose2dOperator(2, h, wd, 3, k, k, stride, pad, outPad,
                                    quantaWeights(r, 2 * 3 * k * k)), r);
                            cases++;
                        }
                    }
                }
            }
        }
        assertTrue(cases > 60, "cases " + cases);
    }

    @Test
    void denseAndSparseMatchTheReferenceExactly() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        float[] d = quantaWeights(r, 7 * 5);
        check(new DenseOperator(7, 5, d), r);
        d[3] = d[8] = d[20] = 0;
        check(SparseOperator.fromDense(7, 5, d), r);
    }
}
