"""Does OT alignment of collapsed generated rows help? Before/after on real data.

For each data set: a stratified 70/30 split, genes standardized on the training
part, one ``WGANGPSampler`` trained on it (small CPU settings). As the sampler's
``aligner`` option does, each aligner is fitted on a generated pool with as many
rows per class as the training data and then applied to *fresh* generated rows:

- an evaluation draw (as many rows per class as the training data) gives
  precision, recall, density, coverage (k=3) against the held-out real rows and
  recall/coverage against the training rows, the per-class share of held-out
  real rows with recall 0, and the REM gap (Wasserstein-1 distance between the
  REM distributions of held-out real and generated rows; REM fitted on the
  training rows);
- an augmentation draw (``sampling_strategy="not majority"``) is added to the
  training rows for a logistic regression scored by balanced accuracy on the
  held-out rows (baselines: no augmentation, RandomOverSampler).

One trained generator is shared by all aligner settings, so the rows differ only
by the alignment. Run:

    python benchmarks/bench_ot_alignment.py [--epochs 150] [--seeds 0 1]
        [--sets tissues7_dslabs pbmc68k_reduced]

It prints a table and writes ``benchmarks/results/ot_alignment.{json,md}``.
The shared data sets are found as in the tests (``REMGAN_SHARED_DATA`` or
``../shared/data`` beside the checkout).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from imblearn.over_sampling import RandomOverSampler
from scipy.stats import wasserstein_distance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sklearn_remgan.alignment import OTAligner
from sklearn_remgan.metrics import REM, precision_recall
from sklearn_remgan.over_sampling import WGANGPSampler

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"

# data set -> (label column, rows to keep or None, number of top-variance genes)
SETS = {
    "tissues7_dslabs": ("tissue", None, None),
    "pbmc68k_reduced": ("bulk_labels", None, None),
    # center 07 only: the other centres come from another pipeline (see README)
    "tcga_tumor_normal_11": ("tissue_status", ("center", 7), 1000),
}

ALIGNERS = {
    "none": None,
    "f=0.25": {"fraction": 0.25},
    "f=0.5": {"fraction": 0.5},
    "f=1.0": {"fraction": 1.0},
    "f=1.0,q=0.5": {"fraction": 1.0, "quantile": 0.5},
    "f=1.0,target=gen": {"fraction": 1.0, "target": "generated"},
}


def _data_dir():
    default = ROOT.parent.parent / "shared" / "data"
    return Path(os.environ.get("REMGAN_SHARED_DATA", default))


def load(name):
    label, keep, n_genes = SETS[name]
    root = _data_dir()
    npz = np.load(root / f"{name}.npz")
    obs = pd.read_csv(root / f"{name}.obs.csv", index_col=0)
    X, y = npz["X"].astype(np.float32), obs[label].astype(str).to_numpy()
    if keep is not None:
        mask = (obs[keep[0]] == keep[1]).to_numpy()
        X, y = X[mask], y[mask]
    if n_genes is not None:
        X = X[:, np.sort(np.argsort(X.var(axis=0))[::-1][:n_genes])]
    return X, y


def counts(y, classes):
    return np.array([np.sum(y == c) for c in classes])


def draw(sampler, classes, n_per_class):
    labels = np.repeat(classes, n_per_class)
    return sampler.sample(len(labels), y=labels)


def zero_recall_share(X_real, y_real, X_gen, y_gen):
    """Mean over classes of the share of real rows no generated ball recalls."""
    shares = []
    for c in np.unique(y_real):
        real, gen = X_real[y_real == c], X_gen[y_gen == c]
        if len(real) < 2 or len(gen) < 2:
            continue
        k = min(3, len(real) - 1, len(gen) - 1)
        shares.append(1 - precision_recall(real, gen, k=k).recall)
    return float(np.mean(shares))


def evaluate(X_tr, y_tr, X_te, y_te, G_eval, yg_eval, G_aug, yg_aug, rem):
    pr = precision_recall(X_te, G_eval, k=3)
    pr_train = precision_recall(X_tr, G_eval, k=3)
    clf = LogisticRegression(max_iter=2000)
    clf.fit(np.vstack([X_tr, G_aug]), np.concatenate([y_tr, yg_aug]))
    return {
        "precision": pr.precision,
        "recall": pr.recall,
        "density": pr.density,
        "coverage": pr.coverage,
        "recall_train": pr_train.recall,
        "coverage_train": pr_train.coverage,
        "zero_recall_share": zero_recall_share(X_te, y_te, G_eval, yg_eval),
        "rem_gap": wasserstein_distance(
            rem.score_samples(X_te), rem.score_samples(G_eval)
        ),
        "balanced_accuracy": balanced_accuracy_score(y_te, clf.predict(X_te)),
    }


def run_one(name, seed, epochs):
    X, y = load(name)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    mu, sd = X_tr.mean(axis=0), X_tr.std(axis=0) + 1e-6
    X_tr = ((X_tr - mu) / sd).astype(np.float32)
    X_te = ((X_te - mu) / sd).astype(np.float32)
    classes = np.unique(y_tr)

    t0 = time.perf_counter()
    sampler = WGANGPSampler(
        sampling_strategy="not majority",
        latent_dim=32,
        generator_hidden=(128, 256),
        critic_hidden=(256, 128),
        max_epochs=epochs,
        random_state=seed,
    ).fit(X_tr, y_tr)
    gan_time = time.perf_counter() - t0
    n_tr = counts(y_tr, classes)
    G_pool, yg_pool = draw(sampler, classes, n_tr)
    G_eval, yg_eval = draw(sampler, classes, n_tr)
    n_aug = np.array([sampler.sampling_strategy_.get(c, 0) for c in classes])
    G_aug, yg_aug = draw(sampler, classes, n_aug)
    rem = REM(n_components=min(50, len(X_tr) - 1)).fit(X_tr)

    rows = []
    base = {"set": name, "seed": seed, "n_train": len(X_tr), "n_genes": X.shape[1]}
    # Reference rows: no augmentation, random over-sampling (copies).
    clf = LogisticRegression(max_iter=2000).fit(X_tr, y_tr)
    ba = balanced_accuracy_score(y_te, clf.predict(X_te))
    rows.append({**base, "aligner": "no augmentation", "balanced_accuracy": ba})
    X_ros, y_ros = RandomOverSampler(
        sampling_strategy="not majority", random_state=seed
    ).fit_resample(X_tr, y_tr)
    clf = LogisticRegression(max_iter=2000).fit(X_ros, y_ros)
    ba = balanced_accuracy_score(y_te, clf.predict(X_te))
    rows.append({**base, "aligner": "RandomOverSampler", "balanced_accuracy": ba})

    for label, params in ALIGNERS.items():
        t0 = time.perf_counter()
        if params is None:
            A_eval, A_aug = G_eval, G_aug
        else:
            aligner = OTAligner(random_state=seed, **params)
            aligner.fit(G_pool, yg_pool, X_real=X_tr, y_real=y_tr)
            A_eval = aligner.transform(G_eval, yg_eval)
            A_aug = aligner.transform(G_aug, yg_aug) if len(G_aug) else G_aug
        align_time = time.perf_counter() - t0
        scores = evaluate(
            X_tr, y_tr, X_te, y_te, A_eval, yg_eval, A_aug, yg_aug, rem
        )
        moved = float(np.mean((A_eval != G_eval).any(axis=1)))
        rows.append(
            {
                **base,
                "aligner": label,
                **scores,
                "moved_share": moved,
                "align_s": align_time,
                "gan_s": gan_time,
            }
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS)[:2], choices=SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=150)
    args = parser.parse_args(argv)

    meta = {
        "command": "python benchmarks/bench_ot_alignment.py "
        + " ".join(
            f"--{k} {' '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in vars(args).items()
        ),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    rows = []
    for name in args.sets:
        for seed in args.seeds:
            t0 = time.perf_counter()
            rows.extend(run_one(name, seed, args.epochs))
            print(f"{name} seed {seed}: {time.perf_counter() - t0:.0f} s", flush=True)
            # Written after every run so a long benchmark keeps partial results.
            table = write(rows, meta)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))


def write(rows, meta):
    """Save the rows (JSON) and the per-set means (Markdown); return the table."""
    cols = [
        "precision", "recall", "density", "coverage", "recall_train",
        "coverage_train", "zero_recall_share", "rem_gap", "balanced_accuracy",
        "moved_share", "align_s", "gan_s",
    ]
    df = pd.DataFrame(rows)
    table = (
        df.groupby(["set", "aligner"], sort=False)[cols].mean().round(3).reset_index()
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ot_alignment.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2, default=float)
    )
    (RESULTS / "ot_alignment.md").write_text(
        "# OT alignment before/after (means over seeds)\n\n"
        f"`{meta['command']}`\n\n" + table.to_markdown(index=False) + "\n"
    )
    return table

if __name__ == "__main__":
    main()
