package dev.tdi.conditioning;

import com.google.inject.Guice;
import com.google.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Every bound conditioning interface, by name; fits interfaces from specs such as {@code minimal:b=4,h=16}. An
 * unknown name is answered with the names bound; malformed parameters with the factory's usage, before any fitting.
 */
public final class ConditioningInterfaces {
    private final Map<String, ConditioningInterfaceFactory> factories;

    @Inject
    public ConditioningInterfaces(Map<String, ConditioningInterfaceFactory> factories) {
        for (var e : factories.entrySet()) {
            if (!e.getKey().equals(e.getValue().name())) {
                throw new IllegalStateException("conditioning interface factory "
                        + e.getValue().getClass().getName() + " is bound as '" + e.getKey() + "' but names itself '"
                        + e.getValue().name() + "'");
            }
        }
        this.factories = new TreeMap<>(factories);
    }

    /** The built-in interfaces only ({@link ConditioningModule}). */
    public static ConditioningInterfaces standard() {
        return Guice.createInjector(new ConditioningModule()).getInstance(ConditioningInterfaces.class);
    }

    /** The bound names, sorted. */
    public Set<String> names() {
        return factories.keySet();
    }

    /** One usage line per bound interface. */
    public String usage() {
        return factories.values().stream().map(ConditioningInterfaceFactory::usage)
                .collect(Collectors.joining("\n"));
    }

    /** The factory bound under {@code name}. */
    public ConditioningInterfaceFactory factory(String name) {
        ConditioningInterfaceFactory f = factories.get(name);
        if (f == null) {
            throw new ConditioningSpecException("unknown conditioning interface '" + name + "'; known: "
                    + String.join(", ", factories.keySet()));
        }
        return f;
    }

    /** Fits the interface a spec names on {@code calibration} against {@code oracle}. */
    public ConditioningInterface create(String spec, List<ConditioningInput> calibration, BiasOracle oracle,
                                        long seed) {
        var parsed = InterfaceParameters.split(spec);
        return factory(parsed.getKey()).create(parsed.getValue(), calibration, oracle, seed);
    }
}
