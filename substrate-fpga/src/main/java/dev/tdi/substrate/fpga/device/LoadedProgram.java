package dev.tdi.substrate.fpga.device;

import static dev.tdi.substrate.fpga.device.ImageFormat.*;

import java.util.zip.CRC32;

/**
 * A program image parsed into the device's on-chip tables: what the sequencer of the real design would hold in
 * block RAM after LOAD. Parsing validates every record; a malformed image is refused with a reason.
 */
public final class LoadedProgram {
    final int units;
    final Mod[] modules;
    final FxOperator[] ops;
    final Res[] residuals;
    final Cpl[] couplings;
    final Bias[] biases;
    final int biasWords;
    final int clampWords;
    /** Module index of every unit. */
    final int[] moduleOfUnit;

    record Mod(int offset, int size, int flags, int lo, int hi, int clampBase, int k, int kmu, int exponent) {
        boolean clamped() { return (flags & MF_CLAMPED) != 0; }
        boolean loWall() { return (flags & MF_LO_WALL) != 0; }
        boolean hiWall() { return (flags & MF_HI_WALL) != 0; }
    }

    record Res(int target, boolean relu, int weight, int biasBase, int[] srcModule, int[] srcOp, int[] srcGain) {
    }

    record Cpl(int a, int b, int op, boolean self) {
    }

    record Bias(int module, int biasBase) {
    }

    /** Thrown for a malformed image; the device reports ERR_BAD_IMAGE with this message. */
    public static final class BadImageException extends Exception {
        public BadImageException(String message) {
            super(message);
        }
    }

    private LoadedProgram(int units, Mod[] modules, FxOperator[] ops, Res[] residuals, Cpl[] couplings,
                          Bias[] biases, int biasWords, int clampWords) {
        this.units = units;
        this.modules = modules;
        this.ops = ops;
        this.residuals = residuals;
        this.couplings = couplings;
        this.biases = biases;
        this.biasWords = biasWords;
        this.clampWords = clampWords;
        this.moduleOfUnit = new int[units];
        for (int m = 0; m < modules.length; m++) {
            java.util.Arrays.fill(moduleOfUnit, modules[m].offset(), modules[m].offset() + modules[m].size(), m);
        }
    }

    /** Units in the program. */
    public int units() {
        return units;
    }

    /** Modules in the program. */
    public int modules() {
        return modules.length;
    }

    /** Words of the BIAS region. */
    public int biasWords() {
        return biasWords;
    }

    /** Words of the CLAMP region. */
    public int clampWords() {
        return clampWords;
    }

    /** Multiply-accumulates of one step of one chain. */
    public long macsPerStep() {
        long m = 0;
        for (Res r : residuals) {
            for (int s = 0; s < r.srcOp().length; s++) {
                m += (r.srcGain()[s] == 0 ? 1 : 2) * ops[r.srcOp()[s]].macs();
            }
        }
        for (Cpl c : couplings) {
            m += (c.self() ? 1 : 2) * ops[c.op()].macs();
        }
        return m + units;
    }

    /** CRC-32 of an image with its CRC word taken as zero. */
    public static int crc(int[] w) {
        CRC32 crc = new CRC32();
        byte[] b = new byte[4];
        for (int i = 0; i < w.length; i++) {
            int v = i == H_CRC ? 0 : w[i];
            b[0] = (byte) v;
            b[1] = (byte) (v >>> 8);
            b[2] = (byte) (v >>> 16);
            b[3] = (byte) (v >>> 24);
            crc.update(b);
        }
        return (int) crc.getValue();
    }

