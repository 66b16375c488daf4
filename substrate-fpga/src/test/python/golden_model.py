#!/usr/bin/env python3
"""Independent golden model of the TDI-F1 datapath, written from docs/fpga-device.md only.

Reads a run vector (program image, BIAS/CLAMP/PARAM/SEED contents, initial states, steps, flags) and writes the
final states and accumulators the device must produce, bit for bit. Pure Python integers: no shared code with the
Java emulator. Vector files are text, one line per array: a name, then its integers.

    python3 golden_model.py input.vec output.vec
"""
import sys

M64 = (1 << 64) - 1
S32 = (1 << 31) - 1


def s64(v):
    v &= M64
    return v - (1 << 64) if v >> 63 else v


def mix(z):
    z &= M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def xi(key, step, unit):
    z = mix((key & M64) ^ mix(((step << 32) | unit) + 0x9E3779B97F4A7C15))
    s = (z & 0xFFFF) + ((z >> 16) & 0xFFFF) + ((z >> 32) & 0xFFFF) + (z >> 48)
    return ((s - 131070) * 113512 + (1 << 15)) >> 16


def rnd(v, s):
    return (v + (1 << (s - 1))) >> s


def outside(v):
    return v > S32 or v < -S32


def sat(v):
    return max(-S32, min(S32, v))


class Op:
    def __init__(self, w, p, wpool, ipool):
        self.kind, self.rows, self.cols, woff, wlen, ioff, ilen = p[0:7]
        self.inC, self.inH, self.inW, self.outC, self.kh, self.kw, self.stride, self.pad, self.extra = p[7:16]
        self.w = wpool[woff:woff + wlen]
        self.idx = ipool[ioff:ioff + ilen]
        if self.kind == 2:
            self.outH = (self.inH + 2 * self.pad - self.kh) // self.stride + 1
            self.outW = (self.inW + 2 * self.pad - self.kw) // self.stride + 1
        elif self.kind == 3:
            self.outH = (self.inH - 1) * self.stride - 2 * self.pad + self.kh + self.extra
            self.outW = (self.inW - 1) * self.stride - 2 * self.pad + self.kw + self.extra

    def pairs(self):
        """Every (row, col, weight) product term of the matrix (duplicates allowed)."""
        k = self.kind
        if k == 0:
            for i in range(self.rows):
                for j in range(self.cols):
                    yield i, j, self.w[i * self.cols + j]
        elif k == 1:
            ptr = self.idx[:self.rows + 1]
            col = self.idx[self.rows + 1:]
            for i in range(self.rows):
                for q in range(ptr[i], ptr[i + 1]):
                    yield i, col[q], self.w[q]
        elif k == 2:
            for oc in range(self.outC):
                for ic in range(self.inC):
                    for ky in range(self.kh):
                        for kx in range(self.kw):
                            wv = self.w[((oc * self.inC + ic) * self.kh + ky) * self.kw + kx]
                            for oy in range(self.outH):
                                for ox in range(self.outW):
                                    iy = oy * self.stride - self.pad + ky
                                    ix = ox * self.stride - self.pad + kx
                                    if 0 <= iy < self.inH and 0 <= ix < self.inW:
                                        yield ((oc * self.outH + oy) * self.outW + ox,
                                               (ic * self.inH + iy) * self.inW + ix, wv)
        elif k == 3:
            for ic in range(self.inC):
                for oc in range(self.outC):
                    for ky in range(self.kh):
                        for kx in range(self.kw):
                            wv = self.w[((ic * self.outC + oc) * self.kh + ky) * self.kw + kx]
                            for iy in range(self.inH):
                                for ix in range(self.inW):
                                    oy = iy * self.stride - self.pad + ky
                                    ox = ix * self.stride - self.pad + kx
                                    if 0 <= oy < self.outH and 0 <= ox < self.outW:
                                        yield ((oc * self.outH + oy) * self.outW + ox,
                                               (ic * self.inH + iy) * self.inW + ix, wv)

    def apply(self, x, transpose, counters):
        """Exact Q.32 sums of W x (or W^T x) for raw Q.16 x; low rank goes through the rounded, saturated bus."""
        n_out = self.cols if transpose else self.rows
        y = [0] * n_out
        if self.kind == 4:
            r = self.extra
            u = self.w[:self.rows * r]
            v = self.w[self.rows * r:]
            a, b, n_in = (u, v, self.rows) if transpose else (v, u, self.cols)
            bus = []
            for j in range(r):
                acc = sum(a[i * r + j] * x[i] for i in range(n_in))
                val = rnd(acc, 16)
                if outside(val):
                    counters[1] += 1
                bus.append(sat(val))
            for i in range(n_out):
                y[i] = sum(b[i * r + j] * bus[j] for j in range(r))
            return y
        for i, j, wv in self.pairs():
            if transpose:
                y[j] += wv * x[i]
            else:
                y[i] += wv * x[j]
        return y


