"""Downstream benchmark: does augmentation help a classifier on held-out data?

Two settings (``--setting``):

``low-data`` (default; the setting of the "close the generator's blind spots"
issue). The fidelity benchmark's split of each data set (by patient for TCGA,
stratified otherwise; ``_fidelity_common.split``) gives the held-out rows; from
the training part, ``--n-real`` rows (default 50, at least 2 per class, the
rest in class proportions) are drawn per seed. Genes (``--n-genes`` most
variable) and scaling are fitted on those rows only. A logistic regression is
trained on the real rows alone, or on them plus ``--n-generated`` rows
(default 1,000, split equally over the classes) from SMOTE (k=5, capped by
the smallest class), ``WGANGPSampler`` (conditioned on the covariate where
the data set has one) and ``DDPMSampler`` when this checkout has it, and
scored by balanced accuracy on the held-out rows. Mean and std over
``--seeds``.

``cv``. The same classifier (most variable genes -> StandardScaler ->
[sampler] -> LogisticRegression) is cross-validated with no augmentation,
RandomOverSampler, SMOTE and WGANGPSampler, with the same folds for every
method:

- ``tcga_tumor_normal_11``: label ``tissue`` (9 classes), StratifiedGroupKFold by
  ``patient`` (a tumour and its adjacent normal never straddle train and test);
- ``pbmc68k_reduced``: label ``bulk_labels`` (10 cell types, 8 to 240 cells),
  StratifiedKFold (one donor, no grouping).

Genes are reduced to the ``--n-genes`` most variable *inside* the pipeline (fitted
on each training fold only) to keep the run short. Prints a table (mean and std of
balanced accuracy over folds, fit time) and saves it as JSON and Markdown under
``benchmarks/results/``.

Run from the repository root::

    python benchmarks/bench_downstream.py                     # low data, TCGA + PBMC
    python benchmarks/bench_downstream.py --setting cv        # about 5-10 min
    python benchmarks/bench_downstream.py --setting cv --quick  # smoke run

The shared data folder is ``../shared/data`` beside the checkout, or the folder
named by ``--data-dir`` or the ``REMGAN_SHARED_DATA`` environment variable.
"""

import argparse
import ast
import json
import os
import platform
import sys
import time
from pathlib import Path

import _fidelity_common as fc
import numpy as np
import pandas as pd
import sklearn
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
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


# ---------------------------------------------------------------- low data
def draw_rows(y, n, rng, *, min_per_class=2):
    """``n`` row indices: ``min_per_class`` of every class, the rest in proportion."""
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if n < min_per_class * len(classes) or (counts < min_per_class).any():
        raise ValueError(
            f"cannot draw {n} rows with {min_per_class} of each of "
            f"{len(classes)} classes (smallest class: {counts.min()} rows)."
        )
    extra = fc_largest_remainder(n - min_per_class * len(classes), counts)
    take = np.minimum(counts, min_per_class + extra)
    # Rows a small class cannot give go to the largest classes.
    short = n - take.sum()
    for c in np.argsort(-counts, kind="stable"):
        if short == 0:
            break
        add = min(short, counts[c] - take[c])
        take[c] += add
        short -= add
    rows = [
        rng.choice(np.flatnonzero(codes == c), t, replace=False)
        for c, t in enumerate(take)
    ]
    return np.sort(np.concatenate(rows))


def fc_largest_remainder(total, weights):
    weights = np.asarray(weights, dtype=float)
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(int)
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def balanced_labels(classes, n):
    """``n`` labels split as equally as possible over ``classes`` (sorted)."""
    per = fc_largest_remainder(n, np.ones(len(classes)))
    return np.repeat(np.asarray(classes, dtype=object), per)


def _smote_rows(X, y, labels, seed):
    counts = pd.Series(y).value_counts()
    want = pd.Series(labels).value_counts()
    strategy = {c: int(counts[c] + want.get(c, 0)) for c in counts.index}
    k = int(min(5, counts.min() - 1))
    X_res, y_res = SMOTE(
        sampling_strategy=strategy, k_neighbors=k, random_state=seed
    ).fit_resample(X, y)
    return X_res[len(X) :], y_res[len(X) :]


def _sampler_rows(sampler, X, y, cov, labels, seed):
    kwargs = {} if cov is None else {"covariates": cov}
    sampler.fit(X, y, **kwargs)
    X_new, y_new = sampler.sample(len(labels), labels, random_state=seed)
    return np.asarray(X_new), np.asarray(y_new)


def low_data_methods(args):
    """name -> callable(X, y, cov, labels, seed) returning generated rows."""
    gan_params = dict(args.gan_params)

    def gan(X, y, cov, labels, seed):
        sampler = WGANGPSampler(
            max_epochs=args.gan_epochs, random_state=seed, **gan_params
        )
        return _sampler_rows(sampler, X, y, cov, labels, seed)

    out = {
        "real only": None,
        f"SMOTE +{args.n_generated}": lambda X, y, cov, labels, seed: _smote_rows(
            X, y, labels, seed
        ),
        f"WGANGPSampler +{args.n_generated}": gan,
    }
    try:
        from sklearn_remgan.over_sampling._ddpm import DDPMSampler
    except ImportError:
        DDPMSampler = None
    if DDPMSampler is not None:

        def ddpm(X, y, cov, labels, seed):
            sampler = DDPMSampler(random_state=seed, **dict(args.ddpm_params))
            return _sampler_rows(sampler, X, y, cov, labels, seed)

        out[f"DDPMSampler +{args.n_generated}"] = ddpm
    return {k: v for k, v in out.items() if _wanted(k, args.methods)}


