package dev.tdi.coupling;

import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.Operator;

/**
 * How a strategy realises one skip connection on the substrate. Long-range lines are the physical lines that run
 * from the encoder module to the decoder module across the module chain.
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

    /** The skip is wired directly with operator {@code w}: every coupling is a long-range line. */
    record Direct(Operator w) implements CoupledSkip {
        @Override public long couplings() { return w.couplings(); }
        @Override public long longRangeLines() { return w.couplings(); }
    }

    /**
     * The skip runs through a bus of k units: x_bus = V^T x_enc next to the encoder, k lines across the chain,
     * U x_bus fanned out next to the decoder. {@code w} = U V^T.
     */
    record Bus(LowRankOperator w) implements CoupledSkip {
        @Override public long couplings() { return w.couplings(); }
        @Override public long longRangeLines() { return w.rank(); }
    }
}
