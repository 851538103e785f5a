"""The blind-spot study as a library function: data in, tables, figures, metrics out.

Stages: load or simulate, split (grouped when groups are given), standardize on the
training part, fit the WGAN-GP sampler (covariates as modes), generate, compute the
metrics and diagnostics, compare downstream classifiers, and (in ``_report``) write the
report. Everything that can be checked is checked before the sampler is trained.
"""

import logging
import time
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

from sklearn_remgan.utils import (
    check_finite_2d,
    check_matplotlib_support,
    import_optional,
)

__all__ = ["PRESETS", "StudyInputError", "check_study_inputs", "run_study"]

logger = logging.getLogger("sklearn_remgan.study")

#: Settings per preset. ``quick`` finishes in minutes on 2 CPU cores and still shows
#: blind spots (rare modes get few generated neighbours); ``paper`` uses the published
#: settings and is meant for a GPU.
PRESETS = {
    "quick": {
        "n_samples": 1000,
        "n_genes": 500,
        "max_epochs": 100,
        "n_components": 50,
        "k": 3,
        "embedding": "umap",
        "test_size": 0.25,
        "device": "cpu",
    },
    "paper": {
        "n_samples": 6000,
        "n_genes": 2000,
        "max_epochs": 500,
        "n_components": 2000,
        "k": 3,
        "embedding": "umap",
        "test_size": 0.25,
        "device": "auto",
    },
}


class StudyInputError(ValueError):
    """The study's input is unusable; raised before any training starts.

    Examples
    --------
    >>> from sklearn_remgan.study import StudyInputError
    >>> issubclass(StudyInputError, ValueError)
    True
    """


def _stage(number, total, text):
    logger.info("[stage %d/%d] %s", number, total, text)


def _label_counts(y):
    values, counts = np.unique(np.asarray(y), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def check_study_inputs(X, y, *, covariates=None, groups=None, k=3, test_size=0.25):
    """Check the study's inputs before anything is trained.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Expression matrix (no NaN or infinite values).
    y : array-like of shape (n_samples,)
        Labels (e.g. tissue).
    covariates : DataFrame of shape (n_samples, n_covariates), default=None
        Covariates used as sampler modes (e.g. cancer status); no missing values.
    groups : array-like of shape (n_samples,), default=None
        Group of each sample (e.g. patient) for a grouped split.
    k : int, default=3
        Neighbours of the k-NN balls.
    test_size : float, default=0.25
        Share of samples held out.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The validated float matrix.

    Raises
    ------
    ValueError
        Naming the problem: NaN/inf counts, mismatched lengths, missing covariate
        values, or a label with too few samples for ``k`` neighbours after the split.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.study import check_study_inputs
    >>> X = np.zeros((12, 3)); y = np.array(["a"] * 10 + ["b"] * 2)
    >>> check_study_inputs(X, y, k=3)
    Traceback (most recent call last):
    ...
    ValueError: label 'b' has 2 sample(s); k=3 neighbours ...
    """
    if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be an int >= 1; got {k!r}.")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be in (0, 1); got {test_size!r}.")
    X = check_finite_2d(X, name="X")
    y = np.asarray(y)
    n = X.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y must hold one label per row of X ({n}); got {y.shape}.")
    if pd.isna(pd.Series(y)).any():
        raise ValueError(
            f"y has {int(pd.isna(pd.Series(y)).sum())} missing label(s); drop those "
            "samples or fill the label column."
        )
    if covariates is not None:
        if len(covariates) != n:
            raise ValueError(
                f"covariates must have one row per sample ({n}); got {len(covariates)}."
            )
        missing = covariates.isna().sum()
        missing = missing[missing > 0]
        if len(missing):
            raise ValueError(
                "covariates have missing values: "
                + ", ".join(f"{col!r}: {cnt}" for col, cnt in missing.items())
                + "; drop those samples or fill the column."
            )
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(
                f"groups must hold one group per row of X ({n}); got {groups.shape}."
            )
        if pd.isna(pd.Series(groups)).any():
            raise ValueError("groups has missing values; every sample needs a group.")
    # Training keeps about (1 - test_size) of each label; every label needs more
    # than k training samples for its k-NN balls.
    need = int(np.ceil((k + 1) / (1.0 - float(test_size)))) + 1
    for label, count in _label_counts(y).items():
        if count < need:
            raise ValueError(
                f"label {label!r} has {count} sample(s); k={k} neighbours with "
                f"test_size={test_size} need at least {need} per label. Drop the "
                "label, merge it, or lower k."
            )
    return X


