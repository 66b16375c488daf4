package dev.tdi.bench.kernels;

/** Times one operation the way the peer script does: a warm-up, then 5 rounds; median and best time per call. */
public final class OpTimer {
    private OpTimer() {
    }

    /** Median and best nanoseconds per call. */
    public record Timing(double medianNs, double bestNs) {
    }

    /** Runs op for warmNs, then 5 rounds of at least roundNs each. */
    public static Timing time(Runnable op, long warmNs, long roundNs) {
        long end = System.nanoTime() + warmNs;
        while (System.nanoTime() < end) {
            op.run();
        }
        double[] per = new double[5];
        for (int r = 0; r < per.length; r++) {
            long t0 = System.nanoTime(), n = 0, dt;
            do {
                op.run();
                n++;
                dt = System.nanoTime() - t0;
            } while (dt < roundNs);
            per[r] = (double) dt / n;
        }
        java.util.Arrays.sort(per);
        return new Timing(per[2], per[0]);
    }
}
