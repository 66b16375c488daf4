#!/usr/bin/env python3
"""PyTorch CPU peer of dev.tdi.bench.unet.UNetForwardBenchmark: forward throughput of the shipped default U-Net
(same config, same safetensors, built by tools/unet_reference.py), batch 1 and 64, all cores, float32, no grad.
Prints "RESULT <batch> <images/s> <spread>" lines (spread = half the range of the 5 measurement rounds)."""
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from unet_reference import load_model  # noqa: E402

MODEL = os.path.join(ROOT, "unet/src/main/resources/dev/tdi/unet/default")


def main():
    torch.set_num_threads(os.cpu_count())
    net = load_model(os.path.join(MODEL, "config.json"), os.path.join(MODEL, "model.safetensors"))
    print(f"INFO torch {torch.__version__}, {torch.get_num_threads()} threads, float32, no_grad")
    g = torch.Generator().manual_seed(1)
    for batch in (1, 64):
        x = torch.randn(batch, 1, 28, 28, generator=g)
        t = torch.randint(0, 1000, (batch,), generator=g).float()
        rates = []
        with torch.no_grad():
            end = time.perf_counter() + 3  # warm-up, as JMH's 3 x 2 s
            while time.perf_counter() < end:
                net(x, t)
            for _ in range(5):  # 5 rounds of 2 s, as JMH's measurement
                n, t0 = 0, time.perf_counter()
                while time.perf_counter() - t0 < 2:
                    net(x, t)
                    n += 1
                rates.append(n * batch / (time.perf_counter() - t0))
        mean = sum(rates) / len(rates)
        print(f"RESULT {batch} {mean:.1f} {(max(rates) - min(rates)) / 2:.1f}")


if __name__ == "__main__":
    main()
