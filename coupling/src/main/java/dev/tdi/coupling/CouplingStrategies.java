package dev.tdi.coupling;

import com.google.inject.Guice;
import com.google.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Every bound coupling strategy, by name; makes strategies from specs such as {@code hbc:k=8}, {@code dense} or
 * {@code svd:k=4}. An unknown name is answered with the names bound; malformed parameters with the factory's usage.
 */
public final class CouplingStrategies {
    private final Map<String, CouplingStrategyFactory> factories;

    @Inject
    public CouplingStrategies(Map<String, CouplingStrategyFactory> factories) {
        for (var e : factories.entrySet()) {
            if (!e.getKey().equals(e.getValue().name())) {
                throw new IllegalStateException("coupling strategy factory " + e.getValue().getClass().getName()
                        + " is bound as '" + e.getKey() + "' but names itself '" + e.getValue().name() + "'");
            }
        }
        this.factories = new TreeMap<>(factories);
    }

    /** The built-in strategies only ({@link CouplingModule}). */
    public static CouplingStrategies standard() {
        return Guice.createInjector(new CouplingModule()).getInstance(CouplingStrategies.class);
    }

    /** The bound names, sorted. */
    public Set<String> names() {
        return factories.keySet();
    }

    /** One usage line per bound strategy. */
    public String usage() {
        return factories.values().stream().map(CouplingStrategyFactory::usage).collect(Collectors.joining("\n"));
    }

    /** The factory bound under {@code name}. */
    public CouplingStrategyFactory factory(String name) {
        CouplingStrategyFactory f = factories.get(name);
        if (f == null) {
            throw new CouplingSpecException("unknown coupling strategy '" + name + "'; known: "
                    + String.join(", ", factories.keySet()));
        }
        return f;
    }

    /** A strategy from its spec, {@code name} or {@code name:key=value,...}. */
    public CouplingStrategy create(String spec) {
        var parsed = SpecParameters.split(spec);
        return factory(parsed.getKey()).create(parsed.getValue());
    }

    /** What applying a strategy gave: the coupled skips, in order, and their report. */
    public record Result(CouplingStrategy strategy, List<CoupledSkip> coupled, CouplingReport report) {
    }

    /** Makes the strategy and applies it to {@code skips}, measuring the report on their calibration data. */
    public Result couple(String spec, List<SkipConnection> skips) {
        CouplingStrategy s = create(spec);
        List<CoupledSkip> coupled = s.couple(skips);
        return new Result(s, coupled, CouplingReport.measure(s.spec(), skips, coupled));
    }
}
