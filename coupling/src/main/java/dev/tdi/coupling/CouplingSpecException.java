package dev.tdi.coupling;

/** A coupling spec that names no bound strategy or carries malformed parameters. */
public class CouplingSpecException extends IllegalArgumentException {
    public CouplingSpecException(String message) {
        super(message);
    }
}
