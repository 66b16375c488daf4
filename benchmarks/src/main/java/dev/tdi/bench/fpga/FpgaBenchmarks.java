package dev.tdi.bench.fpga;

import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.fpga.FpgaSubstrate;
import dev.tdi.substrate.fpga.compiler.CompiledProgram;
import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.fpga.device.Datapath;
import dev.tdi.substrate.fpga.device.FpgaDevice;
import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.LoadedProgram;
import dev.tdi.substrate.fpga.transport.FpgaEmulatorServer;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The FPGA backend's costs: the emulator's datapath throughput (steps per second of one lane, with the MACs per
 * step printed at setup so the score reads as MAC/s) and the driver's overhead per run over each transport (time
 * per run; round trips and bytes per run printed at teardown).
 * <pre>
 *   java -cp "benchmarks/target/classes:$(cat cp.txt)" org.openjdk.jmh.Main 'dev.tdi.bench.fpga.*'
 * </pre>
 */
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class FpgaBenchmarks {

    /**
     * Programs: a dense Gaussian of 256 units, a 3x3 conv relu residual layer 8 -> 8 channels on 28x28, and a
     * U-Net-shaped program of 39,200 units.
     */
    static Program program(String name) {
        SplittableRandom r = new SplittableRandom(1);
        switch (name) {
            case "dense256" -> {
                float[] w = new float[256 * 256];
                for (int i = 0; i < 256; i++) {
                    for (int j = 0; j < i; j++) {
                        w[i * 256 + j] = w[j * 256 + i] = (float) (0.02 * (2 * r.nextDouble() - 1));
                    }
                }
                return Program.builder().module("x", 256).onSite("x", Potential.quadratic(4, 0))
                        .coupling("x", "x", new DenseOperator(256, 256, w)).bias("x", new float[256]).build();
            }
            case "conv8x28x28" -> {
                float[] k = new float[8 * 8 * 9];
                for (int i = 0; i < k.length; i++) {
                    k[i] = (float) (0.1 * (2 * r.nextDouble() - 1));
                }
                return Program.builder().module("in", 8 * 784).module("out", 8 * 784)
                        .onSite("in", Potential.quadratic(1, 0.5))
                        .residual("out", Activation.RELU, new float[8 * 784], 1.0,
                                new Factor.Source("in", new Conv2dOperator(8, 28, 28, 8, 3, 3, 1, 1, k)))
                        .build();
            }
            case "unet39k" -> {
                // U-Net-shaped (as substrate-fpga's Programs.unetLike): 39,200 units, 3x3 and strided 4x4 convs,
                // a strided conv-transpose, a rank-8 skip, relu residuals, a clamped 1x28x28 input.
                Program.Builder b = Program.builder().module("in", 784).module("e1", 16 * 784)
                        .module("d1", 32 * 196).module("bn", 32 * 196).module("u1", 16 * 784).module("out", 784);
                b.clamp("in", uniform(r, 784, 1.0));
                b.residual("e1", Activation.RELU, uniform(r, 16 * 784, 0.05), 1.0, new Factor.Source("in",
                        new Conv2dOperator(1, 28, 28, 16, 3, 3, 1, 1, uniform(r, 144, 0.3))));
                b.residual("d1", Activation.RELU, uniform(r, 32 * 196, 0.05), 1.0, new Factor.Source("e1",
                        new Conv2dOperator(16, 28, 28, 32, 4, 4, 2, 1, uniform(r, 8192, 0.05))));
                b.residual("bn", Activation.RELU, uniform(r, 32 * 196, 0.05), 1.0, new Factor.Source("d1",
                        new Conv2dOperator(32, 14, 14, 32, 3, 3, 1, 1, uniform(r, 9216, 0.05))));
                b.residual("u1", Activation.RELU, uniform(r, 16 * 784, 0.05), 1.0,
                        new Factor.Source("bn", new ConvTranspose2dOperator(32, 14, 14, 16, 4, 4, 2, 1, 0,
                                uniform(r, 8192, 0.05))),
                        new Factor.Source("e1", new LowRankOperator(16 * 784, 16 * 784, 8,
                                uniform(r, 16 * 784 * 8, 0.01), uniform(r, 16 * 784 * 8, 0.01))));
                b.residual("out", Activation.IDENTITY, uniform(r, 784, 0.05), 1.0, new Factor.Source("u1",
                        new Conv2dOperator(16, 28, 28, 1, 3, 3, 1, 1, uniform(r, 144, 0.1))));
                return b.build();
            }
            default -> throw new IllegalArgumentException(name);
        }
    }

    static float[] uniform(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * (2 * r.nextDouble() - 1));
        }
        return v;
    }

    /** One datapath lane stepping {@code chains} chains. */
    @State(Scope.Benchmark)
    public static class Emulator {
        @Param({"dense256", "conv8x28x28", "unet39k"})
        public String program;

        @Param({"1", "4"})
        public int chains;

        static final int STEPS = 20;
        LoadedProgram p;
        int[] bias;
        int[] clamp;
        long[] dt;
        long[] sigma;
        long[] keys;
        int[][] x;
        long base;

        @Setup
        public void setup() throws Exception {
            CompiledProgram c = new FpgaCompiler("fpga").compile(program(program));
            p = LoadedProgram.parse(c.image(), 1 << 20);
            bias = c.initialBias();
            clamp = c.initialClamp();
            dt = new long[p.modules()];
            sigma = new long[p.modules()];
            java.util.Arrays.fill(dt, Fx.dtRaw(0.05));
            java.util.Arrays.fill(sigma, Fx.sigmaRaw(Math.sqrt(2 * 0.1 * 0.05)));
            keys = new long[chains];
            for (int i = 0; i < chains; i++) {
                keys[i] = ChainSeeds.of(1, i);
            }
            x = new int[chains][p.units()];
            System.out.printf("%n[fpga emulator] %s: %d units, %d MACs per step per chain%n", program, p.units(),
                    p.macsPerStep());
        }
    }

    /** Steps per second of one lane (score = chain-steps / s when divided by nothing: each op is one step of all chains). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(Emulator.STEPS)
    public Datapath.Outcome emulatorSteps(Emulator e) {
        Datapath.Outcome o = Datapath.run(new Datapath.Run(e.p, e.bias, e.clamp, e.dt, e.sigma, e.keys, e.x, null,
                Emulator.STEPS, e.base, 0, Integer.MAX_VALUE), null, () -> false);
        e.base += Emulator.STEPS;
        return o;
    }

    /** A session over one transport running a small program. */
    @State(Scope.Benchmark)
    public static class Driver {
        @Param({"inprocess", "tcp", "mmap"})
        public String transport;

        @Param({"10", "1000"})
        public int steps;

        FpgaEmulatorServer server;
        Path file;
        FpgaSubstrate s;
        RunSpec spec;

        @Setup(Level.Trial)
        public void setup() throws Exception {
            SubstrateConfig config = switch (transport) {
                case "tcp" -> {
                    server = FpgaEmulatorServer.loopback(FpgaDevice.inMemory(8L << 20, 1), true);
                    yield SubstrateConfig.of("fpga.transport=tcp", "fpga.port=" + server.port());
                }
                case "mmap" -> {
                    file = Files.createTempFile("tdi-fpga-bar", ".bin");
                    yield SubstrateConfig.of("fpga.transport=mmap", "fpga.device=" + file, "fpga.mmap.emulate=true",
                            "fpga.emulator.memory-mb=8", "fpga.emulator.threads=1");
                }
                default -> SubstrateConfig.of("fpga.emulator.memory-mb=8", "fpga.emulator.threads=1");
            };
            s = (FpgaSubstrate) SubstrateRegistry.open("fpga", config);
            long before = s.transportStats().bytesToDevice();
            s.program(program("dense256"));
            System.out.printf("%n[fpga driver] %s upload: %d bytes (image %d)%n", transport,
                    s.transportStats().bytesToDevice() - before, s.compiled().imageBytes());
            spec = RunSpec.builder().steps(steps / 2, steps - steps / 2).stepSize(0.05).temperature(0.1).chains(4)
                    .build();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            FpgaSubstrate.RunReport r = s.lastRun();
            System.out.printf("%n[fpga driver] %s, %d steps: per run %d round trips, %d B to device, %d B from"
                    + " device, %d device commands%n", transport, steps, r.roundTrips(), r.bytesToDevice(),
                    r.bytesFromDevice(), r.commands());
            s.close();
            if (server != null) {
                server.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Wall time of one run (4 chains of the dense 256-unit program) including upload of fields and read-back. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public RunResult driverRun(Driver d) {
        return d.s.run(d.spec);
    }
}
