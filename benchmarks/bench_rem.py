"""Benchmark REM against scikit-learn's PCA (auto and randomized), side by side.

Each method runs in a fresh process on data saved to disk (peak memory: the
peak resident size (VmHWM), reset after loading, minus the resident size after
loading). Time covers fit plus the REM of the training samples; the error is
the largest relative REM difference to an exact float64 reference (Gram matrix
eigendecomposition in float64).

``ours`` is ``REM(svd_solver="auto")``: the exact float64 Gram route below
5,000 samples, the mixed-precision one (``'gram_mixed'``: float32 Gram matrix
and eigensolver for an oversampled search subspace, float64 Rayleigh-Ritz) from
5,000 samples, so its error is not zero there.

scikit-learn's ``svd_solver="auto"`` picks the randomized solver at these shapes
(2,000 components < 80% of the samples), so ``auto`` and ``randomized`` run the
same algorithm; ``--methods ours,auto`` skips the duplicate (and the slow exact
reference) for the largest case.

Usage: python benchmarks/bench_rem.py [--cases 2661x32043,5000x32043,10643x32043]
       [--n-components 2000] [--methods ours,auto,randomized,exact] [--out NAME]
Writes benchmarks/results/NAME.{json,md} (default bench_rem).
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import scipy.linalg
from _memory import peak_bytes, reset_peak, run_in_fresh_process

RESULTS = Path(__file__).resolve().parent / "results"


def _data(n, d, folder):
    from sklearn_remgan.datasets import make_expression

    X, _ = make_expression(n_samples=n, n_genes=d, random_state=0)
    X = ((X - X.mean(axis=0)) / (X.std(axis=0) + 1e-3)).astype(np.float32)
    np.save(folder / "X.npy", X)


def _child(method, folder, q, queue):
    from sklearn.decomposition import PCA

    from sklearn_remgan.metrics import REM
    from sklearn_remgan.metrics._rem import _gram

    X = np.load(folder / "X.npy")
    reset_peak()
    base = psutil.Process().memory_info().rss
    start = time.perf_counter()
    fit_s = None
    if method == "ours":
        rem = REM(q).fit(X)
        fit_s = time.perf_counter() - start
        scores = rem.score_samples(X)
    elif method == "exact":
        mean = X.mean(axis=0, dtype=np.float64)
        w, U = scipy.linalg.eigh(_gram(X, mean), driver="evd")
        U = U[:, ::-1][:, :q]
        P = ((X.astype(np.float64) - mean).T @ U / np.sqrt(w[::-1][:q])).T
        Z = X.astype(np.float64) - mean
        Z -= (Z @ P.T) @ P
        scores = np.sqrt((Z**2).sum(axis=1))
    else:
        pca = PCA(q, svd_solver=method, random_state=0).fit(X)
        fit_s = time.perf_counter() - start
        Z = X.astype(np.float64) - pca.inverse_transform(pca.transform(X))
        scores = np.sqrt((Z**2).sum(axis=1))
    seconds = time.perf_counter() - start
    peak = peak_bytes()
    np.save(folder / f"scores_{method}.npy", scores)
    queue.put({"seconds": seconds, "fit_s": fit_s, "peak_mib": (peak - base) / 2**20})



def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default="2661x32043,5000x32043,10643x32043")
    parser.add_argument("--n-components", type=int, default=2000)
    parser.add_argument("--methods", default="ours,auto,randomized,exact")
    parser.add_argument("--out", default="bench_rem")
    args = parser.parse_args(argv)
    q = args.n_components
    rows = []
    for case in args.cases.split(","):
        n, d = (int(v) for v in case.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _data(n, d, folder)
            res = {
                m: run_in_fresh_process(_child, m, folder, q)
                for m in args.methods.split(",")
            }
            ref = np.load(folder / "scores_exact.npy") if "exact" in res else None
            for m, r in res.items():
                if ref is not None and m != "exact":
                    s = np.load(folder / f"scores_{m}.npy")
                    r["max_rel_error"] = float(np.max(np.abs(s - ref) / ref))
        row = {"case": f"{n} x {d}, {q} PCs"}
        for m, r in res.items():
            for key, v in r.items():
                row[f"{m}_{key}"] = v
        if "auto" in res and "ours" in res:
            row["fit_speedup_vs_auto"] = res["auto"]["fit_s"] / res["ours"]["fit_s"]
            row["speedup_vs_auto"] = res["auto"]["seconds"] / res["ours"]["seconds"]
        if "randomized" in res and "ours" in res:
            row["speedup_vs_randomized"] = (
                res["randomized"]["seconds"] / res["ours"]["seconds"]
            )
        rows.append(row)
        print(json.dumps(row), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(rows, indent=2))
    keys = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        cells = [
            f"{row[c]:.3g}" if isinstance(row.get(c), float) else str(row.get(c, ""))
            for c in keys
        ]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    (RESULTS / f"{args.out}.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