    /** Parses and validates an image of 32-bit words. */
    public static LoadedProgram parse(int[] w, int maxUnits) throws BadImageException {
        if (w.length < HEADER_WORDS) {
            throw new BadImageException("image of " + w.length + " words is shorter than its header");
        }
        check(w[H_MAGIC] == MAGIC, "bad magic 0x%08x", w[H_MAGIC]);
        check(w[H_VERSION] == FORMAT_VERSION, "unsupported image format version %d", w[H_VERSION]);
        check(w[H_TOTAL_WORDS] == w.length, "header says %d words, region holds %d", w[H_TOTAL_WORDS], w.length);
        int crc = crc(w);
        check(crc == w[H_CRC], "image checksum 0x%08x does not match header 0x%08x", crc, w[H_CRC]);
        int units = w[H_UNITS];
        check(units > 0 && units <= maxUnits, "units %d outside 1..%d", units, maxUnits);
        int nMod = w[H_MODULES];
        int nOp = w[H_OPERATORS];
        int nRes = w[H_RESIDUALS];
        int nCpl = w[H_COUPLINGS];
        int nBias = w[H_BIASES];
        int biasWords = w[H_BIAS_WORDS];
        int clampWords = w[H_CLAMP_WORDS];
        int wOff = w[H_WEIGHTS_OFF];
        int wLen = w[H_WEIGHT_WORDS];
        int iOff = w[H_INDEX_OFF];
        int iLen = w[H_INDEX_WORDS];
        check(nMod > 0 && nOp >= 0 && nRes >= 0 && nCpl >= 0 && nBias >= 0 && biasWords >= 0 && clampWords >= 0,
                "negative counts in header");
        range(w, w[H_MODULES_OFF], (long) nMod * MODULE_WORDS, "module table");
        range(w, w[H_OPERATORS_OFF], (long) nOp * OPERATOR_WORDS, "operator table");
        range(w, w[H_COUPLINGS_OFF], (long) nCpl * COUPLING_WORDS, "coupling table");
        range(w, w[H_BIASES_OFF], (long) nBias * BIAS_WORDS, "bias table");
        range(w, wOff, wLen, "weight pool");
        range(w, iOff, iLen, "index pool");

        Mod[] mods = new Mod[nMod];
        int expect = 0;
        for (int m = 0; m < nMod; m++) {
            int p = w[H_MODULES_OFF] + m * MODULE_WORDS;
            Mod mod = new Mod(w[p], w[p + 1], w[p + 2], w[p + 3], w[p + 4], w[p + 5], w[p + 6], w[p + 7], w[p + 8]);
            check(mod.exponent() >= 0 && mod.exponent() <= MAX_EXPONENT, "module %d force exponent %d outside 0..%d",
                    m, mod.exponent(), MAX_EXPONENT);
            check(mod.offset() == expect && mod.size() > 0, "module %d at offset %d size %d breaks contiguity", m,
                    mod.offset(), mod.size());
            expect += mod.size();
            if (mod.clamped()) {
                check(mod.clampBase() >= 0 && (long) mod.clampBase() + mod.size() <= clampWords,
                        "module %d clamp words outside the CLAMP region", m);
            }
            if (mod.loWall() && mod.hiWall()) {
                check(mod.lo() <= mod.hi(), "module %d walls lo > hi", m);
            }
            mods[m] = mod;
        }
        check(expect == units, "modules cover %d units, header says %d", expect, units);

        FxOperator[] ops = new FxOperator[nOp];
        for (int o = 0; o < nOp; o++) {
            int p = w[H_OPERATORS_OFF] + o * OPERATOR_WORDS;
            ops[o] = operator(w, p, wOff, wLen, iOff, iLen, o);
        }
        int p = w[H_RESIDUALS_OFF];
        Res[] res = new Res[nRes];
        for (int r = 0; r < nRes; r++) {
            range(w, p, RESIDUAL_FIXED_WORDS, "residual record " + r);
            int target = w[p];
            int act = w[p + 1];
            int weight = w[p + 2];
            int biasBase = w[p + 3];
            int n = w[p + 4];
            check(target >= 0 && target < nMod, "residual %d target %d", r, target);
            check(act == 0 || act == 1, "residual %d activation %d", r, act);
            check(weight > 0, "residual %d weight must be > 0", r);
            check(n > 0, "residual %d has no sources", r);
            check(biasBase >= 0 && (long) biasBase + mods[target].size() <= biasWords,
                    "residual %d bias outside the BIAS region", r);
            range(w, p + RESIDUAL_FIXED_WORDS, (long) RESIDUAL_SOURCE_WORDS * n, "residual sources " + r);
            int[] sm = new int[n];
            int[] so = new int[n];
            int[] sg = new int[n];
            for (int s = 0; s < n; s++) {
                sm[s] = w[p + RESIDUAL_FIXED_WORDS + RESIDUAL_SOURCE_WORDS * s];
                so[s] = w[p + RESIDUAL_FIXED_WORDS + RESIDUAL_SOURCE_WORDS * s + 1];
                sg[s] = w[p + RESIDUAL_FIXED_WORDS + RESIDUAL_SOURCE_WORDS * s + 2];
                check(sg[s] >= 0, "residual %d source %d gain must be >= 0", r, s);
                check(sm[s] >= 0 && sm[s] < nMod && so[s] >= 0 && so[s] < nOp, "residual %d source %d", r, s);
                check(sm[s] != target, "residual %d maps its target onto itself", r);
                check(ops[so[s]].rows == mods[target].size() && ops[so[s]].cols == mods[sm[s]].size(),
                        "residual %d source %d operator shape mismatch", r, s);
            }
            res[r] = new Res(target, act == 1, weight, biasBase, sm, so, sg);
            p += RESIDUAL_FIXED_WORDS + RESIDUAL_SOURCE_WORDS * n;
        }
        check(p == w[H_COUPLINGS_OFF], "residual table ends at %d, coupling table starts at %d", p,
                w[H_COUPLINGS_OFF]);
        Cpl[] cpl = new Cpl[nCpl];
        for (int c = 0; c < nCpl; c++) {
            int q = w[H_COUPLINGS_OFF] + c * COUPLING_WORDS;
            int a = w[q];
            int b = w[q + 1];
            int op = w[q + 2];
            boolean self = w[q + 3] != 0;
            check(a >= 0 && a < nMod && b >= 0 && b < nMod && op >= 0 && op < nOp, "coupling %d indices", c);
            check(self == (a == b), "coupling %d self flag", c);
            check(ops[op].rows == mods[a].size() && ops[op].cols == mods[b].size(), "coupling %d shape", c);
            cpl[c] = new Cpl(a, b, op, self);
        }
        Bias[] bias = new Bias[nBias];
        for (int b = 0; b < nBias; b++) {
            int q = w[H_BIASES_OFF] + b * BIAS_WORDS;
            check(w[q] >= 0 && w[q] < nMod, "bias %d module", b);
            check(w[q + 1] >= 0 && (long) w[q + 1] + mods[w[q]].size() <= biasWords, "bias %d outside region", b);
            bias[b] = new Bias(w[q], w[q + 1]);
        }
        return new LoadedProgram(units, mods, ops, res, cpl, bias, biasWords, clampWords);
    }