def _wanted(name, patterns):
    return not patterns or any(p.lower() in name.lower() for p in patterns)


def run_low_data(args, save=None):
    """Rows of the low-data table; ``save(rows)`` runs after each row."""
    rows = []
    for name in args.datasets:
        X_all, y_all, cov_all, groups = fc.load_raw(name, args.data_dir)
        train, test = fc.split(y_all, cov_all, groups)
        spec = fc.DATASETS[name]
        for method, make in low_data_methods(args).items():
            scores, seconds = [], []
            for seed in args.seeds:
                rng = np.random.RandomState(seed)
                fit_rows = train[draw_rows(y_all[train], args.n_real, rng)]
                Z = fc.scale_on(X_all, fit_rows, min(args.n_genes, X_all.shape[1]))
                X, y = Z[fit_rows], y_all[fit_rows]
                cov = None
                if cov_all is not None:
                    cov = pd.DataFrame({spec["covariate"]: cov_all[fit_rows]})
                start = time.perf_counter()
                if make is not None:
                    labels = balanced_labels(np.unique(y), args.n_generated)
                    X_new, y_new = make(X, y, cov, labels, seed)
                    X, y = np.vstack([X, X_new]), np.concatenate([y, y_new])
                clf = LogisticRegression(max_iter=2000).fit(X, y)
                seconds.append(time.perf_counter() - start)
                scores.append(
                    balanced_accuracy_score(y_all[test], clf.predict(Z[test]))
                )
            row = {
                "dataset": name,
                "label": spec["label"],
                "n_real": args.n_real,
                "n_test": len(test),
                "method": method,
                "balanced_accuracy_mean": float(np.mean(scores)),
                "balanced_accuracy_std": float(np.std(scores)),
                "per_seed": [float(v) for v in scores],
                "fit_s_mean": float(np.mean(seconds)),
                "load_1min": fc.load_average(),
            }
            rows.append(row)
            if save is not None:
                save(rows)
            print(
                f"{name:10s} {method:26s} {row['balanced_accuracy_mean']:.3f} "
                f"+/- {row['balanced_accuracy_std']:.3f}  "
                f"({row['fit_s_mean']:.0f} s)",
                flush=True,
            )
    return rows


def markdown_low_data(rows, args, command):
    lines = [
        "# Low-data augmentation: balanced accuracy on held-out rows",
        "",
        f"Command: `{command}`",
        "",
        f"{args.n_real} real training rows drawn per seed from the training part of "
        "the fidelity split (by patient for TCGA, stratified otherwise; at least 2 "
        f"rows per class), {args.n_genes} most variable genes chosen and "
        "standardized on those rows, plus "
        f"{args.n_generated} generated rows split equally over the classes; "
        "LogisticRegression(max_iter=2000); balanced accuracy on the held-out rows, "
        f"mean +/- std over seeds {args.seeds}. WGANGPSampler: max_epochs="
        f"{args.gan_epochs}, {dict(args.gan_params) or 'defaults'}, conditioned "
        "on the covariate where the data set has one. One torch thread.",
        "",
        "| data set | method | balanced accuracy | per seed | fit s |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} ({r['label']}, {r['n_test']} held out) | "
            f"{r['method']} | {r['balanced_accuracy_mean']:.3f} +/- "
            f"{r['balanced_accuracy_std']:.3f} | "
            + ", ".join(f"{v:.3f}" for v in r["per_seed"])
            + f" | {r['fit_s_mean']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def _param(text):
    key, _, value = text.partition("=")
    return key.strip(), ast.literal_eval(value.strip())


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
    parser.add_argument("--setting", choices=["low-data", "cv"], default="low-data")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--n-splits", type=int, default=5, help="cv only")
    parser.add_argument(
        "--n-genes", type=int, default=None, help="cv: 200; low-data: 2000"
    )
    parser.add_argument("--max-epochs", type=int, default=40, help="cv only")
    parser.add_argument("--quick", action="store_true", help="cv: 3 folds, 2 epochs")
    parser.add_argument(
        "--datasets", nargs="+", default=["tcga", "pbmc"], help="low-data only"
    )
    parser.add_argument("--n-real", type=int, default=50)
    parser.add_argument("--n-generated", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--gan-epochs", type=int, default=2000)
    parser.add_argument(
        "--gan-param",
        dest="gan_params",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a WGANGPSampler parameter of the low-data GAN row",
    )
    parser.add_argument(
        "--ddpm-param",
        dest="ddpm_params",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
    )
    parser.add_argument(
        "--methods", nargs="*", default=[], help="low-data: substrings of methods"
    )
    parser.add_argument("--tag", default="")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.n_genes is None:
        args.n_genes = 2000 if args.setting == "low-data" else 200
    if args.quick:
        args.n_splits, args.max_epochs, args.n_genes = 3, 2, 100
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/bench_downstream.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    meta = {
        "command": command,
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
    if args.setting == "low-data":
        stem = f"bench_downstream_lowdata{args.tag}"

        def save(rows):
            text = markdown_low_data(rows, args, command)
            (out / f"{stem}.json").write_text(
                json.dumps({**meta, "rows": rows}, indent=2)
            )
            (out / f"{stem}.md").write_text(text)

        rows = run_low_data(args, save)
        text = markdown_low_data(rows, args, command)
    else:
        rows = run(args)
        stem = "bench_downstream_quick" if args.quick else "bench_downstream"
        stem += args.tag
        text = markdown(rows, args)
    (out / f"{stem}.json").write_text(json.dumps({**meta, "rows": rows}, indent=2))
    (out / f"{stem}.md").write_text(text)
    print(text)
    print(f"saved {out / stem}.json and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
