package dev.tdi.coupling;

import java.util.Map;

/**
 * Makes a {@link CouplingStrategy} from the parameters of its spec ({@code name:key=value,...}). Bind one by name
 * in a Guice module with {@code MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class)}.
 */
public interface CouplingStrategyFactory {

    /** The name in specs, e.g. "hbc". */
    String name();

    /** The accepted parameters and their ranges, e.g. "hbc:k=K (1..4096) or hbc:budget=B". */
    String usage();

    /** A strategy; malformed parameters are refused with a message quoting {@link #usage()}. */
    CouplingStrategy create(Map<String, String> parameters);
}
