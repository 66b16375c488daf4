package dev.tdi.substrate.fpga.compiler;

import static dev.tdi.substrate.fpga.device.ImageFormat.*;

import dev.tdi.substrate.UnsupportedProgramException;
import dev.tdi.substrate.fpga.device.Fx;
import dev.tdi.substrate.fpga.device.LoadedProgram;
import dev.tdi.substrate.program.Activation;
import dev.tdi.substrate.program.Conv2dOperator;
import dev.tdi.substrate.program.ConvTranspose2dOperator;
import dev.tdi.substrate.program.DenseOperator;
import dev.tdi.substrate.program.Factor;
import dev.tdi.substrate.program.LowRankOperator;
import dev.tdi.substrate.program.ModuleSpec;
import dev.tdi.substrate.program.Operator;
import dev.tdi.substrate.program.Potential;
import dev.tdi.substrate.program.Program;
import dev.tdi.substrate.program.SparseOperator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a {@link Program} to the TDI-F1 program image: every parameter quantised to the device's fixed point
 * (round half up, saturating), the error of each factor measured, and everything the device cannot hold refused
 * with a message naming the factor, the value and the limit.
 */
public final class FpgaCompiler {
    /** Worst-case magnitude any 64-bit accumulator may reach (a margin below 2^63). */
    static final double ACCUMULATOR_LIMIT = 0x1p63 - 0x1p53;
    static final double X_MAX = 0x1p31;
    static final String Q15_16 = "Q15.16";
    static final String Q7_16 = "Q7.16 (24-bit)";

    private final String backend;

    public FpgaCompiler(String backend) {
        this.backend = backend;
    }

    /** Compiles, or throws {@link UnsupportedProgramException} listing every reason the device cannot hold it. */
    public CompiledProgram compile(Program program) {
        return new Run(program).compile();
    }

    private final class Run {
        final Program program;
        final List<String> problems = new ArrayList<>();
        final List<QuantisationReport.FactorError> errors = new ArrayList<>();
        final IntList ops = new IntList();
        final IntList residuals = new IntList();
        final IntList couplings = new IntList();
        final IntList biases = new IntList();
        final IntList weights = new IntList();
        final IntList index = new IntList();
        final IntList biasInit = new IntList();
        final IntList clampInit = new IntList();
        final Map<String, Integer> biasSlots = new LinkedHashMap<>();
        final Map<String, Integer> clampSlots = new LinkedHashMap<>();
        final double[] accBound;
        final Map<String, Integer> biasExponents = new LinkedHashMap<>();
        int[] exponents;
        int nOps;
        int nRes;
        int nCpl;
        int nBias;

        Run(Program program) {
            this.program = program;
            this.accBound = new double[program.modules().size()];
        }

