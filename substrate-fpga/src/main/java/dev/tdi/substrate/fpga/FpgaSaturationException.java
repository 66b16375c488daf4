package dev.tdi.substrate.fpga;

/** An internal register (residual pre-activation, residual, low-rank bus) saturated during the run: the device did not compute the program's dynamics faithfully. */
public class FpgaSaturationException extends FpgaException {
    public FpgaSaturationException(String message) {
        super(message);
    }

    public FpgaSaturationException(String message, Throwable cause) {
        super(message, cause);
    }
}