def _split(y, groups, test_size, random_state):
    from sklearn.model_selection import GroupShuffleSplit, StratifiedShuffleSplit

    idx = np.arange(len(y))
    if groups is None:
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=test_size, random_state=random_state
        )
        train, test = next(splitter.split(idx, y))
    else:
        splitter = GroupShuffleSplit(
            n_splits=1, test_size=test_size, random_state=random_state
        )
        train, test = next(splitter.split(idx, y, groups))
    return np.sort(train), np.sort(test)


def _resolve_settings(preset, overrides):
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}; got {preset!r}.")
    settings = dict(PRESETS[preset])
    settings.update({k: v for k, v in overrides.items() if v is not None})
    settings["preset"] = preset
    if settings["embedding"] not in ("umap", "pca"):
        raise ValueError(
            f"embedding must be 'umap' or 'pca'; got {settings['embedding']!r}."
        )
    if settings["device"] not in ("cpu", "auto") and not str(
        settings["device"]
    ).startswith("cuda"):
        raise ValueError(
            f"device must be 'cpu', 'cuda' or 'auto'; got {settings['device']!r}."
        )
    if str(settings["device"]).startswith("cuda"):
        import torch

        # Checked here so that the error comes before any training.
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={settings['device']!r} was asked but no CUDA device is "
                "available; use device='cpu' or 'auto'."
            )
    # Optional plotting dependencies are checked before hours of training.
    check_matplotlib_support("run_study")
    if settings["embedding"] == "umap":
        import_optional("umap", "run_study with embedding='umap' (or use 'pca')")
    for key in ("n_samples", "n_genes", "max_epochs", "n_components", "k"):
        val = settings[key]
        if not isinstance(val, Integral) or isinstance(val, bool) or val < 1:
            raise ValueError(f"{key} must be an int >= 1; got {val!r}.")
    return settings


def _downstream(X_train, y_train, X_test, y_test, generated_sets, random_state):
    """Accuracy on real held-out rows of a classifier trained on each augmentation.

    ``generated_sets`` maps a name to an augmented training set (X, y) made by the
    study's sampler (with and without OT alignment).
    """
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    smallest = min(_label_counts(y_train).values())
    rows = []
    for name in ("none", "RandomOverSampler", "SMOTE", *generated_sets):
        if name == "none":
            Xa, ya = X_train, y_train
        elif name == "RandomOverSampler":
            Xa, ya = RandomOverSampler(random_state=random_state).fit_resample(
                X_train, y_train
            )
        elif name == "SMOTE":
            smote = SMOTE(
                k_neighbors=max(1, min(5, smallest - 1)), random_state=random_state
            )
            Xa, ya = smote.fit_resample(X_train, y_train)
        else:
            Xa, ya = generated_sets[name]
        clf = LogisticRegression(max_iter=2000)
        start = time.perf_counter()
        clf.fit(Xa, ya)
        pred = clf.predict(X_test)
        rows.append(
            {
                "augmentation": name,
                "n_train": len(ya),
                "n_generated": len(ya) - len(y_train),
                "accuracy": accuracy_score(y_test, pred),
                "balanced_accuracy": balanced_accuracy_score(y_test, pred),
                "fit_seconds": time.perf_counter() - start,
            }
        )
    return pd.DataFrame(rows)


def _use_alignment(align):
    """OT alignment runs when asked, or by default when POT is installed."""
    if align is not None:
        return bool(align)
    import importlib.util

    return importlib.util.find_spec("ot") is not None


def _align(X_train, y_train, X_gen, y_gen, rem, k, n_components, seed, tables):
    """Fit OTAligner on the generated rows; the before/after table and REM.

    Groups are the labels only, so that the same aligner also moves the rows of
    the augmented training set, whose covariates the sampler does not return.
    """
    from sklearn_remgan.alignment import OTAligner
    from sklearn_remgan.diagnostics import overall_table

    aligner = OTAligner(n_components=n_components, random_state=seed)
    aligner.fit(X_gen, y_gen, X_real=X_train, y_real=y_train)
    X_aligned = np.asarray(aligner.transform(X_gen, y_gen), dtype=np.float32)
    after = overall_table(X_train, X_aligned, k=k, rem=rem)
    table = pd.concat(
        [
            tables.overall.assign(generated="WGAN-GP"),
            after.assign(generated="WGAN-GP + OT alignment"),
        ],
        ignore_index=True,
    )
    table = table[["generated", *tables.overall.columns]]
    return Bunch(aligner=aligner, table=table, rem_aligned=rem.score_samples(X_aligned))


