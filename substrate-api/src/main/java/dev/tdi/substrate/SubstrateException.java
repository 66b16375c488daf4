package dev.tdi.substrate;

/** Base of every error the substrate layer reports; each subclass names the problem and how to fix it. */
public class SubstrateException extends RuntimeException {
    public SubstrateException(String message) {
        super(message);
    }

    public SubstrateException(String message, Throwable cause) {
        super(message, cause);
    }
}
