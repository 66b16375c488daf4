package dev.tdi.bench.e2e;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: the Langevin step of the compiled shipped U-Net ({@link UNetRelaxation}: default coupling and interface,
 * the plan's step sizes, T = 1e-4) on {@code sim}, batched over {@code batch} held-out inputs with per-chain clamps
 * and biases. Each invocation is a run of {@link #STEPS} steps, so score / STEPS is the time per step;
 * {@code SuiteMain --suite-unet} adds the flops (SimSubstrate.costPerStep) and the fraction of the measured FMA peak.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class UNetStepBenchmark {
    /** Steps per invocation. */
    public static final int STEPS = 16;

    @Param({"1", "32"})
    public int batch;

    private Substrate substrate;
    private RunSpec spec;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        UNetRelaxation w = UNetRelaxation.prepare(batch, 1, 1e-4, System.out);
        substrate = SubstrateRegistry.open("sim", SubstrateConfig.defaults());
        substrate.program(w.compiled().program());
        w.load(substrate);
        spec = w.fullSteps(w.batch(), STEPS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        substrate.close();
    }

    @Benchmark
    public RunResult step() {
        return substrate.run(spec);
    }
}
