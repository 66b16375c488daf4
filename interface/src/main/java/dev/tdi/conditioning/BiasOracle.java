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

    /**
     * Parameters of the digital network that computes the biases (e.g. the U-Net's time network), which the
     * {@code oracle} interface is charged; 0 where the oracle does not know its cost.
     */
    default long parameters() {
        return 0;
    }

    /** Multiply-accumulates of one evaluation of that network, for one input; 0 where unknown. */
    default long multiplyAccumulates() {
        return 0;
    }
}
