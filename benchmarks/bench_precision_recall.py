"""Benchmark precision_recall against the prdc package, side by side in one run.

Each method runs in a fresh process on data saved to disk, so its peak memory
(ru_maxrss minus the resident size after loading the data) is its own. The
float32 matrix-product peak of the machine is measured in the same run.

Usage: python benchmarks/bench_precision_recall.py [--cases 10000x2000,5000x32043]
       [--no-prdc-above N]
Writes benchmarks/results/bench_precision_recall.{json,md}.
"""

import argparse
import contextlib
import io
import json
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import torch

RESULTS = Path(__file__).resolve().parent / "results"


def _data(n, d, folder):
    """Simulated standardized expression: real and generated sets, float32."""
    from sklearn_remgan.datasets import make_expression

    real, _ = make_expression(n_samples=n, n_genes=d, random_state=0)
    gen, _ = make_expression(n_samples=n, n_genes=d, random_state=1, noise=0.6)
    mean, std = real.mean(axis=0), real.std(axis=0) + 1e-3
    real = ((real - mean) / std).astype(np.float32)
    gen = ((gen - mean) / std).astype(np.float32)
    np.save(folder / "real.npy", real)
    np.save(folder / "gen.npy", gen)


def _child(method, folder, k, queue):
    # Both imports before the baseline, so that neither pays for libraries.
    from prdc import compute_prdc

    from sklearn_remgan.metrics import precision_recall

    real = np.load(folder / "real.npy")
    gen = np.load(folder / "gen.npy")
    base = psutil.Process().memory_info().rss
    start = time.perf_counter()
    if method == "prdc":
        with contextlib.redirect_stdout(io.StringIO()):
            out = compute_prdc(real, gen, k)
        extra = {}
    else:
        r = precision_recall(real, gen, k=k)
        out = {m: r[m] for m in ("precision", "recall", "density", "coverage")}
        extra = {"n_rechecked": r.n_rechecked}
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    queue.put(
        {
            "seconds": seconds,
            "peak_mib": (peak - base) / 2**20,
            **{m: float(v) for m, v in out.items()},
            **extra,
        }
    )


def _run(method, folder, k):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(method, folder, k, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _gemm_peak(dtype=torch.float32, size=3072, repeat=3):
    a = torch.randn(size, size, dtype=dtype)
    b = torch.randn(size, size, dtype=dtype)
    a @ b
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default="10000x2000,5000x32043")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--no-prdc-above", type=int, default=20000)
    args = parser.parse_args(argv)
    peak32 = _gemm_peak()
    peak16 = _gemm_peak(torch.bfloat16)
    rows = []
    for case in args.cases.split(","):
        n, d = (int(v) for v in case.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _data(n, d, folder)
            ours = _run("ours", folder, args.k)
            prdc = _run("prdc", folder, args.k) if n <= args.no_prdc_above else None
        flops = 3 * 2 * n * n * d
        row = {
            "case": f"{n} vs {n} x {d}",
            "ours_s": ours["seconds"],
            "ours_peak_mib": ours["peak_mib"],
            "ours_gflops": flops / ours["seconds"] / 1e9,
            "gemm_peak_gflops": peak32,
            "rate_vs_peak": flops / ours["seconds"] / 1e9 / peak32,
            "n_rechecked": ours["n_rechecked"],
        }
        if prdc is not None:
            row.update(
                prdc_s=prdc["seconds"],
                prdc_peak_mib=prdc["peak_mib"],
                speedup=prdc["seconds"] / ours["seconds"],
                memory_ratio=ours["peak_mib"] / max(prdc["peak_mib"], 1e-9),
                max_abs_diff=max(
                    abs(ours[m] - prdc[m])
                    for m in ("precision", "recall", "density", "coverage")
                ),
            )
        rows.append(row)
        print(json.dumps(row), flush=True)
    summary = {"float32_gemm_peak_gflops": peak32, "bf16_gemm_peak_gflops": peak16,
               "torch_threads": torch.get_num_threads(), "cases": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_precision_recall.json").write_text(json.dumps(summary, indent=2))
    cols = ["case", "ours_s", "prdc_s", "speedup", "ours_peak_mib", "prdc_peak_mib",
            "memory_ratio", "ours_gflops", "rate_vs_peak", "n_rechecked",
            "max_abs_diff"]
    lines = [
        f"float32 GEMM peak {peak32:.1f} GFLOP/s, bf16 {peak16:.1f} GFLOP/s, "
        f"{torch.get_num_threads()} threads",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for row in rows:
        cells = []
        for c in cols:
            v = row.get(c, "")
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    (RESULTS / "bench_precision_recall.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
