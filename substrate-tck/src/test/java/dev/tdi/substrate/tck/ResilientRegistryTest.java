package dev.tdi.substrate.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnknownBackendException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A provider that fails to load is reported with its real cause and skipped; the others keep working. */
class ResilientRegistryTest {

    @Test
    void brokenProvidersAreSkippedWithTheirCauses(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + SubstrateProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, "com.nowhere.MissingProvider\n"
                + "dev.tdi.substrate.tck.fixtures.ThrowingProvider\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            SubstrateRegistry.Scan scan = SubstrateRegistry.scan(loader);
            assertTrue(scan.names().contains("reference") && scan.names().contains("minimal-example"),
                    scan.names().toString());
            assertEquals(scan.names().stream().sorted().toList(), scan.names());
            String unavailable = scan.unavailable().toString();
            assertTrue(unavailable.contains("dev.tdi.substrate.tck.fixtures.ThrowingProvider (UnsatisfiedLinkError:"
                    + " no tdi_warp in java.library.path)"), unavailable);
            assertTrue(unavailable.contains("com.nowhere.MissingProvider"), unavailable);
            assertTrue(!unavailable.contains("no-argument constructor"), unavailable);

            ClassLoader old = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(loader);
            try {
                assertEquals("reference", SubstrateRegistry.provider("reference").name());
                UnknownBackendException e = assertThrows(UnknownBackendException.class,
                        () -> SubstrateRegistry.provider("warp"));
                assertTrue(e.getMessage().contains("unavailable: ") && e.getMessage().contains("UnsatisfiedLinkError"),
                        e.getMessage());
            } finally {
                Thread.currentThread().setContextClassLoader(old);
            }
        }
    }
}
