package dev.tdi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The heavy variant of {@link PluginPathEndToEndTest}: Maven itself builds and tests the three template projects
 * against a private install of tdi ({@code templates/verify-templates.sh}; minutes, so off by default). Run with
 * {@code mvn -B test -pl cli -am -Dtdi.templates.maven=true -Dtest=TemplatesMavenTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class TemplatesMavenTest {
    @Test
    @EnabledIfSystemProperty(named = "tdi.templates.maven", matches = "true")
    void mavenBuildsAndTestsEveryTemplate() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Process p = new ProcessBuilder("bash", root.resolve("templates/verify-templates.sh").toString())
                .inheritIO().start();
        if (!p.waitFor(20, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("templates/verify-templates.sh took over 20 minutes");
        }
        assertEquals(0, p.exitValue(), "templates/verify-templates.sh failed; its output is above");
    }
}
