package dev.tdi.coupling;

import java.util.List;
import java.util.Map;

/** {@code dense}: every skip keeps its trained operator (the exact, unphysical O(D_enc D_dec) reference). */
public final class DenseStrategy implements CouplingStrategy {
    @Override
    public String spec() {
        return "dense";
    }

    @Override
    public List<CoupledSkip> couple(List<SkipConnection> skips) {
        return skips.stream().<CoupledSkip>map(s -> new CoupledSkip.Direct(s.operator())).toList();
    }

    /** Binds {@code dense}. */
    public static final class Factory implements CouplingStrategyFactory {
        @Override public String name() { return "dense"; }
        @Override public String usage() { return "dense (keep the trained skip operators; no parameters)"; }

        @Override
        public CouplingStrategy create(Map<String, String> parameters) {
            new SpecParameters(name(), parameters, usage()).requireOnly();
            return new DenseStrategy();
        }
    }
}
