package dev.tdi.substrate.fpga;

/** The peer answered with something that is not a valid frame of the device protocol (bad magic, version or sequence). */
public class FpgaProtocolException extends FpgaException {
    public FpgaProtocolException(String message) {
        super(message);
    }

    public FpgaProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
