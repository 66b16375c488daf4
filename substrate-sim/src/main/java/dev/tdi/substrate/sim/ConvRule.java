package dev.tdi.substrate.sim;

/**
 * Which form runs a convolution direction by default (measured per shape and batch, docs/sim.md "Convolutions on
 * the matrix kernel"). The rule sees the shape only, never the batch: a chain's bits must not depend on how many
 * chains run beside it, and the two forms round differently.
 */
final class ConvRule {
    private ConvRule() {
    }

    /** Fewest input and output channels for which a stride-1 direction runs on the matrix kernel. */
    static final int MIN_CHANNELS = 4;

    /**
     * True when the matrix kernel should run this direction: every strided direction (the stencil's strided form is
     * a scalar loop; the matrix kernel measured 8.7-30x faster on the U-Net's four strided shapes), and a stride-1
     * direction with at least {@link #MIN_CHANNELS} input and output channels (2.1-9.4x faster at 16-64 channels,
     * 1.5-2.2x at 4; with one input or one output channel the product has a single row or a sum of 9 terms, and the
     * stencil was as fast or up to 2.3x faster).
     *
     * @param scatter whether the direction scatters (the adjoint of a convolution, a transposed convolution)
     * @param no      output channels of the direction
     * @param ni      input channels of the direction
     */
    static boolean gemmWins(boolean scatter, int no, int ni, int kh, int kw, int stride) {
        if (stride != 1) {
            return true;
        }
        return no >= MIN_CHANNELS && ni >= MIN_CHANNELS;
    }
}
