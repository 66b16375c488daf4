package dev.tdi.cli.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.cli.TdiCommand;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** The option checks: help texts state every range, defaults pass, output folders are checked and reported. */
class OptionChecksTest {

    private static List<CommandSpec> commands() {
        List<CommandSpec> specs = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : new CommandLine(new TdiCommand()).getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                specs.add(e.getValue().getCommandSpec());
            }
        }
        return specs;
    }

    private static List<Object> userObjects(CommandSpec spec) {
        List<Object> objects = new ArrayList<>();
        objects.add(spec.userObject());
        spec.mixins().values().forEach(m -> objects.add(m.userObject()));
        return objects;
    }

    @Test
    void everyNumericOptionHasARangeAndItsHelpStatesIt() {
        int checked = 0;
        for (CommandSpec spec : commands()) {
            for (Object o : userObjects(spec)) {
                for (Field f : o.getClass().getDeclaredFields()) {
                    Option opt = f.getAnnotation(Option.class);
                    Class<?> t = f.getType().isArray() ? f.getType().getComponentType() : f.getType();
                    if (opt == null || !(t.isPrimitive() || Number.class.isAssignableFrom(t)) || t == boolean.class) {
                        continue;
                    }
                    Range r = f.getAnnotation(Range.class);
                    assertNotNull(r, spec.name() + " " + opt.names()[0] + " has no @Range");
                    String text = Range.Text.describe(r, OptionChecks.integral(f.getType()));
                    OptionSpec os = spec.findOption(opt.names()[0]);
                    String help = String.join(" ", os.description());
                    assertTrue(help.contains(text), spec.name() + " " + opt.names()[0] + ": help \"" + help
                            + "\" does not state the range " + text);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 30, "only " + checked + " numeric options found");
    }

    @Test
    void everyDefaultIsAccepted() {
        for (CommandSpec spec : commands()) {
            CommandLine cl = new CommandLine(spec.userObject().getClass().getName().contains("UNetForward")
                    ? new dev.tdi.cli.unet.UNetForwardCommand() : newInstance(spec));
            cl.parseArgs(spec.name().equals("unet-forward") ? new String[]{"--config", "pom.xml", "--weights",
                "pom.xml", "--input", "pom.xml", "--out", "x"} : new String[0]);
            for (Object o : userObjects(cl.getCommandSpec())) {
                OptionChecks.checkFields(o);
            }
        }
    }

    private static Object newInstance(CommandSpec spec) {
        try {
            var c = spec.userObject().getClass().getDeclaredConstructor();
            c.setAccessible(true);
            return c.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void rangesAreWrittenAsTheHelpWritesThem() throws Exception {
        record Holder(@Range(min = 0, max = 1, maxExclusive = true) double a,
                      @Range(min = 0, max = 1, minExclusive = true) double b,
                      @Range(min = 1, max = 1000) int c,
                      @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE) long d) {
        }
        Field[] f = Holder.class.getDeclaredFields();
        assertEquals("[0, 1)", Range.Text.describe(f[0].getAnnotation(Range.class), false));
        assertEquals("(0, 1]", Range.Text.describe(f[1].getAnnotation(Range.class), false));
        assertEquals("an integer in 1..1000", Range.Text.accepted(f[2].getAnnotation(Range.class), true));
        assertEquals("any integer", Range.Text.describe(f[3].getAnnotation(Range.class), true));
    }

    @Test
    void outputDirectoriesAreCheckedAndResultsAboutToBeReplacedAreListed(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        String m = assertThrows(IllegalArgumentException.class,
                () -> OutputPaths.prepareDirectory("--out", file, List.of())).getMessage();
        assertTrue(m.contains("--out " + file) && m.contains("is a file"), m);
        assertEquals("mine", Files.readString(file));
        m = assertThrows(IllegalArgumentException.class,
                () -> OutputPaths.prepareDirectory("--out", Path.of("/proc/tdi-unwritable/x"), List.of())).getMessage();
        assertTrue(m.contains("--out /proc/tdi-unwritable/x: cannot create the directory"), m);

        Path out = dir.resolve("out");
        assertEquals(List.of(), OutputPaths.prepareDirectory("--out", out, List.of("results.json", "*.png")));
        assertTrue(Files.isDirectory(out));
        Files.writeString(out.resolve("results.json"), "{}");
        Files.writeString(out.resolve("a.png"), "");
        Files.writeString(out.resolve("keep.txt"), "");
        assertEquals(List.of("results.json", "a.png"), OutputPaths.prepareDirectory("--out", out,
                List.of("results.json", "*.png")));
        assertFalse(Files.exists(out.resolve(".tdi-write-probe")));

        assertEquals(List.of(), OutputPaths.prepareFile("--out", dir.resolve("new.safetensors")));
        assertEquals(List.of("notes.txt"), OutputPaths.prepareFile("--out", file));
        m = assertThrows(IllegalArgumentException.class, () -> OutputPaths.prepareFile("--out", dir)).getMessage();
        assertTrue(m.contains("is a directory"), m);
    }

    @Test
    void aSecondRunSaysWhichResultsItReplacesAndLeavesOtherFilesAlone(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("my-notes.txt"), "mine");
        String[] args = {"sample", "-n", "1", "--steps", "2", "--out", dir.toString()};
        var first = dev.tdi.cli.fuzz.MalformedInputTest.run(List.of(args));
        assertEquals(0, first.code(), first.err());
        assertFalse(first.err().contains("replacing"), first.err());
        var second = dev.tdi.cli.fuzz.MalformedInputTest.run(List.of(args));
        assertEquals(0, second.code(), second.err());
        assertTrue(second.err().contains("tdi sample: note: --out " + dir + ": replacing samples-ddim.png from an"
                + " earlier run"), second.err());
        assertEquals("mine", Files.readString(dir.resolve("my-notes.txt")));
    }

    @Test
    void fileSystemErrorsReadAsPathAndReason() {
        assertEquals("/x/y: permission denied", ErrorMessages.oneLine(new AccessDeniedException("/x/y")));
        assertEquals("/x/y: no such file or directory", ErrorMessages.oneLine(new NoSuchFileException("/x/y")));
        assertEquals("bad thing; second line", ErrorMessages.oneLine(new IllegalStateException("bad thing\nsecond line")));
        assertEquals("wrapped: inner", ErrorMessages.oneLine(new RuntimeException("wrapped: java.io.IOException: inner")));
        String npe = ErrorMessages.oneLine(new NullPointerException());
        assertTrue(npe.startsWith("internal error (null pointer") && !npe.contains("Exception"), npe);
    }
}