        CompiledProgram compile() {
            List<ModuleSpec> mods = program.modules();
            int nMod = mods.size();
            double[] k = new double[nMod];
            double[] kmu = new double[nMod];
            double[] lo = new double[nMod];
            double[] hi = new double[nMod];
            Arrays.fill(lo, Double.NEGATIVE_INFINITY);
            Arrays.fill(hi, Double.POSITIVE_INFINITY);
            List<Factor> factors = program.factors();
            exponents = exponents(program);
            for (int i = 0; i < factors.size(); i++) {
                Factor f = factors.get(i);
                String where = "factor #" + i + " " + f.describe();
                switch (f) {
                    case Factor.OnSite o -> {
                        int m = program.module(o.module()).index();
                        QuantisationReport.Meter meter = new QuantisationReport.Meter(i, f.describe(), Q15_16);
                        switch (o.potential()) {
                            case Potential.Quadratic q -> {
                                k[m] += q.stiffness();
                                kmu[m] += q.stiffness() * q.center();
                                meterQ16(meter, q.stiffness(), exponents[m]);
                                meterQ16(meter, q.center(), exponents[m]);
                            }
                            case Potential.Rectified r -> {
                                k[m] += r.stiffness();
                                kmu[m] += r.stiffness() * r.center();
                                lo[m] = Math.max(lo[m], 0);
                                meterQ16(meter, r.stiffness(), exponents[m]);
                                meterQ16(meter, r.center(), exponents[m]);
                            }
                            case Potential.Box b -> {
                                lo[m] = Math.max(lo[m], b.lo());
                                hi[m] = Math.min(hi[m], b.hi());
                                meterQ16(meter, b.lo(), 0);
                                meterQ16(meter, b.hi(), 0);
                            }
                        }
                        errors.add(meter.done());
                    }
                    case Factor.Coupling c -> {
                        int a = program.module(c.a()).index();
                        int b = program.module(c.b()).index();
                        QuantisationReport.Meter meter = new QuantisationReport.Meter(i, f.describe(), Q7_16);
                        int op = operator(where, c.w(), meter);
                        couplings.add(a, b, op, c.isSelf() ? 1 : 0);
                        nCpl++;
                        double[] l1 = l1(c.w());
                        if (Math.max(l1[0], l1[1]) * X_MAX > ACCUMULATOR_LIMIT) {
                            problems.add(where + ": the coupling's accumulator could overflow 64 bits");
                        }
                        accBound[a] += l1[0] * X_MAX / Math.scalb(1.0, exponents[a]);
                        if (!c.isSelf()) {
                            accBound[b] += l1[1] * X_MAX / Math.scalb(1.0, exponents[b]);
                        }
                        errors.add(meter.done());
                    }
                    case Factor.Bias b -> {
                        int m = program.module(b.module()).index();
                        QuantisationReport.Meter meter = new QuantisationReport.Meter(i, f.describe(), Q15_16);
                        int base = biasInit.size();
                        biasSlots.put(b.field(), base);
                        biasExponents.put(b.field(), exponents[m]);
                        for (float v : b.h()) {
                            biasInit.add(q16(where, "h", v, exponents[m], meter));
                        }
                        biases.add(m, base);
                        nBias++;
                        accBound[m] += X_MAX * 0x1p16;
                        errors.add(meter.done());
                    }
                    case Factor.Residual r -> residual(i, where, r);
                    case Factor.Clamp c -> {
                        QuantisationReport.Meter meter = new QuantisationReport.Meter(i, f.describe(), Q15_16);
                        clampSlots.put(c.module(), clampInit.size());
                        for (float v : c.values()) {
                            clampInit.add(q16(where, "clamp value", v, 0, meter));
                        }
                        errors.add(meter.done());
                    }
                }
            }

            IntList modTable = new IntList();
            for (ModuleSpec m : mods) {
                int i = m.index();
                int flags = 0;
                int loRaw = 0;
                int hiRaw = 0;
                String where = "module '" + m.name() + "'";
                Integer clampBase = clampSlots.get(m.name());
                if (clampBase != null) {
                    flags |= MF_CLAMPED;
                }
                if (lo[i] > hi[i]) {
                    problems.add(where + ": its walls do not intersect (lo " + lo[i] + " > hi " + hi[i] + ")");
                }
                if (lo[i] != Double.NEGATIVE_INFINITY) {
                    flags |= MF_LO_WALL;
                    loRaw = Fx.q16(lo[i]);
                }
                if (hi[i] != Double.POSITIVE_INFINITY) {
                    flags |= MF_HI_WALL;
                    hiRaw = Fx.q16(hi[i]);
                }
                double scale = Math.scalb(1.0, -exponents[i]);
                requireQ16(where + ": total on-site stiffness", k[i] * scale);
                requireQ16(where + ": total stiffness x center", kmu[i] * scale);
                int kRaw = Fx.q16(k[i] * scale);
                int kmuRaw = Fx.q16(kmu[i] * scale);
                accBound[i] += Math.abs((double) kRaw) * X_MAX + Math.abs((double) kmuRaw) * 0x1p16;
                modTable.add(m.offset(), m.size(), flags, loRaw, hiRaw, clampBase == null ? 0 : clampBase, kRaw,
                        kmuRaw, exponents[i]);
            }
            for (ModuleSpec m : mods) {
                if (accBound[m.index()] > ACCUMULATOR_LIMIT) {
                    problems.add(String.format("module '%s': the worst-case force on a unit (%.3g in Q.32 units) could"
                            + " overflow the device's 64-bit accumulator (limit 2^63); the weights feeding it are too"
                            + " large in sum (reduce them or split the module)", m.name(), accBound[m.index()]));
                }
            }
            if (!problems.isEmpty()) {
                throw new UnsupportedProgramException(backend, problems);
            }

            int modulesOff = HEADER_WORDS;
            int opsOff = modulesOff + modTable.size();
            int resOff = opsOff + ops.size();
            int cplOff = resOff + residuals.size();
            int biasOff = cplOff + couplings.size();
            int wOff = biasOff + biases.size();
            int iOff = wOff + weights.size();
            long total = (long) iOff + index.size();
            if (total > Integer.MAX_VALUE / 4) {
                throw new UnsupportedProgramException(backend, List.of("the program image would be " + 4 * total
                        + " bytes, beyond the device's 32-bit region addressing"));
            }
            int[] img = new int[(int) total];
            img[H_MAGIC] = MAGIC;
            img[H_VERSION] = FORMAT_VERSION;
            img[H_UNITS] = program.units();
            img[H_MODULES] = mods.size();
            img[H_OPERATORS] = nOps;
            img[H_RESIDUALS] = nRes;
            img[H_COUPLINGS] = nCpl;
            img[H_BIASES] = nBias;
            img[H_BIAS_WORDS] = biasInit.size();
            img[H_CLAMP_WORDS] = clampInit.size();
            img[H_WEIGHT_WORDS] = weights.size();
            img[H_INDEX_WORDS] = index.size();
            img[H_MODULES_OFF] = modulesOff;
            img[H_OPERATORS_OFF] = opsOff;
            img[H_RESIDUALS_OFF] = resOff;
            img[H_COUPLINGS_OFF] = cplOff;
            img[H_BIASES_OFF] = biasOff;
            img[H_WEIGHTS_OFF] = wOff;
            img[H_INDEX_OFF] = iOff;
            img[H_TOTAL_WORDS] = (int) total;
            modTable.copyTo(img, modulesOff);
            ops.copyTo(img, opsOff);
            residuals.copyTo(img, resOff);
            couplings.copyTo(img, cplOff);
            biases.copyTo(img, biasOff);
            weights.copyTo(img, wOff);
            index.copyTo(img, iOff);
            img[H_CRC] = LoadedProgram.crc(img);
            long macs;
            try {
                macs = LoadedProgram.parse(img, Integer.MAX_VALUE).macsPerStep();
            } catch (LoadedProgram.BadImageException e) {
                throw new IllegalStateException("compiler produced an image the device format rejects: "
                        + e.getMessage(), e);
            }
            long residualUnits = 0;
            for (Factor f : factors) {
                if (f instanceof Factor.Residual r) {
                    residualUnits += program.module(r.target()).size();
                }
            }
            CompiledProgram partial = new CompiledProgram(img, biasSlots, biasExponents, clampSlots,
                    biasInit.toArray(), clampInit.toArray(), exponents, new QuantisationReport(errors), weights.size(),
                    macs, null);
            return new CompiledProgram(img, biasSlots, biasExponents, clampSlots, partial.initialBias(),
                    partial.initialClamp(), exponents, partial.report(), weights.size(), macs,
                    ResourceEstimate.of(partial, program.units(), residualUnits, index.size()));
        }

