package dev.tdi.bench.kernels;

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

import java.util.concurrent.TimeUnit;

/**
 * JMH: the U-Net's forward products (weights x patch matrix) on each distinct convolution shape of the default
 * model, batch 1 (one product on the calling thread) and 64 (64 products, one per image, on the U-Net's pool).
 * GFLOP/s = 2 M N K batch / time; {@link KernelSuite} prints the same cases beside PyTorch.
 * {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar GemmBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"conv16-16s1@28", "conv16-32s2@28", "conv32-32s1@14", "conv32-64s2@14", "conv64-64s1@7",
        "convT64-32s2@7", "convT32-16s2@14"})
    public String shape;

    @Param({"1", "64"})
    public int batch;

    private ConvOps ops;

    @Setup
    public void setup() {
        ops = new ConvOps(ConvShape.named(UNetModel.loadDefault(), shape), batch);
    }

    /** The forward product of every image of the batch. */
    @Benchmark
    public void gemm() {
        ops.gemm();
    }
}
