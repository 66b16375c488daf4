package dev.tdi.coupling;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a strategy built, skip by skip: rank, couplings, long-range lines, and the fraction of the skip's
 * contribution it captures on the calibration data,
 * <pre>captured = 1 - sum_n ||W x_n - W' x_n||^2 / sum_n ||W x_n||^2</pre>
 * (W the trained skip operator, W' the coupled one, x_n the calibration activations). For a projection
 * P P^T W with orthonormal P this is the captured singular-value energy ||P P^T S||_F^2 / ||S||_F^2; it is 0 for a
 * dropped skip and 1 for the dense one. For a strategy that is not a projection it can be negative.
 *
 * @param spec  the strategy's spec
 * @param skips one line per skip, in order
 */
public record CouplingReport(String spec, List<SkipReport> skips) {

    /**
     * One skip.
     *
     * @param rank           bus rank; 0 for a dropped skip; -1 for a direct (full) operator
     * @param denseCouplings the trained operator's couplings, for comparison
     */
    public record SkipReport(String name, int level, String sourceModule, String targetModule, int rank,
                             long couplings, long longRangeLines, long denseCouplings, double capturedEnergy) {
    }

    public CouplingReport {
        skips = List.copyOf(skips);
    }

    /** Measures every coupled skip against its trained operator on the calibration data. */
    public static CouplingReport measure(String spec, List<SkipConnection> skips, List<CoupledSkip> coupled) {
        if (skips.size() != coupled.size()) {
            throw new IllegalArgumentException("strategy " + spec + " returned " + coupled.size()
                    + " coupled skips for " + skips.size() + " skips");
        }
        List<SkipReport> out = new ArrayList<>();
        for (int i = 0; i < skips.size(); i++) {
            SkipConnection s = skips.get(i);
            CoupledSkip c = coupled.get(i);
            double energy = Projections.dataEnergy(s);
            double captured;
            int rank;
            switch (c) {
                case CoupledSkip.Dropped d -> {
                    captured = 0;
                    rank = 0;
                }
                case CoupledSkip.Direct d -> {
                    captured = energy == 0 ? 1 : 1 - Projections.residualEnergy(s, d.w()) / energy;
                    rank = -1;
                }
                case CoupledSkip.Bus b -> {
                    captured = energy == 0 ? 1 : 1 - Projections.residualEnergy(s, b.w()) / energy;
                    rank = b.w().rank();
                }
                case CoupledSkip.LocalBus b -> {
                    captured = energy == 0 ? 1 : 1 - Projections.residualEnergy(s, b.w()) / energy;
                    rank = b.rank();
                }
                case CoupledSkip.Wired w -> {
                    captured = energy == 0 ? 1 : 1 - Projections.residualEnergy(s, w.w()) / energy;
                    rank = w.rank();
                }
            }
            out.add(new SkipReport(s.name(), s.level(), s.sourceModule(), s.targetModule(), rank, c.couplings(),
                    c.longRangeLines(), s.operator().couplings(), captured));
        }
        return new CouplingReport(spec, out);
    }

    public long couplings() {
        return skips.stream().mapToLong(SkipReport::couplings).sum();
    }

    public long longRangeLines() {
        return skips.stream().mapToLong(SkipReport::longRangeLines).sum();
    }

    public long denseCouplings() {
        return skips.stream().mapToLong(SkipReport::denseCouplings).sum();
    }

    /** The largest bus rank among the skips (0 if none is a bus; -1 if one is direct). */
    public int maxRank() {
        return skips.stream().mapToInt(SkipReport::rank).reduce(0, (a, b) -> a < 0 || b < 0 ? -1 : Math.max(a, b));
    }

    /** A fixed-width table, one line per skip and a total. */
    public String format() {
        StringBuilder b = new StringBuilder();
        b.append("coupling ").append(spec).append('\n');
        b.append(String.format(Locale.ROOT, "%-10s %5s %6s %12s %10s %12s %9s%n", "skip", "level", "rank",
                "couplings", "long-range", "dense", "captured"));
        for (SkipReport s : skips) {
            b.append(String.format(Locale.ROOT, "%-10s %5d %6s %12d %10d %12d %9.6f%n", s.name(), s.level(),
                    s.rank() < 0 ? "full" : Integer.toString(s.rank()), s.couplings(), s.longRangeLines(),
                    s.denseCouplings(), s.capturedEnergy()));
        }
        b.append(String.format(Locale.ROOT, "%-10s %5s %6s %12d %10d %12d%n", "total", "", "", couplings(),
                longRangeLines(), denseCouplings()));
        return b.toString();
    }
}
