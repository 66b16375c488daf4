package dev.tdi.inference;

import dev.tdi.conditioning.BiasOracle;
import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.coupling.CouplingStrategies;
import dev.tdi.coupling.SkipConnection;
import dev.tdi.substrate.ProgramRange;
import dev.tdi.substrate.Feature;
import dev.tdi.substrate.Substrate;
import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.unet.Layer;
import dev.tdi.unet.UNet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One evaluation set-up: a network, calibration (digital forward on calibration images at sampled t, feeding the
 * coupling strategies; a grid of t feeding the interfaces), held-out evaluation inputs and their digital taps. Each
 * {@link #evaluate} compiles the network with a coupling strategy, fits an interface, relaxes the substrate on every
 * evaluation input and measures (docs/physics.md, "Metrics").
 */
public final class Experiment {

    /** Makes an interface from a spec (ConditioningInterfaces::create has this shape). */
    @FunctionalInterface
    public interface InterfaceMaker {
        ConditioningInterface create(String spec, List<ConditioningInput> calibration, BiasOracle oracle, long seed);
    }

    /**
     * Set-up parameters.
     *
     * @param batch inputs relaxed per run where the backend declares per-chain inputs (1: one at a time)
     */
    public record Setup(String backend, SubstrateConfig backendConfig, long seed, int evalInputs, int calibImages,
                        int calibTimesteps, double temperature, long window, UNetCompiler.Options options,
                        int batch) {
        public Setup {
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be >= 1, found " + batch);
            }
        }
    }

    /**
     * What one configuration measured: the output figures first ({@link OutputMetrics}), then the decoder cosine
     * (mean, min, per level, per module), sizes, steps and energy. {@code states} holds the relaxed module states of
     * the first {@link #KEPT_STATES} inputs only (for pictures), so that large evaluations stay small in memory.
     * {@code secondsPerStep} is wall time per step and input (a batched run's time shared by its inputs),
     * {@code batch} the inputs relaxed per run and {@code inferencesPerSecond} the evaluation inputs over the wall
     * time of their relaxations.
     */
    public record Outcome(String backend, String coupling, String conditioning, double temperature,
                          OutputMetrics.Summary output, Map<String, Double> decoderCosineByModule,
                          double decoderCosine, double decoderCosineMin, Map<Integer, Double> decoderCosineByLevel,
                          double outputCosine, long interfaceParameters, long interfaceMacs, long skipCouplings,
                          long denseSkipCouplings, long longRangeLines, int maxRank, long stepsToConverge,
                          long stepsPerInference, double secondsPerStep, double eta, EnergyLedger.Account energy,
                          List<Map<String, float[]>> states, int[] timesteps, double[] perInputCosine,
                          ProgramRange range, CompiledUNet.RangeFit rangeFit, RelaxationPlan.Kind plan, int phases,
                          double effectiveTemperatureMin, double effectiveTemperatureMax, int batch,
                          double inferencesPerSecond) {

        /** This outcome without the relaxed states kept for pictures (what a stage file stores). */
        public Outcome withoutStates() {
            return new Outcome(backend, coupling, conditioning, temperature, output, decoderCosineByModule,
                    decoderCosine, decoderCosineMin, decoderCosineByLevel, outputCosine, interfaceParameters,
                    interfaceMacs, skipCouplings, denseSkipCouplings, longRangeLines, maxRank, stepsToConverge,
                    stepsPerInference, secondsPerStep, eta, energy, List.of(), timesteps, perInputCosine, range,
                    rangeFit, plan, phases, effectiveTemperatureMin, effectiveTemperatureMax, batch,
                    inferencesPerSecond);
        }

        /** The program's dynamic range in decades (couplings and stiffnesses, largest/smallest non-zero). */
        public double dynamicRangeDecades() {
            return range.decades();
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", backend);
            m.put("coupling", coupling);
            m.put("interface", conditioning);
            m.put("temperature", temperature);
            m.putAll(output.toMap());
            m.put("decoder_cosine", decoderCosine);
            m.put("decoder_cosine_min", decoderCosineMin);
            Map<String, Double> lv = new LinkedHashMap<>();
            decoderCosineByLevel.forEach((k, v) -> lv.put("level" + k, v));
            m.put("decoder_cosine_by_level", lv);
            m.put("decoder_cosine_by_module", decoderCosineByModule);
            m.put("output_cosine", outputCosine);
            m.put("interface_parameters", interfaceParameters);
            m.put("interface_macs", interfaceMacs);
            m.put("skip_couplings", skipCouplings);
            m.put("skip_couplings_dense", denseSkipCouplings);
            m.put("long_range_lines", longRangeLines);
            m.put("max_rank", maxRank);
            m.put("steps_to_converge", stepsToConverge);
            m.put("steps_per_inference", stepsPerInference);
            m.put("seconds_per_step", secondsPerStep);
            m.put("batch", batch);
            m.put("inferences_per_second", inferencesPerSecond);
            m.put("eta", eta);
            m.put("energy", energy.toMap());
            m.put("latency_s", energy.latencyS());
            m.put("plan", plan.name().toLowerCase(java.util.Locale.ROOT));
            m.put("schedule_phases", phases);
            m.put("dynamic_range_decades", range.decades());
            m.put("dynamic_range", range.toMap());
            Map<String, Object> fit = new LinkedHashMap<>();
            fit.put("threshold", rangeFit.threshold());
            fit.put("zeroed_weights", rangeFit.zeroedWeights());
            fit.put("stored_weights", rangeFit.storedWeights());
            fit.put("zeroed_norm_fraction", rangeFit.zeroedFraction());
            m.put("range_fit", fit);
            m.put("effective_temperature_min", effectiveTemperatureMin);
            m.put("effective_temperature_max", effectiveTemperatureMax);
            List<Map<String, Object>> per = new ArrayList<>();
            for (int i = 0; i < timesteps.length; i++) {
                per.add(Map.of("t", timesteps[i], "decoder_cosine", perInputCosine[i]));
            }
            m.put("per_input", per);
            return m;
        }
    }

    /** Inputs whose relaxed states an {@link Outcome} keeps. */
    public static final int KEPT_STATES = 8;

    private final UNet net;
    private final Setup setup;
    private final List<SkipConnection> skips;
    private final List<ConditioningInput> calibrationInputs;
    private final BiasOracle oracle;
    private final List<Workload.Noised> eval;
    private final List<Map<String, float[]>> digital;
    private final EnergyLedger ledger;
    private final Consumer<String> log;
    private final CouplingStrategies strategies;

    /** An experiment on the first {@code setup.evalInputs()} inputs of the dev split. */
    public Experiment(UNet net, Workload data, Setup setup, EnergyLedger ledger, Consumer<String> log) {
        this(net, data, setup, EvaluationSplit.DEV, ledger, log);
    }

    /** An experiment on the dev split whose coupling specs resolve against {@code strategies}. */
    public Experiment(UNet net, Workload data, Setup setup, EnergyLedger ledger, Consumer<String> log,
                      CouplingStrategies strategies) {
        this(net, data, setup, EvaluationSplit.DEV, ledger, log, strategies);
    }

    /**
     * An experiment on the first {@code setup.evalInputs()} inputs of {@code split}, whose coupling specs resolve
     * against {@link Catalog#current()} (built-ins and plug-ins).
     */
    public Experiment(UNet net, Workload data, Setup setup, EvaluationSplit split, EnergyLedger ledger,
                      Consumer<String> log) {
        this(net, data, setup, split, ledger, log, Catalog.current().couplings());
    }

    /**
     * An experiment on {@code split} whose coupling specs resolve against {@code strategies} (e.g.
     * {@code Catalog.of(myModule)}).
     */
    public Experiment(UNet net, Workload data, Setup setup, EvaluationSplit split, EnergyLedger ledger,
                      Consumer<String> log, CouplingStrategies strategies) {
        this.strategies = strategies;
        this.net = net;
        this.setup = setup;
        this.ledger = ledger;
        this.log = log;
        this.oracle = new TimeBiasOracle(net);
        int steps = net.config().diffusionSteps();
        // calibration activations: digital forward on calibration images at sampled t
        int nCal = Math.min(setup.calibImages(), data.calibrationAvailable());
        List<Workload.Noised> inputs = split.inputs(net, data, setup.evalInputs());
        float[] cx = new float[nCal * net.inputSize()];
        int[] ct = new int[nCal];
        SplittableRandom r = new SplittableRandom(setup.seed() ^ 0x5DEECE66DL);
        for (int i = 0; i < nCal; i++) {
            Workload.Noised n = data.noisedAt(net, data.calibrationOffset() + i, r.nextInt(steps), r);
            System.arraycopy(n.xt(), 0, cx, i * net.inputSize(), net.inputSize());
            ct[i] = n.t();
        }
        this.skips = UNetCompiler.skipConnections(net, net.forward(cx, ct));
        this.calibrationInputs = new ArrayList<>();
        for (int i = 0; i < setup.calibTimesteps(); i++) {
            calibrationInputs.add(ConditioningInput.of((int) Math.round(i * (steps - 1.0)
                    / Math.max(1, setup.calibTimesteps() - 1)), steps));
        }
        this.eval = new ArrayList<>();
        this.digital = new ArrayList<>();
        for (Workload.Noised n : inputs) {
            eval.add(n);
            UNet.Forward f = net.forward(n.xt(), new int[]{n.t()});
            Map<String, float[]> taps = new LinkedHashMap<>();
            for (Layer l : net.layers()) {
                taps.put(l.name(), f.tap(l.name()));
            }
            digital.add(taps);
        }
    }

    public List<SkipConnection> skips() {
        return skips;
    }

    public List<Workload.Noised> evalInputs() {
        return eval;
    }

    public List<Map<String, float[]>> digitalTaps() {
        return digital;
    }

    public List<ConditioningInput> calibrationInputs() {
        return calibrationInputs;
    }

    public BiasOracle oracle() {
        return oracle;
    }

    public UNet net() {
        return net;
    }

    /** The coupling strategies this experiment's specs resolve against. */
    public CouplingStrategies strategies() {
        return strategies;
    }

    /** Compiles with a coupling spec. */
    public CompiledUNet compile(String couplingSpec) {
        CouplingStrategies.Result cr = strategies.couple(couplingSpec, skips);
        return UNetCompiler.compile(net, cr.coupled(), cr.strategy().spec(), setup.options());
    }

    /**
     * Steps to converge: the fewest steps (doubling from 8) after which a zero-temperature relaxation from the zero
     * state is within relative error {@code tol} of the program's exact fixed point on every decoder module
     * concatenated, for evaluation input 0.
     */
    public long stepsToConverge(SubstrateDenoiser d, double tol, long maxSteps) {
        if (d.compiled().plan().scheduled()) {
            return stepsToConvergeScheduled(d, tol, maxSteps);
        }
        Workload.Noised n = eval.get(0);
        ConditioningInput ci = ConditioningInput.of(n.t(), net.config().diffusionSteps());
        d.load(n.xt(), ci);
        double[] fp = FixedPoint.solve(d.compiled().program(), Map.of(CompiledUNet.INPUT, n.xt()), d.biasFields(ci));
        Map<String, float[]> exact = new LinkedHashMap<>();
        for (String m : d.compiled().decoderModules()) {
            exact.put(m, FixedPoint.slice(d.compiled().program(), fp, m));
        }
        float[] target = Metrics.concat(exact, d.compiled().decoderModules());
        for (long s = 8; s <= maxSteps; s *= 2) {
            var spec = d.spec(0, null).toBuilder().steps(s - 1, 1).temperature(0).build();
            var r = d.run(spec);
            double err = Metrics.relativeError(Metrics.concat(r.states(), d.compiled().decoderModules()), target);
            if (err <= tol) {
                return s;
            }
        }
        return -1;
    }

    /**
     * Steps to converge for a scheduled plan: the fewest steps per phase (doubling from 1, one step held) after which
     * a zero-temperature scheduled run from the zero state is within relative error {@code tol} of the exact fixed
     * point on the decoder, for evaluation input 0; the steps of the whole schedule.
     */
    private long stepsToConvergeScheduled(SubstrateDenoiser d, double tol, long maxSteps) {
        Workload.Noised n = eval.get(0);
        ConditioningInput ci = ConditioningInput.of(n.t(), net.config().diffusionSteps());
        d.load(n.xt(), ci);
        float[] target = exactDecoder(d, n, ci);
        for (long s = 1; ; s *= 2) {
            dev.tdi.substrate.Schedule sched = dev.tdi.substrate.Schedule.byDepth(d.compiled().program(), s, 1);
            if (sched.totalSteps() > maxSteps) {
                return -1;
            }
            var spec = d.spec(0, null).toBuilder().temperature(0).schedule(sched).build();
            var r = d.run(spec);
            if (Metrics.relativeError(Metrics.concat(r.states(), d.compiled().decoderModules()), target) <= tol) {
                return sched.totalSteps();
            }
        }
    }

    private static float[] exactDecoder(SubstrateDenoiser d, Workload.Noised n, ConditioningInput ci) {
        double[] fp = FixedPoint.solve(d.compiled().program(), Map.of(CompiledUNet.INPUT, n.xt()), d.biasFields(ci));
        Map<String, float[]> exact = new LinkedHashMap<>();
        for (String m : d.compiled().decoderModules()) {
            exact.put(m, FixedPoint.slice(d.compiled().program(), fp, m));
        }
        return Metrics.concat(exact, d.compiled().decoderModules());
    }

    /**
     * The relaxation curve of a configuration on evaluation input 0 at T = 0 from the zero state: for each step count,
     * the decoder's relative distance to the program's exact fixed point.
     */
    public double[] relaxationCurve(String couplingSpec, ConditioningInterface iface, long[] steps) {
        CompiledUNet c = compile(couplingSpec);
        try (Substrate s = SubstrateRegistry.open(setup.backend(), setup.backendConfig())) {
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, iface, new SubstrateDenoiser.Settings(0, 0, 1, 1));
            Workload.Noised n = eval.get(0);
            ConditioningInput ci = ConditioningInput.of(n.t(), net.config().diffusionSteps());
            d.load(n.xt(), ci);
            double[] fp = FixedPoint.solve(c.program(), Map.of(CompiledUNet.INPUT, n.xt()), d.biasFields(ci));
            Map<String, float[]> exact = new LinkedHashMap<>();
            for (String m : c.decoderModules()) {
                exact.put(m, FixedPoint.slice(c.program(), fp, m));
            }
            float[] target = Metrics.concat(exact, c.decoderModules());
            double[] err = new double[steps.length];
            int phases = c.plan().scheduled() ? d.schedule(1).phases().size() : 0;
            for (int i = 0; i < steps.length; i++) {
                var b = d.spec(0, null).toBuilder().steps(steps[i] - 1, 1).temperature(0);
                if (c.plan().scheduled()) {
                    // A schedule cannot stop early: its curve is the error after whole schedules of steps/phases.
                    if (steps[i] < phases) {
                        err[i] = Double.NaN;
                        continue;
                    }
                    b.schedule(dev.tdi.substrate.Schedule.byDepth(c.program(), steps[i] / phases, 1));
                }
                err[i] = Metrics.relativeError(Metrics.concat(d.run(b.build()).states(), c.decoderModules()), target);
            }
            return err;
        }
    }

    /**
     * The relaxation settings of a compiled network: a scheduled plan runs its hold window per phase; a free plan
     * burns in for {@code converge} steps (4096 when it did not converge) and averages the set-up's window.
     */
    public SubstrateDenoiser.Settings settingsFor(CompiledUNet c, double temperature, long converge) {
        return c.plan().scheduled()
                ? new SubstrateDenoiser.Settings(temperature, 0, c.plan().holdWindow(), 1)
                : new SubstrateDenoiser.Settings(temperature, converge > 0 ? converge : 4096, setup.window(), 1);
    }

    /** Measures one configuration on every evaluation input. */
    public Outcome evaluate(String couplingSpec, String interfaceSpec, InterfaceMaker interfaces, double temperature) {
        CompiledUNet c = compile(couplingSpec);
        ConditioningInterface iface = interfaces.create(interfaceSpec, calibrationInputs, oracle, setup.seed());
        try (Substrate s = SubstrateRegistry.open(setup.backend(), setup.backendConfig())) {
            SubstrateDenoiser probe = new SubstrateDenoiser(s, c, iface, new SubstrateDenoiser.Settings(0, 0, 1, 1));
            long converge = stepsToConverge(probe, 1e-3, 4096);
            long burn = converge > 0 ? converge : 4096;
            boolean scheduled = c.plan().scheduled();
            SubstrateDenoiser d = new SubstrateDenoiser(s, c, iface, settingsFor(c, temperature, burn));
            double released = 0;
            int n = eval.size();
            double[] cos = new double[n];
            double[] outCos = new double[n];
            Map<Integer, double[]> byLevel = new LinkedHashMap<>();
            Map<String, double[]> byModule = new LinkedHashMap<>();
            List<OutputMetrics.Sample> output = new ArrayList<>();
            List<Map<String, float[]>> states = new ArrayList<>();
            long steps = 0;
            long nanos = 0;
            long t0 = System.nanoTime();
            int batch = s.supports(Feature.PER_CHAIN_INPUTS) ? setup.batch() : 1;
            for (int from = 0; from < n; from += batch) {
                List<SubstrateDenoiser.Input> part = new ArrayList<>();
                for (int i = from; i < Math.min(n, from + batch); i++) {
                    Workload.Noised in = eval.get(i);
                    part.add(new SubstrateDenoiser.Input(in.xt(),
                            ConditioningInput.of(in.t(), net.config().diffusionSteps()), null, setup.seed() + i));
                }
                List<SubstrateDenoiser.Relaxed> relaxed = d.denoiseAll(part, batch);
                for (int b = 0; b < relaxed.size(); b++) {
                    int i = from + b;
                    var r = relaxed.get(b);
                    steps += r.steps();
                    nanos += r.wallNanos();
                    released += r.released();
                    cos[i] = Metrics.decoderCosine(r.states(), digital.get(i), c.decoderModules());
                    outCos[i] = Metrics.cosine(r.states().get("out"), digital.get(i).get("out"));
                    output.add(OutputMetrics.of(net.config(), eval.get(i), r.states().get("out"),
                            digital.get(i).get("out")));
                    for (var e : c.decoderLevels().entrySet()) {
                        byLevel.computeIfAbsent(e.getKey(), k -> new double[n])[i] =
                                Metrics.decoderCosine(r.states(), digital.get(i), e.getValue());
                    }
                    for (String m : c.decoderModules()) {
                        byModule.computeIfAbsent(m, k -> new double[n])[i] =
                                Metrics.cosine(r.states().get(m), digital.get(i).get(m));
                    }
                    if (i < KEPT_STATES) {
                        states.add(r.states());
                    }
                }
                int done = Math.min(n, from + batch);
                if (log != null && (done * 4 / n > from * 4 / n || done == n)) {
                    double el = (System.nanoTime() - t0) / 1e9;
                    log.accept(String.format(java.util.Locale.ROOT,
                            "  [%s + %s] %d/%d inputs (batches of %d), %d steps each, %.2f inferences/s, ETA %.0f s",
                            c.strategy(), iface.spec(), done, n, batch, d.stepsPerInference(), done / el,
                            el / done * (n - done)));
                }
            }
            double relaxSeconds = (System.nanoTime() - t0) / 1e9;
            Map<Integer, Double> lv = new LinkedHashMap<>();
            byLevel.forEach((k, v) -> lv.put(k, Metrics.mean(v)));
            long freeUnits = c.program().units() - c.program().module(CompiledUNet.INPUT).size();
            long perInference = d.stepsPerInference();
            // Energies are in program units, where the temperature T is kT: released / T is in kT.
            double releasedKT = temperature > 0 ? released / n / temperature : Double.NaN;
            long outUnits = c.program().module(c.decoderModules().get(c.decoderModules().size() - 1)).size();
            var energy = ledger.account(new EnergyLedger.Usage(freeUnits, perInference, c.plan().eta(), releasedKT,
                    scheduled ? freeUnits : 0, net.inputSize() * c.inputReaders() + c.conditionedChannels(),
                    outUnits * (scheduled ? 1 : d.settings().window()), iface.multiplyAccumulates(),
                    net.macsPerImage()));
            var teff = c.plan().effectiveTemperatures(temperature).values();
            long dense = skips.stream().mapToLong(sk -> sk.operator().couplings()).sum();
            int maxRank = c.coupled().stream().mapToInt(cs -> switch (cs) {
                case dev.tdi.coupling.CoupledSkip.Bus b -> b.w().rank();
                case dev.tdi.coupling.CoupledSkip.LocalBus b -> b.rank();
                case dev.tdi.coupling.CoupledSkip.Wired w -> w.rank();
                default -> 0;
            }).max().orElse(0);
            Map<String, Double> mod = new LinkedHashMap<>();
            byModule.forEach((k, v) -> mod.put(k, Metrics.mean(v)));
            return new Outcome(setup.backend(), c.strategy(), iface.spec(), temperature,
                    OutputMetrics.summarize(output), mod, Metrics.mean(cos),
                    Metrics.min(cos), lv, Metrics.mean(outCos), iface.parameters(), iface.multiplyAccumulates(),
                    c.skipCouplings(), dense, c.longRangeLines(), maxRank, converge, perInference,
                    nanos / 1e9 / steps, c.plan().eta(), energy, states,
                    eval.stream().mapToInt(Workload.Noised::t).toArray(), cos, c.range(), c.rangeFit(),
                    c.plan().kind(), scheduled ? d.schedule(1).phases().size() : 0,
                    teff.stream().mapToDouble(Double::doubleValue).min().orElse(temperature),
                    teff.stream().mapToDouble(Double::doubleValue).max().orElse(temperature), batch,
                    n / relaxSeconds);
        }
    }

    /**
     * Decoder shift of the trained skips: ||d_with_skip - d_without_skip|| / ||d_without_skip|| on the exact fixed
     * points (dense vs none, oracle conditioning), averaged over the evaluation inputs.
     */
    public double decoderShift() {
        CompiledUNet with = compile("dense");
        CompiledUNet without = compile("none");
        double[] shift = new double[eval.size()];
        for (int i = 0; i < eval.size(); i++) {
            Workload.Noised in = eval.get(i);
            Map<String, float[]> bias = new LinkedHashMap<>();
            oracle.biases(ConditioningInput.of(in.t(), net.config().diffusionSteps()))
                    .forEach((k, v) -> bias.put(k, with.biasField(k, v)));
            double[] a = FixedPoint.solve(with.program(), Map.of(CompiledUNet.INPUT, in.xt()), bias);
            double[] b = FixedPoint.solve(without.program(), Map.of(CompiledUNet.INPUT, in.xt()), bias);
            Map<String, float[]> sa = new LinkedHashMap<>();
            Map<String, float[]> sb = new LinkedHashMap<>();
            for (String m : with.decoderModules()) {
                sa.put(m, FixedPoint.slice(with.program(), a, m));
                sb.put(m, FixedPoint.slice(without.program(), b, m));
            }
            shift[i] = Metrics.decoderShift(sa, sb, with.decoderModules());
        }
        return Metrics.mean(shift);
    }
}
