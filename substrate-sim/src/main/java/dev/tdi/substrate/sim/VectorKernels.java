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

    /** The JVM's choice ({@code dev.tdi.kernels.gemm.GemmProvider}: vector unless too narrow or forced scalar). */
    @Override
    public dev.tdi.kernels.gemm.GemmKernel gemm() {
        return dev.tdi.kernels.gemm.Gemm.kernel();
    }

    /** Sum of an accumulator's lanes (stored into tmp by the caller, so no vector crosses a call) in order. */
    private static float lanes(float[] tmp) {
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
        float[] tmp = new float[L];
        acc.intoArray(tmp, 0);
        float s = lanes(tmp);
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
        a0.intoArray(tmp, 0);
        float s0 = lanes(tmp);
        a1.intoArray(tmp, 0);
        float s1 = lanes(tmp);
        a2.intoArray(tmp, 0);
        float s2 = lanes(tmp);
        a3.intoArray(tmp, 0);
        float s3 = lanes(tmp);
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
        a00.intoArray(t, 0);
        out[0] = lanes(t);
        a01.intoArray(t, 0);
        out[1] = lanes(t);
        a02.intoArray(t, 0);
        out[2] = lanes(t);
        a03.intoArray(t, 0);
        out[3] = lanes(t);
        a10.intoArray(t, 0);
        out[4] = lanes(t);
        a11.intoArray(t, 0);
        out[5] = lanes(t);
        a12.intoArray(t, 0);
        out[6] = lanes(t);
        a13.intoArray(t, 0);
        out[7] = lanes(t);
        a20.intoArray(t, 0);
        out[8] = lanes(t);
        a21.intoArray(t, 0);
        out[9] = lanes(t);
        a22.intoArray(t, 0);
        out[10] = lanes(t);
        a23.intoArray(t, 0);
        out[11] = lanes(t);
        a30.intoArray(t, 0);
        out[12] = lanes(t);
        a31.intoArray(t, 0);
        out[13] = lanes(t);
        a32.intoArray(t, 0);
        out[14] = lanes(t);
        a33.intoArray(t, 0);
        out[15] = lanes(t);
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
        // Scalar with four independent sums: measured faster than SIMD gathers plus a lane tree on short CSR rows.
        return ScalarKernels.INSTANCE.gatherDot(val, idx, from, to, x, xo);
    }

    @Override
    public void gatherDotChains(float[] val, int[] idx, int from, int to, float[] xt, int chains, float[] out) {
        for (int c0 = 0; c0 < chains; c0 += L) {
            VectorMask<Float> m = F.indexInRange(c0, chains);
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            int k = from;
            for (; k + 4 <= to; k += 4) {
                s0 = FloatVector.broadcast(F, val[k]).fma(FloatVector.fromArray(F, xt, idx[k] * chains + c0, m), s0);
                s1 = FloatVector.broadcast(F, val[k + 1])
                        .fma(FloatVector.fromArray(F, xt, idx[k + 1] * chains + c0, m), s1);
                s2 = FloatVector.broadcast(F, val[k + 2])
                        .fma(FloatVector.fromArray(F, xt, idx[k + 2] * chains + c0, m), s2);
                s3 = FloatVector.broadcast(F, val[k + 3])
                        .fma(FloatVector.fromArray(F, xt, idx[k + 3] * chains + c0, m), s3);
            }
            for (; k < to; k++) {
                s0 = FloatVector.broadcast(F, val[k]).fma(FloatVector.fromArray(F, xt, idx[k] * chains + c0, m), s0);
            }
            s0.add(s1).add(s2.add(s3)).intoArray(out, c0, m);
        }
    }

    @Override
    public void convRow(float[] w, int wo, int ni, int kh, int kw, float[] xp, int plane, int pw, int row, float[] y,
                        int yo, int yw, float alpha) {
        // Chunks of two vectors with their sums in registers; kept small so that C1 can compile it on the way to C2
        // (a four-accumulator version ran out of C1 registers and stayed in slow tier-2 code).
        for (int b0 = 0; b0 < yw; b0 += 2 * L) {
            if (yw - b0 > L) {
                convChunk2(w, wo, ni, kh, kw, xp, plane, pw, row, y, yo, yw, alpha, b0);
            } else {
                convChunk1(w, wo, ni, kh, kw, xp, plane, pw, row, y, yo, yw, alpha, b0);
            }
        }
    }

    private static void convChunk2(float[] w, int wo, int ni, int kh, int kw, float[] xp, int plane, int pw, int row,
                                   float[] y, int yo, int yw, float alpha, int b0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int i = 0; i < ni; i++) {
            for (int ky = 0; ky < kh; ky++) {
                int base = i * plane + (row + ky) * pw + b0;
                int wb = wo + (i * kh + ky) * kw;
                for (int kx = 0; kx < kw; kx++) {
                    FloatVector wv = FloatVector.broadcast(F, w[wb + kx]);
                    a0 = wv.fma(FloatVector.fromArray(F, xp, base + kx), a0);
                    a1 = wv.fma(FloatVector.fromArray(F, xp, base + kx + L), a1);
                }
            }
        }
        FloatVector al = FloatVector.broadcast(F, alpha);
        int t = yo + b0;
        al.fma(a0, FloatVector.fromArray(F, y, t)).intoArray(y, t);
        VectorMask<Float> m = F.indexInRange(b0 + L, yw);
        al.fma(a1, FloatVector.fromArray(F, y, t + L, m)).intoArray(y, t + L, m);
    }

    private static void convChunk1(float[] w, int wo, int ni, int kh, int kw, float[] xp, int plane, int pw, int row,
                                   float[] y, int yo, int yw, float alpha, int b0) {
        FloatVector a0 = FloatVector.zero(F);
        for (int i = 0; i < ni; i++) {
            for (int ky = 0; ky < kh; ky++) {
                int base = i * plane + (row + ky) * pw + b0;
                int wb = wo + (i * kh + ky) * kw;
                for (int kx = 0; kx < kw; kx++) {
                    a0 = FloatVector.broadcast(F, w[wb + kx]).fma(FloatVector.fromArray(F, xp, base + kx), a0);
                }
            }
        }
        int t = yo + b0;
        VectorMask<Float> m = F.indexInRange(b0, yw);
        FloatVector.broadcast(F, alpha).fma(a0, FloatVector.fromArray(F, y, t, m)).intoArray(y, t, m);
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

    /**
     * {@link Noise#gaussian} for a block, lane by lane. Written as one method with no helper calls: C2 refuses to
     * inline a helper it has already compiled into a large method, and a vector crossing a call is boxed, which
     * made a helper-based version ten times slower.
     */
    @Override
    public void gaussian(int k0, int k1, int k2, int k3, int unit0, float[] out, int oo, int n) {
        IntVector m1 = IntVector.broadcast(I, 0x7feb352d), m2 = IntVector.broadcast(I, 0x846ca68b);
        IntVector x1 = IntVector.broadcast(I, k1), x3 = IntVector.broadcast(I, k3);
        IntVector mant = IntVector.broadcast(I, 0x007FFFFF), one = IntVector.broadcast(I, 0x3F800000);
        FloatVector inv24 = FloatVector.broadcast(F, Noise.INV24), sqrt2 = FloatVector.broadcast(F, Noise.SQRT2);
        FloatVector half = FloatVector.broadcast(F, 0.5f), fone = FloatVector.broadcast(F, 1f);
        FloatVector ln2 = FloatVector.broadcast(F, Noise.LN2), minus2 = FloatVector.broadcast(F, -2f);
        FloatVector l3 = FloatVector.broadcast(F, Noise.L3), l5 = FloatVector.broadcast(F, Noise.L5);
        FloatVector l7 = FloatVector.broadcast(F, Noise.L7), l9 = FloatVector.broadcast(F, Noise.L9);
        FloatVector pi = FloatVector.broadcast(F, Noise.PI), two = FloatVector.broadcast(F, 2f);
        FloatVector s3 = FloatVector.broadcast(F, Noise.S3), s5 = FloatVector.broadcast(F, Noise.S5);
        FloatVector s7 = FloatVector.broadcast(F, Noise.S7), s9 = FloatVector.broadcast(F, Noise.S9);
        FloatVector s11 = FloatVector.broadcast(F, Noise.S11), s13 = FloatVector.broadcast(F, Noise.S13);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            IntVector unit = IOTA.add(unit0 + i);
            // a = hash(hash(unit + k0) ^ k1), b = hash(hash(unit + k2) ^ k3), hash = lowbias32
            IntVector a = unit.add(k0);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16)).mul(m1);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 15)).mul(m2);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16)).lanewise(VectorOperators.XOR, x1);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16)).mul(m1);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 15)).mul(m2);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16));
            IntVector b = unit.add(k2);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16)).mul(m1);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 15)).mul(m2);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16)).lanewise(VectorOperators.XOR, x3);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16)).mul(m1);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 15)).mul(m2);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16));
            FloatVector u1 = ((FloatVector) a.lanewise(VectorOperators.LSHR, 8).add(1).convert(VectorOperators.I2F, 0))
                    .mul(inv24);
            FloatVector u2 = ((FloatVector) b.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(inv24);
            // log(u1): exponent and mantissa in [sqrt(1/2), sqrt(2)), then 2 atanh((m - 1) / (m + 1))
            IntVector bits = (IntVector) u1.reinterpretAsInts();
            FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(127)
                    .convert(VectorOperators.I2F, 0);
            FloatVector m = (FloatVector) bits.and(mant).or(one).reinterpretAsFloats();
            VectorMask<Float> big = m.compare(VectorOperators.GT, sqrt2);
            m = m.blend(m.mul(half), big);
            e = e.blend(e.add(fone), big);
            FloatVector s = m.sub(fone).div(m.add(fone));
            FloatVector s2 = s.mul(s);
            FloatVector p = s2.fma(l9, l7);
            p = s2.fma(p, l5);
            p = s2.fma(p, l3);
            p = s2.fma(p, two);
            FloatVector log = e.fma(ln2, s.mul(p));
            // sin(pi (u2 - 1/2))
            FloatVector t = u2.sub(half).mul(pi);
            FloatVector t2 = t.mul(t);
            FloatVector q = t2.fma(s13, s11);
            q = t2.fma(q, s9);
            q = t2.fma(q, s7);
            q = t2.fma(q, s5);
            q = t2.fma(q, s3);
            q = t2.fma(q, fone);
            log.mul(minus2).sqrt().mul(t.mul(q)).intoArray(out, oo + i);
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
