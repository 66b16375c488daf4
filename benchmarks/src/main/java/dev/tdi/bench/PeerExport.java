package dev.tdi.bench;

import com.google.gson.GsonBuilder;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.program.SparseOperator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Exports a benchmark program for the peers: its arrays as .npy, a start state x0, and the state x1 the simulator
 * reaches from x0 in one step at T = 0 (the peers must reproduce it), plus meta.json with the step's constants.
 */
public final class PeerExport {
    private PeerExport() {
    }

    /** Writes case {@code name} under {@code dir}; returns its directory. */
    public static Path export(Path dir, String name, BenchPrograms.Kind kind, int d, int k, int chains, Program p,
                              double dt, double temperature) throws IOException {
        Path out = dir.resolve(name);
        Files.createDirectories(out);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", name);
        meta.put("kind", kind.id());
        meta.put("d", d);
        meta.put("units", p.units());
        meta.put("k", k);
        meta.put("chains", chains);
        meta.put("dt", dt);
        meta.put("temperature", temperature);
        meta.put("stiffness", BenchPrograms.K);
        meta.put("center", BenchPrograms.MU);
        for (Factor f : p.factors()) {
            switch (f) {
                case Factor.Coupling c -> {
                    switch (c.w()) {
                        case DenseOperator w -> Npy.write(out.resolve("W.npy"), w.values(), w.rows(), w.cols());
                        case SparseOperator w -> {
                            Npy.write(out.resolve("indptr.npy"), w.rowPtr(), w.rows() + 1);
                            Npy.write(out.resolve("indices.npy"), w.colIdx(), w.nonZeros());
                            Npy.write(out.resolve("data.npy"), w.values(), w.nonZeros());
                            meta.put("rows", w.rows());
                            meta.put("cols", w.cols());
                        }
                        case Conv2dOperator w -> {
                            Npy.write(out.resolve("kernel.npy"), w.kernel(), w.outChannels(), w.inChannels(),
                                    w.kernelHeight(), w.kernelWidth());
                            meta.put("channels", w.inChannels());
                            meta.put("side", w.inHeight());
                        }
                        case LowRankOperator w -> {
                            Npy.write(out.resolve("U.npy"), w.u(), w.rows(), w.rank());
                            Npy.write(out.resolve("V.npy"), w.v(), w.cols(), w.rank());
                        }
                        default -> throw new IllegalArgumentException(c.w().describe());
                    }
                }
                case Factor.Bias b -> Npy.write(out.resolve("h.npy"), b.h(), b.h().length);
                default -> { }
            }
        }
        float[] x0 = new float[p.units()];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < x0.length; i++) {
            x0[i] = (float) rnd.nextDouble(-1, 1);
        }
        Npy.write(out.resolve("x0.npy"), x0, x0.length);
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.of("range=unbounded"))) {
            s.program(p);
            RunResult r = s.run(RunSpec.builder().steps(0, 1).stepSize(dt).temperature(0).initialState(x0).build());
            Npy.write(out.resolve("x1.npy"), r.finalState(0), x0.length);
        }
        Files.writeString(out.resolve("meta.json"), new GsonBuilder().setPrettyPrinting().create().toJson(meta));
        return out;
    }
}
