package dev.tdi.inference;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.substrate.ChainSeeds;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.unet.Layer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The U-Net executed by relaxation: one program upload, then per input a clamp write (x_t), bias writes (static +
 * interface bias per conditioned layer, the DACs) and one run of the Langevin dynamics; the read-out is the windowed
 * mean of every layer module (for a scheduled plan, its held value: the mean of its phase). {@link #denoiseAll}
 * relaxes many inputs per run where the backend declares {@link Feature#PER_CHAIN_INPUTS} (one row of clamps and
 * biases per chain, so the weights are streamed once per batch), with per-chain seeds that make every input's result
 * the same as its one-at-a-time relaxation. Not thread-safe (one substrate session).
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

    /**
     * One input of a batch.
     *
     * @param x            the noisy image x_t (the clamp of the input module)
     * @param conditioning what the interface writes the biases from
     * @param warmStart    a full starting state (a previous final state), or null for the zero state
     * @param seed         the noise seed, as {@link #denoise}'s
     */
    public record Input(float[] x, ConditioningInput conditioning, float[] warmStart, long seed) {
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
        biasFields(input).forEach(substrate::setBias);
    }

    /** The bias fields (per pixel) this input would write, by layer: what {@link #load} writes. */
    public Map<String, float[]> biasFields(ConditioningInput input) {
        Map<String, float[]> bias = conditioning.biases(input);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String layer : compiled.conditionedLayers()) {
            float[] b = bias.get(layer);
            if (b == null) {
                throw new IllegalStateException("conditioning interface " + conditioning.spec()
                        + " gave no bias for layer '" + layer + "'; it gave " + bias.keySet());
            }
            out.put(layer, compiled.biasField(layer, b));
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

    /**
     * Relaxes every input, up to {@code batch} per run when the backend declares {@link Feature#PER_CHAIN_INPUTS}
     * (else one per run). Input i's chains are seeded {@code ChainSeeds.of(seed_i, r)} for r below
     * {@link Settings#chains()}, exactly as {@link #denoise} seeds them, so on a backend whose chains are independent
     * the results do not depend on the batch size. Each result's {@code wallNanos} is its share of its batch's wall
     * time (the batch's time over its inputs), so summing them gives the wall time of the whole set.
     *
     * @return one result per input, in order
     */
    public List<Relaxed> denoiseAll(List<Input> inputs, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("the batch size must be >= 1, found " + batch);
        }
        List<Relaxed> out = new ArrayList<>(inputs.size());
        boolean batched = batch > 1 && substrate.supports(Feature.PER_CHAIN_INPUTS);
        for (int from = 0; from < inputs.size(); from += batched ? batch : 1) {
            List<Input> part = inputs.subList(from, Math.min(inputs.size(), from + (batched ? batch : 1)));
            if (part.size() == 1) {
                Input in = part.get(0);
                out.add(denoise(in.x(), in.conditioning(), in.warmStart(), in.seed()));
            } else {
                out.addAll(relaxBatch(part));
            }
        }
        return out;
    }

    /** One run of {@code inputs.size() * chains} chains; chain i * chains + r is replica r of input i. */
    private List<Relaxed> relaxBatch(List<Input> inputs) {
        int k = settings.chains();
        int chains = inputs.size() * k;
        float[][] clamps = new float[chains][];
        Map<String, float[][]> biases = new LinkedHashMap<>();
        long[] seeds = new long[chains];
        float[][] starts = inputs.stream().anyMatch(in -> in.warmStart() != null) ? new float[chains][] : null;
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            Map<String, float[]> fields = biasFields(in.conditioning());
            for (int r = 0; r < k; r++) {
                int c = i * k + r;
                clamps[c] = in.x();
                seeds[c] = ChainSeeds.of(in.seed(), r);
                int chain = c;
                fields.forEach((layer, h) -> biases.computeIfAbsent(layer, z -> new float[chains][])[chain] = h);
                if (starts != null) {
                    starts[c] = in.warmStart() != null ? in.warmStart() : new float[compiled.program().units()];
                }
            }
        }
        substrate.setClamp(CompiledUNet.INPUT, clamps);
        biases.forEach(substrate::setBias);
        RunSpec.Builder b = spec(0, null).toBuilder().chains(chains).chainSeeds(seeds);
        if (starts != null) {
            b.chainInitialStates(starts);
        }
        RunResult r = substrate.run(b.build());
        List<Relaxed> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Map<String, float[]> states = new LinkedHashMap<>();
            states.put(CompiledUNet.INPUT, meanOver(r, CompiledUNet.INPUT, i * k, k));
            for (Layer layer : compiled.net().layers()) {
                states.put(layer.name(), meanOver(r, layer.name(), i * k, k));
            }
            // the released energy is the batch's chain average: every input's share of the measured heat
            out.add(new Relaxed(states, r.steps(), r.wallNanos() / inputs.size(), r.finalState(i * k),
                    r.releasedEnergy()));
        }
        return out;
    }

    /** A module's windowed mean averaged over chains {@code first} to {@code first + count - 1}. */
    private static float[] meanOver(RunResult r, String module, int first, int count) {
        if (count == 1) {
            return r.mean(module, first);
        }
        float[] m0 = r.mean(module, first);
        double[] acc = new double[m0.length];
        for (int c = first; c < first + count; c++) {
            float[] m = c == first ? m0 : r.mean(module, c);
            for (int u = 0; u < acc.length; u++) {
                acc[u] += m[u];
            }
        }
        float[] out = new float[acc.length];
        for (int u = 0; u < out.length; u++) {
            out[u] = (float) (acc[u] / count);
        }
        return out;
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