        private void residual(int i, String where, Factor.Residual r) {
            int t = program.module(r.target()).index();
            QuantisationReport.Meter meter = new QuantisationReport.Meter(i, r.describe(), Q7_16 + " weights, "
                    + Q15_16 + " h and w");
            int base = biasInit.size();
            biasSlots.put(r.field(), base);
            for (float v : r.h()) {
                biasInit.add(q16(where, "h", v, 0, meter));
            }
            biasExponents.put(r.field(), 0);
            double wt = r.weight() * Math.scalb(1.0, -exponents[t]);
            if (wt > Fx.real(Fx.STATE_MAX)) {
                problems.add(where + ": weight w = " + r.weight() + " exceeds the device's range (Q15.16 after the"
                        + " target's force exponent " + exponents[t] + ")");
            }
            int wRaw = Fx.q16(wt);
            if (wRaw <= 0) {
                problems.add(where + ": weight w = " + r.weight() + " rounds to zero in Q15.16 (smallest "
                        + Fx.real(1) + ")");
            }
            meter.add(r.weight(), Fx.real(wRaw) * Math.scalb(1.0, exponents[t]), Double.POSITIVE_INFINITY);
            int[] triples = new int[3 * r.sources().size()];
            double preact = X_MAX * 0x1p16;
            for (int s = 0; s < r.sources().size(); s++) {
                Factor.Source src = r.sources().get(s);
                int sm = program.module(src.module()).index();
                // A clamped source never moves: its gain is 0 and the device skips its W^T e entirely.
                boolean clamped = program.clampOf(src.module()) != null;
                double gain = clamped ? 0 : r.weight() * Math.scalb(1.0, -exponents[sm]);
                if (gain > Fx.real(Fx.STATE_MAX)) {
                    problems.add(where + ": weight w = " + r.weight() + " seen from source '" + src.module()
                            + "' exceeds the device's range (Q15.16 after that module's force exponent "
                            + exponents[sm] + ")");
                }
                triples[3 * s] = sm;
                triples[3 * s + 1] = operator(where + " source '" + src.module() + "'", src.w(), meter);
                triples[3 * s + 2] = Fx.q16(gain);
                if (!clamped && exponents[sm] != exponents[t]) {
                    meter.add(r.weight(), Fx.real(triples[3 * s + 2]) * Math.scalb(1.0, exponents[sm]),
                            Double.POSITIVE_INFINITY);
                }
                double[] l1 = l1(src.w());
                preact += l1[0] * X_MAX;
                accBound[sm] += clamped ? 0 : l1[1] * X_MAX;
            }
            if (preact > ACCUMULATOR_LIMIT) {
                problems.add(where + ": the pre-activation accumulator could overflow 64 bits (sum of |weights| too"
                        + " large)");
            }
            accBound[t] += X_MAX * 0x1p16;
            residuals.add(t, r.rho() == Activation.RELU ? 1 : 0, wRaw, base, r.sources().size());
            residuals.add(triples);
            nRes++;
            errors.add(meter.done());
        }

