package dev.tdi.substrate.sim;

/**
 * Which form runs a convolution direction by default (measured per shape and batch, docs/sim.md "Convolutions on
 * the matrix kernel"). The rule sees the shape only, never the batch: a chain's bits must not depend on how many
 * chains run beside it, and the two forms round differently.
 */
final class ConvRule {
    private ConvRule() {
    }

    /**
     * True when the matrix kernel should run this direction.
     *
     * @param scatter whether the direction scatters (the adjoint of a convolution, a transposed convolution)
     * @param no      output channels of the direction
     * @param ni      input channels of the direction
     */
    static boolean gemmWins(boolean scatter, int no, int ni, int kh, int kw, int stride) {
        return true;
    }
}