def _history_records(sampler):
    net = getattr(sampler, "net_", None)
    if net is None:
        return []
    keep = ("epoch", "critic_loss", "generator_loss", "gradient_penalty", "wasserstein")
    return [{k: e[k] for k in keep if k in e} for e in net.history]


def _prepare(X, y, covariates, groups, status, provenance, settings, seeds, n_stages):
    """Stages 1-2: load or simulate, check, split. Raises before any training."""
    k = settings["k"]
    random_state = settings["random_state"]
    if X is None:
        from sklearn_remgan.datasets import make_expression

        _stage(1, n_stages, "simulate expression data (make_expression)")
        X, y, covariates = make_expression(
            settings["n_samples"],
            settings["n_genes"],
            return_covariates=True,
            random_state=random_state,
        )
        if status is None and "status" in covariates:
            status = "status"
        # The simulator's `tissue` repeats y and `cancer` repeats status.
        covariates = covariates[[status]] if status else None
        provenance = {
            "source": "simulated (sklearn_remgan.datasets.make_expression)",
            "n_samples": settings["n_samples"],
            "n_genes": settings["n_genes"],
            "random_state": random_state,
            **(provenance or {}),
        }
    else:
        if y is None:
            raise ValueError("y is required when X is given.")
        _stage(1, n_stages, "check the given expression data")
        provenance = dict(provenance or {"source": "arrays passed to run_study"})
    genes = (
        np.asarray(X.columns, dtype=str)
        if hasattr(X, "columns")
        else np.array([f"gene_{i}" for i in range(np.shape(X)[1])])
    )
    y = np.asarray(y)
    if covariates is not None:
        covariates = pd.DataFrame(covariates).reset_index(drop=True)
        if status is not None and status not in covariates:
            raise ValueError(
                f"status={status!r} is not a covariate column; covariates are "
                f"{list(covariates.columns)}."
            )
    X = check_study_inputs(
        X,
        y,
        covariates=covariates,
        groups=groups,
        k=k,
        test_size=settings["test_size"],
    )
    provenance.update(
        {
            "n_samples_used": int(X.shape[0]),
            "n_genes_used": int(X.shape[1]),
            "labels": {str(a): b for a, b in _label_counts(y).items()},
        }
    )
    logger.info(
        "data: %d samples x %d genes, %d labels, covariates %s",
        X.shape[0],
        X.shape[1],
        len(np.unique(y)),
        [] if covariates is None else list(covariates.columns),
    )

    # 2. Split.
    _stage(
        2,
        n_stages,
        "split train/test" + (" grouped by group column" if groups is not None else ""),
    )
    train, test = _split(y, groups, settings["test_size"], int(seeds[0]))
    counts = _label_counts(y[train])
    short = {lab: c for lab, c in counts.items() if c <= k}
    lost = sorted(set(np.unique(y).tolist()) - set(counts))
    if short or lost:
        raise ValueError(
            f"after the split, labels {sorted(map(str, lost))} have no training "
            f"sample and {short} have at most k={k}; lower k or test_size."
        )
    logger.info("train %d rows, test %d rows", train.size, test.size)

    return X, y, genes, covariates, groups, status, provenance, train, test


