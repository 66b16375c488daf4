package dev.tdi.coupling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code svd:k=K}: the plain truncated SVD of W_skip itself, ignoring the data: U V^T = P P^T W_skip with P the top
 * k left singular vectors of W_skip (so U V^T = U_k Sigma_k V_k^T). Computed matrix-free by randomized SVD through
 * apply/applyTranspose, since W_skip may be a large convolution; when k + oversample reaches min(D_dec, D_enc)
 * the range finder spans everything and the result is exact. An ablation baseline. With {@code bus=local} (convolutional
 * skips) P is the top-k left singular vectors of the kernel's scatter matrix M (see {@link LocalBuses}), a bus of k
 * units at every pixel.
 */
public final class SvdStrategy implements CouplingStrategy {
    private final String spec;
    private final int k;
    private final int power;
    private final int oversample;
    private final long seed;
    private final boolean local;

    public SvdStrategy(String spec, int k, int power, int oversample, long seed) {
        this(spec, k, power, oversample, seed, false);
    }

    /** As above; {@code local} builds a local (per-pixel) bus for each convolutional skip. */
    public SvdStrategy(String spec, int k, int power, int oversample, long seed, boolean local) {
        this.spec = spec;
        this.k = k;
        this.power = power;
        this.oversample = oversample;
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
                out.add(LocalBuses.bus(conv, LocalBuses.weightSpectrum(conv, k).u()));
                continue;
            }
            var w = skips.get(i).operator();
            int kk = Math.min(k, Math.min(w.rows(), w.cols()));
            Linalg.Svd svd = Linalg.randomized(Linalg.of(w), kk, oversample, power,
                    seed + 0x9E3779B97F4A7C15L * (i + 1));
            out.add(Projections.bus(w, svd.u()));
        }
        return out;
    }

    /** Binds {@code svd}. */
    public static final class Factory implements CouplingStrategyFactory {
        @Override public String name() { return "svd"; }

        @Override
        public String usage() {
            return "svd:k=K (rank per skip, 1..4096) [,power=0..20] [,oversample=0..200] [,seed=S] [,bus=global|local]";
        }

        @Override
        public CouplingStrategy create(Map<String, String> parameters) {
            SpecParameters p = new SpecParameters(name(), parameters, usage());
            p.requireOnly("k", "power", "oversample", "seed", "bus");
            int k = p.intValue("k", 1, 4096);
            return new SvdStrategy(p.spec(), k, p.intValue("power", 0, 20, 4),
                    p.intValue("oversample", 0, 200, 10), p.longValue("seed", 42),
                    p.localBus());
        }
    }
}
