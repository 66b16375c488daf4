package dev.tdi.substrate.sim;

import dev.tdi.substrate.AbstractSubstrate;
import dev.tdi.substrate.DivergenceException;
import dev.tdi.substrate.RunResult;
import dev.tdi.substrate.RunSpec;
import dev.tdi.substrate.Schedule;
import dev.tdi.substrate.Trace;
import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.InvalidProgramException;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.reference.ReferenceEnergy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session of the SIMD simulator. The program is compiled once ({@link #upload}) into per-module on-site
 * constants and walls, and operators laid out for SIMD ({@link SimOp}). States are float32, chain-major
 * ({@code x[chain][unit]}); every operator application serves the whole batch of chains in one pass over its
 * weights. A step is: g = on-site and bias gradient; + couplings; + residuals; then the Euler-Maruyama update with
 * the counter-based noise, reflection into walls and the divergence test. Every phase is a list of tasks fixed by
 * the program, so the result is bit-identical for any thread count.
 */
public final class SimSubstrate extends AbstractSubstrate {
    /** Units per task in the element-wise phases. */
    static final int SEGMENT = 16384;
    /** Heap kept free beyond the estimate (JIT, GC headroom, the caller's own arrays). */
    static final long HEADROOM = 64L << 20;

    private final Kernels kernels;
    private final Pool pool;
    private Compiled plan;
    private float[][] gCache;
    private double[][] sumCache;

    private final ConvForm convForm;

    SimSubstrate(Kernels kernels, int threads, dev.tdi.substrate.Capabilities capabilities, ConvForm convForm) {
        super(SimProvider.NAME, capabilities);
        this.kernels = kernels;
        this.pool = new Pool(threads);
        this.convForm = convForm;
    }

    /** The kernels this session runs (vector or scalar). */
    public String kernels() {
        return kernels.description();
    }

    /** Threads this session uses. */
    public int threads() {
        return pool.threads();
    }

    // ------------------------------------------------------------------------------------------ memory

    /**
     * The heap a program needs on this backend for a run of {@code chains} chains: its operator layouts, plus per
     * chain the state, gradient, residual pre-activations, convolution scratch, window sums (double) and read-outs.
     * Arrays the caller's
     * {@link Program} already holds are not counted.
     */
    public static long estimateBytes(Program program, int chains, boolean convergence) {
        long ops = 0;
        long residualUnits = 0;
        long scratch = 0;
        for (Factor f : program.factors()) {
            if (f instanceof Factor.Coupling c) {
                ops += SimOp.estimateBytes(c.w(), !c.isSelf());
                scratch += SimOp.estimateBytesPerChain(c.w());
            } else if (f instanceof Factor.Residual r) {
                residualUnits += program.module(r.target()).size();
                for (Factor.Source s : r.sources()) {
                    ops += SimOp.estimateBytes(s.w(), true);
                    scratch += SimOp.estimateBytesPerChain(s.w());
                }
            }
        }
        long n = program.units();
        // x, g (4 + 4), sums (8), previous block (8, convergence only), final + mean read-outs (4 + 4)
        long perChain = n * (4 + 4 + 8 + 4 + 4 + (convergence ? 8 : 0)) + 4 * residualUnits + scratch;
        return ops + perChain * chains;
    }

    /** Heap available now: the maximum heap less what is in use. */
    static long availableHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    private void requireMemory(Program program, int chains, boolean convergence, long held, String what) {
        long need = estimateBytes(program, chains, convergence) - held + HEADROOM;
        if (need > availableHeap()) {
            System.gc();
        }
        long available = availableHeap();
        if (need > available) {
            throw new UnsupportedProgramException(SimProvider.NAME, List.of(String.format(
                    "%s needs about %s of heap (%d units, %d chains, estimate including %s headroom) but only %s"
                            + " of the %s maximum heap is available; raise -Xmx (for ./tdi: TDI_JAVA_OPTS=-Xmx...)"
                            + " or run fewer chains", what, mib(need), program.units(), chains, mib(HEADROOM),
                    mib(available), mib(Runtime.getRuntime().maxMemory()))));
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    // ----------------------------------------------------------------------------------------- program

    /** A coupling term: -x_a^T W x_b, or (1/2) x^T W x. */
    private record CouplingTerm(SimOp op, int aOff, int bOff, boolean self, boolean aFree, boolean bFree, int aMod,
                                int bMod) {
    }

    /** A residual source. */
    private record Source(SimOp op, int off, boolean free, int mod) {
    }

    /** A residual term. */
    private record ResidualTerm(String field, int tOff, int nt, float weight, boolean relu, List<Source> sources,
                                boolean needed, int tMod) {
    }

    /** A bias term on a module. */
    private record BiasTerm(String field, int off, int n, int mod) {
    }

    /** A block of free units updated by one task. */
    private record Segment(int module, int start, int length) {
    }

    /** The compiled program. */
    private record Compiled(Program program, ModuleSpec[] modules, boolean[] free, float[] k, float[] c,
                            boolean[] walls, float[] lo, float[] hi, List<BiasTerm> biases,
                            List<CouplingTerm> couplings, List<ResidualTerm> residuals, Segment[] segments,
                            long opBytes) {
    }

    @Override
    protected void upload(Program program) {
        plan = null;
        gCache = null;
        sumCache = null;
        requireMemory(program, 1, false, 0, "the program");
        List<ModuleSpec> ms = program.modules();
        int m = ms.size();
        ModuleSpec[] modules = ms.toArray(new ModuleSpec[0]);
        boolean[] free = new boolean[m];
        Arrays.fill(free, true);
        double[] k = new double[m];
        double[] kmu = new double[m];
        double[] lo = new double[m];
        double[] hi = new double[m];
        Arrays.fill(lo, Double.NEGATIVE_INFINITY);
        Arrays.fill(hi, Double.POSITIVE_INFINITY);
        List<BiasTerm> biases = new ArrayList<>();
        List<CouplingTerm> couplings = new ArrayList<>();
        List<ResidualTerm> residuals = new ArrayList<>();
        for (Factor f : program.factors()) {
            if (f instanceof Factor.Clamp cl) {
                free[program.module(cl.module()).index()] = false;
            }
        }
        long opBytes = 0;
        for (Factor f : program.factors()) {
            switch (f) {
                case Factor.OnSite o -> {
                    int i = program.module(o.module()).index();
                    switch (o.potential()) {
                        case Potential.Quadratic q -> {
                            k[i] += q.stiffness();
                            kmu[i] += q.stiffness() * q.center();
                        }
                        case Potential.Rectified r -> {
                            k[i] += r.stiffness();
                            kmu[i] += r.stiffness() * r.center();
                            lo[i] = Math.max(lo[i], 0.0);
                        }
                        case Potential.Box b -> {
                            lo[i] = Math.max(lo[i], b.lo());
                            hi[i] = Math.min(hi[i], b.hi());
                        }
                    }
                }
                case Factor.Coupling cp -> {
                    ModuleSpec a = program.module(cp.a());
                    ModuleSpec b = program.module(cp.b());
                    boolean aFree = free[a.index()], bFree = free[b.index()];
                    if (aFree || (bFree && !cp.isSelf())) {
                        SimOp op = SimOp.compile(cp.w(), !cp.isSelf() && bFree, convForm);
                        opBytes += op.heapBytes();
                        couplings.add(new CouplingTerm(op, a.offset(), b.offset(), cp.isSelf(), aFree, bFree,
                                a.index(), b.index()));
                    }
                }
                case Factor.Bias b -> {
                    ModuleSpec mod = program.module(b.module());
                    if (free[mod.index()]) {
                        biases.add(new BiasTerm(b.field(), mod.offset(), mod.size(), mod.index()));
                    }
                }
                case Factor.Residual r -> {
                    ModuleSpec t = program.module(r.target());
                    boolean needed = free[t.index()];
                    for (Factor.Source s : r.sources()) {
                        needed |= free[program.module(s.module()).index()];
                    }
                    List<Source> sources = new ArrayList<>();
                    if (needed) {
                        for (Factor.Source s : r.sources()) {
                            ModuleSpec sm = program.module(s.module());
                            SimOp op = SimOp.compile(s.w(), free[sm.index()], convForm);
                            opBytes += op.heapBytes();
                            sources.add(new Source(op, sm.offset(), free[sm.index()], sm.index()));
                        }
                    }
                    residuals.add(new ResidualTerm(r.field(), t.offset(), t.size(), (float) r.weight(),
                            r.rho() == dev.tdi.substrate.program.Activation.RELU, sources, needed, t.index()));
                }
                case Factor.Clamp cl -> { }
            }
        }
        float[] kf = new float[m], cf = new float[m], lof = new float[m], hif = new float[m];
        boolean[] walls = new boolean[m];
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            if (lo[i] > hi[i]) {
                throw new InvalidProgramException("module '" + modules[i].name() + "': its walls leave no room (lower "
                        + lo[i] + " > upper " + hi[i] + ")");
            }
            kf[i] = (float) k[i];
            cf[i] = (float) -kmu[i];
            lof[i] = (float) lo[i];
            hif[i] = (float) hi[i];
            walls[i] = lo[i] > Double.NEGATIVE_INFINITY || hi[i] < Double.POSITIVE_INFINITY;
            if (free[i]) {
                for (int s = 0; s < modules[i].size(); s += SEGMENT) {
                    segments.add(new Segment(i, s, Math.min(SEGMENT, modules[i].size() - s)));
                }
            }
        }
        plan = new Compiled(program, modules, free, kf, cf, walls, lof, hif, List.copyOf(biases),
                List.copyOf(couplings), List.copyOf(residuals), segments.toArray(new Segment[0]), opBytes);
    }

    @Override
    protected void release() {
        plan = null;
        gCache = null;
        sumCache = null;
        pool.close();
    }

    // ------------------------------------------------------------------------------------------ cost model

    /**
     * Bytes moved from memory and floating-point operations of one step on {@code chains} chains, from the compiled
     * layout: each operator application reads its weights once for the batch plus its source and target states per
     * chain; the element-wise phases read and write x and g (16 bytes per free unit per chain). Flops count 2 per
     * multiply-add of the operators and 8 per free unit per chain (on-site, bias, update, walls), not the noise.
     *
     * @return {bytes, flops}
     */
    public long[] costPerStep(int chains) {
        Compiled p = plan;
        if (p == null) {
            throw new IllegalStateException("no program is loaded on this sim session");
        }
        long bytes = 0, flops = 0;
        for (CouplingTerm t : p.couplings()) {
            int applies = (t.aFree() ? 1 : 0) + (!t.self() && t.bFree() ? 1 : 0);
            bytes += applies * t.op().bytes(chains);
            flops += applies * 2L * t.op().macs() * chains;
        }
        for (ResidualTerm r : p.residuals()) {
            if (!r.needed()) {
                continue;
            }
            for (Source s : r.sources()) {
                int applies = 1 + (s.free() ? 1 : 0);
                bytes += applies * s.op().bytes(chains);
                flops += applies * 2L * s.op().macs() * chains;
            }
            bytes += 16L * r.nt() * chains;
            flops += 6L * r.nt() * chains;
        }
        long freeUnits = 0;
        for (Segment s : p.segments()) {
            freeUnits += s.length();
        }
        bytes += 16L * freeUnits * chains;
        flops += 8L * freeUnits * chains;
        return new long[] {bytes, flops};
    }

    // ----------------------------------------------------------------------------------------------- run

    @Override
    protected RunResult execute(RunSpec spec) {
        if (spec.schedule().isPresent()) {
            return new ScheduledRun(plan, spec, spec.schedule().get()).run();
        }
        long start = System.nanoTime();
        Compiled p = plan;
        Program program = p.program();
        int chains = spec.chains();
        int n = program.units();
        requireMemory(program, chains, spec.untilConverged(), p.opBytes(), "this run"); // layouts already held

        ModuleSpec[] modules = p.modules();
        int m = modules.length;
        float[] dt = new float[m];
        float[] sigma = new float[m];
        for (int i = 0; i < m; i++) {
            double step = spec.stepSize(modules[i].name());
            dt[i] = (float) step;
            sigma[i] = (float) Math.sqrt(2 * spec.temperature() * step);
        }
        boolean noise = spec.temperature() > 0;
        float bound = (float) Math.min(spec.divergenceBound(), Float.MAX_VALUE);

        float[][] x = new float[chains][];
        // The gradient and the window sums are kept between runs of the same shape (many short runs, as a
        // sampling loop makes, then skip allocating and page-faulting them); g needs no clearing (every step
        // rewrites it on free units, and clamped units' entries are never read), the sums are cleared.
        if (gCache == null || gCache.length != chains || gCache[0].length != n) {
            gCache = null;
            sumCache = null;
            gCache = new float[chains][n];
            sumCache = new double[chains][n];
        } else {
            for (double[] row : sumCache) {
                Arrays.fill(row, 0);
            }
        }
        float[][] g = gCache;
        for (int c = 0; c < chains; c++) {
            x[c] = initialState(p, spec, n, c);
        }
        float[][][] pre = new float[p.residuals().size()][][];
        for (int r = 0; r < pre.length; r++) {
            pre[r] = p.residuals().get(r).needed() ? new float[chains][p.residuals().get(r).nt()] : null;
        }
        long[] chainSeed = new long[chains];
        for (int c = 0; c < chains; c++) {
            chainSeed[c] = spec.chainSeed(c);
        }
        int[][] keys = new int[chains][4];
        // [term][chain]: every chain's own row when inputs are per chain (batched relaxation), else one shared row
        float[][][] biasValues = new float[p.biases().size()][][];
        for (int b = 0; b < biasValues.length; b++) {
            biasValues[b] = chainRows(p.biases().get(b).field(), chains);
        }
        float[][][] residualBias = new float[p.residuals().size()][][];
        for (int r = 0; r < residualBias.length; r++) {
            residualBias[r] = chainRows(p.residuals().get(r).field(), chains);
        }

        Segment[] segs = p.segments();
        int segTasks = segs.length;
        long elementWork = (long) n * chains * 8;
        double[][] sum = sumCache;
        double[][] previousBlock = null;
        long taken = 0;
        long inBlock = 0;
        boolean converged = !spec.untilConverged();
        TraceRecorder trace = spec.traceEvery() > 0 ? new TraceRecorder(program) : null;
        long[] failures = new long[chains * segTasks];

        while (taken < spec.stepLimit()) {
            final long step = taken;
            final boolean accumulate = taken + 1 > spec.burnIn();
            // 1. g = k x - k mu - h on free units.
            pool.run(chains * segTasks, elementWork, t -> {
                int c = t / segTasks;
                Segment s = segs[t % segTasks];
                int off = modules[s.module()].offset() + s.start();
                kernels.affine(x[c], off, g[c], off, s.length(), p.k()[s.module()], p.c()[s.module()]);
            });
            for (int b = 0; b < biasValues.length; b++) {
                BiasTerm bt = p.biases().get(b);
                float[][] h = biasValues[b];
                pool.run(chains, (long) bt.n() * chains * 2, c -> kernels.sub(h[c], 0, g[c], bt.off(), bt.n()));
            }
            // 2. couplings.
            for (CouplingTerm t : p.couplings()) {
                if (t.self()) {
                    t.op().apply(kernels, pool, x, t.aOff(), g, t.aOff(), 1f);
                } else {
                    if (t.aFree()) {
                        t.op().apply(kernels, pool, x, t.bOff(), g, t.aOff(), -1f);
                    }
                    if (t.bFree()) {
                        t.op().applyTranspose(kernels, pool, x, t.aOff(), g, t.bOff(), -1f);
                    }
                }
            }
            // 3. residuals.
            for (int r = 0; r < pre.length; r++) {
                ResidualTerm rt = p.residuals().get(r);
                if (!rt.needed()) {
                    continue;
                }
                float[][] a = pre[r];
                float[][] h = residualBias[r];
                for (int c = 0; c < chains; c++) {
                    System.arraycopy(h[c], 0, a[c], 0, rt.nt());
                }
                for (Source s : rt.sources()) {
                    s.op().apply(kernels, pool, x, s.off(), a, 0, 1f);
                }
                pool.run(chains, (long) rt.nt() * chains * 6, c -> kernels.residual(a[c], 0, x[c], rt.tOff(), g[c],
                        rt.tOff(), rt.nt(), rt.weight(), rt.relu()));
                for (Source s : rt.sources()) {
                    if (s.free()) {
                        s.op().applyTranspose(kernels, pool, a, 0, g, s.off(), -1f);
                    }
                }
            }
            // 4. update with noise, walls, divergence test, window sums.
            update(p, segs, x, g, sum, accumulate, noise, dt, sigma, bound, chainSeed, step, keys, failures,
                    elementWork, spec.divergenceBound());
            taken++;
            if (trace != null && taken % spec.traceEvery() == 0) {
                trace.record(taken, x, this::bias);
            }
            if (taken <= spec.burnIn()) {
                continue;
            }
            if (++inBlock < spec.window()) {
                continue;
            }
            if (!spec.untilConverged()) {
                break;
            }
            double[][] block = blockMeans(p, sum, x, spec.window());
            if (previousBlock != null && maxDifference(block, previousBlock) < spec.tolerance()) {
                converged = true;
                break;
            }
            previousBlock = block;
            if (taken + spec.window() > spec.stepLimit()) {
                break;
            }
            for (double[] s : sum) {
                Arrays.fill(s, 0);
            }
            inBlock = 0;
        }

        float[][] means = new float[chains][];
        double[][] block = blockMeans(p, sum, x, Math.max(inBlock, 1));
        for (int c = 0; c < chains; c++) {
            means[c] = new float[n];
            for (int i = 0; i < n; i++) {
                means[c][i] = inBlock == 0 ? x[c][i] : (float) block[c][i];
            }
        }
        return new RunResult(program, x, means, taken, converged, System.nanoTime() - start,
                trace == null ? null : trace.build());
    }

    /**
     * A run that follows a {@link Schedule}. Per phase only the terms that are active and touch a module the phase
     * releases are evaluated (the others cannot move anything: every other module is held), so a whole schedule
     * costs about (steps per phase) forward passes of the program, not (steps) of them. The energies reported per
     * phase are those of the same terms, in double, at the phase's start and after its hold.
     */
    private final class ScheduledRun {
        private final Compiled p;
        private final RunSpec spec;
        private final Schedule schedule;
        private final int chains;
        private final int[] release;

        ScheduledRun(Compiled p, RunSpec spec, Schedule schedule) {
            this.p = p;
            this.spec = spec;
            this.schedule = schedule;
            this.chains = spec.chains();
            this.release = schedule.releasePhase(p.program());
        }

        private int phaseOf(int... mods) {
            int at = -1;
            for (int m : mods) {
                at = Math.max(at, release[m]);
            }
            return at;
        }

        private int phaseOf(ResidualTerm r) {
            int at = release[r.tMod()];
            for (Source src : r.sources()) {
                at = Math.max(at, release[src.mod()]);
            }
            return at;
        }

        private boolean touches(ResidualTerm r, int phase) {
            if (release[r.tMod()] == phase) {
                return true;
            }
            for (Source src : r.sources()) {
                if (release[src.mod()] == phase) {
                    return true;
                }
            }
            return false;
        }

        RunResult run() {
            long start = System.nanoTime();
            Program program = p.program();
            int n = program.units();
            requireMemory(program, chains, false, p.opBytes(), "this run");
            ModuleSpec[] modules = p.modules();
            int m = modules.length;
            float[] dt = new float[m];
            float[] sigma = new float[m];
            for (int i = 0; i < m; i++) {
                double step = spec.stepSize(modules[i].name());
                dt[i] = (float) step;
                sigma[i] = (float) Math.sqrt(2 * spec.temperature() * step);
            }
            boolean noise = spec.temperature() > 0;
            float bound = (float) Math.min(spec.divergenceBound(), Float.MAX_VALUE);
            float[][] x = new float[chains][];
            float[][] g = new float[chains][n];
            for (int c = 0; c < chains; c++) {
                x[c] = initialState(p, spec, n, c);
            }
            long[] chainSeed = new long[chains];
            for (int c = 0; c < chains; c++) {
                chainSeed[c] = spec.chainSeed(c);
            }
            int[][] keys = new int[chains][4];
            List<RunResult.PhaseEnergy> energies = new ArrayList<>();
            long taken = 0;
            for (int phase = 0; phase < schedule.phases().size(); phase++) {
                final int ph = phase;
                Schedule.Phase sp = schedule.phases().get(phase);
                Segment[] segs = Arrays.stream(p.segments()).filter(sg -> release[sg.module()] == ph)
                        .toArray(Segment[]::new);
                List<BiasTerm> biases = p.biases().stream().filter(b -> release[b.mod()] == ph).toList();
                List<CouplingTerm> couplings = p.couplings().stream()
                        .filter(t -> phaseOf(t.aMod(), t.bMod()) <= ph
                                && (release[t.aMod()] == ph || release[t.bMod()] == ph)).toList();
                List<ResidualTerm> residuals = p.residuals().stream()
                        .filter(r -> r.needed() && phaseOf(r) <= ph && touches(r, ph)).toList();
                int segTasks = segs.length;
                long released = Arrays.stream(segs).mapToLong(Segment::length).sum();
                long elementWork = released * chains * 8;
                double[][] sum = new double[chains][];
                for (int c = 0; c < chains; c++) {
                    sum[c] = new double[n];
                }
                double e0 = energy(x, ph, couplings, residuals);
                long[] failures = new long[chains * Math.max(segTasks, 1)];
                for (long step = 0; step < sp.steps(); step++) {
                    final long global = taken;
                    final boolean accumulate = step >= sp.steps() - sp.window();
                    pool.run(chains * segTasks, elementWork, t -> {
                        int c = t / segTasks;
                        Segment sg = segs[t % segTasks];
                        int off = modules[sg.module()].offset() + sg.start();
                        kernels.affine(x[c], off, g[c], off, sg.length(), p.k()[sg.module()], p.c()[sg.module()]);
                    });
                    for (BiasTerm bt : biases) {
                        float[][] h = chainRows(bt.field(), chains);
                        pool.run(chains, (long) bt.n() * chains * 2, c -> kernels.sub(h[c], 0, g[c], bt.off(),
                                bt.n()));
                    }
                    for (CouplingTerm t : couplings) {
                        if (t.self()) {
                            t.op().apply(kernels, pool, x, t.aOff(), g, t.aOff(), 1f);
                        } else {
                            if (t.aFree() && release[t.aMod()] == ph) {
                                t.op().apply(kernels, pool, x, t.bOff(), g, t.aOff(), -1f);
                            }
                            if (t.bFree() && release[t.bMod()] == ph) {
                                t.op().applyTranspose(kernels, pool, x, t.aOff(), g, t.bOff(), -1f);
                            }
                        }
                    }
                    for (ResidualTerm rt : residuals) {
                        float[][] a = preActivation(rt, x);
                        pool.run(chains, (long) rt.nt() * chains * 6, c -> kernels.residual(a[c], 0, x[c], rt.tOff(),
                                g[c], rt.tOff(), rt.nt(), rt.weight(), rt.relu()));
                        for (Source src : rt.sources()) {
                            if (src.free() && release[src.mod()] == ph) {
                                src.op().applyTranspose(kernels, pool, a, 0, g, src.off(), -1f);
                            }
                        }
                    }
                    update(p, segs, x, g, sum, accumulate, noise, dt, sigma, bound, chainSeed, global, keys,
                            failures, elementWork, spec.divergenceBound());
                    taken++;
                }
                // Hold: each released module takes its window mean.
                for (int c = 0; c < chains; c++) {
                    for (Segment sg : segs) {
                        int off = modules[sg.module()].offset() + sg.start();
                        for (int u = off; u < off + sg.length(); u++) {
                            x[c][u] = (float) (sum[c][u] / sp.window());
                        }
                    }
                }
                energies.add(new RunResult.PhaseEnergy(e0, energy(x, ph, couplings, residuals)));
            }
            float[][] means = new float[chains][];
            for (int c = 0; c < chains; c++) {
                means[c] = x[c].clone();
            }
            return new RunResult(program, x, means, taken, true, System.nanoTime() - start, null, energies);
        }

        /** a = h + sum_s W_s x_s for every chain. */
        private float[][] preActivation(ResidualTerm rt, float[][] x) {
            float[][] a = new float[chains][rt.nt()];
            for (int c = 0; c < chains; c++) {
                System.arraycopy(bias(rt.field(), c), 0, a[c], 0, rt.nt());
            }
            for (Source src : rt.sources()) {
                src.op().apply(kernels, pool, x, src.off(), a, 0, 1f);
            }
            return a;
        }

        /**
         * The chain-averaged energy of the phase's terms (on-site and bias factors of its modules, and the active
         * couplings and residuals that touch them), in double from the float states.
         */
        private double energy(float[][] x, int phase, List<CouplingTerm> couplings, List<ResidualTerm> residuals) {
            Program program = p.program();
            double e = 0;
            for (Factor f : program.factors()) {
                if (f instanceof Factor.OnSite o && release[program.module(o.module()).index()] == phase) {
                    ModuleSpec ms = program.module(o.module());
                    double k = 0, mu = 0;
                    if (o.potential() instanceof Potential.Quadratic q) {
                        k = q.stiffness();
                        mu = q.center();
                    } else if (o.potential() instanceof Potential.Rectified r) {
                        k = r.stiffness();
                        mu = r.center();
                    }
                    for (float[] xc : x) {
                        for (int u = ms.offset(); u < ms.offset() + ms.size(); u++) {
                            double d = xc[u] - mu;
                            e += 0.5 * k * d * d;
                        }
                    }
                } else if (f instanceof Factor.Bias b && release[program.module(b.module()).index()] == phase) {
                    ModuleSpec ms = program.module(b.module());
                    for (int c = 0; c < x.length; c++) {
                        float[] h = bias(b.field(), c);
                        for (int u = 0; u < ms.size(); u++) {
                            e -= (double) h[u] * x[c][ms.offset() + u];
                        }
                    }
                }
            }
            for (CouplingTerm t : couplings) {
                int na = p.modules()[t.aMod()].size();
                float[][] y = new float[chains][na];
                t.op().apply(kernels, pool, x, t.bOff(), y, 0, 1f);
                for (int c = 0; c < chains; c++) {
                    double dot = 0;
                    for (int u = 0; u < na; u++) {
                        dot += (double) x[c][t.aOff() + u] * y[c][u];
                    }
                    e += t.self() ? 0.5 * dot : -dot;
                }
            }
            for (ResidualTerm rt : residuals) {
                float[][] a = preActivation(rt, x);
                for (int c = 0; c < chains; c++) {
                    double sq = 0;
                    for (int u = 0; u < rt.nt(); u++) {
                        double act = rt.relu() ? Math.max(0f, a[c][u]) : a[c][u];
                        double r = x[c][rt.tOff() + u] - act;
                        sq += r * r;
                    }
                    e += 0.5 * rt.weight() * sq;
                }
            }
            return e / chains;
        }
    }

    /**
     * The update of one step, shared by free and scheduled runs: the noise keys of {@code step}, then per chain and
     * segment the Euler-Maruyama update with walls, the divergence test and, when {@code accumulate}, the window
     * sums; a unit past the bound is reported as a {@link DivergenceException}.
     */
    private void update(Compiled p, Segment[] segs, float[][] x, float[][] g, double[][] sum, boolean accumulate,
                        boolean noise, float[] dt, float[] sigma, float bound, long[] chainSeed, long step,
                        int[][] keys, long[] failures, long elementWork, double divergenceBound) {
        int chains = x.length;
        int segTasks = segs.length;
        ModuleSpec[] modules = p.modules();
        if (noise) {
            for (int c = 0; c < chains; c++) {
                long k1 = Noise.stepKey(chainSeed[c], step);
                long k2 = Noise.stepKey2(k1);
                keys[c][0] = (int) k1;
                keys[c][1] = (int) (k1 >>> 32);
                keys[c][2] = (int) k2;
                keys[c][3] = (int) (k2 >>> 32);
            }
        }
        Arrays.fill(failures, -1);
        pool.run(chains * segTasks, elementWork * (noise ? 6 : 1), t -> {
            int c = t / segTasks;
            Segment s = segs[t % segTasks];
            int mod = s.module();
            int off = modules[mod].offset() + s.start();
            float[] z = null;
            if (noise) {
                z = scratch(s.length());
                int[] kc = keys[c];
                kernels.gaussian(kc[0], kc[1], kc[2], kc[3], off, z, 0, s.length());
            }
            int bad = kernels.update(x[c], off, g[c], off, z, s.length(), dt[mod], sigma[mod], p.walls()[mod],
                    p.lo()[mod], p.hi()[mod], bound);
            if (bad >= 0) {
                failures[t] = off + bad;
            } else if (accumulate) {
                kernels.accumulate(x[c], off, sum[c], off, s.length());
            }
        });
        for (int t = 0; t < chains * segTasks; t++) {
            if (failures[t] >= 0) {
                int c = t / segTasks;
                int unit = (int) failures[t];
                ModuleSpec ms = modules[segs[t % segTasks].module()];
                throw new DivergenceException(ms.name(), unit - ms.offset(), c, step, x[c][unit], divergenceBound,
                        dt[ms.index()]);
            }
        }
    }

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[SEGMENT]);

    private static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        return s.length >= n ? s : new float[n];
    }

    /** Window means; clamped units read their (constant) state. */
    private static double[][] blockMeans(Compiled p, double[][] sum, float[][] x, long window) {
        double[][] out = new double[sum.length][];
        for (int c = 0; c < sum.length; c++) {
            out[c] = new double[sum[c].length];
            for (int i = 0; i < p.modules().length; i++) {
                ModuleSpec ms = p.modules()[i];
                for (int u = ms.offset(); u < ms.offset() + ms.size(); u++) {
                    out[c][u] = p.free()[i] ? sum[c][u] / window : x[c][u];
                }
            }
        }
        return out;
    }

    private static double maxDifference(double[][] a, double[][] b) {
        double moved = 0;
        for (int c = 0; c < a.length; c++) {
            for (int i = 0; i < a[c].length; i++) {
                moved = Math.max(moved, Math.abs(a[c][i] - b[c][i]));
            }
        }
        return moved;
    }

    /** A bias field's values per chain (the same row for every chain unless inputs are per chain). */
    private float[][] chainRows(String field, int chains) {
        float[][] rows = new float[chains][];
        for (int c = 0; c < chains; c++) {
            rows[c] = bias(field, c);
        }
        return rows;
    }

    private float[] initialState(Compiled p, RunSpec spec, int n, int chain) {
        float[] x = spec.initialState(chain).map(float[]::clone).orElseGet(() -> new float[n]);
        for (int i = 0; i < p.modules().length; i++) {
            ModuleSpec ms = p.modules()[i];
            if (!p.free()[i]) {
                System.arraycopy(clamp(ms.name(), chain), 0, x, ms.offset(), ms.size());
            } else if (p.walls()[i]) {
                for (int u = ms.offset(); u < ms.offset() + ms.size(); u++) {
                    x[u] = ScalarKernels.reflect(x[u], p.lo()[i], p.hi()[i]);
                }
            }
        }
        return x;
    }

    /** Energy and residual norms averaged over chains, evaluated in double by the reference semantics. */
    private static final class TraceRecorder {
        private final ReferenceEnergy energy;
        private final List<Long> steps = new ArrayList<>();
        private final List<Double> energies = new ArrayList<>();
        private final Map<String, List<Double>> norms = new LinkedHashMap<>();

        TraceRecorder(Program program) {
            energy = new ReferenceEnergy(program);
        }

        /** Records the chains' mean energy; {@code bias} gives a field's values for a chain. */
        void record(long step, float[][] x, java.util.function.BiFunction<String, Integer, float[]> bias) {
            double e = 0;
            Map<String, Double> sums = new LinkedHashMap<>();
            double[] xd = new double[x[0].length];
            for (int c = 0; c < x.length; c++) {
                float[] xc = x[c];
                for (int i = 0; i < xd.length; i++) {
                    xd[i] = xc[i];
                }
                int chain = c;
                java.util.function.Function<String, float[]> chainBias = f -> bias.apply(f, chain);
                e += energy.energy(xd, chainBias);
                energy.residualNorms(xd, chainBias).forEach((k, v) -> sums.merge(k, v, Double::sum));
            }
            steps.add(step);
            energies.add(e / x.length);
            sums.forEach((k, v) -> norms.computeIfAbsent(k, z -> new ArrayList<>()).add(v / x.length));
        }

        Trace build() {
            Map<String, double[]> r = new LinkedHashMap<>();
            norms.forEach((k, v) -> r.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
            return new Trace(steps.stream().mapToLong(Long::longValue).toArray(),
                    energies.stream().mapToDouble(Double::doubleValue).toArray(), r);
        }
    }
}
