package dev.tdi.substrate;

/** Optional abilities a backend declares in its {@link Capabilities}; callers check before relying on them. */
public enum Feature {
    /**
     * Per-chain clamp values and bias fields: one run relaxes many inputs at once, each chain with its own clamps
     * and biases, so the weights are streamed once per batch.
     */
    PER_CHAIN_INPUTS,
    /**
     * Relaxation schedules: the device can hold modules at their current state and enable factors per phase, so
     * upstream modules are held while downstream ones settle (see {@code RunSpec#schedule()}).
     */
    SCHEDULES
}
