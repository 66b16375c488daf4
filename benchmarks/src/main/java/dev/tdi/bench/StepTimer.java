package dev.tdi.bench;

import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Substrate;
import java.util.Arrays;

/**
 * Times one Langevin step through the public API: a run of S steps (burn-in S - 1, window 1) at T = 1, timed whole
 * and divided by S, with S chosen so a run lasts long enough that the per-run set-up is negligible.
 */
public final class StepTimer {
    private StepTimer() {
    }

    /** The spec of a timed run: S steps, T = 1, dt = 0.1, seed 1. */
    public static RunSpec spec(int chains, long steps) {
        return RunSpec.builder().steps(Math.max(0, steps - 1), 1).stepSize(0.1).temperature(Double.parseDouble(System.getProperty("bench.T", "1"))).seed(1)
                .chains(chains).divergenceBound(1e30).build();
    }

    /** Result of a timing: the median and best nanoseconds per step, and the steps per run. */
    public record Timing(double medianNs, double bestNs, long stepsPerRun, int runs) {
    }

    /**
     * Warms up until at least {@code warmNs} have passed and the time per step has settled (two consecutive warm-up
     * runs within 15%; at least 100 steps; at most 10 warmNs), re-sizing the runs to about {@code runNs} as the code gets compiled, then
     * times {@code runs} pairs of runs of S and 2 S steps; reports the per-step difference of the medians (and of
     * the fastest pair). (JIT compilation of the Vector
     * API kernels takes seconds on a busy machine, so a fixed short warm-up measured interpreted code.)
     */
    public static Timing time(Substrate s, int chains, long warmNs, long runNs, int runs) {
        long steps = 1;
        long t0 = System.nanoTime();
        double last = Double.NaN;
        long total = 0;
        while (true) {
            long a = System.nanoTime();
            s.run(spec(chains, steps));
            double per = (double) (System.nanoTime() - a) / steps;
            total += steps;
            long elapsed = System.nanoTime() - t0;
            boolean settled = Math.abs(per - last) <= 0.15 * Math.min(per, last);
            // C2 compiles a kernel after some tens of thousands of loop iterations: at least 100 steps
            if (elapsed > 10 * warmNs || (elapsed > warmNs && settled && total >= 100)) {
                break;
            }
            last = per;
            steps = Math.max(1, Math.min(1_000_000, Math.round(runNs / Math.max(per, 1))));
        }
        // Per step = (T(2S) - T(S)) / S: the difference removes the per-run set-up (allocating the state, sums and
        // read-outs, first-touch page faults), which at D = 4M is worth several steps.
        double[] one = new double[runs], two = new double[runs];
        for (int r = 0; r < runs; r++) {
            long a = System.nanoTime();
            s.run(spec(chains, steps));
            long b = System.nanoTime();
            s.run(spec(chains, 2 * steps));
            long c = System.nanoTime();
            one[r] = b - a;
            two[r] = c - b;
        }
        Arrays.sort(one);
        Arrays.sort(two);
        double longRuns = two[runs / 2] / (2.0 * steps);
        double per = (two[runs / 2] - one[runs / 2]) / steps;
        // The set-up cannot cost more than the S-step run itself: below half the long runs' average, the difference
        // is noise (a loaded machine), so fall back to the long runs (set-up amortised over 2 S steps).
        if (!(per >= 0.5 * longRuns)) {
            per = longRuns;
        }
        double bestDiff = (two[0] - one[0]) / steps;
        double best = Math.min(per, bestDiff >= 0.5 * two[0] / (2.0 * steps) ? bestDiff : two[0] / (2.0 * steps));
        double[] ns = {per, best};
        return new Timing(ns[0], ns[1], steps, runs);
    }
}
