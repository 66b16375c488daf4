package dev.tdi.bench.kernels;

import dev.tdi.unet.Kernels;
import dev.tdi.unet.UNet;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The U-Net's convolution kernels on one {@link ConvShape}, exactly as {@code UNet} calls them (forward: the
 * implicit GEMM on same-size stride-1 convolutions, im2col + GEMM on strided ones, GEMM + col2im on transposed
 * ones; im2row + GEMM for the weight gradient; for the input gradient the implicit GEMM of g with the flipped
 * kernel on same-size stride-1 convolutions from 4 input channels, GEMM + col2im otherwise), over a batch of images in
 * parallel on the U-Net's pool (one image per task, as the network runs). The state holds random inputs,
 * weights and output gradients; each thread has its own patch buffers and weight-gradient accumulator.
 */
public final class ConvOps {
    private final ConvShape s;
    private final int batch;
    private final float[] w, x, y, gy, gx;
    private final int inSize, outSize;
    private final ThreadLocal<float[][]> scratch;
    /** The flipped, transposed kernel [C_in][C_out k k] of a same-size stride-1 convolution, else null. */
    private final float[] wf;
    /** A same-size stride-1 convolution: the implicit GEMM ({@code Kernels.convSame}), as UNet runs it. */
    private final boolean sameSize;
    private final ThreadLocal<Kernels.ConvScratch> conv = ThreadLocal.withInitial(Kernels.ConvScratch::new);

    public ConvOps(ConvShape s, int batch) {
        this.s = s;
        this.batch = batch;
        inSize = s.inC() * s.inH() * s.inW();
        outSize = s.outC() * s.outH() * s.outW();
        SplittableRandom r = new SplittableRandom(7);
        w = random(r, s.weightSize(), 0.1);
        x = random(r, batch * inSize, 1);
        gy = random(r, batch * outSize, 1);
        y = new float[batch * outSize];
        gx = new float[batch * inSize];
        sameSize = !s.transpose() && s.stride() == 1 && s.k() % 2 == 1 && s.pad() == s.k() / 2;
        wf = sameSize && s.inC() >= 4 ? flipTransposed(w, s.outC(), s.inC(), s.k()) : null;
        int col = Math.max(s.colSize(), s.outC() * s.k() * s.k() * s.outH() * s.outW());
        scratch = ThreadLocal.withInitial(() -> new float[][]{new float[col], new float[col],
            new float[s.weightSize()], random(new SplittableRandom(8), s.gemmK() * s.gemmN(), 1),
            new float[s.gemmM() * s.gemmN()]});
    }

    private static float[] flipTransposed(float[] w, int outC, int inC, int k) {
        int kk = k * k;
        float[] wf = new float[w.length];
        for (int o = 0; o < outC; o++) {
            for (int c = 0; c < inC; c++) {
                for (int t = 0; t < kk; t++) {
                    wf[(c * outC + o) * kk + t] = w[(o * inC + c) * kk + kk - 1 - t];
                }
            }
        }
        return wf;
    }

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (scale * r.nextGaussian());
        }
        return a;
    }

    float[] weights() {
        return w;
    }

    float[] input() {
        return x;
    }

    float[] outputGradient() {
        return gy;
    }

    /** The batch size. */
    public int batch() {
        return batch;
    }

    /** The forward product alone (weights times a per-thread patch matrix), once per image. */
    public void gemm() {
        UNet.parallel(batch, b -> {
            float[][] ws = scratch.get();
            Kernels.mmNN(s.gemmM(), s.gemmN(), s.gemmK(), w, 0, ws[3], 0, ws[4], 0);
        });
    }

    /** One forward pass of the convolution for every image of the batch. */
    public float[] forward() {
        UNet.parallel(batch, b -> {
            float[][] ws = scratch.get();
            int xo = b * inSize, yo = b * outSize;
            Arrays.fill(y, yo, yo + outSize, 0f);
            if (sameSize) {
                Kernels.convSame(w, 0, s.outC(), x, xo, s.inC(), s.inH(), s.inW(), s.k(), y, yo, conv.get());
            } else if (!s.transpose()) {
                Kernels.im2col(x, xo, s.inC(), s.inH(), s.inW(), s.k(), s.stride(), s.pad(), s.outH(), s.outW(),
                        ws[0]);
                Kernels.mmNN(s.outC(), s.outH() * s.outW(), s.gemmK(), w, 0, ws[0], 0, y, yo);
            } else {
                int m = s.gemmM(), pin = s.inH() * s.inW();
                Arrays.fill(ws[0], 0, m * pin, 0f);
                Kernels.mmTN(m, pin, s.inC(), w, 0, x, xo, ws[0], 0);
                Kernels.col2im(ws[0], s.outC(), s.outH(), s.outW(), s.k(), s.stride(), s.pad(), s.inH(), s.inW(), y,
                        yo);
            }
        });
        return y;
    }

    /** One backward pass (weight gradient and input gradient) for every image of the batch. */
    public float[] backward() {
        UNet.parallel(batch, b -> {
            float[][] ws = scratch.get();
            int xo = b * inSize, yo = b * outSize;
            Arrays.fill(gx, xo, xo + inSize, 0f);
            if (!s.transpose()) {
                int kk = s.gemmK(), p = s.outH() * s.outW();
                Kernels.im2row(x, xo, s.inC(), s.inH(), s.inW(), s.k(), s.stride(), s.pad(), s.outH(), s.outW(),
                        ws[0]);
                Kernels.mmNN(s.outC(), kk, p, gy, yo, ws[0], 0, ws[2], 0);
                if (wf != null) {
                    // same-size stride 1: g convolved with the flipped, transposed kernel (as UNet.lossGradient)
                    Kernels.convSame(wf, 0, s.inC(), gy, yo, s.outC(), s.outH(), s.outW(), s.k(), gx, xo,
                            conv.get());
                } else {
                    Arrays.fill(ws[1], 0, kk * p, 0f);
                    Kernels.mmTN(kk, p, s.outC(), w, 0, gy, yo, ws[1], 0);
                    Kernels.col2im(ws[1], s.inC(), s.inH(), s.inW(), s.k(), s.stride(), s.pad(), s.outH(), s.outW(),
                            gx, xo);
                }
            } else {
                int m = s.gemmM(), pin = s.inH() * s.inW();
                Kernels.im2row(gy, yo, s.outC(), s.outH(), s.outW(), s.k(), s.stride(), s.pad(), s.inH(), s.inW(),
                        ws[0]);
                Kernels.mmNN(s.inC(), m, pin, x, xo, ws[0], 0, ws[2], 0);
                Kernels.im2col(gy, yo, s.outC(), s.outH(), s.outW(), s.k(), s.stride(), s.pad(), s.inH(), s.inW(),
                        ws[1]);
                Kernels.mmNN(s.inC(), pin, m, w, 0, ws[1], 0, gx, xo);
            }
        });
        return gx;
    }
}
