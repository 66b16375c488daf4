package dev.tdi.substrate.fpga;

/** The device never reported a run finished within the run timeout; the driver aborted it. */
public class FpgaRunTimeoutException extends FpgaException {
    public FpgaRunTimeoutException(String message) {
        super(message);
    }

    public FpgaRunTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
