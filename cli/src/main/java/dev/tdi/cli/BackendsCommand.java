package dev.tdi.cli;

import com.google.gson.GsonBuilder;
import dev.tdi.substrate.Capabilities;
import dev.tdi.substrate.SubstrateProvider;
import dev.tdi.substrate.SubstrateRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdi backends}: every substrate provider found through ServiceLoader, with its capabilities. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List every substrate backend found on the class path, with its capabilities.")
public final class BackendsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print machine-readable JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        List<SubstrateProvider> providers = SubstrateRegistry.providers();
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (SubstrateProvider p : providers) {
                out.add(describe(p));
            }
            System.out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create()
                    .toJson(Map.of("backends", out)));
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
