package dev.tdi.bench;

import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Program;
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
 * JMH: one Langevin step of a benchmark program ({@link BenchPrograms}) by operator kind, size D, rank k and chains
 * per batch, on a backend. Each invocation is a run of {@link #steps} steps at T = 1 through the public API, so the
 * score (us per invocation) divided by {@link #steps} is the time per step; {@link SuiteMain} does that division
 * and adds bytes, flops and the fractions of the measured bandwidth and FMA peak.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx12g"})
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
public class StepBenchmark {
    @Param({"dense"})
    public String kind;
    @Param({"1024"})
    public int d;
    @Param({"16"})
    public int k;
    @Param({"1"})
    public int chains;
    @Param({"sim"})
    public String backend;

    private Substrate substrate;
    private RunSpec spec;

    /** Steps per invocation: sized from a rough cost so an invocation lasts about 20 ms. */
    public static long steps(String kind, int d, int k, int chains, String backend) {
        double work = switch (BenchPrograms.Kind.of(kind)) { // ~bytes-equivalent per step
            case DENSE -> 4.0 * d * d * (1 + chains / 16.0);
            case SPARSE -> (8.0 * BenchPrograms.SPARSE_ROW + 40.0 * chains) * d;
            case CONV -> (150.0 * chains + 32) * d;
            case LOWRANK -> (8.0 * k + (k + 32.0) * chains) * d;
        };
        double ns = work / 20 * (backend.equals("reference") ? 40 : 1);
        return Math.max(1, Math.min(20_000, Math.round(2e7 / ns)));
    }

    @Setup(Level.Trial)
    public void setUp() {
        Program p = BenchPrograms.build(BenchPrograms.Kind.of(kind), d, k, 1);
        // random programs: measured without a device's range
        substrate = SubstrateRegistry.open(backend, backend.equals("sim")
                ? SubstrateConfig.of("range=unbounded") : SubstrateConfig.defaults());
        substrate.program(p);
        spec = StepTimer.spec(chains, steps(kind, d, k, chains, backend));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        substrate.close();
    }

    @Benchmark
    public RunResult run() {
        return substrate.run(spec);
    }
}