        private int operator(String where, Operator w, QuantisationReport.Meter meter) {
            int wStart = weights.size();
            int iStart = index.size();
            int kind;
            int[] p = new int[9];
            switch (w) {
                case DenseOperator d -> {
                    kind = OP_DENSE;
                    weights(where, d.values(), meter);
                }
                case SparseOperator s -> {
                    kind = OP_SPARSE;
                    weights(where, s.values(), meter);
                    index.add(s.rowPtr());
                    index.add(s.colIdx());
                }
                case Conv2dOperator c -> {
                    kind = OP_CONV2D;
                    weights(where, c.kernel(), meter);
                    p = new int[] {c.inChannels(), c.inHeight(), c.inWidth(), c.outChannels(), c.kernelHeight(),
                            c.kernelWidth(), c.stride(), c.padding(), 0};
                }
                case ConvTranspose2dOperator c -> {
                    kind = OP_CONV_TRANSPOSE2D;
                    weights(where, c.kernel(), meter);
                    p = new int[] {c.inChannels(), c.inHeight(), c.inWidth(), c.outChannels(), c.kernelHeight(),
                            c.kernelWidth(), c.stride(), c.padding(), c.outputPadding()};
                }
                case LowRankOperator l -> {
                    kind = OP_LOW_RANK;
                    weights(where, l.u(), meter);
                    weights(where, l.v(), meter);
                    p[8] = l.rank();
                    double busIn = Math.max(colL1(l.v(), l.cols(), l.rank()), colL1(l.u(), l.rows(), l.rank()));
                    if (busIn * X_MAX > ACCUMULATOR_LIMIT) {
                        problems.add(where + ": the low-rank bus accumulator could overflow 64 bits");
                    }
                }
            }
            ops.add(kind, w.rows(), w.cols(), wStart, weights.size() - wStart, iStart, index.size() - iStart);
            ops.add(p);
            return nOps++;
        }

        private void weights(String where, float[] values, QuantisationReport.Meter meter) {
            double limit = Fx.real(Fx.WEIGHT_MAX);
            boolean reported = false;
            for (float v : values) {
                int raw = Fx.weight(v);
                if (Math.abs(v) > limit && !reported) {
                    problems.add(where + ": weight " + v + " exceeds the device's coupling range " + limit
                            + " (Q7.16)");
                    reported = true;
                }
                meter.add(v, Fx.real(raw), limit);
                weights.add(raw);
            }
        }

        /** v 2^-e in Q15.16, metered in the program's units. */
        private int q16(String where, String what, double v, int e, QuantisationReport.Meter meter) {
            double scaled = v * Math.scalb(1.0, -e);
            requireQ16(where + ": " + what, scaled);
            int raw = Fx.q16(scaled);
            meter.add(v, Fx.real(raw) * Math.scalb(1.0, e), Fx.real(Fx.STATE_MAX) * Math.scalb(1.0, e));
            return raw;
        }

        private void meterQ16(QuantisationReport.Meter meter, double v, int e) {
            double unit = Math.scalb(1.0, e);
            meter.add(v, Fx.real(Fx.q16(v / unit)) * unit, Fx.real(Fx.STATE_MAX) * unit);
        }

        private void requireQ16(String what, double v) {
            if (Math.abs(v) > Fx.real(Fx.STATE_MAX)) {
                problems.add(what + " = " + v + " exceeds the Q15.16 range +-" + Fx.real(Fx.STATE_MAX));
            }
        }
    }

    /** A module's force scale below which it needs no exponent (stored stiffnesses and weights stay below 2^11). */
    static final int EXPONENT_HEADROOM_BITS = 10;

