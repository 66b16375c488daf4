package dev.tdi.substrate;

import java.util.List;

/**
 * A backend cannot hold a valid program (an operator kind it lacks, too many units, a coupling outside its range).
 * Thrown at program time, never later; {@link #problems()} lists every reason, each naming what and why.
 */
public final class UnsupportedProgramException extends SubstrateException {
    private final List<String> problems;

    public UnsupportedProgramException(String backend, List<String> problems) {
        super("backend '" + backend + "' cannot hold this program:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per reason the program was refused. */
    public List<String> problems() {
        return problems;
    }
}
