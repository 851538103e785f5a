"""Seconds per WGAN-GP epoch in float32 and bfloat16; threads of parallel fits.

Run: ``python benchmarks/bench_precision_threads.py [--epochs 3] [--threads 1]``.
Trains WGANGPSampler (paper defaults) on 962 x 2,000 standard-normal rows in
two classes for a few epochs per precision and prints what torch reports about
the CPU, whether it has bf16 matrix units, what ``precision="auto"`` resolves
to, and the mean seconds per epoch (first epoch excluded when more than one).
Then it times two fits run side by side in joblib's threading backend (as
``GridSearchCV(n_jobs=2)`` with threads does), with the samplers' default
``n_jobs=None`` (one torch thread each) and with ``n_jobs=-1`` (all cores
each, oversubscribed).
"""

import argparse
import os
import time

import numpy as np
import torch
from joblib import Parallel, delayed

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


def parallel_wall_time(X, y, n_jobs, epochs):
    def fit(seed):
        WGANGPSampler(max_epochs=epochs, n_jobs=n_jobs, random_state=seed).fit(X, y)

    start = time.perf_counter()
    Parallel(n_jobs=2, prefer="threads")(delayed(fit)(s) for s in range(2))
    return time.perf_counter() - start


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
    torch.set_num_threads(os.cpu_count() or 1)
    for n_jobs in (None, -1):
        wall = parallel_wall_time(X, y, n_jobs, args.epochs)
        print(
            f"2 fits in 2 threads, sampler n_jobs={n_jobs}: {wall:.1f} s "
            f"({os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
