package dev.tdi.conditioning;

import java.util.List;
import java.util.Map;

/**
 * Makes a {@link ConditioningInterface} from its spec parameters, fitted to calibration inputs and the oracle's
 * biases for them. Bind one by name with
 * {@code MapBinder.newMapBinder(binder(), String.class, ConditioningInterfaceFactory.class)}.
 */
public interface ConditioningInterfaceFactory {

    /** The name in specs, e.g. "minimal". */
    String name();

    /** The accepted parameters and ranges, e.g. "minimal:b=B,h=H (B, H >= 1)". */
    String usage();

    /**
     * Fits an interface.
     *
     * @param parameters  the spec's key=value parameters
     * @param calibration conditioning inputs to fit on
     * @param oracle      the exact biases
     * @param seed        for any random initialisation
     */
    ConditioningInterface create(Map<String, String> parameters, List<ConditioningInput> calibration,
                                 BiasOracle oracle, long seed);
}
