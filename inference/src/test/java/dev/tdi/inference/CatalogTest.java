package dev.tdi.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.multibindings.MapBinder;
import dev.tdi.coupling.CoupledSkip;
import dev.tdi.coupling.CouplingStrategy;
import dev.tdi.coupling.CouplingStrategyFactory;
import dev.tdi.coupling.DenseStrategy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plug-in Guice modules join the built-ins; a broken or clashing one is left out with its cause. */
class CatalogTest {

    /** Binds "keep-all" (every skip direct, reporting its own wiring). */
    public static final class KeepAllModule extends AbstractModule {
        @Override
        protected void configure() {
            MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class).addBinding("keep-all")
                    .toInstance(new CouplingStrategyFactory() {
                        @Override public String name() { return "keep-all"; }
                        @Override public String usage() { return "keep-all (no parameters)"; }
                        @Override public CouplingStrategy create(Map<String, String> parameters) {
                            return new CouplingStrategy() {
                                @Override public String spec() { return "keep-all"; }
                                @Override public List<CoupledSkip> couple(List<dev.tdi.coupling.SkipConnection> s) {
                                    return s.stream().<CoupledSkip>map(k -> new CoupledSkip.Wired(k.operator(), -1,
                                            k.operator().couplings(), 7)).toList();
                                }
                            };
                        }
                    });
        }
    }

    /** Binds "dense" a second time: clashes with the built-in. */
    public static final class ClashingModule extends AbstractModule {
        @Override
        protected void configure() {
            MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class).addBinding("dense")
                    .toInstance(new DenseStrategy.Factory());
        }
    }

    /** Cannot be constructed (a missing native library). */
    public static final class ThrowingModule extends AbstractModule {
        public ThrowingModule() {
            throw new UnsatisfiedLinkError("no topk_native in java.library.path");
        }

        @Override
        protected void configure() {
        }
    }

    @Test
    void userModulesJoinTheBuiltIns() {
        Catalog c = Catalog.of(new KeepAllModule());
        assertTrue(c.couplings().names().containsAll(List.of("dense", "hbc", "keep-all")), c.couplings().names()
                .toString());
        assertTrue(c.interfaces().names().contains("minimal"));
        assertEquals(List.of(KeepAllModule.class.getName()), c.modules());
        assertTrue(c.failures().isEmpty(), c.failures().toString());
    }

    @Test
    void aClashingModuleIsLeftOutWithItsCause() {
        Catalog c = Catalog.of(new ClashingModule(), new KeepAllModule());
        assertEquals(List.of(KeepAllModule.class.getName()), c.modules(), c.failures().toString());
        assertEquals(1, c.failures().size(), c.failures().toString());
        assertEquals(ClashingModule.class.getName(), c.failures().getFirst().module());
        assertTrue(c.failures().getFirst().reason().contains("dense"), c.failures().toString());
        assertTrue(c.couplings().names().contains("keep-all"));
    }

    @Test
    void modulesAreDiscoveredThroughServiceLoaderAndBrokenOnesSkipped(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + Module.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, ThrowingModule.class.getName() + "\n" + KeepAllModule.class.getName()
                + "\ncom.nowhere.MissingModule\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Catalog c = Catalog.discover(loader);
            assertTrue(c.couplings().names().contains("keep-all"), c.couplings().names().toString());
            String failures = c.failures().toString();
            assertTrue(failures.contains(ThrowingModule.class.getName() + " (UnsatisfiedLinkError: no topk_native"),
                    failures);
            assertTrue(failures.contains("com.nowhere.MissingModule"), failures);
        }
    }
}
