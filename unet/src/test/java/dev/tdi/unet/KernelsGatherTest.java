package dev.tdi.unet;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gathers around the matrix kernel on awkward sizes, strides and paddings: im2col against its definition,
 * im2row as im2col's transpose, and col2im as im2col's adjoint (&lt;im2col x, y&gt; = &lt;x, col2im y&gt;).
 */
class KernelsGatherTest {
    @Test
    void gathersMatchTheirDefinitionsAndEachOther() {
        SplittableRandom r = new SplittableRandom(5);
        for (int s = 1; s <= 2; s++) {
            for (int p = 0; p <= 1; p++) {
                for (int[] size : new int[][]{{7, 5}, {1, 4}, {6, 6}}) {
                    int C = 3, k = 3, sh = size[0], sw = size[1], so = 2;
                    int ch = (sh + 2 * p - k) / s + 1, cw = (sw + 2 * p - k) / s + 1;
                    if (ch <= 0 || cw <= 0) {
                        continue;
                    }
                    int K = C * k * k, P = ch * cw;
                    float[] src = new float[so + C * sh * sw];
                    for (int i = 0; i < src.length; i++) {
                        src[i] = (float) r.nextGaussian();
                    }
                    float[] col = new float[K * P], row = new float[K * P];
                    java.util.Arrays.fill(col, Float.NaN); // every entry must be written
                    java.util.Arrays.fill(row, Float.NaN);
                    Kernels.im2col(src, so, C, sh, sw, k, s, p, ch, cw, col);
                    Kernels.im2row(src, so, C, sh, sw, k, s, p, ch, cw, row);
                    String at = "s=" + s + " p=" + p + " " + sh + "x" + sw;
                    for (int c = 0; c < C; c++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int kr = (c * k + ky) * k + kx;
                                for (int y = 0; y < ch; y++) {
                                    for (int x = 0; x < cw; x++) {
                                        int iy = y * s - p + ky, ix = x * s - p + kx;
                                        float want = iy >= 0 && iy < sh && ix >= 0 && ix < sw
                                                ? src[so + (c * sh + iy) * sw + ix] : 0f;
                                        assertEquals(want, col[kr * P + y * cw + x], at + " im2col");
                                        assertEquals(want, row[(y * cw + x) * K + kr], at + " im2row");
                                    }
                                }
                            }
                        }
                    }
                    float[] y = new float[K * P], back = new float[so + C * sh * sw];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = (float) r.nextGaussian();
                    }
                    Kernels.col2im(y, C, sh, sw, k, s, p, ch, cw, back, so);
                    double lhs = 0, rhs = 0, mag = 0;
                    for (int i = 0; i < y.length; i++) {
                        lhs += (double) col[i] * y[i];
                        mag += Math.abs((double) col[i] * y[i]);
                    }
                    for (int i = so; i < src.length; i++) {
                        rhs += (double) src[i] * back[i];
                    }
                    // back sums at most k*k float terms per entry: relative error ~1e-7 of the magnitude
                    assertEquals(lhs, rhs, 1e-5 * mag, at + " col2im is the adjoint of im2col");
                }
            }
        }
    }

    @Test
    void theImplicitConvolutionMatchesIm2colTimesTheWeights() {
        SplittableRandom r = new SplittableRandom(6);
        Kernels.ConvScratch scratch = new Kernels.ConvScratch();
        for (int[] sz : new int[][]{{1, 16, 28, 28}, {16, 16, 28, 28}, {64, 64, 7, 7}, {3, 5, 1, 9}, {5, 1, 6, 3}}) {
            int C = sz[0], O = sz[1], h = sz[2], wd = sz[3], k = 3, K = C * k * k, P = h * wd;
            float[] w = new float[K * O], x = new float[1 + C * P];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] col = new float[K * P], ref = new float[2 + O * P], got = new float[2 + O * P];
            Kernels.im2col(x, 1, C, h, wd, k, 1, 1, h, wd, col);
            Kernels.mmNN(O, P, K, w, 0, col, 0, ref, 2);
            Kernels.convSame(w, 0, O, x, 1, C, h, wd, k, got, 2, scratch);
            for (int o = 0; o < O; o++) {
                for (int p = 0; p < P; p++) {
                    double mag = 0;
                    for (int q = 0; q < K; q++) {
                        mag += Math.abs((double) w[o * K + q] * col[q * P + p]);
                    }
                    // both are float sums of the same K products in possibly different block order
                    double bound = 2 * (K + 2) * Math.ulp(1.0f) / 2 * mag;
                    assertEquals(ref[2 + o * P + p], got[2 + o * P + p], bound, C + "->" + O + " " + h + "x" + wd);
                }
            }
            assertEquals(0f, got[0]);
            assertEquals(0f, got[1]);
        }
    }
}
