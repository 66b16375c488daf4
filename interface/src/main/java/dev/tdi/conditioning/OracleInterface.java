package dev.tdi.conditioning;

import java.util.List;
import java.util.Map;

/**
 * {@code oracle}: the exact biases of the digital network, by asking the {@link BiasOracle}. It <em>is</em> the
 * digital time-embedding network, so it is charged that network's parameters and multiply-accumulates per
 * inference, as the oracle reports them ({@link BiasOracle#parameters()}, {@link BiasOracle#multiplyAccumulates()};
 * for the U-Net: the time MLP and every layer's time projection). It is the upper bound, not a device design.
 */
public final class OracleInterface implements ConditioningInterface {
    private final BiasOracle oracle;

    public OracleInterface(BiasOracle oracle) {
        this.oracle = oracle;
    }

    @Override public String spec() { return "oracle"; }

    /** The digital network's parameters, as the oracle reports them (0 if it does not know them). */
    @Override public long parameters() { return oracle.parameters(); }

    /** The digital network's multiply-accumulates per inference, as the oracle reports them (0 if unknown). */
    @Override public long multiplyAccumulates() { return oracle.multiplyAccumulates(); }

    @Override
    public Map<String, float[]> biases(ConditioningInput input) {
        return oracle.biases(input);
    }

    /** Binds {@code oracle}. */
    public static final class Factory implements ConditioningInterfaceFactory {
        @Override public String name() { return "oracle"; }
        @Override public String usage() { return "oracle (the exact digital biases; costed as the digital time network)"; }

        @Override
        public ConditioningInterface create(Map<String, String> parameters, List<ConditioningInput> calibration,
                                            BiasOracle oracle, long seed) {
            new InterfaceParameters(name(), parameters, usage()).requireOnly();
            return new OracleInterface(oracle);
        }
    }
}
