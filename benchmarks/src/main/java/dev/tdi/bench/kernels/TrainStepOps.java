package dev.tdi.bench.kernels;

import dev.tdi.unet.UNet;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The gradient part of one training step of {@code dev.tdi.unet.train.Trainer}, on fixed random inputs: the batch
 * cut into chunks of 4 images, each chunk's forward + backward summed into its own gradient in parallel on the
 * U-Net's pool, then the chunk gradients summed in a fixed order. What it leaves out (drawing the noisy images,
 * the gradient norm and the Adam update over 132 k parameters) is under 1 % of a step.
 */
public final class TrainStepOps {
    private static final int CHUNK = 4;
    private final UNet net;
    private final int batch;
    private final float[] x, eps, grad;
    private final float[][] chunkGrad;
    private final int[] t;

    public TrainStepOps(UNet net, int batch) {
        if (batch % CHUNK != 0) {
            throw new IllegalArgumentException("batch " + batch + " is not a multiple of " + CHUNK);
        }
        this.net = net;
        this.batch = batch;
        int n = net.inputSize();
        SplittableRandom r = new SplittableRandom(3);
        x = new float[batch * n];
        eps = new float[batch * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            eps[i] = (float) r.nextGaussian();
        }
        t = new int[batch];
        for (int i = 0; i < batch; i++) {
            t[i] = r.nextInt(net.config().diffusionSteps());
        }
        grad = new float[net.parameterCount()];
        chunkGrad = new float[batch / CHUNK][net.parameterCount()];
    }

    /** One step's gradient; returns the summed gradient. */
    public float[] step() {
        int n = net.inputSize();
        float scale = 1f / (batch * n);
        UNet.parallel(chunkGrad.length, c -> {
            float[] g = chunkGrad[c];
            Arrays.fill(g, 0f);
            for (int k = 0; k < CHUNK; k++) {
                int i = c * CHUNK + k;
                net.lossGradient(x, i * n, t[i], eps, i * n, scale, g);
            }
        });
        for (int j = 0; j < grad.length; j++) {
            float s = 0;
            for (float[] g : chunkGrad) {
                s += g[j];
            }
            grad[j] = s;
        }
        return grad;
    }
}
