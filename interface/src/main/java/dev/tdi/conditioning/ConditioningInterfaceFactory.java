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

    /**
     * Checks the parameters before any model is loaded, throwing {@link ConditioningSpecException} with the usage
     * when one is malformed. The default fits on a two-input, one-channel probe, which validates every parameter of
     * a factory that parses before it fits; a factory whose checks depend on the model (its channel count, say)
     * overrides this to parse only, and reports those checks when it fits.
     */
    default void validate(Map<String, String> parameters) {
        create(parameters, List.of(ConditioningInput.of(0, 2), ConditioningInput.of(1, 2)),
                in -> Map.of("probe", new float[]{in.timestep()}), 0);
    }
}
