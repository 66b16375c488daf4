package dev.tdi.coupling;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code key=value} parameters of a spec, with typed, range-checked accessors whose errors quote the
 * factory's usage line. Factories (including users' own) use it to validate before doing any work:
 * <pre>{@code
 * SpecParameters p = new SpecParameters("hbc", parameters, usage());
 * p.requireOnly("k", "budget");
 * int k = p.intValue("k", 1, 4096);
 * }</pre>
 */
public final class SpecParameters {
    private final String name;
    private final Map<String, String> values;
    private final String usage;

    public SpecParameters(String name, Map<String, String> values, String usage) {
        this.name = name;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.usage = usage;
    }

    /** Splits {@code name} or {@code name:key=value,key=value} into its name and ordered parameters. */
    public static Map.Entry<String, Map<String, String>> split(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new CouplingSpecException("empty spec: expected name or name:key=value,...");
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).strip();
        Map<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            String rest = s.substring(colon + 1);
            if (rest.isBlank()) {
                throw new CouplingSpecException("spec '" + spec + "' has a ':' but no parameters");
            }
            for (String part : rest.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1) {
                    throw new CouplingSpecException("spec '" + spec + "': parameter '" + part
                            + "' is not key=value");
                }
                String key = part.substring(0, eq).strip();
                String value = part.substring(eq + 1).strip();
                if (params.put(key, value) != null) {
                    throw new CouplingSpecException("spec '" + spec + "': parameter '" + key + "' given twice");
                }
            }
        }
        if (name.isEmpty()) {
            throw new CouplingSpecException("spec '" + spec + "' has no strategy name");
        }
        return Map.entry(name, params);
    }

    /** The spec written back: {@code name} or {@code name:key=value,...} in the order given. */
    public String spec() {
        if (values.isEmpty()) {
            return name;
        }
        StringBuilder b = new StringBuilder(name).append(':');
        values.forEach((k, v) -> b.append(k).append('=').append(v).append(','));
        return b.substring(0, b.length() - 1);
    }

    /** The raw parameters. */
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

    /** A required integer in [min, max]. */
    public int intValue(String key, int min, int max) {
        String v = values.get(key);
        if (v == null) {
            throw fail("missing parameter '" + key + "'");
        }
        return parseInt(key, v, min, max);
    }

    /** An optional integer in [min, max]. */
    public int intValue(String key, int min, int max, int fallback) {
        String v = values.get(key);
        return v == null ? fallback : parseInt(key, v, min, max);
    }

    /** An optional long (e.g. a seed). */
    public long longValue(String key, long fallback) {
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

    /** An optional value from a fixed set. */
    public String choice(String key, String fallback, String... accepted) {
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

    /** An exception naming the strategy, the problem and the usage. */
    public CouplingSpecException fail(String problem) {
        return new CouplingSpecException("coupling strategy '" + name + "': " + problem + "; usage: " + usage);
    }
}
