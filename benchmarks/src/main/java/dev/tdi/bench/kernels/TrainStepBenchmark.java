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
 * JMH: the gradient of one training step of the default U-Net (forward + backward of every image, chunks of 4 in
 * parallel, chunk gradients summed in a fixed order: {@link TrainStepOps}). Images per second = batch / time.
 * {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar TrainStepBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class TrainStepBenchmark {
    @Param({"64"})
    public int batch;

    private TrainStepOps ops;

    @Setup
    public void setup() {
        ops = new TrainStepOps(UNetModel.loadDefault(), batch);
    }

    /** One step's gradient. */
    @Benchmark
    public float[] step() {
        return ops.step();
    }
}