    /**
     * The force exponent E_m of every module (docs/fpga-device.md, "Force exponents"): with S_m the largest of the
     * module's total stiffness, its own residual weight and the weights of the residuals that read it,
     * E_m = clamp(floor(log2 S_m) - 10, 0, 30). Programs whose weights stay below 2^11 get E = 0 everywhere, and
     * clamped modules (whose force is never used) always do.
     */
    public static int[] exponents(Program program) {
        double[] scale = new double[program.modules().size()];
        for (Factor f : program.factors()) {
            switch (f) {
                case Factor.OnSite o -> {
                    int m = program.module(o.module()).index();
                    double k = switch (o.potential()) {
                        case Potential.Quadratic q -> q.stiffness();
                        case Potential.Rectified r -> r.stiffness();
                        case Potential.Box b -> 0;
                    };
                    scale[m] += k;
                }
                case Factor.Residual r -> {
                    int t = program.module(r.target()).index();
                    scale[t] = Math.max(scale[t], r.weight());
                    for (Factor.Source s : r.sources()) {
                        int m = program.module(s.module()).index();
                        scale[m] = Math.max(scale[m], r.weight());
                    }
                }
                default -> { }
            }
        }
        int[] e = new int[scale.length];
        for (int m = 0; m < e.length; m++) {
            if (scale[m] >= 0x1p11 && program.clampOf(program.modules().get(m).name()) == null) {
                e[m] = Math.min(MAX_EXPONENT, Math.getExponent(scale[m]) - EXPONENT_HEADROOM_BITS);
            }
        }
        return e;
    }

    /** {max row L1, max column L1} of an operator's quantised weights, in raw Q.16 units (upper bounds). */
    static double[] l1(Operator w) {
        switch (w) {
            case DenseOperator d -> {
                float[] v = d.values();
                double[] col = new double[d.cols()];
                double row = 0;
                for (int i = 0; i < d.rows(); i++) {
                    double s = 0;
                    for (int j = 0; j < d.cols(); j++) {
                        double a = Math.abs(raw(v[i * d.cols() + j]));
                        s += a;
                        col[j] += a;
                    }
                    row = Math.max(row, s);
                }
                return new double[] {row, max(col)};
            }
            case SparseOperator s -> {
                int[] ptr = s.rowPtr();
                int[] idx = s.colIdx();
                float[] v = s.values();
                double[] col = new double[s.cols()];
                double row = 0;
                for (int i = 0; i < s.rows(); i++) {
                    double sum = 0;
                    for (int k = ptr[i]; k < ptr[i + 1]; k++) {
                        double a = Math.abs(raw(v[k]));
                        sum += a;
                        col[idx[k]] += a;
                    }
                    row = Math.max(row, sum);
                }
                return new double[] {row, max(col)};
            }
            case Conv2dOperator c -> {
                return stencil(c.kernel(), c.outChannels(), c.inChannels(), c.kernelHeight() * c.kernelWidth());
            }
            case ConvTranspose2dOperator c -> {
                double[] t = stencil(c.kernel(), c.inChannels(), c.outChannels(),
                        c.kernelHeight() * c.kernelWidth());
                return new double[] {t[1], t[0]};
            }
            case LowRankOperator l -> {
                // Through a saturating bus of |b| <= 2^31: the bus, not x, bounds the fan-out.
                return new double[] {rowL1(l.u(), l.rows(), l.rank()), rowL1(l.v(), l.cols(), l.rank())};
            }
        }
    }

    /** For a kernel [a][b][taps]: {max over a of sum |K[a]|, max over b of sum |K[.][b]|}. */
    private static double[] stencil(float[] k, int a, int b, int taps) {
        double[] sa = new double[a];
        double[] sb = new double[b];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                for (int t = 0; t < taps; t++) {
                    double v = Math.abs(raw(k[(i * b + j) * taps + t]));
                    sa[i] += v;
                    sb[j] += v;
                }
            }
        }
        return new double[] {max(sa), max(sb)};
    }

    private static double rowL1(float[] m, int rows, int rank) {
        double best = 0;
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < rank; j++) {
                s += Math.abs(raw(m[i * rank + j]));
            }
            best = Math.max(best, s);
        }
        return best;
    }

    private static double colL1(float[] m, int rows, int rank) {
        double[] c = new double[rank];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rank; j++) {
                c[j] += Math.abs(raw(m[i * rank + j]));
            }
        }
        return max(c);
    }

    private static double raw(float v) {
        return Fx.weight(v);
    }

    private static double max(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        void add(int... vs) {
            if (n + vs.length > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, n + vs.length));
            }
            System.arraycopy(vs, 0, a, n, vs.length);
            n += vs.length;
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }

        void copyTo(int[] dst, int off) {
            System.arraycopy(a, 0, dst, off, n);
        }
    }
}
