package dev.tdi.substrate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds backends through {@link ServiceLoader}, as JDBC finds drivers: every {@link SubstrateProvider} on the
 * class path (listed in {@code META-INF/services/dev.tdi.substrate.SubstrateProvider}) is available by name.
 * <p>
 * The registry is resilient: a provider that fails to load (a services entry naming a missing class, a
 * constructor that throws, a missing native library, a {@code name()} or {@code capabilities()} that throws) is
 * reported as {@link Unavailable} with its real cause and skipped, and every other backend keeps working. Every
 * listing is sorted by name (unavailable ones by class), so messages do not depend on class-path order.
 */
public final class SubstrateRegistry {
    /** Consecutive load errors after which the scan stops (a broken services file could repeat forever). */
    private static final int MAX_CONSECUTIVE_ERRORS = 64;

    private SubstrateRegistry() {
    }

    /**
     * A provider that could not be used.
     *
     * @param provider the provider's class name (or the services entry, when the class could not be named)
     * @param reason   the real cause, one line (e.g. "UnsatisfiedLinkError: no foo in java.library.path")
     */
    public record Unavailable(String provider, String reason) {
        @Override
        public String toString() {
            return provider + " (" + reason + ")";
        }
    }

    /**
     * What a scan found.
     *
     * @param providers   the usable providers, sorted by name
     * @param unavailable the providers that failed to load, sorted by class name
     */
    public record Scan(List<SubstrateProvider> providers, List<Unavailable> unavailable) {
        public Scan {
            providers = List.copyOf(providers);
            unavailable = List.copyOf(unavailable);
        }

        /** The usable providers' names, sorted. */
        public List<String> names() {
            return providers.stream().map(SubstrateProvider::name).toList();
        }
    }

    /** Every provider visible to the thread's context class loader, usable or not. */
    public static Scan scan() {
        return scan(Thread.currentThread().getContextClassLoader());
    }

    /** Every provider visible to {@code loader}, usable or not. */
    public static Scan scan(ClassLoader loader) {
        List<SubstrateProvider> found = new ArrayList<>();
        List<Unavailable> broken = new ArrayList<>();
        Iterator<ServiceLoader.Provider<SubstrateProvider>> it =
                ServiceLoader.load(SubstrateProvider.class, loader).stream().iterator();
        int errors = 0;
        while (errors < MAX_CONSECUTIVE_ERRORS) {
            ServiceLoader.Provider<SubstrateProvider> entry;
            try {
                if (!it.hasNext()) {
                    break;
                }
                entry = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                broken.add(new Unavailable(entryOf(e), causeOf(e)));
                errors++;
                continue;
            }
            errors = 0;
            String type = entry.type().getName();
            try {
                SubstrateProvider p = entry.get();
                // A provider must be able to say who it is and what it holds; one that cannot is unusable.
                if (p.name() == null || p.name().isBlank()) {
                    throw new IllegalStateException("name() returned no name");
                }
                java.util.Objects.requireNonNull(p.capabilities(), "capabilities() returned null");
                found.add(p);
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                broken.add(new Unavailable(type, causeOf(e)));
            }
        }
        found.sort(Comparator.comparing(SubstrateProvider::name).thenComparing(p -> p.getClass().getName()));
        List<SubstrateProvider> usable = new ArrayList<>();
        for (SubstrateProvider p : found) {
            SubstrateProvider first = usable.isEmpty() ? null : usable.getLast();
            if (first != null && first.name().equals(p.name())) {
                broken.add(new Unavailable(p.getClass().getName(), "a second backend named '" + p.name()
                        + "' (the first, " + first.getClass().getName() + ", is used)"));
            } else {
                usable.add(p);
            }
        }
        broken.sort(Comparator.comparing(Unavailable::provider).thenComparing(Unavailable::reason));
        return new Scan(usable, broken);
    }

    /** Every usable provider, sorted by name; failed ones are skipped (see {@link #scan()}). */
    public static List<SubstrateProvider> providers() {
        return scan().providers();
    }

    /** Every usable provider visible to {@code loader}, sorted by name. */
    public static List<SubstrateProvider> providers(ClassLoader loader) {
        return scan(loader).providers();
    }

    /** The providers that failed to load, with their causes, sorted. */
    public static List<Unavailable> unavailable() {
        return scan().unavailable();
    }

    /** The names of every usable provider, sorted. */
    public static List<String> names() {
        return scan().names();
    }

    /** The provider of that name; an unknown name is answered with the known (and the unavailable) ones. */
    public static SubstrateProvider provider(String name) {
        Scan scan = scan();
        for (SubstrateProvider p : scan.providers()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new UnknownBackendException(name, scan.names(), scan.unavailable());
    }

    /** Opens a session on the named backend. */
    public static Substrate open(String name, SubstrateConfig config) {
        return provider(name).open(config);
    }

    /** The deepest cause, as "Type: message" on one line. */
    static String causeOf(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse("");
        return root.getClass().getSimpleName() + message;
    }

    /** The provider class a ServiceConfigurationError names ("...: Provider a.b.C not found"), else its message. */
    private static String entryOf(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("Provider (\\S+)").matcher(m);
        return matcher.find() ? matcher.group(1) : SubstrateProvider.class.getName() + " services entry";
    }

    /** Names for a message: the known ones, and the unavailable ones with their causes. */
    static String describe(Collection<String> known, Collection<Unavailable> unavailable) {
        String s = known.isEmpty() ? "none" : String.join(", ", known);
        if (!unavailable.isEmpty()) {
            s += "; unavailable: " + String.join("; ", unavailable.stream().map(Unavailable::toString).toList());
        }
        return s;
    }
}
