package dev.tdi.substrate;

import dev.tdi.substrate.program.Program;

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
     * Runs the dynamics from the spec's initial state and reads out.
     *
     * @throws DivergenceException when a state blows up
     */
    RunResult run(RunSpec spec);

    /** Releases the device; further calls fail. */
    @Override
    void close();
}
