package dev.tdi.substrate;

/**
 * The read-out schedule of a {@link RunSpec}, shared by backends: burn-in, the averaging window, and in
 * convergence mode the block-to-block comparison that decides when to stop. A backend steps its chains and
 * hands each chain's state to {@link #afterStep}; the averager says whether to continue and produces the means.
 * <pre>
 *   WindowedAverager avg = new WindowedAverager(spec, chains, units);
 *   while (avg.wantsStep()) {
 *       stepEveryChain();
 *       avg.afterStep(chain -> stateOf(chain));
 *   }
 *   float[][] means = avg.means(chain -> stateOf(chain));
 * </pre>
 */
public final class WindowedAverager {
    /** A chain's current state as doubles (read, never kept). */
    @FunctionalInterface
    public interface States {
        /** The value of {@code unit} in {@code chain}. */
        double get(int chain, int unit);
    }

    private final RunSpec spec;
    private final int chains;
    private final int units;
    private double[][] sum;
    private double[][] previousBlock;
    private long taken;
    private long inBlock;
    private boolean done;
    private boolean converged;

    public WindowedAverager(RunSpec spec, int chains, int units) {
        this.spec = spec;
        this.chains = chains;
        this.units = units;
        this.sum = new double[chains][units];
        this.converged = !spec.untilConverged();
    }

    /** True while the schedule wants another step. */
    public boolean wantsStep() {
        return !done && taken < spec.stepLimit();
    }

    /** Steps taken so far. */
    public long steps() {
        return taken;
    }

    /** True in fixed mode, or once the convergence criterion was met. */
    public boolean converged() {
        return converged;
    }

    /** Records one completed step of every chain. */
    public void afterStep(States states) {
        taken++;
        if (taken <= spec.burnIn()) {
            return;
        }
        for (int c = 0; c < chains; c++) {
            double[] s = sum[c];
            for (int i = 0; i < units; i++) {
                s[i] += states.get(c, i);
            }
        }
        if (++inBlock < spec.window()) {
            return;
        }
        if (!spec.untilConverged()) {
            done = true;
            return;
        }
        double[][] block = new double[chains][units];
        double moved = 0;
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < units; i++) {
                block[c][i] = sum[c][i] / spec.window();
                if (previousBlock != null) {
                    moved = Math.max(moved, Math.abs(block[c][i] - previousBlock[c][i]));
                }
            }
        }
        if (previousBlock != null && moved < spec.tolerance()) {
            converged = true;
            done = true;
            return;
        }
        previousBlock = block;
        if (taken + spec.window() > spec.stepLimit()) {
            done = true; // no room for another full block: keep this one as the read-out
            return;
        }
        sum = new double[chains][units];
        inBlock = 0;
    }

    /** The windowed means, [chain][unit]; the current state where no step was averaged. */
    public float[][] means(States current) {
        float[][] out = new float[chains][units];
        for (int c = 0; c < chains; c++) {
            for (int i = 0; i < units; i++) {
                out[c][i] = (float) (inBlock == 0 ? current.get(c, i) : sum[c][i] / inBlock);
            }
        }
        return out;
    }
}
