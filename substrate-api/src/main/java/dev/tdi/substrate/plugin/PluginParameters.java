package dev.tdi.substrate.plugin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The grammar of plug-in specs, {@code name} or {@code name:key=value,key=value} (coupling strategies such as
 * {@code hbc:k=8}, conditioning interfaces such as {@code minimal:b=4,h=16}), and typed, range-checked access to
 * their parameters. Every error is the plug-in family's own exception type, naming the plug-in, the problem and
 * the usage line; subclasses fix that type.
 *
 * @param <E> the exception a malformed spec raises
 */
public abstract class PluginParameters<E extends RuntimeException> {
    private final String name;
    private final Map<String, String> values;
    private final String usage;

    protected PluginParameters(String name, Map<String, String> values, String usage) {
        this.name = name;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.usage = usage;
    }

    /**
     * Splits {@code name} or {@code name:key=value,key=value} into its name and ordered parameters.
     *
     * @param noun  what the spec names in messages, e.g. "spec" or "interface spec"
     * @param kind  what the name is in messages, e.g. "strategy" or "interface"
     * @param error makes the family's exception from a message
     */
    public static <X extends RuntimeException> Map.Entry<String, Map<String, String>> split(
            String spec, String noun, String kind, Function<String, X> error) {
        if (spec == null || spec.isBlank()) {
            throw error.apply("empty " + noun + ": expected name or name:key=value,...");
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).strip();
        Map<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            String rest = s.substring(colon + 1);
            if (rest.isBlank()) {
                throw error.apply(noun + " '" + spec + "' has a ':' but no parameters");
            }
            for (String part : rest.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1) {
                    throw error.apply(noun + " '" + spec + "': parameter '" + part + "' is not key=value");
                }
                String key = part.substring(0, eq).strip();
                if (params.put(key, part.substring(eq + 1).strip()) != null) {
                    throw error.apply(noun + " '" + spec + "': parameter '" + key + "' given twice");
                }
            }
        }
        if (name.isEmpty()) {
            throw error.apply(noun + " '" + spec + "' has no " + kind + " name");
        }
        return Map.entry(name, params);
    }

    /** The family's exception for {@code problem}, naming the plug-in and quoting its usage. */
    public abstract E fail(String problem);

    /** The plug-in's name. */
    protected final String name() {
        return name;
    }

    /** Its usage line. */
    protected final String usage() {
        return usage;
    }

    /** The spec written back: {@code name} or {@code name:key=value,...} in the order given. */
    public final String spec() {
        if (values.isEmpty()) {
            return name;
        }
        StringBuilder b = new StringBuilder(name).append(':');
        values.forEach((k, v) -> b.append(k).append('=').append(v).append(','));
        return b.substring(0, b.length() - 1);
    }

    /** The raw parameters, in the order given. */
    public final Map<String, String> values() {
        return values;
    }

    /** True when the parameter was given. */
    public final boolean has(String key) {
        return values.containsKey(key);
    }

    /** Refuses any parameter other than {@code allowed}. */
    public final void requireOnly(String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (String key : values.keySet()) {
            if (!ok.contains(key)) {
                throw fail("unknown parameter '" + key + "'" + (ok.isEmpty() ? " (it takes none)"
                        : " (accepted: " + new TreeSet<>(ok) + ")"));
            }
        }
    }

    /** A required integer in [min, max]. */
    public final int intValue(String key, int min, int max) {
        String v = values.get(key);
        if (v == null) {
            throw fail("missing parameter '" + key + "'");
        }
        return parseInt(key, v, min, max);
    }

    /** An optional integer in [min, max]. */
    public final int intValue(String key, int min, int max, int fallback) {
        String v = values.get(key);
        return v == null ? fallback : parseInt(key, v, min, max);
    }

    /** An optional long (e.g. a seed). */
    public final long longValue(String key, long fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw fail(key + "=" + v + " is not an integer");
        }
    }

    /** An optional finite double in [min, max]. */
    public final double doubleValue(String key, double min, double max, double fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw fail(key + "=" + v + " is not a number");
        }
        if (!(d >= min && d <= max)) {
            throw fail(key + "=" + v + " is out of range [" + min + ", " + max + "]");
        }
        return d;
    }

    /** An optional value from a fixed set. */
    public final String choice(String key, String fallback, String... accepted) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        for (String a : accepted) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw fail(key + "=" + v + " is not one of " + String.join(", ", accepted));
    }

    private int parseInt(String key, String v, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw fail(key + "=" + v + " is not an integer");
        }
        if (n < min || n > max) {
            throw fail(key + "=" + n + " is out of range [" + min + ", " + max + "]");
        }
        return n;
    }
}