    private static FxOperator operator(int[] w, int p, int wOff, int wLen, int iOff, int iLen, int o)
            throws BadImageException {
        int kind = w[p];
        int rows = w[p + 1];
        int cols = w[p + 2];
        int off = w[p + 3];
        int len = w[p + 4];
        int io = w[p + 5];
        int il = w[p + 6];
        check(off >= 0 && len >= 0 && (long) off + len <= wLen, "operator %d weights outside the pool", o);
        check(io >= 0 && il >= 0 && (long) io + il <= iLen, "operator %d indices outside the pool", o);
        int[] weights = java.util.Arrays.copyOfRange(w, wOff + off, wOff + off + len);
        for (int v : weights) {
            check(v >= -Fx.WEIGHT_MAX && v <= Fx.WEIGHT_MAX, "operator %d weight 0x%08x exceeds 24 bits", o, v);
        }
        int inC = w[p + 7], inH = w[p + 8], inW = w[p + 9], outC = w[p + 10], kh = w[p + 11], kw = w[p + 12],
                stride = w[p + 13], pad = w[p + 14], extra = w[p + 15];
        check(rows > 0 && cols > 0, "operator %d shape %dx%d", o, rows, cols);
        switch (kind) {
            case OP_DENSE -> {
                check((long) rows * cols == len, "dense operator %d size", o);
                return new FxOperator.Dense(rows, cols, weights);
            }
            case OP_SPARSE -> {
                check(il == rows + 1 + len, "sparse operator %d index length", o);
                int[] ptr = java.util.Arrays.copyOfRange(w, iOff + io, iOff + io + rows + 1);
                int[] idx = java.util.Arrays.copyOfRange(w, iOff + io + rows + 1, iOff + io + il);
                check(ptr[0] == 0 && ptr[rows] == len, "sparse operator %d row pointers", o);
                for (int i = 0; i < rows; i++) {
                    check(ptr[i] <= ptr[i + 1], "sparse operator %d row pointers decrease", o);
                }
                for (int c : idx) {
                    check(c >= 0 && c < cols, "sparse operator %d column index %d", o, c);
                }
                return new FxOperator.Sparse(rows, cols, ptr, idx, weights);
            }
            case OP_CONV2D -> {
                check(inC > 0 && inH > 0 && inW > 0 && outC > 0 && kh > 0 && kw > 0 && stride > 0 && pad >= 0,
                        "conv operator %d parameters", o);
                int oh = Math.floorDiv(inH + 2 * pad - kh, stride) + 1;
                int ow = Math.floorDiv(inW + 2 * pad - kw, stride) + 1;
                check(oh > 0 && ow > 0 && rows == outC * oh * ow && cols == inC * inH * inW
                        && (long) outC * inC * kh * kw == len, "conv operator %d shape", o);
                return new FxOperator.Conv(inC, inH, inW, outC, kh, kw, stride, pad, oh, ow, weights);
            }
            case OP_CONV_TRANSPOSE2D -> {
                check(inC > 0 && inH > 0 && inW > 0 && outC > 0 && kh > 0 && kw > 0 && stride > 0 && pad >= 0
                        && extra >= 0 && extra < stride, "conv-transpose operator %d parameters", o);
                int oh = (inH - 1) * stride - 2 * pad + kh + extra;
                int ow = (inW - 1) * stride - 2 * pad + kw + extra;
                check(oh > 0 && ow > 0 && rows == outC * oh * ow && cols == inC * inH * inW
                        && (long) outC * inC * kh * kw == len, "conv-transpose operator %d shape", o);
                return new FxOperator.ConvT(inC, inH, inW, outC, kh, kw, stride, pad, oh, ow, weights);
            }
            case OP_LOW_RANK -> {
                int rank = extra;
                check(rank > 0 && (long) rank * (rows + cols) == len, "low-rank operator %d shape", o);
                int[] u = java.util.Arrays.copyOfRange(weights, 0, rows * rank);
                int[] v = java.util.Arrays.copyOfRange(weights, rows * rank, len);
                return new FxOperator.LowRank(rows, cols, rank, u, v);
            }
            default -> throw new BadImageException("operator " + o + " has unknown kind " + kind);
        }
    }

    private static void range(int[] w, long off, long len, String what) throws BadImageException {
        check(off >= HEADER_WORDS && len >= 0 && off + len <= w.length, "%s [%d, +%d) outside the image", what,
                off, len);
    }

    private static void check(boolean ok, String fmt, Object... args) throws BadImageException {
        if (!ok) {
            throw new BadImageException(String.format(fmt, args));
        }
    }
}
