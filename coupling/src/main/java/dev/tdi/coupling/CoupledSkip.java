package dev.tdi.coupling;

import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Operator;

/**
 * How a strategy realises one skip connection on the substrate. Long-range lines are the physical lines that run
 * from the encoder module to the decoder module across the module chain; a line carries one value, and the
 * couplings that read it sit at either end, so a skip needs as many lines as the values it must carry across.
 * The built-in shapes count their own wiring; a strategy with another shape (a sparse top-k skip, a banded one)
 * returns {@link Wired} and reports its couplings and long-range lines itself.
 */
public sealed interface CoupledSkip {

    /** Physical couplings this skip needs. */
    long couplings();

    /** Lines crossing the module chain. */
    long longRangeLines();

    /** The skip is dropped. */
    record Dropped() implements CoupledSkip {
        @Override public long couplings() { return 0; }
        @Override public long longRangeLines() { return 0; }
    }

    /**
     * The skip is wired directly with operator {@code w}. Its long-range lines: one per encoder unit, fanned out
     * next to the decoder, or one per decoder unit, summed next to the encoder, whichever is fewer.
     */
    record Direct(Operator w) implements CoupledSkip {
        @Override public long couplings() { return w.couplings(); }
        @Override public long longRangeLines() { return Math.min(w.rows(), w.cols()); }
    }

    /**
     * The skip runs through a bus of k units: x_bus = V^T x_enc next to the encoder, k lines across the chain,
     * U x_bus fanned out next to the decoder. {@code w} = U V^T.
     */
    record Bus(LowRankOperator w) implements CoupledSkip {
        @Override public long couplings() { return w.couplings(); }
        @Override public long longRangeLines() { return w.rank(); }
    }

    /**
     * The skip runs through a local bus (see {@link LocalBuses}): k bus units at every encoder pixel read the
     * pixel's channels, k lines per pixel cross the chain, and a k-channel convolution fans them out next to the
     * decoder. {@code w} is the folded convolution; couplings count both ends.
     *
     * @param rank           bus channels per pixel
     * @param couplings      read-out couplings (pixels x k x C_enc) plus fan-out couplings (the k-channel
     *                       convolution's)
     * @param longRangeLines pixels x k
     */
    record LocalBus(Conv2dOperator w, int rank, long couplings, long longRangeLines) implements CoupledSkip {
    }

    /**
     * A skip realised by any operator, whose wiring the strategy reports itself: e.g. a sparse top-k skip keeps
     * k couplings per decoder unit and needs one line per encoder unit those couplings read, not min(rows, cols).
     *
     * @param w              the operator (decoder rows, encoder columns)
     * @param rank           the rank shown in reports: a bus width, or -1 for a direct operator
     * @param couplings      physical couplings at both ends
     * @param longRangeLines lines crossing the module chain
     */
    record Wired(Operator w, int rank, long couplings, long longRangeLines) implements CoupledSkip {
        public Wired {
            java.util.Objects.requireNonNull(w, "w");
            if (couplings < 0 || longRangeLines < 0 || rank < -1) {
                throw new IllegalArgumentException("a wired skip needs couplings >= 0, long-range lines >= 0 and"
                        + " rank >= -1; found " + couplings + ", " + longRangeLines + ", " + rank);
            }
        }
    }
}
