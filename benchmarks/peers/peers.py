#!/usr/bin/env python3
"""The peer harness: the identical Langevin step of the tdi benchmark programs in NumPy and PyTorch (CPU).

Usage: peers.py EXPORT_DIR OUT_JSON [--seconds S]

EXPORT_DIR holds one directory per case written by the Java exporter (dev.tdi.bench.PeerExport): the program's
arrays as .npy, x0 (a start state), x1 (the state tdi's `sim` reaches from x0 in one step at T = 0) and meta.json.
For each case and peer this script
  1. checks one step: from x0 at T = 0 it must reach x1 (max relative error reported, must be < 1e-4);
  2. times the step at the case's temperature on the case's number of chains (a batch: rows of a (chains, units)
     array), with each peer's own Gaussian generator, median of several runs after a warm-up.
The energies are those of dev.tdi.bench.BenchPrograms; the step is x <- x - dt grad U(x) + sqrt(2 T dt) xi.
NumPy runs on the BLAS it finds (install libopenblas0-pthread: Debian's reference BLAS is ~7x slower on the dense
step); PyTorch timed with torch.set_num_threads(os.cpu_count()) and with one thread, the better reported.
"""
import json
import os
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the harness still runs NumPy
    torch = None


def load(case_dir):
    meta = json.load(open(os.path.join(case_dir, "meta.json")))
    arrays = {}
    for f in os.listdir(case_dir):
        if f.endswith(".npy"):
            arrays[f[:-4]] = np.load(os.path.join(case_dir, f))
    return meta, arrays


# ----------------------------------------------------------------------------------------------------- NumPy

def numpy_step(meta, a):
    """A function step(X, noise) -> X' on (chains, units) float32 arrays, and its set-up, for NumPy."""
    kind, k, mu, dt = meta["kind"], np.float32(meta["stiffness"]), np.float32(meta["center"]), np.float32(meta["dt"])
    if kind == "dense":
        W, h = a["W"], a["h"]

        def grad(X):
            return k * (X - mu) + X @ W - h  # W symmetric: (W x)^T = x^T W
    elif kind == "sparse":
        indptr, indices, data = a["indptr"], a["indices"], a["data"]
        rows, cols = meta["rows"], meta["cols"]
        # the transpose (CSC of W) for W^T x, built once
        order = np.argsort(indices, kind="stable")
        row_of = np.repeat(np.arange(rows, dtype=np.int32), np.diff(indptr))
        t_indices, t_data = row_of[order], data[order]
        t_indptr = np.zeros(cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(indices, minlength=cols), out=t_indptr[1:])
        def plan(ptr):  # reduceat needs the starts of the non-empty rows only
            nz = np.diff(ptr) > 0
            return nz, ptr[:-1][nz]

        fwd, bwd = plan(indptr), plan(t_indptr)

        def spmm(p, nrows, idx, vals, X):  # W times each chain: (chains, n) -> (chains, nrows)
            nz, starts = p
            out = np.zeros((X.shape[0], nrows), dtype=np.float32)
            out[:, nz] = np.add.reduceat(X[:, idx] * vals, starts, axis=1)
            return out

        h_ = rows

        def grad(X):
            Xa, Xb = X[:, :h_], X[:, h_:]
            ga = k * (Xa - mu) - spmm(bwd, cols, t_indices, t_data, Xb)
            gb = k * (Xb - mu) - spmm(fwd, rows, indices, data, Xa)
            return np.concatenate([ga, gb], axis=1)
    elif kind == "conv":
        K = a["kernel"]  # (out, in, 3, 3)
        c, s = meta["channels"], meta["side"]
        n = c * s * s

        def conv(X):  # (B, c, s, s) -> (B, c, s, s), padding 1
            P = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
            Y = np.zeros_like(X)
            for ky in range(3):
                for kx in range(3):
                    Y += np.einsum("oi,bihw->bohw", K[:, :, ky, kx], P[:, :, ky:ky + s, kx:kx + s], optimize=True)
            return Y

        def conv_t(Y):  # the adjoint
            P = np.pad(Y, ((0, 0), (0, 0), (1, 1), (1, 1)))
            Z = np.zeros_like(Y)
            for ky in range(3):
                for kx in range(3):
                    Z += np.einsum("oi,bohw->bihw", K[:, :, ky, kx],
                                   P[:, :, 2 - ky:2 - ky + s, 2 - kx:2 - kx + s], optimize=True)
            return Z

        def grad(X):
            B = X.shape[0]
            Xa = X[:, :n].reshape(B, c, s, s)
            Xb = X[:, n:].reshape(B, c, s, s)
            ga = k * (Xa - mu) - conv_t(Xb)
            gb = k * (Xb - mu) - conv(Xa)
            return np.concatenate([ga.reshape(B, n), gb.reshape(B, n)], axis=1)
    elif kind == "lowrank":
        U, V = a["U"], a["V"]
        h_ = U.shape[0]

        def grad(X):
            Xa, Xb = X[:, :h_], X[:, h_:]
            ga = k * (Xa - mu) - (Xb @ U) @ V.T
            gb = k * (Xb - mu) - (Xa @ V) @ U.T
            return np.concatenate([ga, gb], axis=1)
    else:
        raise ValueError(kind)

    sigma = np.float32(np.sqrt(2 * meta["temperature"] * meta["dt"]))
    rng = np.random.default_rng(1)

    def step(X, temperature=True):
        Xn = X - dt * grad(X)
        if temperature and sigma > 0:
            Xn += sigma * rng.standard_normal(X.shape, dtype=np.float32)
        return Xn

    return step


