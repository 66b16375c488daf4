package dev.tdi.substrate.fpga;

/** The link to the device was lost and could not be re-established within the allowed retries. */
public class FpgaLinkLostException extends FpgaException {
    public FpgaLinkLostException(String message) {
        super(message);
    }

    public FpgaLinkLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
