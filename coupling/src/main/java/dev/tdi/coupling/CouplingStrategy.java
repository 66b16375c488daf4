package dev.tdi.coupling;

import java.util.List;

/** Rewrites a U-Net's skip connections for locally wired hardware. */
public interface CouplingStrategy {

    /** The spec this strategy was made from, e.g. {@code hbc:k=8}. */
    String spec();

    /**
     * Realises every skip at once (a hierarchical strategy splits a budget across levels), returning one
     * {@link CoupledSkip} per skip, in order.
     */
    List<CoupledSkip> couple(List<SkipConnection> skips);
}
