"""Seconds per WGAN-GP epoch in float32 and bfloat16, and the CPU's bf16 units.

Run: ``python benchmarks/bench_precision_threads.py [--epochs 3] [--threads 1]``.
Trains WGANGPSampler (paper defaults) on 962 x 2,000 standard-normal rows in
two classes for a few epochs per precision and prints what torch reports about
the CPU, whether it has bf16 matrix units, what ``precision="auto"`` resolves
to, and the mean seconds per epoch (first epoch excluded when more than one).
"""

import argparse
import time

import numpy as np
import torch

from sklearn_remgan.over_sampling import WGANGPSampler
from sklearn_remgan.utils._threads import cpu_has_bf16_units, resolve_precision


def seconds_per_epoch(X, y, precision, epochs):
    sampler = WGANGPSampler(max_epochs=epochs, precision=precision, random_state=0)
    start = time.perf_counter()
    sampler.fit(X, y)
    total = time.perf_counter() - start
    durations = sampler.net_.history[:, "dur"]
    steady = durations[1:] if len(durations) > 1 else durations
    return float(np.mean(steady)), total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=962)
    parser.add_argument("--genes", type=int, default=2000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.RandomState(0)
    X = rng.randn(args.rows, args.genes).astype(np.float32)
    y = np.arange(args.rows) % 2
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"torch cpu capability: {torch.backends.cpu.get_cpu_capability()}")
    print(f"bf16 matrix units: {cpu_has_bf16_units()}")
    print(f"precision='auto' on cpu -> {resolve_precision('auto', 'cpu')}")
    for precision in ("float32", "bfloat16"):
        per_epoch, total = seconds_per_epoch(X, y, precision, args.epochs)
        print(
            f"{precision:9s} {per_epoch:.2f} s/epoch ({args.epochs} epochs, "
            f"{total:.1f} s in all) at {args.rows} x {args.genes}"
        )


if __name__ == "__main__":
    main()
