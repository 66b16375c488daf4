package dev.tdi.bench.e2e;

import com.google.gson.GsonBuilder;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports a compiled relaxation for the PyTorch peer ({@code benchmarks/peers/relaxation_torch.py}):
 * {@code program.json} (modules with offsets and step sizes, residual factors with their sources and operator
 * shapes, the run's steps, window and temperature) and {@code program.safetensors} (every operator's weights, the
 * batch's clamps and bias fields, and the states tdi reached). Programs made of Residual and Clamp factors with
 * conv2d, conv-transpose2d, dense and low-rank operators are exported (what the U-Net compiler emits); anything else
 * is refused by name.
 */
public final class RelaxationExport {
    private RelaxationExport() {
    }

    /**
     * Writes the export to {@code dir}.
     *
     * @param tdiFinal the final state tdi reached at T = 0, [chain][unit], for the peer's check
     * @param tdiMean  the window mean tdi reached at T = 0, [chain][unit]
     */
    public static void write(Path dir, UNetRelaxation w, float[][] tdiFinal, float[][] tdiMean) throws IOException {
        Files.createDirectories(dir);
        Program p = w.compiled().program();
        RunSpec spec = w.spec();
        SafeTensors st = new SafeTensors();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("system", w.system());
        json.put("units", p.units());
        json.put("batch", w.batch());
        if (spec.schedule().isPresent()) {
            // the hold schedule: per phase the modules released, their steps and the window averaged into the
            // held value; a residual is active from the phase its last module is released in
            json.put("steps", spec.schedule().get().totalSteps());
            json.put("window", spec.window());
            List<Map<String, Object>> phases = new ArrayList<>();
            for (var ph : spec.schedule().get().phases()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("release", ph.release().stream().sorted().toList());
                pm.put("steps", ph.steps());
                pm.put("window", ph.window());
                phases.add(pm);
            }
            json.put("schedule", phases);
        } else {
            json.put("steps", spec.burnIn() + spec.window());
            json.put("window", spec.window());
        }
        json.put("temperature", spec.temperature());
        List<Map<String, Object>> modules = new ArrayList<>();
        for (ModuleSpec m : p.modules()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("name", m.name());
            mm.put("offset", m.offset());
            mm.put("size", m.size());
            mm.put("clamped", p.clampOf(m.name()) != null);
            mm.put("dt", spec.stepSize(m.name()));
            modules.add(mm);
        }
        json.put("modules", modules);
        List<Map<String, Object>> residuals = new ArrayList<>();
        int op = 0;
        for (Factor f : p.factors()) {
            switch (f) {
                case Factor.Residual r -> {
                    Map<String, Object> rm = new LinkedHashMap<>();
                    rm.put("target", r.target());
                    rm.put("field", r.field());
                    rm.put("rho", r.rho().name().toLowerCase(java.util.Locale.ROOT));
                    rm.put("weight", r.weight());
                    st.put("field." + r.field(), r.h(), r.h().length);
                    List<Map<String, Object>> sources = new ArrayList<>();
                    for (Factor.Source s : r.sources()) {
                        Map<String, Object> sm = new LinkedHashMap<>();
                        sm.put("module", s.module());
                        String name = "op" + op++;
                        sm.put("tensor", name);
                        describe(s.w(), name, sm, st);
                        sources.add(sm);
                    }
                    rm.put("sources", sources);
                    residuals.add(rm);
                }
                case Factor.Clamp c -> { }
                default -> throw new IllegalArgumentException("the end-to-end peer runs Residual and Clamp factors;"
                        + " this program has " + f.describe());
            }
        }
        json.put("residuals", residuals);
        st.putRows("clamp." + p.clampedModules().get(0), w.clamps());
        json.put("clamped_module", p.clampedModules().get(0));
        w.biases().forEach((field, rows) -> st.putRows("bias." + field, rows));
        json.put("bias_fields", new ArrayList<>(w.biases().keySet()));
        st.putRows("tdi.final", tdiFinal);
        st.putRows("tdi.mean", tdiMean);
        st.write(dir.resolve("program.safetensors"));
        Files.writeString(dir.resolve("program.json"), new GsonBuilder().setPrettyPrinting().create().toJson(json));
    }

    private static void describe(Operator w, String name, Map<String, Object> m, SafeTensors st) {
        switch (w) {
            case Conv2dOperator c -> {
                m.put("kind", "conv2d");
                m.put("in", new int[] {c.inChannels(), c.inHeight(), c.inWidth()});
                m.put("out", new int[] {c.outChannels(), c.outHeight(), c.outWidth()});
                m.put("stride", c.stride());
                m.put("padding", c.padding());
                st.put(name, c.kernel(), c.outChannels(), c.inChannels(), c.kernelHeight(), c.kernelWidth());
            }
            case ConvTranspose2dOperator c -> {
                m.put("kind", "conv_transpose2d");
                m.put("in", new int[] {c.inChannels(), c.inHeight(), c.inWidth()});
                m.put("out", new int[] {c.outChannels(), c.outHeight(), c.outWidth()});
                m.put("stride", c.stride());
                m.put("padding", c.padding());
                m.put("output_padding", c.outputPadding());
                st.put(name, c.kernel(), c.inChannels(), c.outChannels(), c.kernelHeight(), c.kernelWidth());
            }
            case DenseOperator d -> {
                m.put("kind", "dense");
                st.put(name, d.values(), d.rows(), d.cols());
            }
            case LowRankOperator l -> {
                m.put("kind", "lowrank");
                st.put(name + ".u", l.u(), l.rows(), l.rank());
                st.put(name + ".v", l.v(), l.cols(), l.rank());
            }
            default -> throw new IllegalArgumentException("the end-to-end peer has no " + w.kind()
                    + " operator (" + w.describe() + ")");
        }
    }
}
