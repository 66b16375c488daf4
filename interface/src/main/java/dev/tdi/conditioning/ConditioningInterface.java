package dev.tdi.conditioning;

import java.util.Map;

/**
 * A digital interface that turns a conditioning input into the bias fields written to the device (one value per
 * channel of each conditioned module), once per inference.
 */
public interface ConditioningInterface {

    /** The spec it was made from, e.g. {@code minimal:b=4,h=16}. */
    String spec();

    /** Trained parameters (0 for fixed biases and for the oracle, which is the digital network itself). */
    long parameters();

    /** Multiply-accumulates per inference (for the energy ledger). */
    long multiplyAccumulates();

    /** Per-channel biases by field for one input; same fields and lengths as the oracle's. */
    Map<String, float[]> biases(ConditioningInput input);
}
