#!/usr/bin/env python3
"""PyTorch reference for tdi's denoising U-Net (the `unet` module).

Builds the same architecture as dev.tdi.unet.UNet from the same JSON config, loads the same safetensors weights,
and writes the output and every tap for given inputs, so the Java forward pass can be checked against PyTorch.
Needs only the Debian packages python3-torch and python3-numpy (safetensors is read and written here).

  # run the reference on any model (mirror of `./tdi unet-forward`):
  tools/unet_reference.py forward --config C --weights W --input I --out O
  # compare two tap files (e.g. Java's and PyTorch's), tap by tap:
  tools/unet_reference.py compare A B [--tol 1e-5]
  # regenerate the committed test fixtures (random weights and inputs):
  tools/unet_reference.py fixtures --out unet/src/test/resources/dev/tdi/unet/fixtures

Input files hold "x" [B][C][H][W] and "t" [B] (float32); tap files hold "tap.<name>" for the input and every layer.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------- safetensors

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: truncated")
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    out = {}
    base = 8 + n
    for name, h in header.items():
        if h["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name}: dtype {h['dtype']} not supported")
        b, e = h["data_offsets"]
        arr = np.frombuffer(data[base + b:base + e], dtype="<f4").reshape(h["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


def write_safetensors(path, tensors, meta=None):
    header = {}
    if meta:
        header["__metadata__"] = {k: str(v) for k, v in meta.items()}
    off = 0
    blobs = []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        off += a.nbytes
        blobs.append(a.tobytes())
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------- the network

class Layer(nn.Module):
    """out = rho(sum_i Op_i(in_i) + b + tproj(temb)); Op_i Conv2d or ConvTranspose2d without bias."""

    def __init__(self, name, channels, size, relu, time_bias, hidden):
        super().__init__()
        self.name, self.channels, self.size, self.relu = name, channels, size, relu
        self.sources = []
        self.ops = nn.ModuleList()
        self.b = nn.Parameter(torch.zeros(channels))
        self.tproj = nn.Linear(hidden, channels, bias=False) if time_bias else None

    def add(self, source, op):
        self.sources.append(source)
        self.ops.append(op)


class TdiUNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        E, Ht = cfg["timeEmbedDim"], cfg["timeHidden"]
        self.fc1 = nn.Linear(E, Ht)
        self.fc2 = nn.Linear(Ht, Ht)
        ch, B, k = cfg["channels"], cfg["blocksPerLevel"], cfg.get("kernelSize", 3)
        p = k // 2
        L = len(ch)
        hs = [cfg["imageSize"]]
        for _ in range(1, L):
            hs.append((hs[-1] + 2 * p - k) // 2 + 1)
        self.layers = nn.ModuleList()
        info = {"input": (cfg["imageChannels"], cfg["imageSize"])}

        def layer(name, c, h, relu=True, tb=True):
            lay = Layer(name, c, h, relu, tb, Ht)
            self.layers.append(lay)
            info[name] = (c, h)
            return lay

        def conv(lay, src, stride):
            cin = info[src][0]
            lay.add(src, nn.Conv2d(cin, lay.channels, k, stride=stride, padding=p, bias=False))

        prev = "input"
        for l in range(L):
            for b in range(B):
                lay = layer(f"enc{l}_{b}", ch[l], hs[l])
                conv(lay, prev, 2 if (b == 0 and l > 0) else 1)
                prev = lay.name
        for l in range(L - 2, -1, -1):
            cin, hin = info[prev]
            op = hs[l] - ((hin - 1) * 2 - 2 * p + k)
            up = layer(f"up{l}", ch[l], hs[l])
            up.add(prev, nn.ConvTranspose2d(cin, ch[l], k, stride=2, padding=p, output_padding=op, bias=False))
            prev = up.name
            for b in range(B):
                lay = layer(f"dec{l}_{b}", ch[l], hs[l])
                conv(lay, prev, 1)
                if b == 0:
                    conv(lay, f"enc{l}_{B - 1}", 1)
                prev = lay.name
        out = layer("out", cfg["imageChannels"], hs[0], relu=False, tb=False)
        conv(out, prev, 1)
        if cfg.get("inputSkip", False):
            conv(out, "input", 1)

    def embedding(self, t):
        half = self.cfg["timeEmbedDim"] // 2
        t64 = t.to(torch.float64)[:, None]
        if self.cfg.get("timeEmbedding", "sinusoidal") == "fourier":  # sin/cos(pi k tau), k = 1..half
            f = (math.pi * torch.arange(1, half + 1, dtype=torch.float64) / (self.cfg["diffusionSteps"] - 1))[None, :]
        else:  # the transformer embedding of the raw step
            f = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half)[None, :]
        return torch.cat([torch.sin(t64 * f), torch.cos(t64 * f)], dim=1).to(torch.float32)

    def forward(self, x, t):
        h = F.relu(self.fc2(F.relu(self.fc1(self.embedding(t)))))
        taps = {"input": x}
        for lay in self.layers:
            a = lay.b[None, :, None, None]
            if lay.tproj is not None:
                a = a + lay.tproj(h)[:, :, None, None]
            for src, op in zip(lay.sources, lay.ops):
                a = a + op(taps[src])
            taps[lay.name] = F.relu(a) if lay.relu else a
        return taps

    def state_for_tdi(self):
        """Tensors under tdi's safetensors names."""
        s = {"temb.fc1.w": self.fc1.weight, "temb.fc1.b": self.fc1.bias,
             "temb.fc2.w": self.fc2.weight, "temb.fc2.b": self.fc2.bias}
        for lay in self.layers:
            s[f"{lay.name}.b"] = lay.b
            if lay.tproj is not None:
                s[f"{lay.name}.tproj"] = lay.tproj.weight
            for i, op in enumerate(lay.ops):
                s[f"{lay.name}.w{i}"] = op.weight
        return s

    def load_tdi(self, tensors, path="weights"):
        own = self.state_for_tdi()
        for name, p in own.items():
            if name not in tensors:
                raise ValueError(f"{path}: missing tensor {name!r}")
            if tuple(tensors[name].shape) != tuple(p.shape):
                raise ValueError(f"{path}: tensor {name!r} has shape {tuple(tensors[name].shape)}, "
                                 f"the config needs {tuple(p.shape)}")
            with torch.no_grad():
                p.copy_(tensors[name])
        extra = set(tensors) - set(own)
        if extra:
            raise ValueError(f"{path}: unexpected tensors {sorted(extra)}")


