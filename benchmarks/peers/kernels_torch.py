#!/usr/bin/env python3
"""PyTorch CPU peer of dev.tdi.bench.kernels.KernelSuite: the same GEMMs, convolutions (forward; backward = weight
and input gradient), U-Net forward and training-step gradient on the same shapes and batch sizes, float32, timed on
all cores and on one thread, the better kept. Usage: kernels_torch.py CASES.json OUT.json [--seconds S]. Each case is timed as the Java side is: a warm-up,
then 5 rounds of about S/5 seconds; the median and best time per operation (ns) are written to OUT.json."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from unet_reference import load_model  # noqa: E402

MODEL = os.path.join(ROOT, "unet/src/main/resources/dev/tdi/unet/default")


def timed(fn, seconds):
    end = time.perf_counter() + max(0.3, seconds / 3)
    while time.perf_counter() < end:
        fn()
    per = []
    for _ in range(5):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= seconds / 5:
                break
        per.append(dt / n * 1e9)
    per.sort()
    return {"median_ns": per[2], "best_ns": per[0]}


def conv_case(c):
    g = torch.Generator().manual_seed(7)
    b, ic, oc, k, s, p = c["batch"], c["inC"], c["outC"], c["k"], c["stride"], c["pad"]
    x = torch.randn(b, ic, c["inH"], c["inW"], generator=g)
    if c["transpose"]:
        w = torch.randn(ic, oc, k, k, generator=g) * 0.1
        op = c["outPad"]
        fwd = lambda: F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op)  # noqa: E731
    else:
        w = torch.randn(oc, ic, k, k, generator=g) * 0.1
        op = 0
        fwd = lambda: F.conv2d(x, w, stride=s, padding=p)  # noqa: E731
    if c["op"] == "conv_fwd":
        return fwd
    gy = torch.randn_like(fwd())
    return lambda: torch.ops.aten.convolution_backward(gy, x, w, None, [s, s], [p, p], [1, 1], c["transpose"],
                                                       [op, op], 1, [True, True, False])


def gemm_case(c):
    g = torch.Generator().manual_seed(7)
    a = torch.randn(c["M"], c["K"], generator=g)
    b = torch.randn(c["K"], c["N"], generator=g) if c["batch"] == 1 else torch.randn(c["batch"], c["K"], c["N"],
                                                                                        generator=g)
    return lambda: torch.matmul(a, b)


def unet_case(c, net):
    g = torch.Generator().manual_seed(1)
    b = c["batch"]
    x = torch.randn(b, 1, 28, 28, generator=g)
    t = torch.randint(0, 1000, (b,), generator=g).float()
    if c["op"] == "unet_fwd":
        def fwd():
            with torch.no_grad():
                net(x, t)
        return fwd
    eps = torch.randn(b, 1, 28, 28, generator=g)

    def step():
        net.zero_grad(set_to_none=True)
        out = list(net(x, t).values())[-1]
        loss = ((out - eps) ** 2).mean()
        loss.backward()
    return step


def main():
    cases_path, out_path = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 1.0
    torch.set_num_threads(os.cpu_count())
    with open(cases_path) as f:
        cases = json.load(f)
    net = None
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": {}}
    for c in cases:
        if c["op"].startswith("unet"):
            if net is None:
                net = load_model(os.path.join(MODEL, "config.json"), os.path.join(MODEL, "model.safetensors"))
            fn = unet_case(c, net)
        elif c["op"] == "gemm":
            fn = gemm_case(c)
        else:
            fn = conv_case(c)
        # all cores and one thread, the better kept (as peers.py does): on a loaded machine PyTorch's spinning
        # OpenMP threads can lose several times over, which would flatter tdi
        torch.set_num_threads(os.cpu_count())
        r = timed(fn, seconds / 2)
        torch.set_num_threads(1)
        r1 = timed(fn, seconds / 2)
        r["median_ns_all_threads"], r["median_ns_one_thread"] = r["median_ns"], r1["median_ns"]
        if r1["median_ns"] < r["median_ns"]:
            r["median_ns"], r["best_ns"] = r1["median_ns"], r1["best_ns"]
        res["cases"][c["name"]] = r
        print(f"torch: {c['name']:<34} {r['median_ns'] / 1e3:10.1f} us", flush=True)
    with open(out_path, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