def run(vec):
    img = vec["image"]
    h = img
    units, nmod, nop, nres, ncpl, nbias = h[2], h[3], h[4], h[5], h[6], h[7]
    moff, ooff, roff, coff, boff, woff, ioff = h[12], h[13], h[14], h[15], h[16], h[17], h[18]
    wpool = img[woff:woff + h[10]]
    ipool = img[ioff:ioff + h[11]]
    mods = [img[moff + 9 * m: moff + 9 * m + 9] for m in range(nmod)]
    ops = [Op(None, img[ooff + 16 * o: ooff + 16 * o + 16], wpool, ipool) for o in range(nop)]
    res = []
    p = roff
    for _ in range(nres):
        t, act, w, bb, n = img[p:p + 5]
        src = [(img[p + 5 + 3 * s], img[p + 6 + 3 * s], img[p + 7 + 3 * s]) for s in range(n)]
        res.append((t, act, w, bb, src))
        p += 5 + 3 * n
    cpl = [img[coff + 4 * c: coff + 4 * c + 4] for c in range(ncpl)]
    biases = [img[boff + 2 * b: boff + 2 * b + 2] for b in range(nbias)]
    bias, clamp, params, keys = vec["bias"], vec["clamp"], vec["params"], vec["keys"]
    flags, steps, base, bound = vec["flags"][0], vec["steps"][0], vec["stepBase"][0], vec["divBound"][0]
    chains = len(keys)
    out_states, out_acc, counters_all = [], [], [0, 0]
    # Schedules (RUN_FLAGS bit 3): table P, M, per phase (steps, window) as lo/hi word pairs, per module its
    # release phase (-1 clamped). A factor is active in phase q when all its modules are released by q, and is
    # computed only when it also touches a module that moves (is released) in q.
    sched = None
    if flags & 8:
        t = vec["schedule"]
        nph = t[0]
        def u64(lo, hi):
            return (lo & 0xFFFFFFFF) | ((hi & 0xFFFFFFFF) << 32)
        ph_steps = [u64(t[2 + 4 * q], t[3 + 4 * q]) for q in range(nph)]
        ph_window = [u64(t[4 + 4 * q], t[5 + 4 * q]) for q in range(nph)]
        release = t[2 + 4 * nph: 2 + 4 * nph + t[1]]
        ends = []
        total = 0
        for n in ph_steps:
            total += n
            ends.append(total)
        sched = (ph_window, release, ends)
    def phase_of(step):
        return next(q for q, e in enumerate(sched[2]) if step < e)
    def computed(mods_touched, q):
        rel = sched[1]
        return max(rel[m] for m in mods_touched) <= q and any(rel[m] == q for m in mods_touched)

    def walls(m, v):
        off, size, fl, lo, hi = m[0:5]
        if fl & 2 and v < lo:
            v = 2 * lo - v
        elif fl & 4 and v > hi:
            v = 2 * hi - v
        if fl & 2 and v < lo:
            v = lo
        if fl & 4 and v > hi:
            v = hi
        return v

    for c, x in enumerate(vec["state%d" % c] for c in range(chains)):
        x = list(x)
        acc = [0] * units
        counters = [0, 0]  # state saturations, internal saturations
        for m in mods:
            off, size, fl = m[0:3]
            if fl & 1:
                x[off:off + size] = clamp[m[5]:m[5] + size]
            elif flags & 1 and fl & 6:
                for i in range(off, off + size):
                    x[i] = walls(m, x[i])
        for s in range(steps):
            step = base + s
            q = phase_of(step) if sched else None
            moving = [sched is None or sched[1][mi] == q for mi in range(nmod)]
            F = [0] * units
            for (t, act, w, bb, src) in res:
                if sched and not computed([t] + [sm for (sm, so, gain) in src], q):
                    continue
                mt = mods[t]
                a = [bias[bb + i] << 16 for i in range(mt[1])]
                for (sm, so, gain) in src:
                    xs = x[mods[sm][0]:mods[sm][0] + mods[sm][1]]
                    y = ops[so].apply(xs, False, counters)
                    a = [a[i] + y[i] for i in range(len(a))]
                rs, on = [], []
                for i in range(mt[1]):
                    ai = rnd(a[i], 16)
                    if outside(ai):
                        counters[1] += 1
                        ai = sat(ai)
                    rho = 0 if (act == 1 and ai < 0) else ai
                    ri = x[mt[0] + i] - rho
                    if outside(ri):
                        counters[1] += 1
                        ri = sat(ri)
                    rs.append(ri)
                    on.append(act == 0 or ai > 0)
                    wr = rnd(w * ri, 16)
                    if outside(wr):
                        counters[1] += 1
                        wr = sat(wr)
                    F[mt[0] + i] -= wr << 16
                for (sm, so, gain) in src:
                    if gain == 0:
                        continue  # W^T 0 = 0
                    if not moving[sm]:
                        continue  # a held source's force is not computed
                    e = []
                    for i in range(mt[1]):
                        v = rnd(gain * rs[i], 16) if on[i] else 0
                        if outside(v):
                            counters[1] += 1
                            v = sat(v)
                        e.append(v)
                    y = ops[so].apply(e, True, counters)
                    for i, v in enumerate(y):
                        F[mods[sm][0] + i] += v

            def shifted(v, e):
                return v if e == 0 else rnd(v, e)

            for (a_, b_, o, selfc) in cpl:
                if sched and not computed([a_, b_], q):
                    continue
                ma, mb = mods[a_], mods[b_]
                if selfc:
                    y = ops[o].apply(x[ma[0]:ma[0] + ma[1]], False, counters)
                    for i, v in enumerate(y):
                        F[ma[0] + i] -= shifted(v, ma[8])
                else:
                    if moving[a_]:
                        y = ops[o].apply(x[mb[0]:mb[0] + mb[1]], False, counters)
                        for i, v in enumerate(y):
                            F[ma[0] + i] += shifted(v, ma[8])
                    if moving[b_]:
                        y = ops[o].apply(x[ma[0]:ma[0] + ma[1]], True, counters)
                        for i, v in enumerate(y):
                            F[mb[0] + i] += shifted(v, mb[8])
            for (mi, bb) in biases:
                if not moving[mi]:
                    continue
                m = mods[mi]
                for i in range(m[1]):
                    F[m[0] + i] += bias[bb + i] << 16
            for mi, m in enumerate(mods):
                if not moving[mi]:
                    continue
                k, kmu = m[6], m[7]
                for i in range(m[0], m[0] + m[1]):
                    F[i] -= k * x[i] - (kmu << 16)
            diverged = False
            for mi, m in enumerate(mods):
                if m[2] & 1 or not moving[mi]:
                    continue
                dt, sigma = params[2 * mi] & 0xFFFFFFFF, params[2 * mi + 1] & 0xFFFFFFFF
                for i in range(m[0], m[0] + m[1]):
                    g = rnd(F[i], 16)
                    v = x[i] + rnd(dt * g, 28)
                    if sigma:
                        v += rnd(sigma * xi(keys[c], step, i), 24)
                    v = walls(m, v)
                    if outside(v):
                        counters[0] += 1
                        diverged = True
                    x[i] = sat(v)
                    if abs(x[i]) > bound:
                        diverged = True
            if diverged:
                raise SystemExit("golden vector must not diverge")
            if sched:
                # The phase's modules add into ACC over its last `window` steps; at its last step they take the
                # round-half-up window mean and are held from then on.
                win, end = sched[0][q], sched[2][q]
                if step >= end - win:
                    for mi, m in enumerate(mods):
                        if moving[mi]:
                            for i in range(m[0], m[0] + m[1]):
                                acc[i] += x[i]
                                if step == end - 1:
                                    x[i] = (2 * acc[i] + win) // (2 * win)
            elif flags & 2:
                acc = [acc[i] + x[i] for i in range(units)]
        out_states.append(x)
        out_acc.append(acc)
        counters_all[0] += counters[0]
        counters_all[1] += counters[1]
    out = {"satState": [counters_all[0]], "satInternal": [counters_all[1]]}
    for c in range(chains):
        out["state%d" % c] = out_states[c]
        out["acc%d" % c] = out_acc[c]
    return out


def read_vec(path):
    vec = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].startswith("#"):
                vec[parts[0]] = [int(v) for v in parts[1:]]
    return vec


if __name__ == "__main__":
    result = run(read_vec(sys.argv[1]))
    with open(sys.argv[2], "w") as f:
        f.write("# expected device output, written by golden_model.py\n")
        for name, values in result.items():
            f.write(name + " " + " ".join(str(v) for v in values) + "\n")
