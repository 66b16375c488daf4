package dev.tdi.conditioning;

import java.util.Map;

/**
 * The exact conditioning biases of the digital network: for an input, one value per channel of every
 * conditioned module (e.g. the U-Net's FiLM shifts), keyed by bias field name.
 */
@FunctionalInterface
public interface BiasOracle {
    /** Per-channel biases by field, for one conditioning input. */
    Map<String, float[]> biases(ConditioningInput input);
}