def load_model(config, weights):
    with open(config) as f:
        cfg = json.load(f)
    net = TdiUNet(cfg)
    tensors, _ = read_safetensors(weights)
    net.load_tdi(tensors, weights)
    return net.eval()


def run_forward(net, x, t):
    with torch.no_grad():
        taps = net(x, t)
    return {f"tap.{k}": v for k, v in taps.items()}


# ----------------------------------------------------------------------------------------------- commands

def cmd_forward(a):
    net = load_model(a.config, a.weights)
    inp, _ = read_safetensors(a.input)
    out = run_forward(net, inp["x"], inp["t"])
    write_safetensors(a.out, out, {"producer": f"tools/unet_reference.py, torch {torch.__version__}"})
    print(f"wrote {a.out} ({len(out)} taps)")


def compare(a_path, b_path, tol):
    A, _ = read_safetensors(a_path)
    B, _ = read_safetensors(b_path)
    worst = 0.0
    ok = True
    for name in B:
        if name not in A:
            print(f"{name}: missing in {a_path}")
            ok = False
            continue
        ref = B[name].double()
        d = (A[name].double() - ref)
        rel = (d.norm() / max(ref.norm().item(), 1e-30)).item()
        mx = (d.abs().max() / max(ref.abs().max().item(), 1e-30)).item()
        worst = max(worst, rel, mx)
        flag = "ok" if max(rel, mx) <= tol else "FAIL"
        ok &= flag == "ok"
        print(f"{name:20s} shape {tuple(ref.shape)}  rel L2 err {rel:.2e}  max abs err / max abs {mx:.2e}  {flag}")
    print(f"worst {worst:.2e} (tolerance {tol:g})")
    return ok


def cmd_compare(a):
    sys.exit(0 if compare(a.a, a.b, a.tol) else 1)


FIXTURES = {
    # 12 -> 6 -> 3, transposed convolutions with output padding 1, one block per level
    "even": dict(imageSize=12, imageChannels=1, channels=[3, 5, 6], blocksPerLevel=1, timeEmbedDim=8,
                 timeHidden=16, diffusionSteps=100),
    # 13 -> 7 -> 4, output padding 0, two image channels, two blocks per level, input skip into the output layer
    "odd": dict(imageSize=13, imageChannels=2, channels=[4, 6, 8], blocksPerLevel=2, timeEmbedDim=8,
                timeHidden=16, diffusionSteps=100, inputSkip=True),
    # the shipped model's smooth Fourier time features, on the "odd" geometry
    "fourier": dict(imageSize=13, imageChannels=2, channels=[4, 6, 8], blocksPerLevel=2, timeEmbedDim=8,
                    timeHidden=16, diffusionSteps=100, inputSkip=True, timeEmbedding="fourier"),
}


def cmd_fixtures(a):
    torch.manual_seed(20260425)
    for name, c in FIXTURES.items():
        cfg = {"format": "tdi-unet/1", "imageSize": c["imageSize"], "imageChannels": c["imageChannels"],
               "channels": c["channels"], "blocksPerLevel": c["blocksPerLevel"], "kernelSize": 3,
               "activation": "relu", "timeEmbedDim": c["timeEmbedDim"], "timeHidden": c["timeHidden"],
               "skipMerge": "concat-conv", "upsample": "conv-transpose", "diffusionSteps": c["diffusionSteps"],
               "schedule": "linear", "betaStart": 1e-4, "betaEnd": 0.02,
               "inputSkip": c.get("inputSkip", False)}
        if "timeEmbedding" in c:
            cfg["timeEmbedding"] = c["timeEmbedding"]
        d = os.path.join(a.out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
        net = TdiUNet(cfg)
        with torch.no_grad():  # non-zero biases, so that every relu sees both signs
            for lay in net.layers:
                lay.b.normal_(0, 0.1)
        write_safetensors(os.path.join(d, "model.safetensors"), net.state_for_tdi(), {"format": "tdi-unet"})
        n, s = 3, c["imageSize"]
        x = torch.randn(n, c["imageChannels"], s, s)
        t = torch.tensor([0.0, 42.5, 99.0])
        write_safetensors(os.path.join(d, "input.safetensors"), {"x": x, "t": t})
        write_safetensors(os.path.join(d, "expected.safetensors"), run_forward(net.eval(), x, t),
                          {"producer": f"tools/unet_reference.py, torch {torch.__version__}"})
        print(f"wrote fixture {d}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("forward", help="run the reference forward pass and write every tap")
    f.add_argument("--config", required=True)
    f.add_argument("--weights", required=True)
    f.add_argument("--input", required=True)
    f.add_argument("--out", required=True)
    f.set_defaults(fn=cmd_forward)
    c = sub.add_parser("compare", help="compare two tap files tap by tap")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--tol", type=float, default=1e-5)
    c.set_defaults(fn=cmd_compare)
    x = sub.add_parser("fixtures", help="regenerate the committed test fixtures")
    x.add_argument("--out", required=True)
    x.set_defaults(fn=cmd_fixtures)
    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
