package dev.tdi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where plug-ins come from, in which order, and what a bad entry says. */
class PluginPathTest {

    @Test
    void optionsThenEnvironmentThenInstallationThenClassPath(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Files.writeString(a.resolve("z.jar"), "");
        Files.writeString(a.resolve("b.jar"), "");
        Files.writeString(a.resolve("notes.txt"), "");
        Path single = Files.writeString(dir.resolve("single.jar"), "");
        Path home = Files.createDirectories(dir.resolve("home/plugins")).getParent();
        Files.writeString(home.resolve("plugins/h.jar"), "");
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.writeString(lib.resolve("c.jar"), "");
        Path classes = Files.createDirectories(dir.resolve("classes"));

        PluginPath p = PluginPath.resolve(List.of(a.toString()), single.toString(), home.toString(),
                lib + File.separator + "*" + File.pathSeparator + classes + File.pathSeparator + dir.resolve("gone"));
        assertEquals(List.of(a.resolve("b.jar"), a.resolve("z.jar"), single, home.resolve("plugins/h.jar"),
                lib.resolve("c.jar"), classes), p.entries());
    }

    @Test
    void aMissingEntryNamesWhereItCameFrom(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PluginPath.resolve(List.of(), dir.resolve("nope").toString(), null, null));
        assertTrue(e.getMessage().startsWith("TDI_PLUGINS: '") && e.getMessage().contains("does not exist"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class,
                () -> PluginPath.resolve(List.of(dir.toString() + File.pathSeparator + dir.resolve("x.txt")), null,
                        null, null));
        assertTrue(f.getMessage().startsWith("--plugins: '"), f.getMessage());
    }

    @Test
    void optionValuesAreReadBeforeParsing() {
        assertEquals(List.of("a", "b"), PluginPath.optionValues(new String[] {"--plugins", "a", "run",
            "--plugins=b", "--", "--plugins", "c"}));
    }
}
