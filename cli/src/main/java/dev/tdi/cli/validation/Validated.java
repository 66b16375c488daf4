package dev.tdi.cli.validation;

/**
 * A command or option group with checks beyond ranges and paths (option combinations, names of plug-ins, files that
 * would be overwritten). {@link OptionChecks} calls {@link #validate()} before the command starts.
 */
public interface Validated {
    /**
     * Checks the options.
     *
     * @throws IllegalArgumentException with a one-line message naming the option, what was found and what is accepted
     */
    void validate();
}
