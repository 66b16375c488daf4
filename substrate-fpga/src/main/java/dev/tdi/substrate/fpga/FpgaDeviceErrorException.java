package dev.tdi.substrate.fpga;

import dev.tdi.substrate.fpga.device.Registers;

/** The device raised its ERROR flag; {@link #code()} is the value of its ERROR_CODE register. */
public class FpgaDeviceErrorException extends FpgaException {
    private final int code;
    private final int info;

    public FpgaDeviceErrorException(String operation, int code, int info, String transport) {
        super("the FPGA device raised ERROR during " + operation + ": " + Registers.errorName(code) + " (ERROR_INFO 0x"
                + Integer.toHexString(info) + ") on " + transport + "; the error was cleared and no result was kept");
        this.code = code;
        this.info = info;
    }

    /** ERROR_CODE. */
    public int code() {
        return code;
    }

    /** ERROR_INFO. */
    public int info() {
        return info;
    }
}
