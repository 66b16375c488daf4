package dev.tdi.coupling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code hbc}: hierarchical bilinear coupling. For each skip, S = W_skip X_enc^T (D_dec x N) is the skip's
 * contribution over the calibration activations; P_k holds the top-k left singular vectors of S; the skip becomes
 * the bus U V^T = P_k P_k^T W_skip with U = P_k and V = W_skip^T P_k. Among all operators of rank k whose range
 * is spanned by k decoder-side vectors, P_k P_k^T W_skip minimises sum_n ||W_skip x_n - W' x_n||^2 over the
 * calibration set, and by Eckart-Young it reaches the smallest error any rank-k matrix can reach on S.
 *
 * <p>Two ways to choose the ranks: {@code hbc:k=K} gives every skip rank min(K, D_dec, D_enc, N, numerical rank
 * of S); {@code hbc:budget=B} splits a total of B bus lines across the skips (the U-Net levels) greedily by
 * marginal singular-value energy: every skip starts at rank 1, and each further unit goes to the skip whose next
 * singular value squared, sigma_{k+1}^2, is largest (with {@code norm=abs}, the default, this greedy split
 * minimises the total squared error sum_l ||S_l - P P^T S_l||_F^2 exactly, because each skip's marginal gains
 * decrease; {@code norm=rel} divides each skip's gains by its total energy ||S_l||_F^2, which balances relative
 * errors across levels instead). Ties go to the lower skip index. {@code max=M} caps every skip's rank at M (e.g. the
 * seed's 16 per level). Budget left over once every skip reaches its cap is unused.
 *
 * <p>The singular vectors come from the N x N Gram S^T S (Commons Math EigenDecomposition) when N &lt;= 512 and
 * N D_dec &lt;= 2^24 ({@code solver=auto}), otherwise from a seeded randomized SVD of the matrix-free map S
 * ({@code solver=rsvd}, with {@code power} iterations and {@code oversample} extra columns). A skip whose S is
 * zero on the calibration set is dropped.
 *
 * <p>{@code bus=global} (the default) builds one bus of k units per skip, as above. {@code bus=local} builds, for a
 * convolutional skip, a bus of k units at every encoder pixel, shared by all pixels: P_k is then the top-k
 * eigenvectors of the decoder-side Gram of every calibration pixel's contribution, computed exactly through the
 * encoder's channel Gram matrix (see {@link LocalBuses}); k is at most the encoder's channel count. A global bus
 * carries k values across the chain; a local one k per pixel.
 */
public final class HbcStrategy implements CouplingStrategy {
    /** How P_k is computed. */
    public enum Solver { AUTO, GRAM, RSVD }

    private final String spec;
    private final int k;
    private final int budget;
    private final boolean relative;
    private final int maxPerLevel;
    private final Solver solver;
    private final int power;
    private final int oversample;
    private final long seed;
    private final boolean local;

    /**
     * @param k      fixed rank per skip, or 0 when {@code budget} is used
     * @param budget total rank across skips, or 0 when {@code k} is used
     * @param maxPerLevel with a budget, the largest rank any one skip may get ({@link Integer#MAX_VALUE}: no cap)
     */
    public HbcStrategy(String spec, int k, int budget, boolean relative, int maxPerLevel, Solver solver, int power,
                       int oversample, long seed) {
        this(spec, k, budget, relative, maxPerLevel, solver, power, oversample, seed, false);
    }

    /** As above; {@code local} builds a local (per-pixel) bus for each convolutional skip. */
    public HbcStrategy(String spec, int k, int budget, boolean relative, int maxPerLevel, Solver solver, int power,
                       int oversample, long seed, boolean local) {
        if ((k > 0) == (budget > 0)) {
            throw new IllegalArgumentException("exactly one of k and budget must be positive");
        }
        this.spec = spec;
        this.k = k;
        this.budget = budget;
        this.relative = relative;
        this.maxPerLevel = maxPerLevel;
        this.solver = solver;
        this.power = power;
        this.oversample = oversample;
        this.seed = seed;
        this.local = local;
    }

    @Override
    public String spec() {
        return spec;
    }

    /** The singular structure of one skip's contribution, as computed by the chosen solver. */
    public record Spectrum(Linalg.Svd svd, double energy, int cap, boolean gram) {
    }

    /** The spectrum of S for a skip, with at most {@code maxRank} vectors. */
    public Spectrum spectrum(SkipConnection skip, int maxRank, int index) {
        if (local) {
            var conv = LocalBuses.requireConvolution(skip, spec);
            double[][] c = LocalBuses.channelGram(skip, conv);
            double energy = 0;
            var m = LocalBuses.scatterColumns(conv);
            // ||S||_F^2 = trace(M C M^T) = sum_ij C_ij <m_i, m_j>
            for (int i = 0; i < c.length; i++) {
                for (int j = 0; j < c.length; j++) {
                    energy += c[i][j] * Linalg.dot(m[i], m[j]);
                }
            }
            return new Spectrum(LocalBuses.dataSpectrum(conv, c, maxRank), energy, LocalBuses.maxRank(conv), true);
        }
        int n = skip.calibration().length;
        int dDec = skip.operator().rows();
        int cap = Math.min(Math.min(dDec, skip.operator().cols()), n);
        int want = Math.min(maxRank, cap);
        boolean gram = switch (solver) {
            case GRAM -> true;
            case RSVD -> false;
            case AUTO -> n <= 512 && (long) n * dDec <= (1L << 24);
        };
        if (gram) {
            double[][] cols = Projections.dataColumns(skip);
            double energy = 0;
            for (double[] c : cols) {
                energy += Linalg.dot(c, c);
            }
            return new Spectrum(Linalg.gram(cols, want), energy, cap, true);
        }
        Linalg.Svd svd = Linalg.randomized(Projections.dataMap(skip), want, oversample, power,
                seed + 0x9E3779B97F4A7C15L * (index + 1));
        return new Spectrum(svd, Projections.dataEnergy(skip), cap, false);
    }

