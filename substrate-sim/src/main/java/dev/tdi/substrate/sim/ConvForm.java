package dev.tdi.substrate.sim;

import java.util.Locale;

/**
 * How the simulator runs a convolution direction: the stencil (per output channel, taps as SIMD row loads over a
 * zero-padded copy; a scalar loop for strides above 1), the blocked matrix kernel (chains in the product's column
 * dimension, {@link ConvGemm}), or whichever {@link ConvRule} picks for the shape (the default). Setting
 * {@code conv} of provider {@code sim}.
 */
enum ConvForm {
    AUTO, STENCIL, GEMM;

    /** The form named by a {@code conv} setting; a one-line error naming what was found and what is accepted. */
    static ConvForm parse(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "stencil" -> STENCIL;
            case "gemm" -> GEMM;
            default -> throw new dev.tdi.substrate.program.InvalidProgramException("sim setting conv must be auto,"
                    + " stencil or gemm, found '" + value + "'");
        };
    }
}