# --------------------------------------------------------------------------------------------------- PyTorch

def torch_step(meta, a):
    kind, k, mu, dt = meta["kind"], float(meta["stiffness"]), float(meta["center"]), float(meta["dt"])
    t = {name: torch.from_numpy(v) for name, v in a.items()}
    if kind == "dense":
        W, h = t["W"], t["h"]

        def grad(X):
            return k * (X - mu) + X @ W - h
    elif kind == "sparse":
        rows, cols = meta["rows"], meta["cols"]
        Wc = torch.sparse_csr_tensor(t["indptr"].long(), t["indices"].long(), t["data"], size=(rows, cols))
        Wt = Wc.to_sparse_coo().t().coalesce().to_sparse_csr()
        h_ = rows

        def grad(X):
            Xa, Xb = X[:, :h_], X[:, h_:]
            ga = k * (Xa - mu) - (Wt @ Xb.t()).t()
            gb = k * (Xb - mu) - (Wc @ Xa.t()).t()
            return torch.cat([ga, gb], dim=1)
    elif kind == "conv":
        K = t["kernel"]
        c, s = meta["channels"], meta["side"]
        n = c * s * s

        def grad(X):
            B = X.shape[0]
            Xa = X[:, :n].reshape(B, c, s, s)
            Xb = X[:, n:].reshape(B, c, s, s)
            ga = k * (Xa - mu) - F.conv_transpose2d(Xb, K, padding=1)
            gb = k * (Xb - mu) - F.conv2d(Xa, K, padding=1)
            return torch.cat([ga.reshape(B, n), gb.reshape(B, n)], dim=1)
    elif kind == "lowrank":
        U, V = t["U"], t["V"]
        h_ = U.shape[0]

        def grad(X):
            Xa, Xb = X[:, :h_], X[:, h_:]
            ga = k * (Xa - mu) - (Xb @ U) @ V.t()
            gb = k * (Xb - mu) - (Xa @ V) @ U.t()
            return torch.cat([ga, gb], dim=1)
    else:
        raise ValueError(kind)

    sigma = float(np.sqrt(2 * meta["temperature"] * meta["dt"]))
    gen = torch.Generator().manual_seed(1)

    def step(X, temperature=True):
        with torch.no_grad():
            Xn = X - dt * grad(X)
            if temperature and sigma > 0:
                Xn += sigma * torch.randn(X.shape, generator=gen, dtype=X.dtype)
            return Xn

    return step


