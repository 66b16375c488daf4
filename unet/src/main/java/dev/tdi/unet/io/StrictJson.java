package dev.tdi.unet.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;

/**
 * A strict JSON parser for the files tdi reads (configs, safetensors headers). Gson's own parser is lenient
 * (unquoted names, single quotes, comments) and keeps the last of two equal keys; a model file with a duplicated
 * tensor name or a config with a key given twice must be an error instead, so this one is RFC 8259 strict and
 * refuses duplicate keys. Numbers are kept as {@link BigDecimal}, so a reader can tell {@code 16} from {@code 16.0}
 * or {@code 1e9} ({@link #isPlainInteger}).
 */
public final class StrictJson {
    /** Nesting deeper than this is refused (no tdi file nests more than 3 levels; stops stack exhaustion). */
    public static final int MAX_DEPTH = 64;
    /** Longer number literals are refused (BigDecimal parsing of a megabyte of digits would take minutes). */
    public static final int MAX_NUMBER_CHARS = 64;

    private StrictJson() {
    }

    /**
     * Parses one JSON value that may be followed only by whitespace.
     *
     * @throws IllegalArgumentException with a one-line reason (the position comes from Gson: "line L column C")
     */
    public static JsonElement parse(String json) {
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            JsonElement e = read(r, 0);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("unexpected content after the JSON value at " + where(r));
            }
            return e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new IllegalArgumentException(firstLine(e.getMessage()));
        }
    }

    /** True when a JSON number was written as a plain integer (no fraction, no exponent). */
    public static boolean isPlainInteger(JsonElement e) {
        return e instanceof JsonPrimitive p && p.isNumber() && p.getAsNumber() instanceof BigDecimal b && b.scale() == 0;
    }

    /** A short JSON type name for error messages: "a string", "a number", "an array", ... */
    public static String describe(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isString() ? "a string " + abbreviate(p.toString()) : p.isBoolean() ? "a boolean " + p.getAsBoolean()
                : "the number " + p.getAsNumber();
    }

    /** Cuts a value for an error message to at most 60 characters. */
    public static String abbreviate(String s) {
        String one = s.replaceAll("[\\r\\n\\t]", " ");
        return one.length() <= 60 ? one : one.substring(0, 57) + "...";
    }

    private static JsonElement read(JsonReader r, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH + " levels at " + where(r));
        }
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String k = r.nextName();
                    if (o.has(k)) {
                        throw new IllegalArgumentException("duplicate key \"" + abbreviate(k) + "\" at " + where(r));
                    }
                    o.add(k, read(r, depth + 1));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(read(r, depth + 1));
                }
                r.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(r.nextString());
            }
            case NUMBER -> {
                String s = r.nextString();
                if (s.length() > MAX_NUMBER_CHARS) {
                    throw new IllegalArgumentException("number literal of " + s.length() + " characters at "
                            + where(r) + " (at most " + MAX_NUMBER_CHARS + ")");
                }
                return new JsonPrimitive(new BigDecimal(s));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(r.nextBoolean());
            }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new IllegalArgumentException("unexpected " + r.peek() + " at " + where(r));
        }
    }

    private static String where(JsonReader r) {
        String s = r.toString(); // "JsonReader at line 1 column 5 path $.x"
        int i = s.indexOf("line ");
        return i >= 0 ? s.substring(i) : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed JSON";
        }
        int nl = s.indexOf('\n');
        String line = nl >= 0 ? s.substring(0, nl) : s;
        return line.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .trim();
    }
}
