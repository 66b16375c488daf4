package dev.tdi.substrate.fpga.device;

/**
 * A relaxation schedule as the sequencer holds it after decoding the SCHED table (docs/fpga-device.md,
 * "Schedules"): the phases' step counts and windows on the absolute step axis, and per phase the enable bits the
 * datapath reads each step: which modules move, which factors it computes.
 * <p>
 * Table layout (32-bit words): {@code P, M}, then per phase {@code steps_lo, steps_hi, window_lo, window_hi}, then
 * per module its release phase (0..P-1 for a free module, -1 for a clamped one). A factor is <em>active</em> in
 * phase p when every module it touches has a release phase &lt;= p; the datapath <em>computes</em> it only when it
 * is active and touches a module that moves in p (its force on held modules would be discarded). At the last step
 * of a phase the modules it released are set to their window mean and held.
 */
public final class ScheduleTable {
    /** Words before the phase records. */
    public static final int HEADER_WORDS = 2;
    /** Words per phase record. */
    public static final int PHASE_WORDS = 4;
    /** Largest window the hold divider takes (the rounding sum 2 ACC + W must fit 64 bits). */
    public static final long MAX_WINDOW = Integer.MAX_VALUE;

    final long[] start;
    final long[] steps;
    final long[] window;
    final int[] release;
    final boolean[][] moves;
    final boolean[][] residualOn;
    final boolean[][] couplingOn;
    final boolean[][] biasOn;
    private final LoadedProgram program;

    /** Thrown for a table the device refuses (ERR_BAD_PARAM with ERROR_INFO = SCHED_ADDR). */
    public static final class BadScheduleException extends Exception {
        public BadScheduleException(String message) {
            super(message);
        }
    }

    private ScheduleTable(long[] steps, long[] window, int[] release, LoadedProgram p) {
        int phases = steps.length;
        this.program = p;
        this.steps = steps;
        this.window = window;
        this.release = release;
        this.start = new long[phases + 1];
        for (int q = 0; q < phases; q++) {
            start[q + 1] = start[q] + steps[q];
        }
        moves = new boolean[phases][p.modules.length];
        residualOn = new boolean[phases][p.residuals.length];
        couplingOn = new boolean[phases][p.couplings.length];
        biasOn = new boolean[phases][p.biases.length];
        for (int q = 0; q < phases; q++) {
            for (int m = 0; m < p.modules.length; m++) {
                moves[q][m] = release[m] == q;
            }
            for (int r = 0; r < p.residuals.length; r++) {
                LoadedProgram.Res res = p.residuals[r];
                int on = release[res.target()];
                boolean touchesMoving = moves[q][res.target()];
                for (int s : res.srcModule()) {
                    on = Math.max(on, release[s]);
                    touchesMoving |= moves[q][s];
                }
                residualOn[q][r] = on <= q && touchesMoving;
            }
            for (int c = 0; c < p.couplings.length; c++) {
                LoadedProgram.Cpl cp = p.couplings[c];
                couplingOn[q][c] = Math.max(release[cp.a()], release[cp.b()]) <= q
                        && (moves[q][cp.a()] || moves[q][cp.b()]);
            }
            for (int b = 0; b < p.biases.length; b++) {
                biasOn[q][b] = moves[q][p.biases[b].module()];
            }
        }
    }

    /** Phases. */
    public int phases() {
        return steps.length;
    }

    /** Steps of phase q. */
    public long steps(int q) {
        return steps[q];
    }

    /**
     * Multiply-accumulates of one step of one chain in phase q: W x of every computed residual source, W^T e
     * toward the sources that move, the moving sides of computed couplings, plus one per moving unit (the
     * on-site term), as {@link LoadedProgram#macsPerStep()} counts them for an unscheduled step.
     */
    public long macsPerStep(int q) {
        LoadedProgram p = program;
        long macs = movingUnits(q);
        for (int r = 0; r < p.residuals.length; r++) {
            if (!residualOn[q][r]) {
                continue;
            }
            LoadedProgram.Res res = p.residuals[r];
            for (int s = 0; s < res.srcOp().length; s++) {
                long m = p.ops[res.srcOp()[s]].macs();
                macs += m + (res.srcGain()[s] != 0 && moves[q][res.srcModule()[s]] ? m : 0);
            }
        }
        for (int c = 0; c < p.couplings.length; c++) {
            if (!couplingOn[q][c]) {
                continue;
            }
            LoadedProgram.Cpl cp = p.couplings[c];
            long m = p.ops[cp.op()].macs();
            macs += cp.self() ? m : (moves[q][cp.a()] ? m : 0) + (moves[q][cp.b()] ? m : 0);
        }
        return macs;
    }

