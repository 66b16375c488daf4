package dev.tdi.substrate.program;

import dev.tdi.substrate.SubstrateException;

/**
 * A program (or a value written into one) is malformed: a dimension mismatch, a NaN, a negative stiffness, an
 * unknown module... The message names the offending factor or module and what was expected.
 */
public final class InvalidProgramException extends SubstrateException {
    public InvalidProgramException(String message) {
        super(message);
    }
}
