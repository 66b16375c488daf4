package com.example.tdi.table;

import dev.tdi.conditioning.BiasOracle;
import dev.tdi.conditioning.ConditioningInput;
import dev.tdi.conditioning.ConditioningInterface;
import dev.tdi.conditioning.ConditioningInterfaceFactory;
import dev.tdi.conditioning.InterfaceParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code table:n=N}: a lookup table of the exact biases at N calibration timesteps (evenly spread over the ones
 * given), answering each input with the entry of the nearest timestep. Its parameters are the stored values.
 */
public final class TableInterface implements ConditioningInterface {
    private final int n;
    private final List<ConditioningInput> keys;
    private final List<Map<String, float[]>> values;

    private TableInterface(int n, List<ConditioningInput> keys, List<Map<String, float[]>> values) {
        this.n = n;
        this.keys = List.copyOf(keys);
        this.values = List.copyOf(values);
    }

    @Override public String spec() { return "table:n=" + n; }

    @Override
    public long parameters() {
        return values.stream().flatMap(m -> m.values().stream()).mapToLong(v -> v.length).sum();
    }

    /** A table look-up: no multiply-accumulates. */
    @Override public long multiplyAccumulates() { return 0; }

    @Override
    public Map<String, float[]> biases(ConditioningInput input) {
        int best = 0;
        for (int i = 1; i < keys.size(); i++) {
            if (Math.abs(keys.get(i).timestep() - input.timestep())
                    < Math.abs(keys.get(best).timestep() - input.timestep())) {
                best = i;
            }
        }
        return values.get(best);
    }

    /** Fits {@code table} interfaces; bound by {@link TableModule}. */
    public static final class Factory implements ConditioningInterfaceFactory {
        @Override public String name() { return "table"; }
        @Override public String usage() { return "table:n=N (exact biases at N calibration timesteps; 1..1024)"; }

        @Override
        public ConditioningInterface create(Map<String, String> parameters, List<ConditioningInput> calibration,
                                            BiasOracle oracle, long seed) {
            InterfaceParameters p = new InterfaceParameters(name(), parameters, usage());
            p.requireOnly("n");
            int n = p.intValue("n", 1, 1024);
            List<ConditioningInput> keys = new ArrayList<>();
            List<Map<String, float[]>> values = new ArrayList<>();
            int count = Math.min(n, calibration.size());
            for (int i = 0; i < count; i++) {
                ConditioningInput in = calibration.get(count == 1 ? 0 : i * (calibration.size() - 1) / (count - 1));
                keys.add(in);
                values.add(oracle.biases(in));
            }
            return new TableInterface(n, keys, values);
        }
    }
}
