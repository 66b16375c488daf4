package dev.tdi.substrate.fpga.device;

/**
 * Layout of the program image the host writes into the PROGRAM region and the device parses on LOAD
 * (docs/fpga-device.md, "Program image"). The image is a sequence of 32-bit little-endian words.
 */
public final class ImageFormat {
    private ImageFormat() {
    }

    /** "TDIP" in little-endian ASCII. */
    public static final int MAGIC = 0x50494454;
    public static final int FORMAT_VERSION = 2;
    public static final int HEADER_WORDS = 24;

    // header word indices
    public static final int H_MAGIC = 0;
    public static final int H_VERSION = 1;
    public static final int H_UNITS = 2;
    public static final int H_MODULES = 3;
    public static final int H_OPERATORS = 4;
    public static final int H_RESIDUALS = 5;
    public static final int H_COUPLINGS = 6;
    public static final int H_BIASES = 7;
    public static final int H_BIAS_WORDS = 8;
    public static final int H_CLAMP_WORDS = 9;
    public static final int H_WEIGHT_WORDS = 10;
    public static final int H_INDEX_WORDS = 11;
    public static final int H_MODULES_OFF = 12;
    public static final int H_OPERATORS_OFF = 13;
    public static final int H_RESIDUALS_OFF = 14;
    public static final int H_COUPLINGS_OFF = 15;
    public static final int H_BIASES_OFF = 16;
    public static final int H_WEIGHTS_OFF = 17;
    public static final int H_INDEX_OFF = 18;
    public static final int H_TOTAL_WORDS = 19;
    /** CRC-32 (IEEE) of the image with this word set to zero. */
    public static final int H_CRC = 20;

    /**
     * Module record: offset, size, flags, lo, hi, clampBase, K, KMU, E. E (0..30) is the module's force exponent:
     * the device accumulates the module's force in units of 2^E (block floating point), so every term reaching it
     * is stored or shifted down by 2^E and its step size register holds dt 2^E.
     */
    public static final int MODULE_WORDS = 9;
    public static final int MAX_EXPONENT = 30;
    public static final int MF_CLAMPED = 1;
    public static final int MF_LO_WALL = 2;
    public static final int MF_HI_WALL = 4;

    /** Operator record: kind, rows, cols, wOff, wLen, iOff, iLen, inC, inH, inW, outC, kh, kw, stride, pad, extra. */
    public static final int OPERATOR_WORDS = 16;
    public static final int OP_DENSE = 0;
    public static final int OP_SPARSE = 1;
    public static final int OP_CONV2D = 2;
    public static final int OP_CONV_TRANSPOSE2D = 3;
    public static final int OP_LOW_RANK = 4;

    /**
     * Residual record: target, activation (0 identity, 1 relu), weight w 2^-E_target (Q15.16), biasBase, nSources,
     * then per source a triple (module, operator, gain w 2^-E_source in Q15.16).
     */
    public static final int RESIDUAL_FIXED_WORDS = 5;
    public static final int RESIDUAL_SOURCE_WORDS = 3;
    /** Coupling record: a, b, operator, self flag. */
    public static final int COUPLING_WORDS = 4;
    /** Bias record: module, biasBase. */
    public static final int BIAS_WORDS = 2;

    /** Run-parameter record per module in the PARAM region: dt (UQ4.28), sigma (UQ8.24). */
    public static final int PARAM_WORDS = 2;
}
