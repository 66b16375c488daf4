package dev.tdi.substrate.fpga;

import static dev.tdi.substrate.fpga.device.Registers.*;

import dev.tdi.substrate.AbstractSubstrate;
import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.DivergenceException;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Trace;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.fpga.compiler.CompiledProgram;
import dev.tdi.substrate.fpga.compiler.FpgaCompiler;
import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.ImageFormat;
import dev.tdi.substrate.fpga.device.ScheduleTable;
import dev.tdi.substrate.fpga.transport.Transport;
import dev.tdi.substrate.fpga.transport.TransportStats;
import dev.tdi.substrate.program.BiasField;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Program;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session on a TDI-F1 device: compiles programs to its fixed point, uploads them, writes bias and clamp regions
 * between runs without re-uploading, runs (start, poll with timeouts, read back) and dequantises.
 * <p>
 * A run either returns a complete result or throws: a typed {@link FpgaException} for link and device faults,
 * {@link DivergenceException} when a state register saturates or leaves the bound. The session stays usable after
 * any of them (the next call reconnects, aborts a stuck run, and re-uploads when the device lost the program);
 * when it cannot, calls fail with {@link FpgaLinkLostException} and {@link #close()} still releases everything.
 */
public final class FpgaSubstrate extends AbstractSubstrate {
    private final FpgaDriver driver;
    private final FpgaSettings settings;
    private final FpgaCompiler compiler;
    private CompiledProgram compiled;
    private Program loaded;
    private HostEvaluator evaluator;
    private int tag;
    private long progAddr;
    private long biasAddr;
    private long clampAddr;
    private long paramAddr;
    private long seedAddr;
    private long schedAddr;
    private long runBase;
    private RunReport lastRun;

    /** Costs of the last run: traffic over the transport, device commands, steps and time. */
    public record RunReport(long roundTrips, long bytesToDevice, long bytesFromDevice, long retries, int commands,
                            long steps, long wallNanos) {
    }

    FpgaSubstrate(String backend, Capabilities capabilities, FpgaDriver driver, FpgaSettings settings) {
        super(backend, capabilities);
        this.driver = driver;
        this.settings = settings;
        this.compiler = new FpgaCompiler(backend);
    }

    /** The compiled form of the current program, with its quantisation report. */
    public CompiledProgram compiled() {
        program();
        return compiled;
    }

    /** The transport's traffic counters. */
    public TransportStats transportStats() {
        return driver.transport().stats();
    }

    /** The transport in use. */
    public Transport transport() {
        return driver.transport();
    }

    /** What the last completed run cost, or null before the first. */
    public RunReport lastRun() {
        return lastRun;
    }

    private static long align(long v) {
        return (v + 63) & ~63L;
    }

    @Override
    protected void upload(Program program) {
        CompiledProgram c = compiler.compile(program);
        long pAddr = MEM_BASE;
        long bAddr = align(pAddr + c.imageBytes());
        long cAddr = align(bAddr + 4L * c.initialBias().length);
        long prAddr = align(cAddr + 4L * c.initialClamp().length);
        long sAddr = align(prAddr + 8L * program.modules().size());
        long schAddr = align(sAddr + 8L * driver.maxChains());
        long base = align(schAddr + 4L * ScheduleTable.maxWords(program.modules().size()));
        long oneChain = 12L * program.units() + 64;
        if (base + oneChain > driver.barSize() || base > 0xFFFF_FFFFL) {
            throw new UnsupportedProgramException(backend(), List.of(String.format("the program needs %d bytes of"
                    + " device memory for its image (%d bytes), fields and one chain's state and accumulators; %s has"
                    + " %d bytes (raise fpga.emulator.memory-mb for the emulator)", base + oneChain - MEM_BASE,
                    c.imageBytes(), driver.transport().describe(), driver.barSize() - MEM_BASE)));
        }
        this.compiled = c;
        this.loaded = program;
        this.evaluator = new HostEvaluator(program);
        this.progAddr = pAddr;
        this.biasAddr = bAddr;
        this.clampAddr = cAddr;
        this.paramAddr = prAddr;
        this.seedAddr = sAddr;
        this.schedAddr = schAddr;
        this.runBase = base;
        load(c.initialBias(), c.initialClamp());
    }

    /** Writes the image and the field regions and LOADs; throws a typed error when the device refuses. */
    private void load(int[] bias, int[] clamp) {
        driver.quiesce();
        int[] img = compiled.image();
        driver.writeWords(progAddr, img);
        if (bias.length > 0) {
            driver.writeWords(biasAddr, bias);
        }
        if (clamp.length > 0) {
            driver.writeWords(clampAddr, clamp);
        }
        driver.write(PROG_ADDR, (int) progAddr);
        driver.write(PROG_LEN, 4 * img.length);
        driver.write(BIAS_ADDR, (int) biasAddr);
        driver.write(CLAMP_ADDR, (int) clampAddr);
        driver.write(PARAM_ADDR, (int) paramAddr);
        driver.write(SEED_ADDR, (int) seedAddr);
        tag = FpgaDriver.newTag();
        driver.write(PROG_TAG, tag);
        FpgaDriver.Completion c = driver.command(CTRL_CLEAR_ERROR | CTRL_LOAD, settings.loadTimeoutMs());
        if (c == null) {
            throw new FpgaRunTimeoutException("the device did not acknowledge LOAD within "
                    + settings.loadTimeoutMs() + " ms on " + driver.transport().describe()
                    + " (raise fpga.load-timeout-ms for very large programs)");
        }
        if (c.error()) {
            driver.command(CTRL_CLEAR_ERROR, driver.commandTimeoutMs());
            throw new FpgaDeviceErrorException("LOAD", c.errorCode(), c.errorInfo(), driver.transport().describe());
        }
        if ((c.status() & ST_READY) == 0 || driver.read(LOADED_TAG) != tag) {
            throw new FpgaProtocolException("the device acknowledged LOAD but does not report the program loaded"
                    + " (status " + statusName(c.status()) + ")");
        }
    }

    /** Re-uploads when the device lost the program (reset, power cycle, another host). */
    private void ensureLoaded() {
        boolean stuck = !driver.quiesce();
        if (stuck || (driver.read(STATUS) & ST_READY) == 0 || driver.read(LOADED_TAG) != tag) {
            int[] bias = compiled.initialBias().clone();
            int[] clamp = compiled.initialClamp().clone();
            for (var e : compiled.biasSlots().entrySet()) {
                int[] raw = q16(bias(e.getKey()), compiled.biasExponents().get(e.getKey()));
                System.arraycopy(raw, 0, bias, e.getValue(), raw.length);
            }
            for (var e : compiled.clampSlots().entrySet()) {
                float[] v = clamp(e.getKey());
                for (int i = 0; i < v.length; i++) {
                    clamp[e.getValue() + i] = Fx.q16(v[i]);
                }
            }
            load(bias, clamp);
        }
    }

    @Override
    protected void biasChanged(BiasField field, float[] values) {
        driver.quiesce();
        driver.writeWords(biasAddr + 4L * compiled.biasSlots().get(field.name()),
                q16(values, compiled.biasExponents().get(field.name())));
    }

    @Override
    protected void clampChanged(String module, float[] values) {
        driver.quiesce();
        driver.writeWords(clampAddr + 4L * compiled.clampSlots().get(module), q16(values, 0));
    }

    /** Values v 2^-e in Q15.16 (a Bias field is stored in its module's force units). */
    private static int[] q16(float[] v, int e) {
        int[] raw = new int[v.length];
        double scale = Math.scalb(1.0, -e);
        for (int i = 0; i < v.length; i++) {
            raw[i] = Fx.q16(v[i] * scale);
        }
        return raw;
    }

    @Override
    protected RunResult execute(RunSpec spec) {
        long t0 = System.nanoTime();
        long[] before = driver.transport().stats().snapshot();
        Program p = loaded;
        int units = p.units();
        int chains = spec.chains();
        long stateAddr = runBase;
        long accAddr = align(stateAddr + 4L * units * chains);
        long end = accAddr + 8L * units * chains;
        if (end > driver.barSize() || accAddr > 0xFFFF_FFFFL) {
            long fit = (driver.barSize() - runBase) / (12L * units + 64);
            throw new UnsupportedProgramException(backend(), List.of("the run asks for " + chains + " chains; with"
                    + " this program's " + units + " units the device memory holds the state of at most " + fit
                    + " (raise fpga.emulator.memory-mb for the emulator)"));
        }
        List<String> problems = new ArrayList<>();
        int[] params = new int[ImageFormat.PARAM_WORDS * p.modules().size()];
        for (ModuleSpec m : p.modules()) {
            if (p.clampOf(m.name()) != null) {
                continue; // clamped units are never updated: their step and noise registers stay 0
            }
            double dt = spec.stepSize(m.name());
            // The force of a module with exponent E arrives in units of 2^E: its step register holds dt 2^E.
            long dtRaw = Fx.dtRaw(dt * Math.scalb(1.0, compiled.exponents()[m.index()]));
            double sigma = Math.sqrt(2 * spec.temperature() * dt);
            long sigmaRaw = Fx.sigmaRaw(sigma);
            if (dtRaw > Fx.DT_MAX) {
                problems.add("module '" + m.name() + "': step size " + dt + " (times 2^" + compiled.exponents()[m.index()]
                        + ", the module's force exponent) exceeds the device's UQ4.28 step register (< 16)");
            } else if (dtRaw == 0) {
                problems.add("module '" + m.name() + "': step size " + dt + " rounds to zero in UQ4.28");
            }
            if (sigmaRaw > Fx.SIGMA_MAX) {
                problems.add("module '" + m.name() + "': noise amplitude sqrt(2 T dt) = " + sigma
                        + " exceeds the device's UQ8.24 register (< 256)");
            }
            params[2 * m.index()] = (int) dtRaw;
            params[2 * m.index() + 1] = (int) sigmaRaw;
        }
        float[] x0 = spec.initialState().orElse(null);
        int[] init = new int[units];
        if (x0 != null) {
            for (int i = 0; i < units; i++) {
                if (Math.abs(x0[i]) > Fx.real(Fx.STATE_MAX)) {
                    problems.add("initial state value " + x0[i] + " at unit " + i + " exceeds the Q15.16 state range");
                    break;
                }
                init[i] = Fx.q16(x0[i]);
            }
        }
        spec.schedule().ifPresent(schedule -> {
            for (int q = 0; q < schedule.phases().size(); q++) {
                long window = schedule.phases().get(q).window();
                if (window > ScheduleTable.MAX_WINDOW) {
                    problems.add("schedule phase " + q + ": window " + window + " exceeds the device's hold"
                            + " divider (at most " + ScheduleTable.MAX_WINDOW + " steps)");
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new UnsupportedProgramException(backend(), problems);
        }
        ensureLoaded();
        driver.writeWords(paramAddr, params);
        long[] keys = new long[chains];
        for (int c = 0; c < chains; c++) {
            keys[c] = spec.chainSeed(c);
        }
        driver.writeLongs(seedAddr, keys);
        int[] states = new int[units * chains];
        for (int c = 0; c < chains; c++) {
            System.arraycopy(init, 0, states, c * units, units);
        }
        driver.writeWords(stateAddr, states);
        driver.write(CHAINS, chains);
        driver.write(STATE_ADDR, (int) stateAddr);
        driver.write(ACC_ADDR, (int) accAddr);
        double bound = spec.divergenceBound();
        driver.write(DIV_BOUND, bound >= Fx.real(Fx.STATE_MAX) ? Integer.MAX_VALUE
                : (int) Math.floor(bound * Fx.ONE));

        Stepper st = new Stepper(spec, chains, units, stateAddr);
        boolean converged;
        List<RunResult.PhaseEnergy> phaseEnergies = List.of();
        if (spec.scheduled()) {
            phaseEnergies = runSchedule(st, spec.schedule().get(), stateAddr, chains);
            converged = true;
        } else if (!spec.untilConverged()) {
            st.advance(spec.burnIn(), 0);
            st.advance(spec.window(), RF_ACC_ENABLE);
            converged = true;
        } else {
            st.advance(spec.burnIn(), 0);
            long[] prev = null;
            double tolSum = spec.tolerance() * Fx.ONE * spec.window();
            converged = false;
            while (true) {
                st.advance(spec.window(), RF_ACC_ENABLE);
                long[] acc = driver.readLongs(accAddr, units * chains);
                if (prev != null && settled(acc, prev, tolSum)) {
                    converged = true;
                    break;
                }
                prev = acc;
                if (st.taken + spec.window() > spec.maxSteps()) {
                    break;
                }
            }
        }
        int[] fin = driver.readWords(stateAddr, units * chains);
        long[] acc = spec.scheduled() ? null : driver.readLongs(accAddr, units * chains);
        float[][] finals = new float[chains][units];
        float[][] means = new float[chains][units];
        double scale = 1.0 / (Fx.ONE * spec.window());
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < units; i++) {
                finals[c][i] = (float) Fx.real(fin[c * units + i]);
                // A scheduled run's read-out is each module's held value (its last phase's window mean).
                means[c][i] = spec.scheduled() ? finals[c][i] : (float) (acc[c * units + i] * scale);
            }
        }
        long wall = System.nanoTime() - t0;
        long[] after = driver.transport().stats().snapshot();
        lastRun = new RunReport(after[0] - before[0], after[1] - before[1], after[2] - before[2],
                after[3] - before[3], st.commands, st.taken, wall);
        return new RunResult(p, finals, means, st.taken, converged, wall, st.trace(), phaseEnergies);
    }

    /**
     * Runs a schedule: writes its SCHED table, applies the initial-state rules with a zero-step START, then one
     * START per phase (split further at trace points); the device releases, averages and holds the modules. After
     * each phase the host reads STATE back and meters the phase's energy ({@link PhaseEnergyMeter}).
     */
    private List<RunResult.PhaseEnergy> runSchedule(Stepper st, Schedule schedule, long stateAddr, int chains) {
        Program p = loaded;
        List<Schedule.Phase> phases = schedule.phases();
        long[] steps = new long[phases.size()];
        long[] window = new long[phases.size()];
        for (int q = 0; q < steps.length; q++) {
            steps[q] = phases.get(q).steps();
            window[q] = phases.get(q).window();
        }
        driver.writeWords(schedAddr, ScheduleTable.encode(steps, window, schedule.releasePhase(p)));
        driver.write(SCHED_ADDR, (int) schedAddr);
        PhaseEnergyMeter meter = new PhaseEnergyMeter(evaluator, p, schedule, this::bias);
        st.prepare();
        double[][] x = readStates(stateAddr, chains);
        int[] release = schedule.releasePhase(p);
        List<Factor> factors = p.factors();
        int[] activation = new int[factors.size()];
        for (int f = 0; f < activation.length; f++) {
            activation[f] = Schedule.activationPhase(factors.get(f), p, release);
        }
        for (int q = 0; q < steps.length; q++) {
            boolean[] active = new boolean[factors.size()];
            for (int f = 0; f < active.length; f++) {
                active[f] = activation[f] <= q;
            }
            meter.phaseStarts(q, x);
            st.traceActive = active;
            st.advance(steps[q], RF_SCHEDULE);
            x = readStates(stateAddr, chains);
            meter.phaseEnds(q, x);
        }
        return meter.energies();
    }

    /** STATE of every chain, dequantised. */
    private double[][] readStates(long stateAddr, int chains) {
        int units = loaded.units();
        int[] raw = driver.readWords(stateAddr, units * chains);
        double[][] x = new double[chains][units];
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < units; i++) {
                x[c][i] = Fx.real(raw[c * units + i]);
            }
        }
        return x;
    }

    private static boolean settled(long[] acc, long[] prev, double tolSum) {
        for (int i = 0; i < acc.length; i++) {
            if (!(Math.abs((double) (acc[i] - prev[i])) < tolSum)) {
                return false;
            }
        }
        return true;
    }

    /** Issues START commands in segments (split at trace points) and checks each completion. */
    private final class Stepper {
        final RunSpec spec;
        final int chains;
        final int units;
        final long stateAddr;
        long taken;
        boolean first = true;
        int commands;
        /** The factors a trace record counts (the current phase's active ones; null: all). */
        boolean[] traceActive;
        final List<Long> traceSteps = new ArrayList<>();
        final List<Double> traceEnergy = new ArrayList<>();
        final Map<String, List<Double>> traceNorms = new LinkedHashMap<>();

        Stepper(RunSpec spec, int chains, int units, long stateAddr) {
            this.spec = spec;
            this.chains = chains;
            this.units = units;
            this.stateAddr = stateAddr;
            for (String f : evaluator.residualFields()) {
                traceNorms.put(f, new ArrayList<>());
            }
        }

        /** A zero-step START: the device loads STATE, reflects it into its walls and applies the clamps. */
        void prepare() {
            start(0, RF_INIT_WALLS);
            first = false;
        }

        /**
         * Runs n steps; {@code accFlags} RF_ACC_ENABLE starts a fresh averaging window, RF_SCHEDULE runs the next n
         * steps of the schedule (ACC cleared at their start).
         */
        void advance(long n, int accFlags) {
            boolean clear = accFlags != 0;
            long every = spec.traceEvery();
            while (n > 0) {
                long chunk = every > 0 ? Math.min(n, every - taken % every) : n;
                int flags = accFlags | (clear ? RF_ACC_CLEAR : 0) | (first ? RF_INIT_WALLS : 0);
                start(chunk, flags);
                first = false;
                clear = false;
                taken += chunk;
                n -= chunk;
                if (every > 0 && taken % every == 0) {
                    record();
                }
            }
        }

        private void start(long n, int flags) {
            driver.write64(N_STEPS_LO, n);
            driver.write64(STEP_BASE_LO, taken);
            driver.write(RUN_FLAGS, flags);
            commands++;
            FpgaDriver.Completion c = driver.command(CTRL_START, settings.runTimeoutMs());
            if (c == null) {
                long done = driver.read64(STEPS_DONE_LO);
                FpgaDriver.Completion ab = driver.command(CTRL_ABORT, driver.commandTimeoutMs());
                String after;
                if (ab == null) {
                    driver.command(CTRL_RESET, driver.commandTimeoutMs());
                    after = "it did not acknowledge ABORT either and was RESET (the program is re-uploaded on the"
                            + " next run)";
                } else {
                    after = "the run was aborted";
                }
                throw new FpgaRunTimeoutException("the device did not report a run of " + n + " steps (from step "
                        + taken + ") finished, and made no progress for fpga.run-timeout-ms = "
                        + settings.runTimeoutMs() + " ms, on "
                        + driver.transport().describe() + " (progress register: " + done + " steps); " + after
                        + "; no result was returned");
            }
            if (c.error()) {
                driver.command(CTRL_CLEAR_ERROR, driver.commandTimeoutMs());
                throw new FpgaDeviceErrorException("a run (steps " + taken + ".." + (taken + n) + ")", c.errorCode(),
                        c.errorInfo(), driver.transport().describe());
            }
            if (c.diverged()) {
                long step = driver.read64(DIV_STEP_LO);
                int chain = driver.read(DIV_CHAIN);
                int unit = driver.read(DIV_UNIT);
                long value = driver.read64(DIV_VALUE_LO);
                ModuleSpec m = moduleOf(unit);
                // A state register saturates at the Q15.16 range: that is the device's bound when the spec's is wider.
                double bound = Math.min(spec.divergenceBound(), Fx.real(Fx.STATE_MAX));
                throw new DivergenceException(m.name(), unit - m.offset(), chain, step, Fx.real(value), bound,
                        spec.stepSize(m.name()));
            }
            if (c.aborted()) {
                throw new FpgaException("the run was aborted on the device by another party (status "
                        + statusName(c.status()) + ") on " + driver.transport().describe() + "; no result was returned");
            }
            if (!c.done() || c.stepsDone() != n) {
                throw new FpgaProtocolException("the device acknowledged START with status " + statusName(c.status())
                        + " after " + c.stepsDone() + " of " + n + " steps; no result was returned");
            }
            if (c.satInternal() > 0) {
                throw new FpgaSaturationException(c.satInternal() + " internal register saturations (residual"
                        + " pre-activation, residual or low-rank bus beyond the Q15.16 range) in steps " + taken
                        + ".." + (taken + n) + ": the device did not compute this program faithfully; scale the"
                        + " program's weights or biases down");
            }
        }

        private void record() {
            int[] raw = driver.readWords(stateAddr, units * chains);
            double energy = 0;
            Map<String, Double> norms = new LinkedHashMap<>();
            for (int c = 0; c < chains; c++) {
                double[] x = new double[units];
                for (int i = 0; i < units; i++) {
                    x[i] = Fx.real(raw[c * units + i]);
                }
                energy += evaluator.energy(x, FpgaSubstrate.this::bias, traceActive);
                evaluator.residualNorms(x, FpgaSubstrate.this::bias).forEach((k, v) -> norms.merge(k, v, Double::sum));
            }
            traceSteps.add(taken);
            traceEnergy.add(energy / chains);
            norms.forEach((k, v) -> traceNorms.get(k).add(v / chains));
        }

        Trace trace() {
            if (spec.traceEvery() == 0) {
                return null;
            }
            Map<String, double[]> n = new LinkedHashMap<>();
            traceNorms.forEach((k, v) -> n.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
            return new Trace(traceSteps.stream().mapToLong(Long::longValue).toArray(),
                    traceEnergy.stream().mapToDouble(Double::doubleValue).toArray(), n);
        }
    }

    private ModuleSpec moduleOf(int unit) {
        ModuleSpec found = loaded.modules().get(0);
        for (ModuleSpec m : loaded.modules()) {
            if (m.offset() <= unit) {
                found = m;
            }
        }
        return found;
    }

    @Override
    protected void release() {
        try {
            driver.close();
        } catch (RuntimeException e) {
            // the link may already be gone; closing must not fail
        }
    }
}
