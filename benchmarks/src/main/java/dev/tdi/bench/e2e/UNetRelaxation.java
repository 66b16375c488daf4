package dev.tdi.bench.e2e;

import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.inference.CompiledUNet;
import dev.tdi.inference.EnergyLedger;
import dev.tdi.inference.Experiment;
import dev.tdi.inference.Jobs;
import dev.tdi.inference.SubstrateDenoiser;
import dev.tdi.inference.Workload;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.UNet;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The relaxation that {@code ./tdi run} performs, as a fixed workload: the shipped U-Net compiled with the default
 * system ({@link Jobs#DEFAULT_COUPLING} + {@link Jobs#DEFAULT_INTERFACE}), its relaxation plan's step sizes, the step
 * count {@code ./tdi run} uses (the hold schedule's phases, or steps to converge + window for a free plan), and a batch of held-out inputs: per input the clamp
 * (x_t) and the bias field of every conditioned layer.
 *
 * @param compiled the compiled program and plan
 * @param spec     the run of one batch: one chain per input, the plan's step sizes, the job's steps and temperature
 * @param clamps   x_t per input, [input][pixel]
 * @param biases   the bias fields per conditioned layer, [input][unit]
 * @param system   the coupling and interface specs
 */
public record UNetRelaxation(CompiledUNet compiled, RunSpec spec, float[][] clamps, Map<String, float[][]> biases,
                             String system) {

    /**
     * Builds the workload as {@code ./tdi run --batch B --eval B} would (seed {@code seed}, temperature T): calibration,
     * coupling, interface fit and the steps to converge measured at T = 0 on {@code sim}.
     *
     * @throws IOException when the shipped model or Fashion-MNIST cannot be read
     */
    public static UNetRelaxation prepare(int batch, long seed, double temperature, PrintStream log) throws IOException {
        UNet net = Jobs.loadModel(null).net();
        Workload data = Workload.load();
        log.println("bench: end-to-end workload: calibrating the shipped U-Net on " + data.source() + " ...");
        Experiment e = new Experiment(net, data, Jobs.setup("sim", seed, batch, temperature, batch),
                new EnergyLedger(), null);
        CompiledUNet c = e.compile(Jobs.DEFAULT_COUPLING);
        ConditioningInterface iface = Jobs.interfaces().create(Jobs.DEFAULT_INTERFACE, e.calibrationInputs(),
                e.oracle(), seed);
        try (Substrate s = SubstrateRegistry.open("sim", SubstrateConfig.defaults())) {
            SubstrateDenoiser probe = new SubstrateDenoiser(s, c, iface, new SubstrateDenoiser.Settings(0, 0, 1, 1));
            long converge = e.stepsToConverge(probe, 1e-3, 4096);
            // exactly what ./tdi run relaxes: the hold schedule's phases of holdWindow steps, or for a free plan
            // the steps to converge and the window
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, iface, e.settingsFor(c, temperature, converge));
            float[][] clamps = new float[batch][];
            Map<String, float[][]> biases = new LinkedHashMap<>();
            for (int i = 0; i < batch; i++) {
                Workload.Noised in = e.evalInputs().get(i);
                clamps[i] = in.xt();
                int input = i;
                d.biasFields(ConditioningInput.of(in.t(), net.config().diffusionSteps())).forEach((layer, h) ->
                        biases.computeIfAbsent(layer, z -> new float[batch][])[input] = h);
            }
            RunSpec spec = d.spec(seed, null).toBuilder().chains(batch).build();
            return new UNetRelaxation(c, spec, clamps, biases, c.strategy() + " + " + iface.spec());
        }
    }

    /**
     * The run of {@code steps} full Langevin steps of the whole program (every module free, every term evaluated,
     * no hold schedule) on the first {@code chains} inputs: what the step benchmarks time and
     * {@code SimSubstrate.costPerStep} counts. (A scheduled relaxation evaluates only the released phase's terms.)
     */
    public RunSpec fullSteps(int chains, long steps) {
        RunSpec.Builder b = spec.toBuilder().schedule(null).chains(chains).steps(steps - 1, 1);
        // the schedule's unit steps (dt w = 1) are stable one phase at a time, not with every module free: a small
        // uniform step keeps the timed run finite (the time of a step does not depend on dt)
        compiled.program().modules().forEach(m -> b.stepSize(m.name(), FULL_STEP_DT));
        return b.build();
    }

    /** The step size of {@link #fullSteps}: below the stability bound of the free program with unit weights. */
    static final double FULL_STEP_DT = 0.05;

    /** Steps of one relaxation of {@link #spec}: its schedule's, or burn-in + window. */
    public long stepsPerRelaxation() {
        return spec.schedule().map(Schedule::totalSteps).orElse(spec.burnIn() + spec.window());
    }

    /** The batch size (chains of {@link #spec}). */
    public int batch() {
        return clamps.length;
    }

    /** Writes the batch's clamps and biases to a session holding {@link #compiled}'s program. */
    public void load(Substrate s) {
        s.setClamp(CompiledUNet.INPUT, clamps);
        biases.forEach(s::setBias);
    }

    /** Writes the first {@code n} inputs' clamps and biases (a smaller batch). */
    public void load(Substrate s, int n) {
        s.setClamp(CompiledUNet.INPUT, java.util.Arrays.copyOf(clamps, n));
        biases.forEach((f, rows) -> s.setBias(f, java.util.Arrays.copyOf(rows, n)));
    }
}
