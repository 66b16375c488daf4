package dev.tdi.substrate;

import dev.tdi.substrate.program.BiasField;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.Program;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bookkeeping every backend shares: session state, capability checks at program time, validation of bias,
 * clamp and run settings, and the current values of the writable fields. A backend implements
 * {@link #upload}, {@link #execute} and, where the device holds biases and clamps itself,
 * {@link #biasChanged} and {@link #clampChanged}.
 * <p>
 * Batched relaxation ({@link Feature#PER_CHAIN_INPUTS}): a field or clamp written with one row per chain holds those
 * rows until it is written again with a single vector; a backend reads chain c's values with {@link #bias(String,
 * int)} and {@link #clamp(String, int)}, and {@link #run} checks that the run's chains match every per-chain write.
 */
public abstract class AbstractSubstrate implements Substrate {
    private final String backend;
    private final Capabilities capabilities;
    private Program program;
    private final Map<String, float[]> biases = new LinkedHashMap<>();
    private final Map<String, float[]> clamps = new LinkedHashMap<>();
    private final Map<String, float[][]> chainBiases = new LinkedHashMap<>();
    private final Map<String, float[][]> chainClamps = new LinkedHashMap<>();
    private boolean closed;

    protected AbstractSubstrate(String backend, Capabilities capabilities) {
        this.backend = backend;
        this.capabilities = capabilities;
    }

    @Override
    public final String backend() {
        return backend;
    }

    /** The capabilities this session enforces. */
    public final Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public final void program(Program program) {
        requireOpen();
        List<String> problems = capabilities.problemsWith(program);
        if (!problems.isEmpty()) {
            throw new UnsupportedProgramException(backend, problems);
        }
        upload(program);
        this.program = program;
        biases.clear();
        clamps.clear();
        chainBiases.clear();
        chainClamps.clear();
        for (BiasField f : program.biasFields().values()) {
            Factor factor = program.factors().get(f.factorIndex());
            biases.put(f.name(), switch (factor) {
                case Factor.Bias b -> b.h();
                case Factor.Residual r -> r.h();
                default -> throw new IllegalStateException("bias field " + f.name() + " on " + factor.describe());
            });
        }
        for (String m : program.clampedModules()) {
            clamps.put(m, program.clampOf(m).values());
        }
    }

    @Override
    public final boolean supports(Feature feature) {
        return capabilities.supports(feature);
    }

    @Override
    public final Program program() {
        requireProgrammed();
        return program;
    }

    @Override
    public final void setBias(String field, float[] values) {
        requireProgrammed();
        BiasField f = program.biasField(field);
        requireValues("bias field '" + field + "'", values, f.size());
        float[] copy = values.clone();
        biasChanged(f, copy);
        biases.put(field, copy);
        chainBiases.remove(field);
    }

    @Override
    public final void setBias(String field, float[][] perChain) {
        requireProgrammed();
        requirePerChainInputs("per-chain values for bias field '" + field + "'");
        BiasField f = program.biasField(field);
        float[][] copy = requireRows("bias field '" + field + "'", perChain, f.size());
        chainBiases.put(field, copy);
    }

    @Override
    public final void setClamp(String module, float[] values) {
        requireProgrammed();
        requireClamped(module);
        requireValues("clamp of module '" + module + "'", values, program.module(module).size());
        float[] copy = values.clone();
        clampChanged(module, copy);
        clamps.put(module, copy);
        chainClamps.remove(module);
    }

    @Override
    public final void setClamp(String module, float[][] perChain) {
        requireProgrammed();
        requirePerChainInputs("per-chain values for the clamp of module '" + module + "'");
        requireClamped(module);
        float[][] copy = requireRows("clamp of module '" + module + "'", perChain, program.module(module).size());
        chainClamps.put(module, copy);
    }

    @Override
    public final RunResult run(RunSpec spec) {
        requireProgrammed();
        if (spec.chains() > capabilities.maxChains()) {
            throw new UnsupportedProgramException(backend, List.of("the run asks for " + spec.chains()
                    + " chains; this backend runs at most " + capabilities.maxChains()));
        }
        for (String m : spec.moduleStepSizes().keySet()) {
            if (!program.hasModule(m)) {
                throw new InvalidProgramException("RunSpec sets a step size for unknown module '" + m
                        + "'; modules are " + program.modules().stream().map(x -> x.name()).toList());
            }
        }
        spec.initialState().ifPresent(x -> requireValues("RunSpec initialState", x, program.units()));
        requireChainsMatch(spec);
        if (spec.schedule().isPresent()) {
            if (!capabilities.supports(Feature.SCHEDULES)) {
                throw new UnsupportedProgramException(backend, List.of("the run asks for a relaxation schedule;"
                        + " this backend does not declare " + Feature.SCHEDULES + " (run without a schedule)"));
            }
            List<String> problems = spec.schedule().get().problemsWith(program);
            if (!problems.isEmpty()) {
                throw new InvalidProgramException("the RunSpec's schedule does not fit the program: "
                        + String.join("; ", problems));
            }
        }
        return execute(spec);
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    /** True once closed. */
    protected final boolean isClosed() {
        return closed;
    }

    /** The current values of a bias field (owned by this class: do not modify). */
    protected final float[] bias(String field) {
        return biases.get(field);
    }

    /** The current values of a clamp (owned by this class: do not modify). */
    protected final float[] clamp(String module) {
        return clamps.get(module);
    }

    /** The values of a bias field for one chain of the next run: its per-chain row if one was written. */
    protected final float[] bias(String field, int chain) {
        float[][] rows = chainBiases.get(field);
        return rows == null ? biases.get(field) : rows[chain];
    }

    /** The values of a clamp for one chain of the next run: its per-chain row if one was written. */
    protected final float[] clamp(String module, int chain) {
        float[][] rows = chainClamps.get(module);
        return rows == null ? clamps.get(module) : rows[chain];
    }

    /** True when some field or clamp holds per-chain rows (the next run relaxes a batch of inputs). */
    protected final boolean hasPerChainInputs() {
        return !chainBiases.isEmpty() || !chainClamps.isEmpty();
    }

    /** Loads a program the capability check accepted; may refuse with {@link UnsupportedProgramException}. */
    protected abstract void upload(Program program);

    /** Runs a validated spec on the current program with the current fields. */
    protected abstract RunResult execute(RunSpec spec);

    /**
     * Called before a bias field changes to one shared vector; a device writes its DACs here. Per-chain rows
     * ({@link #setBias(String, float[][])}) do not call it: a backend with {@link Feature#PER_CHAIN_INPUTS} reads them
     * at run time with {@link #bias(String, int)}.
     */
    protected void biasChanged(BiasField field, float[] values) {
    }

    /** Called before a clamp changes. */
    protected void clampChanged(String module, float[] values) {
    }

    /** Releases device resources. */
    protected void release() {
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this " + backend + " session is closed; open a new one");
        }
    }

    private void requireProgrammed() {
        requireOpen();
        if (program == null) {
            throw new IllegalStateException("no program is loaded on this " + backend
                    + " session; call program(...) first");
        }
    }

    private void requireClamped(String module) {
        program.module(module);
        if (program.clampOf(module) == null) {
            throw new InvalidProgramException("module '" + module + "' is not clamped; clamped modules are "
                    + program.clampedModules() + " (add a Clamp factor to the program to clamp it)");
        }
    }

    private void requirePerChainInputs(String what) {
        if (!capabilities.supports(Feature.PER_CHAIN_INPUTS)) {
            throw new UnsupportedProgramException(backend, List.of(what + " need feature "
                    + Feature.PER_CHAIN_INPUTS + ", which this backend does not declare; relax one input per run"
                    + " with the float[] setters"));
        }
    }

    /** Copies per-chain rows after checking there is at least one, each of {@code size} valid values. */
    private float[][] requireRows(String what, float[][] rows, int size) {
        if (rows == null || rows.length == 0) {
            throw new InvalidProgramException(what + ": per-chain values need one row per chain, found "
                    + (rows == null ? "null" : "no rows"));
        }
        if (rows.length > capabilities.maxChains()) {
            throw new UnsupportedProgramException(backend, List.of(what + " has " + rows.length
                    + " per-chain rows; this backend runs at most " + capabilities.maxChains() + " chains"));
        }
        float[][] copy = new float[rows.length][];
        for (int c = 0; c < rows.length; c++) {
            if (rows[c] == null) {
                throw new InvalidProgramException(what + ": row for chain " + c + " is null");
            }
            requireValues(what + " (chain " + c + ")", rows[c], size);
            copy[c] = rows[c].clone();
        }
        return copy;
    }

    /** Every per-chain write and per-chain initial state must have exactly the run's number of rows. */
    private void requireChainsMatch(RunSpec spec) {
        int chains = spec.chains();
        chainBiases.forEach((field, rows) -> requireRowCount("bias field '" + field + "'", rows.length, chains));
        chainClamps.forEach((module, rows) -> requireRowCount("clamp of module '" + module + "'", rows.length,
                chains));
        if (spec.chainInitialStates().isPresent()) {
            requirePerChainInputs("RunSpec chainInitialStates (one starting state per chain)");
            float[][] rows = spec.chainInitialStates().get();
            for (int c = 0; c < rows.length; c++) {
                requireValues("RunSpec chainInitialStates (chain " + c + ")", rows[c], program.units());
            }
        }
    }

    private static void requireRowCount(String what, int rows, int chains) {
        if (rows != chains) {
            throw new InvalidProgramException(what + " holds per-chain values for " + rows + " chains but the run"
                    + " asks for " + chains + " chains; run with chains(" + rows + ") or write the inputs again");
        }
    }

    private void requireValues(String what, float[] values, int size) {
        if (values.length != size) {
            throw new InvalidProgramException(what + " has length " + values.length + ", expected " + size);
        }
        int bad = Operator.firstNonFinite(values);
        if (bad >= 0) {
            throw new InvalidProgramException(what + "[" + bad + "] is " + values[bad] + "; values must be finite");
        }
        List<String> problems = capabilities.problemsWithValues(what, values);
        if (!problems.isEmpty()) {
            throw new UnsupportedProgramException(backend, problems);
        }
    }
}
