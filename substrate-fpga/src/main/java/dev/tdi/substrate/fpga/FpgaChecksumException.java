package dev.tdi.substrate.fpga;

/** Frames kept failing their CRC-32C check (in either direction), after every allowed retry. */
public class FpgaChecksumException extends FpgaException {
    public FpgaChecksumException(String message) {
        super(message);
    }

    public FpgaChecksumException(String message, Throwable cause) {
        super(message, cause);
    }
}
