package dev.tdi.cli;

import com.google.gson.GsonBuilder;
import dev.tdi.inference.Catalog;
import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.SubstrateRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tdi backends}: every substrate provider found through ServiceLoader, with its capabilities; providers that
 * failed to load, with their causes; every coupling strategy and conditioning interface (built-in and plug-in);
 * and the plug-in path they were loaded from.
 */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = {"List every substrate backend found on the class path and the plug-in path, with its",
            "capabilities; backends that failed to load, with the cause; and every coupling strategy and",
            "conditioning interface (built-in and plug-in)."})
public final class BackendsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print machine-readable JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        SubstrateRegistry.Scan scan = SubstrateRegistry.scan();
        List<SubstrateProvider> providers = scan.providers();
        Catalog catalog = Catalog.current();
        PluginPath path = TdiCommand.pluginPath();
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (SubstrateProvider p : providers) {
                out.add(describe(p));
            }
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("backends", out);
            all.put("unavailable", scan.unavailable().stream()
                    .map(u -> Map.of("provider", u.provider(), "reason", u.reason())).toList());
            all.put("couplingStrategies", catalog.couplings().names().stream()
                    .map(n -> Map.of("name", n, "usage", catalog.couplings().factory(n).usage(),
                            "class", catalog.couplings().factory(n).getClass().getName())).toList());
            all.put("interfaces", catalog.interfaces().names().stream()
                    .map(n -> Map.of("name", n, "usage", catalog.interfaces().factory(n).usage(),
                            "class", catalog.interfaces().factory(n).getClass().getName())).toList());
            all.put("pluginPath", path.entries().stream().map(Object::toString).toList());
            all.put("pluginModules", catalog.modules());
            all.put("failedPluginModules", catalog.failures().stream()
                    .map(f -> Map.of("module", f.module(), "reason", f.reason())).toList());
            System.out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create()
                    .toJson(all));
            return 0;
        }
        System.out.println(providers.size() + " substrate backend" + (providers.size() == 1 ? "" : "s")
                + " found through ServiceLoader:");
        for (SubstrateProvider p : providers) {
            Capabilities c = p.capabilities();
            System.out.println();
            System.out.println(p.name() + " - " + p.description());
            row("factors", String.join(", ", new TreeSet<>(c.factorKinds().stream().map(Enum::name).toList())));
            row("operators", String.join(", ", new TreeSet<>(c.operatorKinds().stream().map(Enum::name).toList())));
            row("max units", count(c.maxUnits()));
            row("max couplings", count(c.maxCouplings()));
            row("max chains", count(c.maxChains()));
            row("number format", c.numberFormat().name() + " (resolution " + c.numberFormat().resolution() + ")");
            row("coupling range", c.couplingRange().toString());
            row("stiffness range", c.stiffnessRange().toString());
            row("bias range", range(c.maxBiasMagnitude()));
            row("noise", c.noise().kind() + ": " + c.noise().description());
            row("integrator", c.integrator().description());
            row("features", c.features().isEmpty() ? "none"
                    : String.join(", ", new TreeSet<>(c.features().stream().map(Enum::name).toList())));
        }
        if (!scan.unavailable().isEmpty()) {
            System.out.println();
            System.out.println("unavailable (failed to load, skipped):");
            for (SubstrateRegistry.Unavailable u : scan.unavailable()) {
                System.out.println("  " + u.provider() + " - " + u.reason());
            }
        }
        Set<String> builtInCouplings = Catalog.builtIn().couplings().names();
        Set<String> builtInInterfaces = Catalog.builtIn().interfaces().names();
        System.out.println();
        System.out.println("coupling strategies (--coupling SPEC):");
        for (String n : catalog.couplings().names()) {
            var f = catalog.couplings().factory(n);
            System.out.println("  " + f.usage() + (builtInCouplings.contains(n) ? "" : "  [plug-in " + f.getClass().getName() + "]"));
        }
        System.out.println();
        System.out.println("conditioning interfaces (--interface SPEC):");
        for (String n : catalog.interfaces().names()) {
            var f = catalog.interfaces().factory(n);
            System.out.println("  " + f.usage() + (builtInInterfaces.contains(n) ? "" : "  [plug-in " + f.getClass().getName() + "]"));
        }
        System.out.println();
        System.out.println("plug-in path (--plugins, " + PluginPath.ENV + ", the installation's plugins/ folder, CLASSPATH): "
                + (path.isEmpty() ? "empty" : path.entries().size() + " entr" + (path.entries().size() == 1 ? "y" : "ies")));
        path.entries().forEach(e -> System.out.println("  " + e));
        if (!catalog.modules().isEmpty()) {
            System.out.println("plug-in Guice modules: " + String.join(", ", catalog.modules()));
        }
        for (Catalog.Failure f : catalog.failures()) {
            System.out.println("plug-in module left out: " + f.module() + " - " + f.reason());
        }
        return 0;
    }

    static Map<String, Object> describe(SubstrateProvider p) {
        Capabilities c = p.capabilities();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("description", p.description());
        m.put("factorKinds", new TreeSet<>(c.factorKinds().stream().map(Enum::name).toList()));
        m.put("operatorKinds", new TreeSet<>(c.operatorKinds().stream().map(Enum::name).toList()));
        m.put("maxUnits", c.maxUnits());
        m.put("maxCouplings", c.maxCouplings());
        m.put("maxChains", c.maxChains());
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", c.numberFormat().name());
        f.put("totalBits", c.numberFormat().totalBits());
        f.put("fractionBits", c.numberFormat().fractionBits());
        f.put("floating", c.numberFormat().floating());
        f.put("resolution", c.numberFormat().resolution());
        m.put("numberFormat", f);
        m.put("maxCouplingMagnitude", finiteOrNull(c.maxCouplingMagnitude()));
        m.put("couplingRange", Map.of("maxMagnitude", finiteOrNull(c.couplingRange().maxMagnitude()),
                "maxRatio", finiteOrNull(c.couplingRange().maxRatio())));
        m.put("stiffnessRange", Map.of("maxMagnitude", finiteOrNull(c.stiffnessRange().maxMagnitude()),
                "maxRatio", finiteOrNull(c.stiffnessRange().maxRatio())));
        m.put("integrator", c.integrator().name());
        m.put("features", new TreeSet<>(c.features().stream().map(Enum::name).toList()));
        m.put("maxBiasMagnitude", finiteOrNull(c.maxBiasMagnitude()));
        m.put("noise", Map.of("kind", c.noise().kind().name(), "description", c.noise().description()));
        return m;
    }

    private static Object finiteOrNull(double v) {
        return Double.isFinite(v) ? v : "unbounded";
    }

    private static void row(String key, String value) {
        System.out.printf("  %-15s %s%n", key, value);
    }

    private static String count(long v) {
        return v >= Long.MAX_VALUE / 2 ? "unbounded" : String.format("%,d", v);
    }

    private static String range(double v) {
        return Double.isFinite(v) ? "|x| <= " + v + " (energy units, kT at T = 1)" : "unbounded";
    }
}