    /** Units that move in phase q. */
    public long movingUnits(int q) {
        long n = 0;
        for (int m = 0; m < program.modules.length; m++) {
            if (moves[q][m]) {
                n += program.modules[m].size();
            }
        }
        return n;
    }

    /** Entries the sequencer walks to decode one phase's enable bits: modules, residual sources, couplings, biases. */
    public long decodeEntries() {
        long n = program.modules.length + program.couplings.length + program.biases.length;
        for (LoadedProgram.Res r : program.residuals) {
            n += 1 + r.srcOp().length;
        }
        return n;
    }

    /** Steps of the whole schedule. */
    public long totalSteps() {
        return start[steps.length];
    }

    /** The phase that absolute step {@code s} belongs to (0 <= s < totalSteps). */
    int phaseOf(long s) {
        int lo = 0;
        int hi = steps.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (start[mid] <= s) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Decodes and validates a table against the loaded program: 1..MAX_PHASES phases, steps >= 1,
     * 1 <= window <= min(steps, MAX_WINDOW), the program's module count, every free module released in a phase
     * that exists and every clamped module marked -1, and a total step count that fits 63 bits.
     */
    public static ScheduleTable parse(int[] w, LoadedProgram p) throws BadScheduleException {
        check(w.length >= HEADER_WORDS, "schedule table of %d words is shorter than its header", w.length);
        int phases = w[0];
        int modules = w[1];
        check(phases >= 1 && phases <= Registers.MAX_PHASES, "schedule has %d phases, accepted 1..%d", phases,
                Registers.MAX_PHASES);
        check(modules == p.modules.length, "schedule names %d modules, the program has %d", modules,
                p.modules.length);
        check((long) HEADER_WORDS + (long) PHASE_WORDS * phases + modules == w.length,
                "schedule table of %d words does not match %d phases and %d modules", w.length, phases, modules);
        long[] steps = new long[phases];
        long[] window = new long[phases];
        long total = 0;
        for (int q = 0; q < phases; q++) {
            int o = HEADER_WORDS + PHASE_WORDS * q;
            steps[q] = (w[o] & 0xFFFF_FFFFL) | ((long) w[o + 1] << 32);
            window[q] = (w[o + 2] & 0xFFFF_FFFFL) | ((long) w[o + 3] << 32);
            check(steps[q] >= 1, "schedule phase %d has %d steps, needs >= 1", q, steps[q]);
            check(window[q] >= 1 && window[q] <= steps[q] && window[q] <= MAX_WINDOW,
                    "schedule phase %d window %d outside 1..min(steps %d, %d)", q, window[q], steps[q], MAX_WINDOW);
            total += steps[q];
            check(total > 0, "schedule's total steps overflow 63 bits");
        }
        int[] release = new int[modules];
        for (int m = 0; m < modules; m++) {
            release[m] = w[HEADER_WORDS + PHASE_WORDS * phases + m];
            if (p.modules[m].clamped()) {
                check(release[m] == -1, "schedule releases clamped module %d in phase %d (clamped modules are -1)",
                        m, release[m]);
            } else {
                check(release[m] >= 0 && release[m] < phases, "schedule releases free module %d in phase %d, not"
                        + " in 0..%d", m, release[m], phases - 1);
            }
        }
        return new ScheduleTable(steps, window, release, p);
    }

    /** The table's words for the given phases and per-module release phases (the host's encoder). */
    public static int[] encode(long[] steps, long[] window, int[] release) {
        int phases = steps.length;
        int[] w = new int[HEADER_WORDS + PHASE_WORDS * phases + release.length];
        w[0] = phases;
        w[1] = release.length;
        for (int q = 0; q < phases; q++) {
            int o = HEADER_WORDS + PHASE_WORDS * q;
            w[o] = (int) steps[q];
            w[o + 1] = (int) (steps[q] >>> 32);
            w[o + 2] = (int) window[q];
            w[o + 3] = (int) (window[q] >>> 32);
        }
        System.arraycopy(release, 0, w, HEADER_WORDS + PHASE_WORDS * phases, release.length);
        return w;
    }

    /** Words of a table for {@code modules} modules and at most {@code modules} phases (one per free module). */
    public static int maxWords(int modules) {
        return HEADER_WORDS + PHASE_WORDS * Math.max(1, modules) + modules;
    }

    /** Round-half-up ACC / W: the held value of a unit whose window summed to {@code acc}. */
    static long hold(long acc, long window) {
        return Math.floorDiv(2 * acc + window, 2 * window);
    }

    private static void check(boolean ok, String fmt, Object... args) throws BadScheduleException {
        if (!ok) {
            throw new BadScheduleException(String.format(fmt, args));
        }
    }
}
