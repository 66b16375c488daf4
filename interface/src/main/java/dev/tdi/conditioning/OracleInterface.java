package dev.tdi.conditioning;

import java.util.List;
import java.util.Map;

/**
 * {@code oracle}: the exact biases of the digital network, by asking the {@link BiasOracle}. It has no parameters
 * of its own because it <em>is</em> the digital time-embedding network; its multiply-accumulates are not known to
 * this module and are reported as 0 (callers that know the network's cost, e.g. the U-Net's time MLP, should
 * account for it themselves). It is the upper bound, not a device design.
 */
public final class OracleInterface implements ConditioningInterface {
    private final BiasOracle oracle;

    public OracleInterface(BiasOracle oracle) {
        this.oracle = oracle;
    }

    @Override public String spec() { return "oracle"; }

    /** 0: no trained interface parameters (the digital network itself is not counted). */
    @Override public long parameters() { return 0; }

    /** 0: unknown here (it is the digital network's own cost); see the class comment. */
    @Override public long multiplyAccumulates() { return 0; }

    @Override
    public Map<String, float[]> biases(ConditioningInput input) {
        return oracle.biases(input);
    }

    /** Binds {@code oracle}. */
    public static final class Factory implements ConditioningInterfaceFactory {
        @Override public String name() { return "oracle"; }
        @Override public String usage() { return "oracle (the exact digital biases; no parameters)"; }

        @Override
        public ConditioningInterface create(Map<String, String> parameters, List<ConditioningInput> calibration,
                                            BiasOracle oracle, long seed) {
            new InterfaceParameters(name(), parameters, usage()).requireOnly();
            return new OracleInterface(oracle);
        }
    }
}
