package dev.tdi.conditioning;

/** An interface spec that names no bound interface or carries malformed parameters. */
public class ConditioningSpecException extends IllegalArgumentException {
    public ConditioningSpecException(String message) {
        super(message);
    }
}
