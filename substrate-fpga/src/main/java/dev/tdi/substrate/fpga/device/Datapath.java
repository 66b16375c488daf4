package dev.tdi.substrate.fpga.device;

import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The bit-exact Langevin datapath (docs/fpga-device.md, "Datapath"). One step of one chain:
 * <ol>
 *   <li>Residual pass, per Residual factor: a = sat(rnd16((h &lt;&lt; 16) + sum W_i x_si)); r = sat(x_t - rho(a));
 *       wr = sat(rnd16(w r)); e = rho'(a) ? wr : 0 (relu'(0) = 0).</li>
 *   <li>Force accumulation in exact Q.32: F = -grad U, i.e. F_t -= wr &lt;&lt; 16, F_si += W_i^T e;
 *       couplings F_a += W x_b, F_b += W^T x_a (a != b) or F_a -= W x_a (self); biases F += h &lt;&lt; 16;
 *       on-site F -= K x - (KMU &lt;&lt; 16).</li>
 *   <li>Update of every unclamped unit: v = x + mulRnd(dt, rnd16(F), 28) + mulRnd(sigma, xi, 24), then walls by
 *       reflection (v &lt; lo: 2 lo - v, else v &gt; hi: 2 hi - v; then clamp into [lo, hi]), then 32-bit saturation.
 *       A saturated register, or |x| above the divergence bound, stops the chain.</li>
 * </ol>
 * With a {@link ScheduleTable} (RUN_FLAGS.SCHEDULE) a step of phase p computes only the factors the phase
 * computes, updates only the modules it releases, adds them into ACC during its window and, at its last step, sets
 * them to their window mean and holds them (docs/fpga-device.md, "Schedules").
 * Every sum is an exact integer sum (the compiler proves the 64-bit accumulators cannot overflow), so the result
 * does not depend on summation order or on how chains are spread over threads.
 */
public final class Datapath {
    private Datapath() {
    }

    /** What a run did. */
    public record Outcome(long stepsDone, long satState, long satInternal, boolean diverged, long divStep,
                          int divChain, int divUnit, long divValue, boolean aborted) {
    }

    /**
     * Inputs of one run (arrays are read, states and accumulators updated in place). With a {@code schedule}
     * (RUN_FLAGS.SCHEDULE) the steps are steps stepBase.. of the schedule's axis and {@code acc} must be given: it
     * holds the window sums of the phases' modules.
     */
    public record Run(LoadedProgram program, int[] bias, int[] clamp, long[] dt, long[] sigma, long[] keys,
                      int[][] states, long[][] acc, long steps, long stepBase, int flags, int divBound,
                      ScheduleTable schedule) {
        /** A run without a schedule. */
        public Run(LoadedProgram program, int[] bias, int[] clamp, long[] dt, long[] sigma, long[] keys,
                   int[][] states, long[][] acc, long steps, long stepBase, int flags, int divBound) {
            this(program, bias, clamp, dt, sigma, keys, states, acc, steps, stepBase, flags, divBound, null);
        }
    }