    @Override
    public List<CoupledSkip> couple(List<SkipConnection> skips) {
        if (budget > 0 && budget < skips.size()) {
            throw new CouplingSpecException("hbc:budget=" + budget + " cannot give each of the " + skips.size()
                    + " skips at least rank 1");
        }
        int maxRank = k > 0 ? k : Math.min(maxPerLevel, budget - (skips.size() - 1));
        List<Spectrum> spectra = new ArrayList<>();
        for (int i = 0; i < skips.size(); i++) {
            spectra.add(spectrum(skips.get(i), maxRank, i));
        }
        int[] ranks = k > 0 ? fixed(spectra, k) : allocate(spectra, budget, relative);
        List<CoupledSkip> out = new ArrayList<>();
        for (int i = 0; i < skips.size(); i++) {
            double[][] basis = spectra.get(i).svd().head(ranks[i]).u();
            out.add(local ? LocalBuses.bus(LocalBuses.requireConvolution(skips.get(i), spec), basis)
                    : Projections.bus(skips.get(i).operator(), basis));
        }
        return out;
    }

    private static int[] fixed(List<Spectrum> spectra, int k) {
        int[] r = new int[spectra.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.min(k, spectra.get(i).svd().rank());
        }
        return r;
    }

    /**
     * The greedy split of {@code budget} rank units across skips by marginal singular-value energy (see the class
     * comment): every skip with a non-zero spectrum starts at 1; each next unit goes to the largest available
     * sigma_{k+1}^2 (divided by the skip's energy when {@code relative}). Public so it can be checked on its own.
     */
    public static int[] allocate(List<Spectrum> spectra, int budget, boolean relative) {
        int l = spectra.size();
        int[] r = new int[l];
        int left = budget;
        for (int i = 0; i < l; i++) {
            if (spectra.get(i).svd().rank() > 0) {
                r[i] = 1;
                left--;
            }
        }
        while (left > 0) {
            int best = -1;
            double bestGain = -1;
            for (int i = 0; i < l; i++) {
                Linalg.Svd s = spectra.get(i).svd();
                if (r[i] < s.rank()) {
                    double sigma = s.sigma()[r[i]];
                    double gain = sigma * sigma / (relative ? spectra.get(i).energy() : 1);
                    if (gain > bestGain) {
                        bestGain = gain;
                        best = i;
                    }
                }
            }
            if (best < 0) {
                break;
            }
            r[best]++;
            left--;
        }
        return r;
    }

    /** Binds {@code hbc}. */
    public static final class Factory implements CouplingStrategyFactory {
        @Override public String name() { return "hbc"; }

        @Override
        public String usage() {
            return "hbc:k=K (rank per skip, 1..4096) or hbc:budget=B (total rank split across levels, 1..65536)"
                    + " [,norm=abs|rel] [,max=M largest rank per skip] (budget split) [,solver=auto|gram|rsvd] [,power=0..20]"
                    + " [,oversample=0..200] [,seed=S] [,bus=global|local (one bus per skip, or one per pixel of a"
                    + " convolutional skip)]";
        }

        @Override
        public CouplingStrategy create(Map<String, String> parameters) {
            SpecParameters p = new SpecParameters(name(), parameters, usage());
            p.requireOnly("k", "budget", "norm", "max", "solver", "power", "oversample", "seed", "bus");
            if (p.has("k") == p.has("budget")) {
                throw p.fail(p.has("k") ? "give k or budget, not both" : "missing parameter 'k' (or 'budget')");
            }
            int k = p.has("k") ? p.intValue("k", 1, 4096) : 0;
            int budget = p.has("budget") ? p.intValue("budget", 1, 65536) : 0;
            String norm = p.choice("norm", "abs", "abs", "rel");
            if ((p.has("norm") || p.has("max")) && k > 0) {
                throw p.fail((p.has("norm") ? "norm" : "max") + " applies to budget splitting only");
            }
            int max = p.intValue("max", 1, 4096, Integer.MAX_VALUE);
            Solver solver = Solver.valueOf(p.choice("solver", "auto", "auto", "gram", "rsvd").toUpperCase());
            int power = p.intValue("power", 0, 20, 3);
            int oversample = p.intValue("oversample", 0, 200, 10);
            long seed = p.longValue("seed", 42);
            boolean local = p.localBus();
            return new HbcStrategy(p.spec(), k, budget, norm.equals("rel"), max, solver, power, oversample, seed,
                    local);
        }
    }
}
