package dev.tdi.conditioning;

import java.util.List;
import java.util.Map;

/**
 * {@code none}: the same biases for every input, the oracle's biases averaged over the calibration inputs. They are
 * device constants written once (coupling constants only): no trained parameters, no per-inference arithmetic.
 */
public final class FixedBiasInterface implements ConditioningInterface {
    private final BiasLayout layout;
    private final double[] mean;

    public FixedBiasInterface(BiasLayout layout, double[] mean) {
        if (mean.length != layout.channels()) {
            throw new IllegalArgumentException("mean has " + mean.length + " channels, layout " + layout.channels());
        }
        this.layout = layout;
        this.mean = mean.clone();
    }

    /** The calibration mean of the oracle's biases. */
    public static FixedBiasInterface fit(List<ConditioningInput> calibration, BiasOracle oracle) {
        if (calibration.isEmpty()) {
            throw new IllegalArgumentException("no calibration inputs");
        }
        BiasLayout layout = BiasLayout.of(oracle.biases(calibration.get(0)));
        return new FixedBiasInterface(layout, layout.mean(oracle, calibration));
    }

    @Override public String spec() { return "none"; }
    @Override public long parameters() { return 0; }
    @Override public long multiplyAccumulates() { return 0; }

    public BiasLayout layout() {
        return layout;
    }

    /** A copy of the fixed biases, flattened in layout order. */
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public Map<String, float[]> biases(ConditioningInput input) {
        return layout.unflatten(mean);
    }

    /** Binds {@code none}. */
    public static final class Factory implements ConditioningInterfaceFactory {
        @Override public String name() { return "none"; }
        @Override public String usage() { return "none (fixed biases: the calibration mean; no parameters)"; }

        @Override
        public ConditioningInterface create(Map<String, String> parameters, List<ConditioningInput> calibration,
                                            BiasOracle oracle, long seed) {
            new InterfaceParameters(name(), parameters, usage()).requireOnly();
            return fit(calibration, oracle);
        }
    }
}