# ------------------------------------------------------------------------------------------------------ timing

def time_steps(step, X, seconds):
    """Median nanoseconds per step over several runs, after a warm-up; the step count per run adapts."""
    t0 = time.perf_counter()
    steps = 1
    while True:  # warm up and size the runs
        a = time.perf_counter()
        for _ in range(steps):
            X = step(X)
        el = time.perf_counter() - a
        if time.perf_counter() - t0 > seconds / 3:
            break
        steps = max(1, min(100000, int(steps * max(1.0, (seconds / 15) / max(el, 1e-9)))))
    runs = []
    for _ in range(5):
        a = time.perf_counter()
        for _ in range(steps):
            X = step(X)
        runs.append((time.perf_counter() - a) / steps * 1e9)
    runs.sort()
    return runs[len(runs) // 2], runs[0], steps


def blas_name():
    try:
        maps = open("/proc/self/maps").read()
    except OSError:
        return "unknown"
    for lib in ("openblas", "mkl", "blis", "libblas"):
        for line in maps.splitlines():
            if lib in line and ".so" in line:
                return line.split()[-1]
    return "unknown"


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    export, out = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 2.0
    threads = os.cpu_count() or 1
    if torch is not None:
        torch.set_num_threads(threads)
    np.ones((64, 64), dtype=np.float32) @ np.ones((64, 64), dtype=np.float32)  # load the BLAS
    result = {"python": sys.version.split()[0], "numpy": np.__version__,
              "torch": torch.__version__ if torch is not None else None,
              "torch_threads": torch.get_num_threads() if torch is not None else None,
              "blas": blas_name(), "cases": {}}
    for name in sorted(os.listdir(export)):
        case_dir = os.path.join(export, name)
        if not os.path.isfile(os.path.join(case_dir, "meta.json")):
            continue
        meta, a = load(case_dir)
        x0, x1 = a.pop("x0"), a.pop("x1")
        chains = meta["chains"]
        entry = {}
        peers = [("numpy", numpy_step, lambda v: v)]
        if torch is not None:
            peers.append(("torch", torch_step, torch.from_numpy))
        for peer, build, wrap in peers:
            try:
                step = build(meta, a)
                got = step(wrap(x0[None, :].copy()), temperature=False)
                got = np.asarray(got)[0]
                err = float(np.max(np.abs(got - x1)) / (1e-30 + np.max(np.abs(x1))))
                X = wrap(np.repeat(x0[None, :], chains, axis=0))
                med, best, steps = time_steps(step, X, seconds)
                entry[peer] = {"ns_per_step": med, "best_ns_per_step": best, "steps_per_run": steps,
                               "threads": threads if peer == "torch" else "BLAS default",
                               "check_max_rel_error": err, "check_ok": err < 1e-4}
                if peer == "torch" and threads > 1:
                    # PyTorch's OpenMP threads spin; on a busy or small machine one thread can be faster.
                    # Report the better of the two so the peer is never handicapped by our thread choice.
                    torch.set_num_threads(1)
                    med1, best1, steps1 = time_steps(step, X, seconds)
                    torch.set_num_threads(threads)
                    entry[peer]["ns_per_step_all_threads"] = med
                    entry[peer]["ns_per_step_one_thread"] = med1
                    if med1 < med:
                        entry[peer].update({"ns_per_step": med1, "best_ns_per_step": best1, "steps_per_run": steps1,
                                            "threads": 1})
            except Exception as e:  # a peer that cannot run a case says why
                entry[peer] = {"error": f"{type(e).__name__}: {e}"}
            print(f"peers: {name} {peer}: {entry[peer]}", file=sys.stderr)
        result["cases"][name] = entry
    with open(out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
