package dev.tdi.bench.unet;

import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Forward-pass throughput of the shipped default U-Net (output only, no taps kept), batch 1 and 64, on all cores.
 * One operation is one batch: images per second = ops/s x batch. {@link UNetForwardReport} runs this and the
 * PyTorch CPU peer (benchmarks/unet_forward_torch.py) side by side.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class UNetForwardBenchmark {
    @Param({"1", "64"})
    public int batch;

    private UNet net;
    private float[] x;
    private double[] t;

    @Setup
    public void setup() {
        net = UNetModel.loadDefault();
        SplittableRandom r = new SplittableRandom(1);
        x = new float[batch * net.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        t = new double[batch];
        for (int i = 0; i < batch; i++) {
            t[i] = r.nextInt(net.config().diffusionSteps());
        }
    }

    /** One batched forward pass. */
    @Benchmark
    public float[] forward() {
        return net.predict(x, t);
    }
}
