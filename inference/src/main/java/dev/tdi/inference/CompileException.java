package dev.tdi.inference;

/** A model the compiler cannot turn into a substrate program (unknown op, shape mismatch, unknown source). */
public final class CompileException extends IllegalArgumentException {
    public CompileException(String message) {
        super(message);
    }

    public CompileException(String message, Throwable cause) {
        super(message, cause);
    }
}
