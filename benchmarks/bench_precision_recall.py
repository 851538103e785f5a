"""Benchmark precision_recall against the prdc package, side by side in one run.

Each method runs in a fresh process on data saved to disk. Two memory figures
are reported per tool: ``peak`` is the process's whole peak resident size
(VmHWM, reset after loading: interpreter, libraries, the input arrays and the
work), ``work`` is that peak minus the resident size after loading the inputs,
i.e. the memory the tool itself adds on the same inputs. (``ru_maxrss``, used
before, also counted the parent's resident size at the fork of the spawned
child: about twice the inputs here.) The issue's target ("at most half its peak
memory") is read on ``work`` (memory_ratio); the ratio of totals is printed too
(total_ratio), where the shared inputs and libraries dominate.

The float32 matrix-product peak of the machine is measured in the same run;
``rate_vs_peak`` divides the float32 products actually computed (tiles of a set
against itself only on and above the diagonal, see ``_knn.tile_size``, and the
diagonal tiles split in halves, see ``_knn._fill_self_products``) by the
whole call's time, so all non-product work counts against it.

Data: one simulated, standardized set of 2n samples split in two; the generated
half gets Gaussian noise (sd 0.3) so that precision, recall, density and
coverage are all between 0 and 1 and many pairs lie near the radii.

Usage: python benchmarks/bench_precision_recall.py [--cases 10000x2000,5000x32043]
       [--no-prdc-above N] [--out NAME]
Writes benchmarks/results/NAME.{json,md} (default bench_precision_recall).
"""

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import torch
from _memory import peak_bytes, reset_peak, run_in_fresh_process

RESULTS = Path(__file__).resolve().parent / "results"


def _data(n, d, folder):
    """Simulated standardized expression: real and generated sets, float32."""
    from sklearn_remgan.datasets import make_expression

    X, _ = make_expression(n_samples=2 * n, n_genes=d, random_state=0)
    X = ((X - X.mean(axis=0)) / (X.std(axis=0) + 1e-3)).astype(np.float32)
    rng = np.random.default_rng(0)
    np.save(folder / "real.npy", X[:n])
    gen = X[n:]
    gen += rng.normal(scale=0.3, size=gen.shape).astype(np.float32)
    np.save(folder / "gen.npy", gen)
    return float(X.nbytes) / 2**20


def _child(method, folder, k, queue):
    # Both imports before the baseline, so that neither pays for libraries.
    from prdc import compute_prdc

    from sklearn_remgan.metrics import precision_recall

    real = np.load(folder / "real.npy")
    gen = np.load(folder / "gen.npy")
    reset_peak()
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
    peak = peak_bytes()
    queue.put(
        {
            "seconds": seconds,
            "work_mib": (peak - base) / 2**20,
            "peak_mib": peak / 2**20,
            **{m: float(v) for m, v in out.items()},
            **extra,
        }
    )



def _self_tile_products(size, min_split):
    """Products of a diagonal tile, split in halves as ``_knn`` does."""
    if size <= min_split:
        return size * size
    h = size // 2
    return (
        _self_tile_products(h, min_split)
        + _self_tile_products(size - h, min_split)
        + h * (size - h)
    )


def _product_flops(n, d):
    """Float32 product FLOPs of one call: two upper-triangular self passes
    (diagonal tiles split as the kernels do), one full cross pass."""
    from sklearn_remgan.metrics._knn import _MIN_SPLIT, tile_size

    tile = tile_size(n, d)
    edges = [*range(0, n, tile), n]
    sizes = np.diff(edges)
    upper = sum(
        int(sizes[i]) * int(sizes[j])
        for i in range(sizes.size)
        for j in range(i + 1, sizes.size)
    )
    upper += sum(_self_tile_products(int(s), _MIN_SPLIT) for s in sizes)
    return 2 * d * (2 * upper + n * n)


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
    parser.add_argument("--out", default="bench_precision_recall")
    args = parser.parse_args(argv)
    peak32 = _gemm_peak()
    peak16 = _gemm_peak(torch.bfloat16)
    rows = []
    for case in args.cases.split(","):
        n, d = (int(v) for v in case.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            inputs_mib = _data(n, d, folder)
            ours = run_in_fresh_process(_child, "ours", folder, args.k)
            prdc = None
            if n <= args.no_prdc_above:
                prdc = run_in_fresh_process(_child, "prdc", folder, args.k)
        flops = _product_flops(n, d)
        row = {
            "case": f"{n} vs {n} x {d}",
            "inputs_mib": inputs_mib,
            "ours_s": ours["seconds"],
            "ours_work_mib": ours["work_mib"],
            "ours_peak_mib": ours["peak_mib"],
            "ours_gflops": flops / ours["seconds"] / 1e9,
            "gemm_peak_gflops": peak32,
            "rate_vs_peak": flops / ours["seconds"] / 1e9 / peak32,
            "n_rechecked": ours["n_rechecked"],
        }
        if prdc is not None:
            row.update(
                prdc_s=prdc["seconds"],
                prdc_work_mib=prdc["work_mib"],
                prdc_peak_mib=prdc["peak_mib"],
                speedup=prdc["seconds"] / ours["seconds"],
                memory_ratio=ours["work_mib"] / max(prdc["work_mib"], 1e-9),
                total_ratio=ours["peak_mib"] / max(prdc["peak_mib"], 1e-9),
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
    (RESULTS / f"{args.out}.json").write_text(json.dumps(summary, indent=2))
    cols = ["case", "ours_s", "prdc_s", "speedup", "ours_work_mib", "prdc_work_mib",
            "memory_ratio", "ours_peak_mib", "prdc_peak_mib", "total_ratio",
            "inputs_mib", "ours_gflops", "rate_vs_peak", "n_rechecked",
            "max_abs_diff"]
    lines = [
        f"float32 GEMM peak {peak32:.1f} GFLOP/s, bf16 {peak16:.1f} GFLOP/s, "
        f"{torch.get_num_threads()} threads. *_work_mib: peak above the loaded "
        "inputs (the target, memory_ratio); *_peak_mib: whole-process peak "
        "(total_ratio).",
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
    (RESULTS / f"{args.out}.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
