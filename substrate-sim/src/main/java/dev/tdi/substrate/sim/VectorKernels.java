package dev.tdi.substrate.sim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels, on the platform's preferred float species. Loaded only by {@link KernelsLoader} after it
 * has checked that {@code jdk.incubator.vector} is present. Horizontal sums go through a lane array summed in
 * lane order (never {@code reduceLanes}), so results do not depend on whether the code is interpreted or compiled.
 */
final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);

    public VectorKernels() {
        if (I.length() != L) {
            throw new IllegalStateException("int and float preferred species differ in lane count");
        }
    }

    @Override
    public String description() {
        return "Vector API, " + F.vectorBitSize() + "-bit FloatVector (" + L + " lanes)";
    }

    @Override
    public boolean vectorized() {
        return true;
    }

    /** Sum of the lanes in lane order. */
    private static float lanes(FloatVector v, float[] tmp) {
        v.intoArray(tmp, 0);
        float s = 0;
        for (int i = 0; i < L; i++) {
            s += tmp[i];
        }
        return s;
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = lanes(acc, new float[L]);
        for (; i < n; i++) {
            s = Math.fma(a[ao + i], b[bo + i], s);
        }
        return s;
    }

    @Override
    public void dot4x1(float[] w, int w0, int ws, float[] x, int xo, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int r0 = w0, r1 = w0 + ws, r2 = w0 + 2 * ws, r3 = w0 + 3 * ws;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a0 = FloatVector.fromArray(F, w, r0 + i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, r1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, r2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, r3 + i).fma(xv, a3);
        }
        float[] tmp = new float[L];
        float s0 = lanes(a0, tmp), s1 = lanes(a1, tmp), s2 = lanes(a2, tmp), s3 = lanes(a3, tmp);
        for (; i < n; i++) {
            float xv = x[xo + i];
            s0 = Math.fma(w[r0 + i], xv, s0);
            s1 = Math.fma(w[r1 + i], xv, s1);
            s2 = Math.fma(w[r2 + i], xv, s2);
            s3 = Math.fma(w[r3 + i], xv, s3);
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    @Override
    public void dot4x4(float[] w, int w0, int ws, float[] x0, float[] x1, float[] x2, float[] x3, int xo, int n,
                       float[] out) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int r0 = w0, r1 = w0 + ws, r2 = w0 + 2 * ws, r3 = w0 + 3 * ws;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector v0 = FloatVector.fromArray(F, x0, xo + i);
            FloatVector v1 = FloatVector.fromArray(F, x1, xo + i);
            FloatVector v2 = FloatVector.fromArray(F, x2, xo + i);
            FloatVector v3 = FloatVector.fromArray(F, x3, xo + i);
            FloatVector wv = FloatVector.fromArray(F, w, r0 + i);
            a00 = wv.fma(v0, a00);
            a01 = wv.fma(v1, a01);
            a02 = wv.fma(v2, a02);
            a03 = wv.fma(v3, a03);
            wv = FloatVector.fromArray(F, w, r1 + i);
            a10 = wv.fma(v0, a10);
            a11 = wv.fma(v1, a11);
            a12 = wv.fma(v2, a12);
            a13 = wv.fma(v3, a13);
            wv = FloatVector.fromArray(F, w, r2 + i);
            a20 = wv.fma(v0, a20);
            a21 = wv.fma(v1, a21);
            a22 = wv.fma(v2, a22);
            a23 = wv.fma(v3, a23);
            wv = FloatVector.fromArray(F, w, r3 + i);
            a30 = wv.fma(v0, a30);
            a31 = wv.fma(v1, a31);
            a32 = wv.fma(v2, a32);
            a33 = wv.fma(v3, a33);
        }
        float[] t = new float[L];
        out[0] = lanes(a00, t);
        out[1] = lanes(a01, t);
        out[2] = lanes(a02, t);
        out[3] = lanes(a03, t);
        out[4] = lanes(a10, t);
        out[5] = lanes(a11, t);
        out[6] = lanes(a12, t);
        out[7] = lanes(a13, t);
        out[8] = lanes(a20, t);
        out[9] = lanes(a21, t);
        out[10] = lanes(a22, t);
        out[11] = lanes(a23, t);
        out[12] = lanes(a30, t);
        out[13] = lanes(a31, t);
        out[14] = lanes(a32, t);
        out[15] = lanes(a33, t);
        for (; i < n; i++) {
            float v0 = x0[xo + i], v1 = x1[xo + i], v2 = x2[xo + i], v3 = x3[xo + i];
            for (int r = 0; r < 4; r++) {
                float wv = w[w0 + r * ws + i];
                out[4 * r] = Math.fma(wv, v0, out[4 * r]);
                out[4 * r + 1] = Math.fma(wv, v1, out[4 * r + 1]);
                out[4 * r + 2] = Math.fma(wv, v2, out[4 * r + 2]);
                out[4 * r + 3] = Math.fma(wv, v3, out[4 * r + 3]);
            }
        }
    }

    @Override
    public void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma(a, x[xo + i], y[yo + i]);
        }
    }

    @Override
    public void axpy4(float a0, float a1, float a2, float a3, float[] x, int x0, int x1, int x2, int x3, float[] y,
                      int yo, int n) {
        FloatVector b0 = FloatVector.broadcast(F, a0), b1 = FloatVector.broadcast(F, a1);
        FloatVector b2 = FloatVector.broadcast(F, a2), b3 = FloatVector.broadcast(F, a3);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(F, x, x0 + i).fma(b0, FloatVector.fromArray(F, y, yo + i));
            s = FloatVector.fromArray(F, x, x1 + i).fma(b1, s);
            s = FloatVector.fromArray(F, x, x2 + i).fma(b2, s);
            FloatVector.fromArray(F, x, x3 + i).fma(b3, s).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float s = Math.fma(a0, x[x0 + i], y[yo + i]);
            s = Math.fma(a1, x[x1 + i], s);
            s = Math.fma(a2, x[x2 + i], s);
            y[yo + i] = Math.fma(a3, x[x3 + i], s);
        }
    }

    @Override
    public float gatherDot(float[] val, int[] idx, int from, int to, float[] x, int xo) {
        int n = to - from;
        if (n < L) {
            float s = 0;
            for (int k = from; k < to; k++) {
                s = Math.fma(val[k], x[xo + idx[k]], s);
            }
            return s;
        }
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo, idx, from + i);
            acc = FloatVector.fromArray(F, val, from + i).fma(xv, acc);
        }
        float s = lanes(acc, new float[L]);
        for (; i < n; i++) {
            s = Math.fma(val[from + i], x[xo + idx[from + i]], s);
        }
        return s;
    }

    @Override
    public void affine(float[] x, int xo, float[] g, int go, int n, float k, float c) {
        FloatVector kv = FloatVector.broadcast(F, k), cv = FloatVector.broadcast(F, c);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            kv.fma(FloatVector.fromArray(F, x, xo + i), cv).intoArray(g, go + i);
        }
        for (; i < n; i++) {
            g[go + i] = Math.fma(k, x[xo + i], c);
        }
    }

    @Override
    public void sub(float[] h, int ho, float[] g, int go, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, g, go + i).sub(FloatVector.fromArray(F, h, ho + i)).intoArray(g, go + i);
        }
        for (; i < n; i++) {
            g[go + i] -= h[ho + i];
        }
    }

    @Override
    public void residual(float[] a, int ao, float[] x, int xo, float[] g, int go, int n, float w, boolean relu) {
        FloatVector wv = FloatVector.broadcast(F, w);
        FloatVector zero = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector av = FloatVector.fromArray(F, a, ao + i);
            FloatVector rho = relu ? av.max(zero) : av;
            FloatVector r = FloatVector.fromArray(F, x, xo + i).sub(rho);
            wv.fma(r, FloatVector.fromArray(F, g, go + i)).intoArray(g, go + i);
            FloatVector e = wv.mul(r);
            if (relu) {
                e = zero.blend(e, av.compare(VectorOperators.GT, zero));
            }
            e.intoArray(a, ao + i);
        }
        for (; i < n; i++) {
            float ai = a[ao + i];
            float rho = relu ? Math.max(ai, 0f) : ai;
            float r = x[xo + i] - rho;
            g[go + i] = Math.fma(w, r, g[go + i]);
            a[ao + i] = relu && !(ai > 0) ? 0f : w * r;
        }
    }

    private static IntVector hash(IntVector x) {
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.mul(0x7feb352d);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15));
        x = x.mul(0x846ca68b);
        return x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
    }

    private static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** {@link Noise#log} lane by lane. */
    private static FloatVector log(FloatVector u) {
        IntVector bits = (IntVector) u.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(127);
        FloatVector m = (FloatVector) bits.and(0x007FFFFF).or(0x3F800000).reinterpretAsFloats();
        VectorMask<Float> big = m.compare(VectorOperators.GT, Noise.SQRT2);
        m = m.blend(m.mul(0.5f), big);
        e = e.blend(e.add(1), big.cast(I));
        FloatVector s = m.sub(1f).div(m.add(1f));
        FloatVector s2 = s.mul(s);
        FloatVector p = s2.fma(Noise.L9, Noise.L7);
        p = s2.fma(p, FloatVector.broadcast(F, Noise.L5));
        p = s2.fma(p, FloatVector.broadcast(F, Noise.L3));
        p = s2.fma(p, FloatVector.broadcast(F, 2f));
        return toFloat(e).fma(FloatVector.broadcast(F, Noise.LN2), s.mul(p));
    }

    /** {@link Noise#cos2pi} lane by lane. */
    private static FloatVector cos2pi(FloatVector u) {
        IntVector q = (IntVector) u.fma(4f, 0.5f).convert(VectorOperators.F2I, 0);
        FloatVector r = u.sub(toFloat(q).mul(0.25f));
        FloatVector t = r.mul(Noise.TWO_PI);
        FloatVector t2 = t.mul(t);
        FloatVector c = t2.fma(Noise.C8, Noise.C6);
        c = t2.fma(c, FloatVector.broadcast(F, Noise.C4));
        c = t2.fma(c, FloatVector.broadcast(F, Noise.C2));
        c = t2.fma(c, FloatVector.broadcast(F, 1f));
        FloatVector s = t2.fma(Noise.S9, Noise.S7);
        s = t2.fma(s, FloatVector.broadcast(F, Noise.S5));
        s = t2.fma(s, FloatVector.broadcast(F, Noise.S3));
        s = t2.fma(s, FloatVector.broadcast(F, 1f));
        s = t.mul(s);
        VectorMask<Float> odd = q.and(1).compare(VectorOperators.NE, 0).cast(F);
        VectorMask<Float> neg = q.add(1).and(2).compare(VectorOperators.NE, 0).cast(F);
        FloatVector v = c.blend(s, odd);
        return v.blend(v.neg(), neg);
    }

    @Override
    public void gaussian(int k0, int k1, int k2, int k3, int unit0, float[] out, int oo, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            IntVector unit = IOTA.add(unit0 + i);
            IntVector a = hash(hash(unit.add(k0)).lanewise(VectorOperators.XOR, k1));
            IntVector b = hash(hash(unit.add(k2)).lanewise(VectorOperators.XOR, k3));
            FloatVector u1 = toFloat(a.lanewise(VectorOperators.LSHR, 8).add(1)).mul(Noise.INV24);
            FloatVector u2 = toFloat(b.lanewise(VectorOperators.LSHR, 8)).mul(Noise.INV24);
            FloatVector r2 = log(u1).mul(-2f).max(0f);
            r2.sqrt().mul(cos2pi(u2)).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = Noise.gaussian(k0, k1, k2, k3, unit0 + i);
        }
    }

    @Override
    public int update(float[] x, int xo, float[] g, int go, float[] z, int n, float dt, float sigma, boolean walls,
                      float lo, float hi, float bound) {
        FloatVector ndt = FloatVector.broadcast(F, -dt);
        FloatVector sg = FloatVector.broadcast(F, sigma);
        FloatVector lov = FloatVector.broadcast(F, lo), hiv = FloatVector.broadcast(F, hi);
        FloatVector lo2 = FloatVector.broadcast(F, 2 * lo), hi2 = FloatVector.broadcast(F, 2 * hi);
        FloatVector bv = FloatVector.broadcast(F, bound);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            FloatVector v = ndt.fma(FloatVector.fromArray(F, g, go + i), FloatVector.fromArray(F, x, xo + i));
            if (z != null) {
                v = sg.fma(FloatVector.fromArray(F, z, i), v);
            }
            if (walls) {
                VectorMask<Float> below = v.compare(VectorOperators.LT, lov);
                VectorMask<Float> above = v.compare(VectorOperators.GT, hiv);
                v = v.blend(lo2.sub(v), below).blend(hi2.sub(v), above);
                v = v.max(lov).min(hiv);
            }
            v.intoArray(x, xo + i);
            VectorMask<Float> ok = v.abs().compare(VectorOperators.LE, bv);
            if (!ok.allTrue()) {
                return i + ok.not().firstTrue();
            }
        }
        for (; i < n; i++) {
            float v = Math.fma(-dt, g[go + i], x[xo + i]);
            if (z != null) {
                v = Math.fma(sigma, z[i], v);
            }
            if (walls) {
                v = ScalarKernels.reflect(v, lo, hi);
            }
            x[xo + i] = v;
            if (!(Math.abs(v) <= bound)) {
                return i;
            }
        }
        return -1;
    }
}
