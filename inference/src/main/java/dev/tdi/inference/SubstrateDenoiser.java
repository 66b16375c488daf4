package dev.tdi.inference;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.unet.Layer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The U-Net executed by relaxation: one program upload, then per input a clamp write (x_t), bias writes (static +
 * interface bias per conditioned layer, the DACs) and one run of the Langevin dynamics; the read-out is the windowed
 * mean of every layer module (for a scheduled plan, its held value: the mean of its phase). Not thread-safe (one substrate session).
 */
public final class SubstrateDenoiser {

    /**
     * How each relaxation runs.
     *
     * @param temperature T (kT in the program's energy units; the output residual has weight 1)
     * @param burnIn      steps before the averaging window (free plans; a scheduled plan has none)
     * @param window      steps averaged for the read-out; for a scheduled plan, steps per phase, all averaged into
     *                    the held value
     * @param chains      independent chains averaged
     */
    public record Settings(double temperature, long burnIn, long window, int chains) {
        public Settings {
            if (!(temperature >= 0) || burnIn < 0 || window < 1 || chains < 1) {
                throw new IllegalArgumentException("relaxation settings need T >= 0, burn-in >= 0, window >= 1,"
                        + " chains >= 1; found T=" + temperature + ", burn-in=" + burnIn + ", window=" + window
                        + ", chains=" + chains);
            }
        }

        /** Total steps per relaxation. */
        public long steps() {
            return burnIn + window;
        }
    }

    /**
     * One relaxation.
     *
     * @param states     windowed mean of every layer module (and the input), by module name
     * @param finalState the full final state of chain 0 (for warm starts)
     * @param released   the energy the device released relaxing (program units, chain-averaged; NaN when the
     *                   backend does not measure it), from {@link RunResult#releasedEnergy()}
     */
    public record Relaxed(Map<String, float[]> states, long steps, long wallNanos, float[] finalState,
                          double released) {
    }

    private final Substrate substrate;
    private final CompiledUNet compiled;
    private final ConditioningInterface conditioning;
    private final Settings settings;

    /** Uploads the compiled program to {@code substrate}. */
    public SubstrateDenoiser(Substrate substrate, CompiledUNet compiled, ConditioningInterface conditioning,
                             Settings settings) {
        this.substrate = substrate;
        this.compiled = compiled;
        this.conditioning = conditioning;
        this.settings = settings;
        substrate.program(compiled.program());
    }

    public CompiledUNet compiled() {
        return compiled;
    }

    public Settings settings() {
        return settings;
    }

    public ConditioningInterface conditioning() {
        return conditioning;
    }

    public Substrate substrate() {
        return substrate;
    }

    /** Writes x_t and the conditioning biases for {@code input} (no re-programming). */
    public void load(float[] x, ConditioningInput input) {
        substrate.setClamp(CompiledUNet.INPUT, x);
        Map<String, float[]> bias = conditioning.biases(input);
        for (String layer : compiled.conditionedLayers()) {
            float[] b = bias.get(layer);
            if (b == null) {
                throw new IllegalStateException("conditioning interface " + conditioning.spec()
                        + " gave no bias for layer '" + layer + "'; it gave " + bias.keySet());
            }
            substrate.setBias(layer, compiled.biasField(layer, b));
        }
    }

    /** The bias fields (per pixel) this input would write, by layer: what {@link #load} writes. */
    public Map<String, float[]> biasFields(ConditioningInput input) {
        Map<String, float[]> bias = conditioning.biases(input);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String layer : compiled.conditionedLayers()) {
            out.put(layer, compiled.biasField(layer, bias.get(layer)));
        }
        return out;
    }

    /** Relaxes the substrate for one input, optionally warm-started from a previous final state. */
    public Relaxed denoise(float[] x, ConditioningInput input, float[] warmStart, long seed) {
        load(x, input);
        return run(spec(seed, warmStart));
    }

    /** The hold schedule of a scheduled plan with {@code stepsPerPhase} steps per phase, all averaged. */
    public Schedule schedule(long stepsPerPhase) {
        return Schedule.byDepth(compiled.program(), stepsPerPhase, stepsPerPhase);
    }

    /** Steps one relaxation takes: the schedule's for a scheduled plan, burn-in + window otherwise. */
    public long stepsPerInference() {
        return compiled.plan().scheduled() ? schedule(settings.window()).totalSteps() : settings.steps();
    }

    /** The run spec used for every relaxation. */
    public RunSpec spec(long seed, float[] warmStart) {
        RunSpec.Builder b = RunSpec.builder().steps(settings.burnIn(), settings.window())
                .temperature(settings.temperature()).seed(seed).chains(settings.chains())
                .stepSize(compiled.plan().eta());
        compiled.plan().stepSizes().forEach(b::stepSize);
        if (compiled.plan().scheduled()) {
            b.schedule(schedule(settings.window()));
        }
        if (warmStart != null) {
            b.initialState(warmStart);
        }
        return b.build();
    }

    /** Runs a spec on the loaded input and collects the module means. */
    public Relaxed run(RunSpec spec) {
        RunResult r = substrate.run(spec);
        Map<String, float[]> states = new LinkedHashMap<>();
        states.put(CompiledUNet.INPUT, r.meanOverChains(CompiledUNet.INPUT));
        for (Layer layer : compiled.net().layers()) {
            states.put(layer.name(), r.meanOverChains(layer.name()));
        }
        return new Relaxed(states, r.steps(), r.wallNanos(), r.finalState(0), r.releasedEnergy());
    }
}