    /** Applies the initial-state rules to one chain: reflection into walls (when asked) and clamps. */
    static void prepare(LoadedProgram p, int[] x, int[] clamp, boolean initWalls) {
        for (LoadedProgram.Mod m : p.modules) {
            if (m.clamped()) {
                System.arraycopy(clamp, m.clampBase(), x, m.offset(), m.size());
            } else if (initWalls && (m.loWall() || m.hiWall())) {
                for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                    x[i] = (int) walls(m, x[i]);
                }
            }
        }
    }

    static long walls(LoadedProgram.Mod m, long v) {
        long lo = m.lo();
        long hi = m.hi();
        if (m.loWall() && v < lo) {
            v = 2 * lo - v;
        } else if (m.hiWall() && v > hi) {
            v = 2 * hi - v;
        }
        if (m.loWall() && v < lo) {
            v = lo;
        }
        if (m.hiWall() && v > hi) {
            v = hi;
        }
        return v;
    }

    /** Runs every chain, in parallel on {@code pool} when given; stops all chains at the first divergence. */
    public static Outcome run(Run run, ExecutorService pool, BooleanSupplier abort) {
        return run(run, pool, abort, null);
    }

    /** As {@link #run(Run, ExecutorService, BooleanSupplier)}, reporting chain 0's steps done every 16 steps. */
    public static Outcome run(Run run, ExecutorService pool, BooleanSupplier abort, LongConsumer progress) {
        int chains = run.states().length;
        AtomicLong firstDiverged = new AtomicLong(Long.MAX_VALUE);
        ChainOutcome[] out = new ChainOutcome[chains];
        if (pool == null || chains == 1) {
            for (int c = 0; c < chains; c++) {
                out[c] = new Chain(run, c).run(firstDiverged, abort, c == 0 ? progress : null);
            }
        } else {
            java.util.List<Future<ChainOutcome>> f = new java.util.ArrayList<>(chains);
            for (int c = 0; c < chains; c++) {
                Chain ch = new Chain(run, c);
                LongConsumer pr = c == 0 ? progress : null;
                f.add(pool.submit(() -> ch.run(firstDiverged, abort, pr)));
            }
            for (int c = 0; c < chains; c++) {
                try {
                    out[c] = f.get(c).get();
                } catch (Exception e) {
                    throw new IllegalStateException("datapath lane failed: " + e, e);
                }
            }
        }
        long satState = 0;
        long satInternal = 0;
        boolean aborted = false;
        ChainOutcome first = null;
        for (int c = 0; c < chains; c++) {
            satState += out[c].satState;
            satInternal += out[c].satInternal;
            aborted |= out[c].aborted;
            if (out[c].diverged && (first == null || out[c].divStep < first.divStep)) {
                first = out[c];
            }
        }
        if (first != null) {
            return new Outcome(first.divStep - run.stepBase() + 1, satState, satInternal, true, first.divStep,
                    first.chain, first.divUnit, first.divValue, false);
        }
        long done = Long.MAX_VALUE;
        for (ChainOutcome o : out) {
            done = Math.min(done, o.steps);
        }
        return new Outcome(done, satState, satInternal, false, 0, 0, 0, 0, aborted);
    }

    static final class ChainOutcome {
        int chain;
        long steps;
        long satState;
        long satInternal;
        boolean diverged;
        long divStep;
        int divUnit;
        long divValue;
        boolean aborted;
    }

    /** The per-lane state of one chain. */
    static final class Chain {
        final Run run;
        final LoadedProgram p;
        final int chain;
        final int[] x;
        final long[] acc;
        final long[] force;
        final long[][] resAcc;
        final int[][] resE;
        final long[] tmp;
        final int[][] resR;
        final boolean[][] resOn;
        final long key;
        final ScheduleTable sched;
        long satInternal;

        Chain(Run run, int chain) {
            this.run = run;
            this.p = run.program();
            this.chain = chain;
            this.x = run.states()[chain];
            this.acc = run.acc() == null ? null : run.acc()[chain];
            this.force = new long[p.units];
            this.resAcc = new long[p.residuals.length][];
            this.resE = new int[p.residuals.length][];
            this.resR = new int[p.residuals.length][];
            this.resOn = new boolean[p.residuals.length][];
            int maxTmp = 0;
            for (int r = 0; r < p.residuals.length; r++) {
                int n = p.modules[p.residuals[r].target()].size();
                resAcc[r] = new long[n];
                resE[r] = new int[n];
                resR[r] = new int[n];
                resOn[r] = new boolean[n];
            }
            for (LoadedProgram.Cpl c : p.couplings) {
                maxTmp = Math.max(maxTmp, Math.max(p.modules[c.a()].size(), p.modules[c.b()].size()));
            }
            this.tmp = new long[maxTmp];
            this.key = run.keys()[chain];
            this.sched = run.schedule();
        }

        ChainOutcome run(AtomicLong firstDiverged, BooleanSupplier abort, LongConsumer progress) {
            ChainOutcome o = new ChainOutcome();
            o.chain = chain;
            prepare(p, x, run.clamp(), (run.flags() & Registers.RF_INIT_WALLS) != 0);
            long s = 0;
            int phase = sched == null ? -1 : sched.phaseOf(run.stepBase());
            for (; s < run.steps(); s++) {
                long abs = run.stepBase() + s;
                if (sched != null && abs >= sched.start[phase + 1]) {
                    phase++;
                }
                if (abs > firstDiverged.get()) {
                    break;
                }
                if ((s & 15) == 0) {
                    if (abort.getAsBoolean()) {
                        o.aborted = true;
                        break;
                    }
                    if (progress != null) {
                        progress.accept(s);
                    }
                }
                forces(phase);
                if (update(abs, o, phase)) {
                    o.diverged = true;
                    o.divStep = abs;
                    firstDiverged.accumulateAndGet(abs, Math::min);
                    s++;
                    break;
                }
                if (sched != null) {
                    windowAndHold(abs, phase);
                } else if (acc != null) {
                    for (int i = 0; i < x.length; i++) {
                        acc[i] += x[i];
                    }
                }
            }
            o.steps = s;
            o.satInternal = satInternal;
            return o;
        }

        /**
         * Stage 4 of a scheduled step: the phase's modules add into ACC during its last {@code window} steps, and
         * at its last step they are set to their window mean (round half up) and held from then on.
         */
        private void windowAndHold(long abs, int phase) {
            long end = sched.start[phase + 1];
            long window = sched.window[phase];
            if (abs < end - window) {
                return;
            }
            boolean last = abs == end - 1;
            boolean[] moves = sched.moves[phase];
            for (int m = 0; m < p.modules.length; m++) {
                if (!moves[m]) {
                    continue;
                }
                LoadedProgram.Mod mod = p.modules[m];
                for (int i = mod.offset(); i < mod.offset() + mod.size(); i++) {
                    acc[i] += x[i];
                    if (last) {
                        x[i] = (int) ScheduleTable.hold(acc[i], window);
                    }
                }
            }
        }

        /**
         * Stage 1 and 2: the force F = -grad U in exact Q.32, each module's in units of 2^E. In a scheduled phase
         * only the factors the phase computes ({@link ScheduleTable}) contribute; -1 means no schedule.
         */
        void forces(int phase) {
            long[] f = force;
            Arrays.fill(f, 0);
            int[] bias = run.bias();
            LoadedProgram.Mod[] mods = p.modules;
            boolean[] resActive = phase < 0 ? null : sched.residualOn[phase];
            boolean[] cplOn = phase < 0 ? null : sched.couplingOn[phase];
            boolean[] biasOn = phase < 0 ? null : sched.biasOn[phase];
            boolean[] moves = phase < 0 ? null : sched.moves[phase];
            for (int r = 0; r < p.residuals.length; r++) {
                if (resActive != null && !resActive[r]) {
                    continue;
                }
                LoadedProgram.Res res = p.residuals[r];
                LoadedProgram.Mod t = mods[res.target()];
                long[] a = resAcc[r];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (long) bias[res.biasBase() + i] << 16;
                }
                for (int s = 0; s < res.srcOp().length; s++) {
                    satInternal += p.ops[res.srcOp()[s]].apply(x, mods[res.srcModule()[s]].offset(), a, 0);
                }
                int[] rr = resR[r];
                boolean[] on = resOn[r];
                long w = res.weight();
                int off = t.offset();
                for (int i = 0; i < a.length; i++) {
                    long ai = Fx.rnd(a[i], 16);
                    if (Fx.outside32(ai)) {
                        satInternal++;
                        ai = Fx.sat32(ai);
                    }
                    long rho = res.relu() && ai < 0 ? 0 : ai;
                    long ri = x[off + i] - rho;
                    if (Fx.outside32(ri)) {
                        satInternal++;
                        ri = Fx.sat32(ri);
                    }
                    rr[i] = (int) ri;
                    on[i] = !res.relu() || ai > 0;
                    long wr = Fx.rnd(w * ri, 16);
                    if (Fx.outside32(wr)) {
                        satInternal++;
                        wr = Fx.sat32(wr);
                    }
                    f[off + i] -= wr << 16;
                }
                int[] e = resE[r];
                for (int s = 0; s < res.srcOp().length; s++) {
                    long g = res.srcGain()[s];
                    if (g == 0) {
                        continue; // e = 0, W^T e = 0: a clamped source (or a gain flushed to zero)
                    }
                    if (moves != null && !moves[res.srcModule()[s]]) {
                        continue; // a held source: its force would be discarded
                    }
                    for (int i = 0; i < e.length; i++) {
                        if (on[i]) {
                            long v = Fx.rnd(g * rr[i], 16);
                            if (Fx.outside32(v)) {
                                satInternal++;
                                v = Fx.sat32(v);
                            }
                            e[i] = (int) v;
                        } else {
                            e[i] = 0;
                        }
                    }
                    satInternal += p.ops[res.srcOp()[s]].applyTranspose(e, 0, f, mods[res.srcModule()[s]].offset());
                }
            }
            for (int ci = 0; ci < p.couplings.length; ci++) {
                if (cplOn != null && !cplOn[ci]) {
                    continue;
                }
                LoadedProgram.Cpl c = p.couplings[ci];
                FxOperator op = p.ops[c.op()];
                LoadedProgram.Mod ma = mods[c.a()];
                LoadedProgram.Mod mb = mods[c.b()];
                if (c.self()) {
                    satInternal += viaShift(op, false, x, ma.offset(), f, ma.offset(), ma.size(), ma.exponent(), -1);
                } else {
                    // In a scheduled phase only the sides whose module moves are computed.
                    if (moves == null || moves[c.a()]) {
                        satInternal += viaShift(op, false, x, mb.offset(), f, ma.offset(), ma.size(), ma.exponent(),
                                1);
                    }
                    if (moves == null || moves[c.b()]) {
                        satInternal += viaShift(op, true, x, ma.offset(), f, mb.offset(), mb.size(), mb.exponent(),
                                1);
                    }
                }
            }
            for (int bi = 0; bi < p.biases.length; bi++) {
                if (biasOn != null && !biasOn[bi]) {
                    continue;
                }
                LoadedProgram.Bias b = p.biases[bi];
                LoadedProgram.Mod m = mods[b.module()];
                for (int i = 0; i < m.size(); i++) {
                    f[m.offset() + i] += (long) bias[b.biasBase() + i] << 16;
                }
            }
            for (int mi = 0; mi < mods.length; mi++) {
                if (moves != null && !moves[mi]) {
                    continue;
                }
                LoadedProgram.Mod m = mods[mi];
                long k = m.k();
                long kmu = (long) m.kmu() << 16;
                if (k == 0 && kmu == 0) {
                    continue;
                }
                for (int i = m.offset(); i < m.offset() + m.size(); i++) {
                    f[i] -= k * x[i] - kmu;
                }
            }
        }

        /**
         * f[fOff..] += sign rnd(W x, e) (or W^T x): accumulated directly when e = 0, through the lane's scratch
         * register and a rounding shift by the target module's force exponent otherwise.
         */
        private int viaShift(FxOperator op, boolean transpose, int[] xs, int xOff, long[] f, int fOff, int n, int e,
                             int sign) {
            if (e == 0 && sign > 0) {
                return transpose ? op.applyTranspose(xs, xOff, f, fOff) : op.apply(xs, xOff, f, fOff);
            }
            Arrays.fill(tmp, 0, n, 0);
            int sat = transpose ? op.applyTranspose(xs, xOff, tmp, 0) : op.apply(xs, xOff, tmp, 0);
            for (int i = 0; i < n; i++) {
                long v = e == 0 ? tmp[i] : Fx.rnd(tmp[i], e);
                f[fOff + i] += sign * v;
            }
            return sat;
        }

        /**
         * Stage 3: the Euler-Maruyama update with walls of every unclamped module (in a scheduled phase, of the
         * modules it moves); returns true when the chain diverged.
         */
        boolean update(long step, ChainOutcome o, int phase) {
            long[] f = force;
            int bound = run.divBound();
            boolean[] moves = phase < 0 ? null : sched.moves[phase];
            for (int m = 0; m < p.modules.length; m++) {
                LoadedProgram.Mod mod = p.modules[m];
                if (mod.clamped() || (moves != null && !moves[m])) {
                    continue;
                }
                long dt = run.dt()[m];
                long sigma = run.sigma()[m];
                boolean walls = mod.loWall() || mod.hiWall();
                for (int i = mod.offset(); i < mod.offset() + mod.size(); i++) {
                    long g = Fx.rnd(f[i], 16);
                    long v = x[i] + Fx.mulRnd(dt, g, Fx.DT_FRAC);
                    if (sigma != 0) {
                        v += Fx.rnd(sigma * NoiseGenerator.xi(key, step, i), Fx.SIGMA_FRAC);
                    }
                    if (walls) {
                        v = walls(mod, v);
                    }
                    if (Fx.outside32(v)) {
                        o.satState++;
                        x[i] = Fx.sat32(v);
                        o.divUnit = i;
                        o.divValue = v;
                        finishUpdate(m, i + 1, step, moves, o);
                        return true;
                    }
                    x[i] = (int) v;
                    if (Math.abs(v) > bound) {
                        o.divUnit = i;
                        o.divValue = v;
                        finishUpdate(m, i + 1, step, moves, o);
                        return true;
                    }
                }
            }
            return false;
        }

        /** After a divergence the remaining units of the step are still updated (the step completes). */
        private void finishUpdate(int m0, int from, long step, boolean[] moves, ChainOutcome o) {
            long[] f = force;
            for (int m = m0; m < p.modules.length; m++) {
                LoadedProgram.Mod mod = p.modules[m];
                if (mod.clamped() || (moves != null && !moves[m])) {
                    continue;
                }
                long dt = run.dt()[m];
                long sigma = run.sigma()[m];
                int start = m == m0 ? from : mod.offset();
                for (int i = start; i < mod.offset() + mod.size(); i++) {
                    long v = x[i] + Fx.mulRnd(dt, Fx.rnd(f[i], 16), Fx.DT_FRAC);
                    if (sigma != 0) {
                        v += Fx.rnd(sigma * NoiseGenerator.xi(key, step, i), Fx.SIGMA_FRAC);
                    }
                    v = walls(mod, v);
                    if (Fx.outside32(v)) {
                        o.satState++;
                    }
                    x[i] = Fx.sat32(v);
                }
            }
        }
    }
}
