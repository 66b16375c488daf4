package dev.tdi.substrate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds backends through {@link ServiceLoader}, as JDBC finds drivers: every {@link SubstrateProvider} on the
 * class path (listed in {@code META-INF/services/dev.tdi.substrate.SubstrateProvider}) is available by name.
 */
public final class SubstrateRegistry {
    private SubstrateRegistry() {
    }

    /** Every installed provider, sorted by name. Two providers with one name are an error. */
    public static List<SubstrateProvider> providers() {
        return providers(Thread.currentThread().getContextClassLoader());
    }

    /** Every provider visible to {@code loader}, sorted by name. */
    public static List<SubstrateProvider> providers(ClassLoader loader) {
        List<SubstrateProvider> found = new ArrayList<>();
        try {
            for (SubstrateProvider p : ServiceLoader.load(SubstrateProvider.class, loader)) {
                found.add(p);
            }
        } catch (ServiceConfigurationError e) {
            throw new SubstrateException("a substrate backend failed to load: " + e.getMessage()
                    + " (check its META-INF/services entry and that its class has a public no-argument constructor)",
                    e);
        }
        found.sort(Comparator.comparing(SubstrateProvider::name));
        for (int i = 1; i < found.size(); i++) {
            if (found.get(i).name().equals(found.get(i - 1).name())) {
                throw new SubstrateException("two substrate backends are named '" + found.get(i).name() + "': "
                        + found.get(i - 1).getClass().getName() + " and " + found.get(i).getClass().getName());
            }
        }
        return found;
    }

    /** The names of every installed provider. */
    public static List<String> names() {
        return providers().stream().map(SubstrateProvider::name).toList();
    }

    /** The provider of that name; an unknown name is answered with the known ones. */
    public static SubstrateProvider provider(String name) {
        List<SubstrateProvider> all = providers();
        for (SubstrateProvider p : all) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new UnknownBackendException(name, all.stream().map(SubstrateProvider::name).toList());
    }

    /** Opens a session on the named backend. */
    public static Substrate open(String name, SubstrateConfig config) {
        return provider(name).open(config);
    }
}
