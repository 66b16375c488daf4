package dev.tdi.inference;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import dev.tdi.conditioning.ConditioningInterfaces;
import dev.tdi.conditioning.ConditioningModule;
import dev.tdi.coupling.CouplingModule;
import dev.tdi.coupling.CouplingStrategies;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.WeakHashMap;

/**
 * Every coupling strategy and conditioning interface available by spec string: the built-in Guice modules
 * ({@link CouplingModule}, {@link ConditioningModule}) plus every plug-in module found through
 * {@link ServiceLoader} as a {@code com.google.inject.Module} service (a jar lists its module class in
 * {@code META-INF/services/com.google.inject.Module}). Plug-in modules contribute to the same MapBinders, so their
 * strategies and interfaces are accepted wherever a built-in one is: {@code --coupling}, {@code --interface},
 * {@link Experiment}, {@link Jobs}.
 * <p>
 * Resilient like the substrate registry: a module that cannot be loaded, or that breaks the injector (a Guice
 * error, a name clash with a binding already accepted, a factory that throws), is reported with its cause in
 * {@link #failures()} and left out; the others are installed. Modules are tried in class-name order, so which of
 * two clashing modules wins does not depend on the class path.
 */
public final class Catalog {
    private static final Map<ClassLoader, Catalog> CACHE = new WeakHashMap<>();

    /**
     * A plug-in module that was left out.
     *
     * @param module the module's class name (or the services entry)
     * @param reason the cause, one line
     */
    public record Failure(String module, String reason) {
        @Override
        public String toString() {
            return module + " (" + reason + ")";
        }
    }

    private final CouplingStrategies couplings;
    private final ConditioningInterfaces interfaces;
    private final List<String> modules;
    private final List<Failure> failures;

    private Catalog(Injector injector, List<String> modules, List<Failure> failures) {
        this.couplings = injector.getInstance(CouplingStrategies.class);
        this.interfaces = injector.getInstance(ConditioningInterfaces.class);
        this.modules = List.copyOf(modules);
        this.failures = List.copyOf(failures);
    }

    /** The built-in strategies and interfaces only. */
    public static Catalog builtIn() {
        return new Catalog(Guice.createInjector(builtInModules()), List.of(), List.of());
    }

    /** The built-ins plus {@code extra} modules (the Java API's way to add strategies or interfaces). */
    public static Catalog of(Module... extra) {
        List<Module> candidates = List.of(extra);
        return assemble(candidates.stream().map(m -> m.getClass().getName()).toList(), candidates, new ArrayList<>());
    }

    /** The built-ins plus every plug-in module the thread's context class loader finds (cached per loader). */
    public static Catalog current() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(loader, Catalog::discover);
        }
    }

    /** The built-ins plus every plug-in module {@code loader} finds through ServiceLoader. */
    public static Catalog discover(ClassLoader loader) {
        List<Module> found = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        Iterator<ServiceLoader.Provider<Module>> it = ServiceLoader.load(Module.class, loader).stream().iterator();
        for (int errors = 0; errors < 64; ) {
            ServiceLoader.Provider<Module> entry;
            try {
                if (!it.hasNext()) {
                    break;
                }
                entry = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                failures.add(new Failure(entryOf(e), causeOf(e)));
                errors++;
                continue;
            }
            errors = 0;
            try {
                found.add(entry.get());
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                failures.add(new Failure(entry.type().getName(), causeOf(e)));
            }
        }
        found.sort(Comparator.comparing(m -> m.getClass().getName()));
        return assemble(found.stream().map(m -> m.getClass().getName()).toList(), found, failures);
    }

    /** All at once when that works; else one by one, keeping each module that still builds with those kept. */
    private static Catalog assemble(List<String> names, List<Module> candidates, List<Failure> failures) {
        try {
            return build(candidates, names, failures);
        } catch (RuntimeException | LinkageError all) {
            List<Module> kept = new ArrayList<>();
            List<String> keptNames = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                List<Module> trial = new ArrayList<>(kept);
                trial.add(candidates.get(i));
                try {
                    build(trial, List.of(), List.of());
                    kept.add(candidates.get(i));
                    keptNames.add(names.get(i));
                } catch (RuntimeException | LinkageError e) {
                    failures.add(new Failure(names.get(i), causeOf(e)));
                }
            }
            return build(kept, keptNames, failures);
        }
    }

    private static Catalog build(List<Module> plugins, List<String> names, List<Failure> failures) {
        List<Module> all = new ArrayList<>(List.of(builtInModules()));
        all.addAll(plugins);
        List<Failure> sorted = new ArrayList<>(failures);
        sorted.sort(Comparator.comparing(Failure::module).thenComparing(Failure::reason));
        return new Catalog(Guice.createInjector(all), names, sorted);
    }

    private static Module[] builtInModules() {
        return new Module[] {new CouplingModule(), new ConditioningModule()};
    }

    /** The coupling strategies, built-in and plug-in. */
    public CouplingStrategies couplings() {
        return couplings;
    }

    /** The conditioning interfaces, built-in and plug-in. */
    public ConditioningInterfaces interfaces() {
        return interfaces;
    }

    /** The plug-in modules installed, by class name, sorted. */
    public List<String> modules() {
        return modules;
    }

    /** The plug-in modules left out, with their causes, sorted. */
    public List<Failure> failures() {
        return failures;
    }

    /** One line: Guice's first message, or the deepest cause. */
    static String causeOf(Throwable e) {
        java.util.Collection<Message> messages = e instanceof CreationException c ? c.getErrorMessages()
                : e instanceof ProvisionException p ? p.getErrorMessages() : List.of();
        if (!messages.isEmpty()) {
            Message m = messages.iterator().next();
            Throwable cause = m.getCause();
            if (cause != null) {
                return causeOf(cause);
            }
            return m.getMessage().lines().findFirst().orElse("Guice error").trim();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse("");
        return root.getClass().getSimpleName() + text;
    }

    private static String entryOf(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("Provider (\\S+)").matcher(m);
        return matcher.find() ? matcher.group(1) : Module.class.getName() + " services entry";
    }
}
