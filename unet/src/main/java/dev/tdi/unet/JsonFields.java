package dev.tdi.unet;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.tdi.unet.io.StrictJson;

import java.math.BigDecimal;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, range-checked reads of the fields of a JSON object parsed by {@link StrictJson}. Each error is one line
 * naming the field, the value found and what is accepted; JSON types are not coerced (a string is not a number, 16.0
 * is not an integer, 1 is not a boolean).
 */
final class JsonFields {
    private final JsonObject o;
    private final String prefix;

    /** Reads fields of {@code o}; {@code prefix} starts every error message (e.g. "U-Net config: "). */
    JsonFields(JsonObject o, String prefix) {
        this.o = o;
        this.prefix = prefix;
    }

    /** Refuses keys outside {@code known}. */
    void onlyKeys(Set<String> known) {
        for (String k : o.keySet()) {
            if (!known.contains(k)) {
                throw error("unknown key \"" + StrictJson.abbreviate(k) + "\" (known: " + new TreeSet<>(known) + ")");
            }
        }
    }

    /** A required integer in [min, max]. */
    int integer(String key, int min, int max) {
        return integer(key, required(key), min, max);
    }

    /** An optional integer in [min, max]. */
    int integer(String key, int min, int max, int absent) {
        return o.has(key) ? integer(key, o.get(key), min, max) : absent;
    }

    /** A required array of integers in [min, max], of length minLength..maxLength. */
    int[] integers(String key, int minLength, int maxLength, int min, int max) {
        JsonElement e = required(key);
        String accepted = "an array of " + minLength + ".." + maxLength + " integers in " + min + ".." + max;
        if (!e.isJsonArray()) {
            throw error("\"" + key + "\" is " + StrictJson.describe(e) + ", accepted: " + accepted);
        }
        int n = e.getAsJsonArray().size();
        if (n < minLength || n > maxLength) {
            throw error("\"" + key + "\" has " + n + " entries, accepted: " + accepted);
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = integer(key + "\"[" + i + "]", e.getAsJsonArray().get(i), min, max);
        }
        return v;
    }

    /** A number strictly between {@code min} and {@code max} (required, or {@code absent} when missing). */
    double numberBetween(String key, double min, double max, double absent, boolean required) {
        if (!o.has(key) && !required) {
            return absent;
        }
        JsonElement e = required(key);
        String accepted = "a number in (" + min + ", " + max + ")";
        if (!(e instanceof JsonPrimitive p && p.isNumber())) {
            throw error("\"" + key + "\" is " + StrictJson.describe(e) + ", accepted: " + accepted);
        }
        double d = p.getAsNumber().doubleValue();
        if (!(d > min && d < max)) {
            throw error("\"" + key + "\" is " + p.getAsNumber() + ", accepted: " + accepted);
        }
        return d;
    }

    /** An optional string from {@code accepted}. */
    String string(String key, Set<String> accepted, String absent) {
        if (!o.has(key)) {
            return absent;
        }
        JsonElement e = o.get(key);
        if (!(e instanceof JsonPrimitive p && p.isString()) || !accepted.contains(e.getAsString())) {
            throw error("\"" + key + "\" is " + StrictJson.describe(e) + ", accepted: one of the strings "
                    + new TreeSet<>(accepted));
        }
        return e.getAsString();
    }

    /** An optional boolean. */
    boolean bool(String key, boolean absent) {
        if (!o.has(key)) {
            return absent;
        }
        JsonElement e = o.get(key);
        if (!(e instanceof JsonPrimitive p && p.isBoolean())) {
            throw error("\"" + key + "\" is " + StrictJson.describe(e) + ", accepted: true or false");
        }
        return e.getAsBoolean();
    }

    JsonElement required(String key) {
        if (!o.has(key)) {
            throw error("missing key \"" + key + "\"");
        }
        return o.get(key);
    }

    private int integer(String key, JsonElement e, int min, int max) {
        String name = key.endsWith("]") ? "\"" + key : "\"" + key + "\"";
        String accepted = "an integer in " + min + ".." + max;
        if (!(e instanceof JsonPrimitive p && p.isNumber())) {
            throw error(name + " is " + StrictJson.describe(e) + ", accepted: " + accepted);
        }
        BigDecimal b = (BigDecimal) p.getAsNumber();
        if (b.compareTo(BigDecimal.valueOf(min)) < 0 || b.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw error(name + " is " + b + ", outside the accepted range: " + accepted);
        }
        if (!StrictJson.isPlainInteger(e)) {
            throw error(name + " is " + b + ", not written as an integer; accepted: " + accepted
                    + " (no decimal point or exponent)");
        }
        return b.intValueExact();
    }

    private IllegalArgumentException error(String message) {
        return new IllegalArgumentException(prefix + message);
    }
}
