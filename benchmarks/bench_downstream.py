"""Downstream benchmark: does augmentation help a classifier on held-out data?

The same classifier (most variable genes -> StandardScaler -> [sampler] ->
LogisticRegression) is cross-validated with no augmentation, RandomOverSampler,
SMOTE and WGANGPSampler, with the same folds for every method:

- ``tcga_tumor_normal_11``: label ``tissue`` (9 classes), StratifiedGroupKFold by
  ``patient`` (a tumour and its adjacent normal never straddle train and test);
- ``pbmc68k_reduced``: label ``bulk_labels`` (10 cell types, 8 to 240 cells),
  StratifiedKFold (one donor, no grouping).

Genes are reduced to the ``--n-genes`` most variable *inside* the pipeline (fitted
on each training fold only) to keep the run short. Prints a table (mean and std of
balanced accuracy over folds, fit time) and saves it as JSON and Markdown under
``benchmarks/results/``.

Run from the repository root::

    python benchmarks/bench_downstream.py            # about 5-10 min on 2 cores
    python benchmarks/bench_downstream.py --quick    # smoke run

The shared data folder is ``../shared/data`` beside the checkout, or the folder
named by ``--data-dir`` or the ``REMGAN_SHARED_DATA`` environment variable.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    StratifiedGroupKFold,
    StratifiedKFold,
    cross_validate,
)
from sklearn.preprocessing import StandardScaler

from sklearn_remgan.over_sampling import WGANGPSampler

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = {
    "tcga_tumor_normal_11": {"label": "tissue", "groups": "patient"},
    "pbmc68k_reduced": {"label": "bulk_labels", "groups": None},
}


def _variance(X, y):
    """Score genes by variance (a picklable score function for SelectKBest)."""
    return np.asarray(X).var(axis=0)


def _data_dir(arg):
    if arg:
        return Path(arg)
    if os.environ.get("REMGAN_SHARED_DATA"):
        return Path(os.environ["REMGAN_SHARED_DATA"])
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def load(root, name):
    npz = np.load(root / f"{name}.npz")
    obs = pd.read_csv(root / f"{name}.obs.csv", index_col=0)
    spec = DATASETS[name]
    groups = None if spec["groups"] is None else obs[spec["groups"]].to_numpy()
    return npz["X"].astype(np.float32), obs[spec["label"]].to_numpy(), groups


def methods(max_epochs):
    return {
        "none": None,
        "RandomOverSampler": RandomOverSampler(random_state=0),
        "SMOTE": SMOTE(k_neighbors=3, random_state=0),
        "WGANGPSampler": WGANGPSampler(
            sampling_strategy="not majority", max_epochs=max_epochs, random_state=0
        ),
    }


def run(args):
    root = _data_dir(args.data_dir)
    rows = []
    for name, spec in DATASETS.items():
        X, y, groups = load(root, name)
        cv = (
            StratifiedGroupKFold(args.n_splits, shuffle=True, random_state=0)
            if groups is not None
            else StratifiedKFold(args.n_splits, shuffle=True, random_state=0)
        )
        for method, sampler in methods(args.max_epochs).items():
            steps = [SelectKBest(_variance, k=min(args.n_genes, X.shape[1]))]
            steps += [StandardScaler()] + ([sampler] if sampler is not None else [])
            pipe = make_pipeline(*steps, LogisticRegression(max_iter=2000))
            start = time.perf_counter()
            out = cross_validate(
                pipe,
                X,
                y,
                groups=groups,
                cv=cv,
                scoring="balanced_accuracy",
                error_score="raise",
            )
            scores = out["test_score"]
            row = {
                "dataset": name,
                "label": spec["label"],
                "n_samples": int(X.shape[0]),
                "n_classes": int(np.unique(y).size),
                "method": method,
                "balanced_accuracy_mean": float(scores.mean()),
                "balanced_accuracy_std": float(scores.std()),
                "folds": [float(s) for s in scores],
                "fit_time_s_per_fold": float(out["fit_time"].mean()),
                "wall_s": time.perf_counter() - start,
            }
            rows.append(row)
            print(
                f"{name:22s} {method:18s} {row['balanced_accuracy_mean']:.3f} "
                f"+/- {row['balanced_accuracy_std']:.3f}  "
                f"({row['fit_time_s_per_fold']:.1f} s fit/fold)",
                flush=True,
            )
    return rows


def markdown(rows, args):
    lines = [
        "# Downstream balanced accuracy by augmentation method",
        "",
        f"{args.n_splits}-fold CV (grouped by patient for TCGA), "
        f"{args.n_genes} most variable genes chosen per training fold, "
        f"LogisticRegression(max_iter=2000); WGANGPSampler max_epochs="
        f"{args.max_epochs}, sampling_strategy='not majority'. Mean +/- std over "
        "folds.",
        "",
        "| data set | label | method | balanced accuracy | fit s/fold |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['label']} ({r['n_classes']} classes) | "
            f"{r['method']} | {r['balanced_accuracy_mean']:.3f} +/- "
            f"{r['balanced_accuracy_std']:.3f} | {r['fit_time_s_per_fold']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--n-splits", type=int, default=5)
    parser.add_argument("--n-genes", type=int, default=200)
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="3 folds, 2 epochs")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    if args.quick:
        args.n_splits, args.max_epochs, args.n_genes = 3, 2, 100
    rows = run(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "settings": {
            k: v for k, v in vars(args).items() if k not in ("data_dir", "out")
        },
        "versions": {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "torch": torch.__version__,
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
    }
    stem = "bench_downstream_quick" if args.quick else "bench_downstream"
    (out / f"{stem}.json").write_text(json.dumps({**meta, "rows": rows}, indent=2))
    (out / f"{stem}.md").write_text(markdown(rows, args))
    print(f"saved {out / stem}.json and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
