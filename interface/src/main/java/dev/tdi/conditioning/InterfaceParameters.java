package dev.tdi.conditioning;

import dev.tdi.substrate.plugin.PluginParameters;
import java.util.Map;

/**
 * The {@code key=value} parameters of an interface spec, with range-checked accessors whose errors quote the
 * factory's usage line. Factories (including users' own) validate with it before fitting anything.
 */
public final class InterfaceParameters extends PluginParameters<ConditioningSpecException> {

    public InterfaceParameters(String name, Map<String, String> values, String usage) {
        super(name, values, usage);
    }

    /** Splits {@code name} or {@code name:key=value,key=value} into its name and ordered parameters. */
    public static Map.Entry<String, Map<String, String>> split(String spec) {
        return PluginParameters.split(spec, "interface spec", "interface", ConditioningSpecException::new);
    }

    /** An exception naming the interface, the problem and the usage. */
    @Override
    public ConditioningSpecException fail(String problem) {
        return new ConditioningSpecException("conditioning interface '" + name() + "': " + problem + "; usage: "
                + usage());
    }
}
