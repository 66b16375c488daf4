#!/usr/bin/env python3
"""The end-to-end peer: the relaxation of a compiled U-Net, batched, in PyTorch (CPU).

Usage: relaxation_torch.py EXPORT_DIR OUT_JSON [--runs N] [--threads T,...]

EXPORT_DIR is written by the Java exporter (dev.tdi.bench.e2e.RelaxationExport): program.json (modules with their
offsets and step sizes dt_m, Residual factors with their sources and operator shapes, the step count, window and
temperature) and program.safetensors (every operator's weights, the batch's clamps and bias fields, and the states
tdi's `sim` reached at T = 0). The dynamics are those of tdi's reference backend, on a (batch, units) state:

    for every Residual t = rho(h + sum_i W_i x_i) with weight w:   a = h + sum_i W_i x_i,  r = x_t - rho(a)
        g_t += w r;   g_i -= W_i^T (w rho'(a) r)      (rho'(0) = 0 for relu)
    x_m <- x_m - dt_m g_m + sqrt(2 T dt_m) xi         on every free module m; the clamped module holds x_t

from x = 0 with the clamp written in, for `steps` steps; the read-out is the mean of the last `window` steps. When the
export has a `schedule` (the hold schedule, tdi's default plan), phase p moves only the modules it releases, under the
residuals whose modules are all released by then, for its steps, then sets each to the mean of its last `window`
steps and holds it (docs/physics.md section 4.1); the final state is then the held values.
Operators are PyTorch's own: conv2d / conv_transpose2d (their adjoints are each other, with the output padding that
restores the source's size), matmul for dense and low-rank (U (V^T x)).

It first runs at T = 0 and checks that its final states match tdi's (max |x_peer - x_tdi| / max |x_tdi| must be
<= 1e-4; that run also warms PyTorch up), then times the relaxation at the export's temperature (noise from
torch.randn) with each thread count (default: all cores, then one), median of N runs (default 1: a relaxation takes
seconds), and writes OUT_JSON with the faster.
"""
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    """A dict name -> float32 torch tensor from a safetensors file (F32 only, as the exporter writes)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {e['dtype']}; the peer reads F32 only")
        b, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:end], dtype="<f4").copy()).reshape(e["shape"])
    return out


class Operator:
    """W and W^T on a batch of flat source vectors (batch, cols) -> (batch, rows)."""

    def __init__(self, spec, t):
        self.kind = spec["kind"]
        name = spec["tensor"]
        if self.kind == "conv2d":
            self.k = t[name]
            self.cin, self.hin, self.win = spec["in"]
            self.cout, self.hout, self.wout = spec["out"]
            self.stride, self.pad = spec["stride"], spec["padding"]
            # the adjoint's output padding restores the source size
            base_h = (self.hout - 1) * self.stride - 2 * self.pad + self.k.shape[2]
            base_w = (self.wout - 1) * self.stride - 2 * self.pad + self.k.shape[3]
            self.adj_pad = (self.hin - base_h, self.win - base_w)
        elif self.kind == "conv_transpose2d":
            self.k = t[name]
            self.cin, self.hin, self.win = spec["in"]
            self.cout, self.hout, self.wout = spec["out"]
            self.stride, self.pad, self.out_pad = spec["stride"], spec["padding"], spec["output_padding"]
        elif self.kind == "dense":
            self.w = t[name]
            self.wt = self.w.t().contiguous()
        elif self.kind == "lowrank":
            self.u, self.v = t[name + ".u"], t[name + ".v"]
        else:
            raise ValueError(f"the peer has no operator kind {self.kind}")

    def apply(self, x):
        b = x.shape[0]
        if self.kind == "conv2d":
            y = F.conv2d(x.view(b, self.cin, self.hin, self.win), self.k, stride=self.stride, padding=self.pad)
            return y.reshape(b, -1)
        if self.kind == "conv_transpose2d":
            y = F.conv_transpose2d(x.view(b, self.cin, self.hin, self.win), self.k, stride=self.stride,
                                   padding=self.pad, output_padding=self.out_pad)
            return y.reshape(b, -1)
        if self.kind == "dense":
            return x @ self.wt
        return (x @ self.v) @ self.u.t()

    def apply_t(self, r):
        b = r.shape[0]
        if self.kind == "conv2d":
            y = F.conv_transpose2d(r.view(b, self.cout, self.hout, self.wout), self.k, stride=self.stride,
                                   padding=self.pad, output_padding=self.adj_pad)
            return y.reshape(b, -1)
        if self.kind == "conv_transpose2d":
            y = F.conv2d(r.view(b, self.cout, self.hout, self.wout), self.k, stride=self.stride, padding=self.pad)
            return y.reshape(b, -1)
        if self.kind == "dense":
            return r @ self.w
        return (r @ self.u) @ self.v.t()


class Relaxation:
    def __init__(self, export_dir):
        self.meta = json.load(open(os.path.join(export_dir, "program.json")))
        self.t = read_safetensors(os.path.join(export_dir, "program.safetensors"))
        m = self.meta
        self.batch, self.units, self.steps, self.window = m["batch"], m["units"], m["steps"], m["window"]
        self.mod = {x["name"]: x for x in m["modules"]}
        self.residuals = []
        for r in m["residuals"]:
            field = r["field"]
            h = self.t["bias." + field] if ("bias." + field) in self.t else self.t["field." + field].expand(
                self.batch, -1)
            srcs = [(self.slice(s["module"]), self.mod[s["module"]]["clamped"], Operator(s, self.t))
                    for s in r["sources"]]
            self.residuals.append((self.slice(r["target"]), r["rho"] == "relu", float(r["weight"]),
                                   h.contiguous(), srcs))
        self.free = [self.slice(x["name"]) for x in m["modules"] if not x["clamped"]]
        self.dt = [float(x["dt"]) for x in m["modules"] if not x["clamped"]]
        # the hold schedule, when the plan has one: phase -> the modules it releases; a residual is active from the
        # phase its last module is released in (clamped modules count as released before the first phase)
        self.schedule = m.get("schedule")
        if self.schedule is not None:
            release = {x["name"]: -1 for x in m["modules"] if x["clamped"]}
            for p, ph in enumerate(self.schedule):
                for name in ph["release"]:
                    release[name] = p
            self.release = release
            self.free_names = [x["name"] for x in m["modules"] if not x["clamped"]]
            self.active_from = [max([release[r["target"]]] + [release[s["module"]] for s in r["sources"]])
                                for r in m["residuals"]]
        self.clamp = (self.slice(m["clamped_module"]), self.t["clamp." + m["clamped_module"]])

    def slice(self, name):
        x = self.mod[name]
        return slice(x["offset"], x["offset"] + x["size"])

    def gradient(self, x, g, active):
        """g = dU/dx over the residuals whose index is in `active` (all when None)."""
        g.zero_()
        for i, (tgt, relu, w, h, srcs) in enumerate(self.residuals):
            if active is not None and i not in active:
                continue
            a = h.clone()
            for s, _, op in srcs:
                a += op.apply(x[:, s])
            if relu:
                rho = torch.clamp_min(a, 0)
                r = x[:, tgt] - rho
                back = w * r * (a > 0)
            else:
                r = x[:, tgt] - a
                back = w * r
            g[:, tgt] += w * r
            for s, clamped, op in srcs:
                if not clamped:
                    g[:, s] -= op.apply_t(back)

    def run_schedule(self, temperature, seed=1):
        """The hold schedule: in phase p only the modules it releases move, under the residuals active by then;
        after its steps each is set to the mean of its last `window` steps and held. Final = held values = mean."""
        gen = torch.Generator().manual_seed(seed)
        x = torch.zeros(self.batch, self.units)
        x[:, self.clamp[0]] = self.clamp[1]
        g = torch.zeros_like(x)
        dts = dict(zip(self.free_names, self.dt))
        for p, ph in enumerate(self.schedule):
            active = {i for i, a in enumerate(self.active_from) if a <= p}
            moving = [(self.slice(n), dts[n], float(np.sqrt(2 * temperature * dts[n]))) for n in ph["release"]]
            total = torch.zeros_like(x)
            steps, window = int(ph["steps"]), int(ph["window"])
            for step in range(steps):
                self.gradient(x, g, active)
                for s, dt, sg in moving:
                    x[:, s] -= dt * g[:, s]
                    if temperature > 0:
                        x[:, s] += sg * torch.randn(self.batch, s.stop - s.start, generator=gen)
                if step >= steps - window:
                    for s, _, _ in moving:
                        total[:, s] += x[:, s]
            for s, _, _ in moving:
                x[:, s] = total[:, s] / window
        return x, x.clone()

    def run(self, temperature, seed=1):
        """The final state and the window mean, (batch, units)."""
        if self.schedule is not None:
            return self.run_schedule(temperature, seed)
        gen = torch.Generator().manual_seed(seed)
        x = torch.zeros(self.batch, self.units)
        x[:, self.clamp[0]] = self.clamp[1]
        g = torch.zeros_like(x)
        total = torch.zeros_like(x)
        sigma = [float(np.sqrt(2 * temperature * dt)) for dt in self.dt]
        for step in range(self.steps):
            self.gradient(x, g, None)
            for s, dt, sg in zip(self.free, self.dt, sigma):
                x[:, s] -= dt * g[:, s]
                if temperature > 0:
                    x[:, s] += sg * torch.randn(self.batch, s.stop - s.start, generator=gen)
            if step >= self.steps - self.window:
                total += x
        return x, total / self.window


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    export_dir, out_json = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 1
    torch.set_grad_enabled(False)
    rel = Relaxation(export_dir)
    cores = os.cpu_count() or 1
    torch.set_num_threads(cores)
    final, mean = rel.run(0.0)
    ref = rel.t["tdi.final"]
    err = float((final - ref).abs().max() / ref.abs().max())
    err_mean = float((mean - rel.t["tdi.mean"]).abs().max() / rel.t["tdi.mean"].abs().max())
    print(f"peer: torch {torch.__version__}, {rel.batch} inputs x {rel.steps} steps on {rel.units} units; at T = 0"
          f" max relative error against tdi: final {err:.2e}, mean {err_mean:.2e}", flush=True)
    temperature = float(rel.meta["temperature"])
    counts = sorted({cores, 1}, reverse=True)
    if "--threads" in sys.argv:
        counts = [int(t) for t in sys.argv[sys.argv.index("--threads") + 1].split(",")]
    best = None
    for threads in counts:
        torch.set_num_threads(threads)
        times, cpu = [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            rel.run(temperature)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        med, med_cpu = float(np.median(times)), float(np.median(cpu))
        print(f"peer: {threads} thread(s): {med:.3f} s per batched relaxation, {med_cpu:.3f} CPU s (median of"
              f" {runs})", flush=True)
        if best is None or med < best[0]:
            best = (med, threads, med_cpu)
    finite = lambda v: v if np.isfinite(v) else None  # JSON has no NaN
    json.dump({"seconds": best[0], "threads": best[1], "cpu_seconds": best[2],
               "max_relative_error": finite(max(err, err_mean)),
               "max_relative_error_final": finite(err), "max_relative_error_mean": finite(err_mean),
               "torch": "torch " + torch.__version__, "batch": rel.batch, "steps": rel.steps},
              open(out_json, "w"), indent=2)
    if not max(err, err_mean) <= 1e-4:  # NaN (non-finite states) fails too
        print("peer: the states do NOT match tdi's (bound 1e-4)", flush=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
