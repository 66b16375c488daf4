package dev.tdi.conditioning;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code key=value} parameters of an interface spec, with range-checked accessors whose errors quote the
 * factory's usage line. Factories (including users' own) validate with it before fitting anything.
 */
public final class InterfaceParameters {
    private final String name;
    private final Map<String, String> values;
    private final String usage;

    public InterfaceParameters(String name, Map<String, String> values, String usage) {
        this.name = name;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.usage = usage;
    }

    /** Splits {@code name} or {@code name:key=value,key=value} into its name and ordered parameters. */
    public static Map.Entry<String, Map<String, String>> split(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new ConditioningSpecException("empty interface spec: expected name or name:key=value,...");
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).strip();
        Map<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            String rest = s.substring(colon + 1);
            if (rest.isBlank()) {
                throw new ConditioningSpecException("interface spec '" + spec + "' has a ':' but no parameters");
            }
            for (String part : rest.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1) {
                    throw new ConditioningSpecException("interface spec '" + spec + "': parameter '" + part
                            + "' is not key=value");
                }
                String key = part.substring(0, eq).strip();
                if (params.put(key, part.substring(eq + 1).strip()) != null) {
                    throw new ConditioningSpecException("interface spec '" + spec + "': parameter '" + key
                            + "' given twice");
                }
            }
        }
        if (name.isEmpty()) {
            throw new ConditioningSpecException("interface spec '" + spec + "' has no interface name");
        }
        return Map.entry(name, params);
    }

    /** The spec written back, {@code name} or {@code name:key=value,...}. */
    public String spec() {
        if (values.isEmpty()) {
            return name;
        }
        StringBuilder b = new StringBuilder(name).append(':');
        values.forEach((k, v) -> b.append(k).append('=').append(v).append(','));
        return b.substring(0, b.length() - 1);
    }

    public Map<String, String> values() {
        return values;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** Refuses any parameter other than {@code allowed}. */
    public void requireOnly(String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (String key : values.keySet()) {
            if (!ok.contains(key)) {
                throw fail("unknown parameter '" + key + "'" + (ok.isEmpty() ? " (it takes none)"
                        : " (accepted: " + new TreeSet<>(ok) + ")"));
            }
        }
    }

    /** An optional integer in [min, max]. */
    public int intValue(String key, int min, int max, int fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
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

    /** An optional finite double in [min, max]. */
    public double doubleValue(String key, double min, double max, double fallback) {
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

    /** An exception naming the interface, the problem and the usage. */
    public ConditioningSpecException fail(String problem) {
        return new ConditioningSpecException("conditioning interface '" + name + "': " + problem + "; usage: "
                + usage);
    }
}
