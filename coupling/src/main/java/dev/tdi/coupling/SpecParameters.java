package dev.tdi.coupling;

import dev.tdi.substrate.plugin.PluginParameters;
import java.util.Map;

/**
 * The {@code key=value} parameters of a spec, with typed, range-checked accessors whose errors quote the
 * factory's usage line. Factories (including users' own) use it to validate before doing any work:
 * <pre>{@code
 * SpecParameters p = new SpecParameters("hbc", parameters, usage());
 * p.requireOnly("k", "budget");
 * int k = p.intValue("k", 1, 4096);
 * }</pre>
 */
public final class SpecParameters extends PluginParameters<CouplingSpecException> {

    public SpecParameters(String name, Map<String, String> values, String usage) {
        super(name, values, usage);
    }

    /** Splits {@code name} or {@code name:key=value,key=value} into its name and ordered parameters. */
    public static Map.Entry<String, Map<String, String>> split(String spec) {
        return PluginParameters.split(spec, "spec", "strategy", CouplingSpecException::new);
    }

    /**
     * The {@code bus=global|local} parameter of the projection strategies (default global): whether each
     * convolutional skip gets a bus at every pixel ({@link LocalBuses}) instead of one bus.
     */
    public boolean localBus() {
        return choice("bus", "global", "global", "local").equals("local");
    }

    /** An exception naming the strategy, the problem and the usage. */
    @Override
    public CouplingSpecException fail(String problem) {
        return new CouplingSpecException("coupling strategy '" + name() + "': " + problem + "; usage: " + usage());
    }
}
