package dev.tdi.coupling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code random:k=K}: a seeded random orthonormal projection Q (D_dec x k, Haar-distributed), U V^T = Q Q^T W_skip.
 * An ablation baseline: what a rank-k bus achieves with no knowledge of the weights or the data. With {@code bus=local}
 * (convolutional skips) Q is a random basis of the kernel's contribution space (see {@link LocalBuses}), a bus of k
 * units at every pixel.
 */
public final class RandomStrategy implements CouplingStrategy {
    private final String spec;
    private final int k;
    private final long seed;
    private final boolean local;

    public RandomStrategy(String spec, int k, long seed) {
        this(spec, k, seed, false);
    }

    /** As above; {@code local} builds a local (per-pixel) bus for each convolutional skip. */
    public RandomStrategy(String spec, int k, long seed, boolean local) {
        this.spec = spec;
        this.k = k;
        this.seed = seed;
        this.local = local;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public List<CoupledSkip> couple(List<SkipConnection> skips) {
        List<CoupledSkip> out = new ArrayList<>();
        for (int i = 0; i < skips.size(); i++) {
            if (local) {
                var conv = LocalBuses.requireConvolution(skips.get(i), spec);
                int kk = Math.min(k, LocalBuses.maxRank(conv));
                out.add(LocalBuses.bus(conv, Linalg.randomOrthonormal(LocalBuses.contributionSize(conv), kk,
                        seed + 0x9E3779B97F4A7C15L * (i + 1))));
                continue;
            }
            var w = skips.get(i).operator();
            int kk = Math.min(k, Math.min(w.rows(), w.cols()));
            out.add(Projections.bus(w, Linalg.randomOrthonormal(w.rows(), kk,
                    seed + 0x9E3779B97F4A7C15L * (i + 1))));
        }
        return out;
    }

    /** Binds {@code random}. */
    public static final class Factory implements CouplingStrategyFactory {
        @Override public String name() { return "random"; }
        @Override public String usage() { return "random:k=K (rank per skip, 1..4096) [,seed=S] [,bus=global|local]"; }

        @Override
        public CouplingStrategy create(Map<String, String> parameters) {
            SpecParameters p = new SpecParameters(name(), parameters, usage());
            p.requireOnly("k", "seed", "bus");
            int k = p.intValue("k", 1, 4096);
            long seed = p.longValue("seed", 42);
            return new RandomStrategy(p.spec(), k, seed, p.localBus());
        }
    }
}
