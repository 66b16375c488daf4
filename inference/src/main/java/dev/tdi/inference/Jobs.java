package dev.tdi.inference;

import com.google.gson.GsonBuilder;
import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.conditioning.ConditioningInterfaces;
import dev.tdi.coupling.CouplingStrategies;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.UNet;
import dev.tdi.unet.UNetModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Shared plumbing of the run, reproduce and generate jobs: validation, model loading, headers, JSON. */
public final class Jobs {
    private Jobs() {
    }

    /** The default backend: {@code sim} when installed, else {@code reference}. */
    public static String defaultBackend() {
        return SubstrateRegistry.names().contains("sim") ? "sim" : "reference";
    }

    /** Checks names and specs before any work, so bad input fails fast with the accepted values. */
    public static void validate(String backend, List<String> couplings, List<String> interfaces) {
        SubstrateRegistry.provider(backend);
        CouplingStrategies cs = Catalog.current().couplings();
        for (String c : couplings) {
            cs.create(c);
        }
        ConditioningInterfaces is = Catalog.current().interfaces();
        for (String i : interfaces) {
            var parsed = dev.tdi.conditioning.InterfaceParameters.split(i);
            is.factory(parsed.getKey()).validate(parsed.getValue());
        }
    }

    /** The interface maker backed by the Guice-bound interfaces, built-in and plug-in ({@link Catalog}). */
    public static Experiment.InterfaceMaker interfaces() {
        ConditioningInterfaces is = Catalog.current().interfaces();
        return is::create;
    }

    /** A loaded model and how to describe it. */
    public record Model(UNet net, String description) {
    }

    /** The model in {@code dir}, or the shipped default when dir is null. */
    public static Model loadModel(Path dir) throws IOException {
        if (dir != null) {
            return new Model(UNetModel.load(dir), dir.toString());
        }
        try {
            UNet net = UNetModel.loadDefault();
            Map<String, String> meta = UNetModel.defaultMetadata();
            return new Model(net, "default (shipped resource" + (meta.isEmpty() ? "" : ", " + meta) + ")");
        } catch (java.io.UncheckedIOException e) {
            throw new IOException("the default model is not in this build (" + e.getCause().getMessage()
                    + "); train one with the unet module or pass --model DIR", e);
        }
    }

    /** The header every report starts with. */
    public static Map<String, Object> header(String command, long seed, String backend, String coupling,
                                             String conditioning, Model model) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("command", command);
        h.put("seed", seed);
        h.put("backend", backend);
        h.put("strategy", coupling);
        h.put("interface", conditioning);
        h.put("model", model.description());
        h.put("machine", Machine.describe());
        return h;
    }

    public static void printHeader(PrintStream out, Map<String, Object> h) {
        out.printf(Locale.ROOT, "%s: seed %s, backend %s, strategy %s, interface %s%n", h.get("command"),
                h.get("seed"), h.get("backend"), h.get("strategy"), h.get("interface"));
        out.println("model: " + h.get("model"));
        out.println("machine: " + h.get("machine"));
    }

    public static void writeJson(Path file, Object value) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        String json = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create()
                .toJson(value);
        Files.writeString(file, json + "\n");
    }

    /** x0 estimate from x_t and a predicted epsilon at step t, clipped to [-1, 1] ({@link OutputMetrics#x0Estimate}). */
    public static float[] x0Estimate(UNet net, float[] xt, float[] eps, int t) {
        return OutputMetrics.x0Estimate(net.config(), xt, eps, t);
    }

    /**
     * The complete-system defaults: a local rank-16 bus per skip (at most 16 per level, the seed's rank) and the
     * seed's b=4, h=16 interface with the largest readout rank that keeps it within the seed's 2,560 parameters.
     */
    public static final String DEFAULT_COUPLING = "hbc:k=16,bus=local";
    public static final String DEFAULT_INTERFACE = "minimal:b=4,h=16,budget=2560";
    /** Default relaxation temperature (kT in units where the output residual's weight is 1). */
    public static final double DEFAULT_TEMPERATURE = 1e-4;
    public static final long DEFAULT_WINDOW = 32;
    /** Calibration images for the coupling strategies (digital forward at sampled t). */
    public static final int CALIBRATION_IMAGES = 512;

    /** A row of a fixed-width table. */
    static String row(String k, String v) {
        return String.format(Locale.ROOT, "  %-44s %s", k, v);
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }

    /**
     * Inputs relaxed per run by default (where the backend declares per-chain inputs): large enough that one pass
     * over the weights serves many inputs and both cores have work, small enough to keep a batch's states in a few
     * MiB of cache-friendly memory.
     */
    public static final int DEFAULT_BATCH = 32;

    /** {@link #setup(String, long, int, double, int)} with the default batch. */
    public static Experiment.Setup setup(String backend, long seed, int evalInputs, double temperature) {
        return setup(backend, seed, evalInputs, temperature, DEFAULT_BATCH);
    }

    /**
     * The experiment set-up used by every job, {@code batch} inputs relaxed per run: the hold-schedule plan fitted
     * to the backend's ranges, or the graded plan on a backend that does not declare {@code SCHEDULES}.
     */
    public static Experiment.Setup setup(String backend, long seed, int evalInputs, double temperature, int batch) {
        var caps = dev.tdi.substrate.SubstrateRegistry.provider(backend).capabilities();
        UNetCompiler.Options options = UNetCompiler.Options.defaults()
                .withRanges(caps.couplingRange(), caps.stiffnessRange());
        if (!caps.numberFormat().floating()) {
            options = options.withMaxWeight(FIXED_POINT_MAX_WEIGHT); // graded plans only
        }
        if (!caps.supports(dev.tdi.substrate.Feature.SCHEDULES)) {
            // A backend without hold schedules relaxes every module at once: the graded plan, as wide as its
            // stiffness range allows (the compiler refuses it, naming the layer, where the range is too narrow).
            options = options.withKind(RelaxationPlan.Kind.GRADED);
        }
        return new Experiment.Setup(backend, SubstrateConfig.defaults(), seed, evalInputs, CALIBRATION_IMAGES, 64, temperature,
                DEFAULT_WINDOW, options, batch);
    }

    /**
     * The largest residual weight planned for a fixed-point backend: about 20 bits of range above the output
     * layer's weight of 1, which per-module scale exponents hold (docs/fpga-device.md), at the cost of slower
     * convergence than the unbounded floating-point plan.
     */
    public static final double FIXED_POINT_MAX_WEIGHT = 1e6;

    static ConditioningInterface oracleOf(Experiment e) {
        return new dev.tdi.conditioning.OracleInterface(e.oracle());
    }
}