def run_study(
    X=None,
    y=None,
    *,
    covariates=None,
    groups=None,
    status=None,
    preset="quick",
    n_samples=None,
    n_genes=None,
    max_epochs=None,
    n_components=None,
    k=None,
    embedding=None,
    test_size=None,
    device=None,
    align=None,
    random_state=0,
    verbose=1,
    provenance=None,
):
    """Run the blind-spot study and return its tables, figures and metrics.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_genes), default=None
        Expression matrix; when None the embedded simulator
        (``sklearn_remgan.datasets.make_expression``) makes one.
    y : array-like of shape (n_samples,), default=None
        Labels (e.g. tissue); required with ``X``.
    covariates : DataFrame of shape (n_samples, n_covariates), default=None
        Covariates used as sampler modes and table groupings (e.g. cancer status).
    groups : array-like of shape (n_samples,), default=None
        Group of each sample (e.g. patient): the split keeps a group on one side.
    status : str, default=None
        Covariate column with cancer/healthy status for the REM-difference table;
        with simulated data ``"status"``.
    preset : {'quick', 'paper'}, default='quick'
        Base settings (see ``PRESETS``); the arguments below override them.
    n_samples, n_genes : int, default=None
        Size of the simulated data (ignored with ``X``).
    max_epochs : int, default=None
        Training epochs of the sampler.
    n_components : int, default=None
        Principal components of REM (capped at what the data allow).
    k : int, default=None
        Neighbours of the k-NN balls.
    embedding : {'umap', 'pca'}, default=None
        Two-dimensional embedding of figure B.
    test_size : float, default=None
        Share of samples held out for the downstream comparison.
    device : str, default=None
        Torch device of the sampler ("cpu", "cuda", "auto").
    align : bool, default=None
        Add the OT alignment stage (``sklearn_remgan.alignment.OTAligner``): a
        before/after table and figure, and an augmented training set with the
        generated rows aligned. None: when POT is installed.
    random_state : int, default=0
        Seed of the simulation, split, sampler and embedding.
    verbose : int, default=1
        0: silent; 1: a progress bar while training.
    provenance : dict, default=None
        Where the data came from (file names, columns), copied into the result.

    Returns
    -------
    result : Bunch
        ``settings``, ``provenance``, ``tables`` (name -> DataFrame), ``displays``
        (name -> drawn ``*Display``), ``metrics`` (JSON-ready dict), ``sections``
        (the report's ordered sections), ``history`` (per-epoch losses) and
        ``timings`` (seconds per stage), ``split`` (``train`` and ``test`` row
        indices), ``genes`` and the fitted ``sampler``.

    Examples
    --------
    >>> from sklearn_remgan.study import run_study
    >>> result = run_study(n_samples=300, n_genes=10, max_epochs=1, n_components=3,
    ...                    embedding="pca", align=False, verbose=0)
    >>> sorted(result.tables)
    ['downstream', 'overall', 'per_class', 'rem_difference']
    >>> result.tables["downstream"]["augmentation"].tolist()
    ['none', 'RandomOverSampler', 'SMOTE', 'WGANGPSampler']
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    from sklearn_remgan.diagnostics import (
        RecallREMDisplay,
        REMDistributionDisplay,
        TrainingCurvesDisplay,
        UMAPDisplay,
        ZeroRecallDisplay,
        blind_spot_tables,
    )
    from sklearn_remgan.metrics import REM
    from sklearn_remgan.over_sampling import WGANGPSampler

    try:
        settings = _resolve_settings(
            preset,
            {
                "n_samples": n_samples,
                "n_genes": n_genes,
                "max_epochs": max_epochs,
                "n_components": n_components,
                "k": k,
                "embedding": embedding,
                "test_size": test_size,
                "device": device,
            },
        )
    except (ValueError, ImportError) as exc:
        raise StudyInputError(str(exc)) from exc
    settings["random_state"] = random_state
    k = settings["k"]
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=4)
    timings = {}
    n_stages = 8
    clock = time.perf_counter()

    def _done(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    try:
        X, y, genes, covariates, groups, status, provenance, train, test = _prepare(
            X, y, covariates, groups, status, provenance, settings, seeds, n_stages
        )
    except StudyInputError:
        raise
    except (ValueError, TypeError) as exc:
        raise StudyInputError(str(exc)) from exc
    _done("data_and_split")
    X = np.asarray(X, dtype=np.float32)

    # 3. Standardize on the training rows only (no test leakage).
    _stage(3, n_stages, "standardize genes on the training part")
    scaler = StandardScaler().fit(X[train])
    X_train = scaler.transform(X[train]).astype(np.float32)
    X_test = scaler.transform(X[test]).astype(np.float32)
    y_train, y_test = y[train], y[test]
    cov_train = (
        None if covariates is None else covariates.iloc[train].reset_index(drop=True)
    )
    _done("standardize")

    # 4. Train the sampler.
    _stage(
        4,
        n_stages,
        f"fit WGANGPSampler ({settings['max_epochs']} epochs, device "
        f"{settings['device']})",
    )
    sampler = WGANGPSampler(
        max_epochs=settings["max_epochs"],
        device=settings["device"],
        random_state=int(seeds[1]),
        verbose=verbose,
    )
    if cov_train is None:
        X_wgan, y_wgan = sampler.fit_resample(X_train, y_train)
    else:
        X_wgan, y_wgan = sampler.fit_resample(X_train, y_train, covariates=cov_train)
    _done("fit_sampler")

    # 5. Generate one sample per training row, same label and covariates.
    _stage(5, n_stages, "generate samples matching the training rows")
    if cov_train is None:
        X_gen, y_gen = sampler.sample(len(y_train), y=y_train)
    else:
        X_gen, y_gen = sampler.sample(len(y_train), y=y_train, covariates=cov_train)
    X_gen = np.asarray(X_gen, dtype=np.float32)
    y_gen = np.asarray(y_gen)
    cov_gen = None if cov_train is None else cov_train.copy()
    _done("generate")

    # 6. Metrics and diagnostics, against the real training rows the generator saw.
    _stage(6, n_stages, f"metrics and diagnostics (k={k}, REM)")
    # Keep a residual: with as many components as genes every REM would be 0.
    n_comp = min(settings["n_components"], X_train.shape[0] - 1, X_train.shape[1] - 1)
    if n_comp < settings["n_components"]:
        logger.info(
            "REM uses %d principal components (asked %d; the data allow %d)",
            n_comp,
            settings["n_components"],
            n_comp,
        )
    rem = REM(n_components=n_comp).fit(X_train)
    tables = blind_spot_tables(
        X_train,
        X_gen,
        y_train,
        y_gen,
        covariates_real=cov_train,
        covariates_generated=cov_gen,
        status=status,
        k=k,
        rem=rem,
    )
    if settings["embedding"] == "umap":
        reducer = None
    else:
        reducer = PCA(n_components=2, random_state=int(seeds[2]))
    status_values = None if status is None else cov_train[status].rename(status)
    displays = {
        "rem_distribution": REMDistributionDisplay(
            rem_real=tables.rem_real, rem_generated=tables.rem_generated
        ),
        "embedding": UMAPDisplay.from_predictions(
            X_train,
            X_gen,
            rem_real=tables.rem_real,
            reducer=reducer,
            random_state=int(seeds[2]),
        ),
        "recall_rem": RecallREMDisplay(
            rem_real=tables.rem_real,
            real_recalled=tables.real_recalled,
            y_real=y_train,
            n_worst=min(3, len(np.unique(y_train))),
        ),
        "zero_recall": ZeroRecallDisplay.from_predictions(
            tables.real_recalled, y_train, covariate=status_values
        ),
    }
    displays["rem_distribution"].plot()
    displays["recall_rem"].plot()
    history = _history_records(sampler)
    if history:
        displays["training_curves"] = TrainingCurvesDisplay.from_history(history)
    generated_sets = {
        "WGANGPSampler": (np.asarray(X_wgan, dtype=np.float32), np.asarray(y_wgan))
    }
    alignment = None
    if _use_alignment(align):
        alignment = _align(
            X_train, y_train, X_gen, y_gen, rem, k, n_comp, int(seeds[3]), tables
        )
        n_train = len(y_train)
        X_new = alignment.aligner.transform(
            generated_sets["WGANGPSampler"][0][n_train:], y_wgan[n_train:]
        )
        generated_sets["WGANGPSampler + OT"] = (
            np.vstack([X_train, X_new]).astype(np.float32),
            np.asarray(y_wgan),
        )
        displays["alignment"] = REMDistributionDisplay(
            rem_real=tables.rem_real,
            rem_generated=alignment.rem_aligned,
            generated_label="generated + OT",
        ).plot()
    _done("diagnostics")

    # 7. Downstream: does augmentation help a classifier on real held-out rows?
    _stage(
        7,
        n_stages,
        "downstream classifiers (none / ROS / SMOTE / "
        + " / ".join(generated_sets)
        + ")",
    )
    downstream = _downstream(
        X_train, y_train, X_test, y_test, generated_sets, int(seeds[3])
    )
    _done("downstream")

    result_tables = {
        "overall": tables.overall,
        "per_class": tables.per_class,
        "downstream": downstream,
    }
    if tables.rem_difference is not None:
        result_tables["rem_difference"] = tables.rem_difference.reset_index()
    if alignment is not None:
        result_tables["alignment"] = alignment.table
    metrics = _metrics(tables, downstream, status, cov_train)
    if alignment is not None:
        metrics["alignment"] = _records(alignment.table)
    sections = _sections(result_tables, displays, status)
    logger.info(
        "precision %.3f, recall %.3f, zero-recall share %.3f",
        metrics["overall"]["precision"],
        metrics["overall"]["recall"],
        metrics["overall"]["zero_recall_share"],
    )
    return Bunch(
        settings=settings,
        provenance=provenance,
        tables=result_tables,
        displays=displays,
        metrics=metrics,
        sections=sections,
        history=history,
        timings=timings,
        split=Bunch(train=train, test=test),
        genes=genes,
        sampler=sampler,
    )


def _jsonable(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _records(frame):
    return [
        {str(k): _jsonable(v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _metrics(tables, downstream, status, cov_train):
    overall = {k: _jsonable(v) for k, v in tables.overall.iloc[0].items()}
    # Stricter view: only balls of generated samples of the same class count.
    overall["zero_recall_share_within_class"] = float(
        1.0 - tables.real_recalled_within_class.mean()
    )
    metrics = {
        "overall": overall,
        "per_class": _records(tables.per_class),
        "downstream": _records(downstream),
    }
    if status is not None:
        recalled = pd.Series(tables.real_recalled)
        by_status = (~recalled).groupby(cov_train[status].to_numpy()).mean()
        metrics["zero_recall_share_by_status"] = {
            str(k): float(v) for k, v in by_status.items()
        }
        rem_real = pd.Series(tables.rem_real).groupby(cov_train[status].to_numpy())
        metrics["rem_real_mean_by_status"] = {
            str(k): float(v) for k, v in rem_real.mean().items()
        }
    if tables.rem_difference is not None:
        diff = tables.rem_difference
        metrics["rem_difference"] = {
            "case": _jsonable(diff.attrs.get("case")),
            "mean_difference_real": _jsonable(diff.attrs["mean_difference"]),
            "mean_difference_generated": _jsonable(
                diff["rem_generated_difference"].mean()
                if "rem_generated_difference" in diff
                else np.nan
            ),
            "per_tissue": _records(diff.reset_index()),
        }
    return metrics


def _sections(tables, displays, status):
    """The report's sections in order: (title, text, figure names, table names).

    A later stage (e.g. OT alignment) adds its own section here.
    """
    sections = [
        {
            "title": "Overall quality",
            "text": (
                "Improved precision/recall and density/coverage of the generated "
                "samples against the real training samples (k-NN balls), and REM: "
                "the reconstruction error of each sample from the first principal "
                "components of the real data."
            ),
            "figures": ["rem_distribution"],
            "tables": ["overall"],
        },
        {
            "title": "Where the generator fails",
            "text": (
                "Real samples outside every generated k-NN ball have recall 0: "
                "the generator's blind spots (metrics.json also gives the stricter "
                "share counting only balls of the same class). The embedding "
                "shows real samples coloured by REM and generated ones as crosses."
            ),
            "figures": ["embedding", "zero_recall", "recall_rem"],
            "tables": ["per_class"],
        },
    ]
    if "rem_difference" in tables:
        sections.append(
            {
                "title": f"REM by {status}",
                "text": (
                    "Mean REM of case (cancer) minus control (healthy) samples per "
                    "tissue; the paper reports cancer samples at higher REM."
                ),
                "figures": [],
                "tables": ["rem_difference"],
            }
        )
    if "alignment" in tables:
        sections.append(
            {
                "title": "OT alignment: before and after",
                "text": (
                    "Collapsed (lowest-REM) generated samples moved toward the real "
                    "samples of their class with optimal transport (OTAligner)."
                ),
                "figures": ["alignment"],
                "tables": ["alignment"],
            }
        )
    sections.append(
        {
            "title": "Downstream classification",
            "text": (
                "Logistic regression trained on the real training rows, alone or "
                "augmented, scored on real held-out rows."
            ),
            "figures": [],
            "tables": ["downstream"],
        }
    )
    if "training_curves" in displays:
        sections.append(
            {
                "title": "Training",
                "text": "Per-epoch means of the WGAN-GP losses.",
                "figures": ["training_curves"],
                "tables": [],
            }
        )
    return sections
