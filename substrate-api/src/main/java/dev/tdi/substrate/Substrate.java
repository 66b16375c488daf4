package dev.tdi.substrate;

import dev.tdi.substrate.program.Program;
import java.util.List;

/**
 * One open device session. Program it once, then rewrite bias fields and clamps between runs as often as
 * needed (the expensive upload happens only in {@link #program}); close it when done. Sessions are not
 * thread-safe: use one per thread.
 */
public interface Substrate extends AutoCloseable {

    /** The name of the backend this session runs on. */
    String backend();

    /**
     * Uploads a program, replacing any previous one; bias fields and clamps start at the program's values.
     *
     * @throws UnsupportedProgramException when the backend cannot hold it, naming every reason
     */
    void program(Program program);

    /** The current program. */
    Program program();

    /** Rewrites a bias field (the h of a Bias or Residual factor) without re-programming. */
    void setBias(String field, float[] values);

    /** Rewrites a clamped module's values without re-programming. */
    void setClamp(String module, float[] values);

    /**
     * True when this session declares an optional {@link Feature}. The default declares none; backends built on
     * {@link AbstractSubstrate} answer from their {@link Capabilities}.
     */
    default boolean supports(Feature feature) {
        return false;
    }

    /**
     * Rewrites a bias field with one row of values per chain (batched relaxation: chain c relaxes under row c), so
     * one run relaxes many inputs and the weights are streamed once per batch. The next runs must have exactly
     * {@code perChain.length} chains, until the field is written again with {@link #setBias(String, float[])}.
     *
     * @throws UnsupportedProgramException when the backend does not declare {@link Feature#PER_CHAIN_INPUTS}
     */
    default void setBias(String field, float[][] perChain) {
        throw perChainRefused("per-chain values for bias field '" + field + "'");
    }

    /**
     * Rewrites a clamped module's values with one row per chain; as {@link #setBias(String, float[][])}.
     *
     * @throws UnsupportedProgramException when the backend does not declare {@link Feature#PER_CHAIN_INPUTS}
     */
    default void setClamp(String module, float[][] perChain) {
        throw perChainRefused("per-chain values for the clamp of module '" + module + "'");
    }

    /** The refusal of a per-chain write on a backend without {@link Feature#PER_CHAIN_INPUTS}. */
    private UnsupportedProgramException perChainRefused(String what) {
        return new UnsupportedProgramException(backend(), List.of(what + " need feature " + Feature.PER_CHAIN_INPUTS
                + ", which this backend does not declare; relax one input per run with the float[] setters"));
    }

    /**
     * Runs the dynamics from the spec's initial state and reads out.
     *
     * @throws DivergenceException when a state blows up
     */
    RunResult run(RunSpec spec);

    /** Releases the device; further calls fail. */
    @Override
    void close();
}
