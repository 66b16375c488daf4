package dev.tdi.cli.validation;

import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Checks every option of the command about to run, before it starts: {@link Range} (and finiteness of every
 * floating-point option), {@link Input} paths, {@link Validated#validate()}, then {@link Output} paths (last, so
 * that a bad option never leaves a created directory behind). A failure is a {@link ParameterException} whose
 * message is one line naming the option, the value found and what is accepted.
 */
public final class OptionChecks {
    private OptionChecks() {
    }

    /** Validates the innermost command of a parse result and the option groups (mixins) it holds. */
    public static void validate(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult last = parsed;
        while (last.subcommand() != null) {
            last = last.subcommand();
        }
        CommandSpec spec = last.commandSpec();
        List<Object> objects = new ArrayList<>();
        objects.add(spec.userObject());
        for (CommandSpec m : spec.mixins().values()) {
            objects.add(m.userObject());
        }
        CommandLine cl = spec.commandLine();
        try {
            for (Object o : objects) {
                checkFields(o);
            }
            for (Object o : objects) {
                if (o instanceof Validated v) {
                    v.validate();
                }
            }
            PrintWriter notes = cl.getErr();
            for (Object o : objects) {
                prepareOutputs(o, "tdi " + spec.name(), notes);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage(), e);
        }
    }

    /** The names of an option field as the user may type them, e.g. "--steps" or "-n/--count". */
    public static String optionName(Field f) {
        return String.join("/", f.getAnnotation(Option.class).names());
    }

    /** Whether a field holds integers (int, long, their boxes and arrays). */
    public static boolean integral(Class<?> type) {
        Class<?> t = type.isArray() ? type.getComponentType() : type;
        return t == int.class || t == long.class || t == Integer.class || t == Long.class || t == short.class;
    }

    /**
     * Checks the {@link Range} and {@link Input} of every option field of one command or option group.
     *
     * @throws IllegalArgumentException naming the first option out of range
     */
    public static void checkFields(Object o) {
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getAnnotation(Option.class) == null) {
                    continue;
                }
                Object v = read(f, o);
                if (v == null) {
                    continue;
                }
                String name = optionName(f);
                if (v instanceof Path p && p.toString().isEmpty()) {
                    throw new IllegalArgumentException(name + " is empty, accepted: a path");
                }
                Range r = f.getAnnotation(Range.class);
                if (v.getClass().isArray()) {
                    for (int i = 0; i < Array.getLength(v); i++) {
                        checkNumber(name, Array.get(v, i), r, f.getType());
                    }
                } else {
                    checkNumber(name, v, r, f.getType());
                }
                Input in = f.getAnnotation(Input.class);
                if (in != null) {
                    checkInput(name, (Path) v, in.value());
                }
                Output out = f.getAnnotation(Output.class);
                if (out != null) { // the cheap checks now; creating and probing the folder comes last
                    OutputPaths.precheck(name, (Path) v, out.file());
                }
            }
        }
    }

    private static void checkNumber(String name, Object v, Range r, Class<?> type) {
        if (!(v instanceof Number n)) {
            return;
        }
        double d = n.doubleValue();
        if ((v instanceof Double || v instanceof Float) && !Double.isFinite(d)) {
            throw new IllegalArgumentException(name + " is " + v + ", accepted: "
                    + (r == null ? "a finite number" : Range.Text.accepted(r, false)));
        }
        if (r == null) {
            return;
        }
        boolean low = r.minExclusive() ? d <= r.min() : d < r.min();
        boolean high = r.maxExclusive() ? d >= r.max() : d > r.max();
        if (low || high) {
            throw new IllegalArgumentException(name + " is " + v + ", accepted: " + Range.Text.accepted(r,
                    integral(type)));
        }
    }

    private static void checkInput(String name, Path p, Input.Kind kind) {
        if (!Files.exists(p)) {
            throw new IllegalArgumentException(name + " " + p + ": no such " + (kind == Input.Kind.FILE ? "file"
                    : "directory") + " (accepted: " + what(kind) + ")");
        }
        boolean dir = Files.isDirectory(p);
        if (kind == Input.Kind.FILE ? !Files.isRegularFile(p) : !dir) {
            throw new IllegalArgumentException(name + " " + p + ": is " + (dir ? "a directory" : "not a directory")
                    + " (accepted: " + what(kind) + ")");
        }
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(name + " " + p + ": permission denied (accepted: " + what(kind)
                    + " you can read)");
        }
        if (kind == Input.Kind.MODEL_DIRECTORY) {
            for (String f : new String[]{"config.json", "model.safetensors"}) {
                if (!Files.isRegularFile(p.resolve(f))) {
                    throw new IllegalArgumentException(name + " " + p + ": has no " + f + " (accepted: "
                            + what(kind) + ")");
                }
            }
        }
    }

    private static String what(Input.Kind kind) {
        return switch (kind) {
            case FILE -> "a readable file";
            case DIRECTORY -> "a readable directory";
            case MODEL_DIRECTORY -> "a model directory holding config.json and model.safetensors";
        };
    }

    private static void prepareOutputs(Object o, String command, PrintWriter notes) {
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                Output out = f.getAnnotation(Output.class);
                Object v = out == null ? null : read(f, o);
                if (v == null) {
                    continue;
                }
                List<String> writes = new ArrayList<>();
                for (String w : out.writes()) {
                    writes.add(substitute(w, o));
                }
                List<String> replaced = out.file() ? OutputPaths.prepareFile(optionName(f), (Path) v)
                        : OutputPaths.prepareDirectory(optionName(f), (Path) v, writes);
                if (!replaced.isEmpty()) {
                    notes.println(command + ": note: " + optionName(f) + " " + v + ": replacing "
                            + String.join(", ", replaced) + " from an earlier run (other files are left alone)");
                    notes.flush();
                }
            }
        }
    }

    private static String substitute(String pattern, Object o) {
        int a = pattern.indexOf('{'), b = pattern.indexOf('}');
        if (a < 0 || b < a) {
            return pattern;
        }
        String field = pattern.substring(a + 1, b);
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(field);
                return pattern.substring(0, a) + read(f, o) + pattern.substring(b + 1);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new IllegalStateException("@Output writes " + pattern + ": no field " + field + " in " + o.getClass());
    }

    private static Object read(Field f, Object o) {
        try {
            f.setAccessible(true);
            return f.get(o);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read option field " + f, e);
        }
    }
}
