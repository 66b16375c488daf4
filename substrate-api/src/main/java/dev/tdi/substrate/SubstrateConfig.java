package dev.tdi.substrate;

import dev.tdi.substrate.program.InvalidProgramException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Backend-specific session settings as string properties (e.g. {@code threads=2}, {@code fpga.transport=tcp}).
 * Each backend documents the keys it reads and rejects keys it does not know (see {@link #requireOnly}).
 */
public record SubstrateConfig(Map<String, String> properties) {

    public SubstrateConfig {
        properties = Map.copyOf(properties);
    }

    /** No settings: every backend's defaults. */
    public static SubstrateConfig defaults() {
        return new SubstrateConfig(Map.of());
    }

    /** Parses {@code key=value} pairs. */
    public static SubstrateConfig of(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : keyValues) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new InvalidProgramException("backend setting '" + kv + "' is not of the form key=value");
            }
            m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return new SubstrateConfig(m);
    }

    /** A string setting, or its default. */
    public String get(String key, String defaultValue) {
        return properties.getOrDefault(key, defaultValue);
    }

    /** An integer setting, or its default; a malformed value is an error naming the key. */
    public int getInt(String key, int defaultValue) {
        String v = properties.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidProgramException("backend setting " + key + "=" + v + " is not an integer");
        }
    }

    /** A floating-point setting, or its default; a malformed value is an error naming the key. */
    public double getDouble(String key, double defaultValue) {
        String v = properties.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidProgramException("backend setting " + key + "=" + v + " is not a number");
        }
    }

    /** Refuses keys the backend does not read, naming the accepted ones. */
    public void requireOnly(String backend, Set<String> accepted) {
        for (String key : properties.keySet()) {
            if (!accepted.contains(key)) {
                throw new InvalidProgramException("backend '" + backend + "' has no setting '" + key
                        + "'; its settings are " + accepted);
            }
        }
    }
}
