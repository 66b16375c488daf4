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
     * Warms up for at least {@code warmNs} (re-sizing the run after each warm-up run so one lasts about
     * {@code runNs}), then times {@code runs} runs of that many steps; reports the median and the best.
     */
    public static Timing time(Substrate s, int chains, long warmNs, long runNs, int runs) {
        long steps = 1;
        long t0 = System.nanoTime();
        int warmRuns = 0;
        while (System.nanoTime() - t0 < warmNs || warmRuns < 3) {
            long a = System.nanoTime();
            s.run(spec(chains, steps));
            double per = (double) (System.nanoTime() - a) / steps;
            steps = Math.max(1, Math.min(1_000_000, Math.round(runNs / Math.max(per, 1))));
            warmRuns++;
        }
        double[] ns = new double[runs];
        for (int r = 0; r < runs; r++) {
            long a = System.nanoTime();
            s.run(spec(chains, steps));
            ns[r] = (double) (System.nanoTime() - a) / steps;
        }
        Arrays.sort(ns);
        return new Timing(ns[runs / 2], ns[0], steps, runs);
    }
}
