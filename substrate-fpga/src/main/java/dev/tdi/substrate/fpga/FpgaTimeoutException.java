package dev.tdi.substrate.fpga;

/** No response arrived within the I/O timeout, after every allowed retry. */
public class FpgaTimeoutException extends FpgaException {
    public FpgaTimeoutException(String message) {
        super(message);
    }

    public FpgaTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
