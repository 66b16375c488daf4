package dev.tdi.substrate.fpga;

import dev.tdi.substrate.SubstrateException;

/**
 * Base of the FPGA backend's typed errors. Each names the transport, the operation and what to do; none is ever
 * thrown alongside a result: when a run fails, no part of it is returned.
 */
public class FpgaException extends SubstrateException {
    public FpgaException(String message) {
        super(message);
    }

    public FpgaException(String message, Throwable cause) {
        super(message, cause);
    }
}
