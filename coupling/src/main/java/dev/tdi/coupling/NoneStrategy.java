package dev.tdi.coupling;

import java.util.List;
import java.util.Map;

/** {@code none}: every skip is dropped (measures the decoder shift the skips cause). */
public final class NoneStrategy implements CouplingStrategy {
    @Override
    public String spec() {
        return "none";
    }

    @Override
    public List<CoupledSkip> couple(List<SkipConnection> skips) {
        return skips.stream().<CoupledSkip>map(s -> new CoupledSkip.Dropped()).toList();
    }

    /** Binds {@code none}. */
    public static final class Factory implements CouplingStrategyFactory {
        @Override public String name() { return "none"; }
        @Override public String usage() { return "none (drop every skip; no parameters)"; }

        @Override
        public CouplingStrategy create(Map<String, String> parameters) {
            new SpecParameters(name(), parameters, usage()).requireOnly();
            return new NoneStrategy();
        }
    }
}
