"""The study's quality measurements: honest REM, baselines and bootstrap intervals.

REM of real rows is never scored by a PCA fitted on those same rows: generated rows
and held-out real rows are scored by the PCA of the training rows, and each training
row by a PCA fitted on the other training folds (the package's one cross-fitting
path, :func:`sklearn_remgan.metrics.cross_fitted_rem`, and its one rule for the
number of components, :func:`sklearn_remgan.metrics.choose_n_components`).

Quality is compared on the same rows: the training rows are the reference of every
k-NN comparison and each candidate set (held-out real rows, SMOTE, the generator
with and without alignment) has the held-out rows' size and labels.
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["REM_FOLDS", "bootstrap_interval", "quality_tables", "study_rem"]

#: Folds of the cross-fitted REM of training rows.
REM_FOLDS = 5


def study_rem(X_train, X_test, X_generated, *, n_components, y_train=None, seed=0):
    """REM of training, held-out and generated rows, none scored in-sample.

    Training rows get :func:`~sklearn_remgan.metrics.cross_fitted_rem` (each
    fold scored by a PCA of the other ``REM_FOLDS`` folds); held-out and
    generated rows are scored by one REM fitted on all training rows, with
    the components of the fold PCAs (:func:`~sklearn_remgan.metrics.
    choose_n_components` on the smallest fold's fit), so that every REM of
    the study has the same number of components.

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
        Real rows the generator was trained on.
    X_test : ndarray of shape (n_test, n_features)
        Real rows held out.
    X_generated : ndarray of shape (n_generated, n_features)
        Generated rows.
    n_components : int
        Components asked for.
    y_train : ndarray of shape (n_train,), default=None
        Labels of the training rows: the folds are stratified by them.
    seed : int, default=0
        Seed of the folds.

    Returns
    -------
    rem : Bunch
        ``model`` (REM fitted on all training rows), ``n_components`` (used),
        ``n_components_asked``, ``train`` (cross-fitted REM of each training
        row), ``heldout`` and ``generated`` (scored by ``model``) and
        ``train_in_sample`` (scored by ``model``: only for the named comparison
        of in-sample and out-of-sample REM).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.study._quality import study_rem
    >>> X = np.random.RandomState(0).normal(size=(40, 60))
    >>> rem = study_rem(X[:30], X[30:], X[:5], n_components=50)
    >>> rem.n_components  # 30 rows in 5 folds: each fold PCA fits 24 rows
    23
    """
    from sklearn_remgan.metrics import REM, cross_fitted_rem

    with warnings.catch_warnings():
        # Rank-deficient folds lower the count further; the cap is reported once.
        warnings.simplefilter("ignore", UserWarning)
        cross = cross_fitted_rem(
            X_train,
            y=y_train,
            n_components=n_components,
            cv=min(REM_FOLDS, X_train.shape[0]),
            random_state=seed,
        )
        model = REM(n_components=cross.n_components).fit(X_train)
    return Bunch(
        model=model,
        n_components=cross.n_components,
        n_components_asked=int(n_components),
        train=cross.real,
        heldout=model.score_samples(X_test),
        generated=model.score_samples(X_generated),
        train_in_sample=model.score_samples(X_train),
    )


def bootstrap_interval(stat, sizes, *, n_boot=500, seed=0, level=0.95):
    """Percentile bootstrap interval of ``stat`` over rows.

    Parameters
    ----------
    stat : callable
        ``stat(*index_arrays) -> float``; one index array per resampled set.
    sizes : tuple of int
        Size of each set; each is resampled with replacement independently.
    n_boot : int, default=500
        Resamples.
    seed : int, default=0
        Seed of the resampling.
    level : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    low, high : float
        The interval (NaN when the statistic is undefined in most resamples).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.study._quality import bootstrap_interval
    >>> x = np.arange(100.0)
    >>> low, high = bootstrap_interval(lambda i: x[i].mean(), (100,))
    >>> bool(low < 49.5 < high)
    True
    """
    rng = np.random.RandomState(seed)
    values = np.empty(n_boot)
    for b in range(n_boot):
        values[b] = stat(*(rng.randint(0, n, size=n) for n in sizes))
    values = values[np.isfinite(values)]
    if values.size < n_boot / 2:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _smote_rows(X_train, y_train, y_like, seed):
    """New SMOTE rows with the label counts of ``y_like`` (the floor baseline)."""
    from imblearn.over_sampling import SMOTE

    train_counts = pd.Series(y_train).value_counts()
    want = pd.Series(y_like).value_counts()
    strategy = {c: int(train_counts[c] + want.get(c, 0)) for c in train_counts.index}
    smote = SMOTE(
        sampling_strategy=strategy,
        k_neighbors=max(1, min(5, int(train_counts.min()) - 1)),
        random_state=seed,
    )
    X_res, y_res = smote.fit_resample(X_train, y_train)
    return np.asarray(X_res[len(y_train) :], dtype=np.float32), np.asarray(
        y_res[len(y_train) :]
    )


def _quality_row(name, role, X_ref, cand, y_cand, rem_cand, k, seed):
    from sklearn_remgan.metrics import precision_recall

    res = precision_recall(X_ref, cand, k=k)
    recalled = np.asarray(res.real_recalled, dtype=float)
    precise = np.asarray(res.generated_precise, dtype=float)
    p_low, p_high = bootstrap_interval(lambda i: precise[i].mean(), (precise.size,))
    r_low, r_high = bootstrap_interval(
        lambda i: recalled[i].mean(), (recalled.size,), seed=seed
    )
    row = {
        "method": name,
        "role": role,
        "n_reference": X_ref.shape[0],
        "n_candidates": cand.shape[0],
        "precision": float(res.precision),
        "precision_ci_low": p_low,
        "precision_ci_high": p_high,
        "recall": float(res.recall),
        "recall_ci_low": r_low,
        "recall_ci_high": r_high,
        "f1": float(res.f1),
        "density": float(res.density),
        "coverage": float(res.coverage),
        "zero_recall_share": float(1.0 - recalled.mean()),
        "rem_mean": float(np.mean(rem_cand)),
        "rem_median": float(np.median(rem_cand)),
    }
    return row, res, y_cand


def group_keys(y, cov):
    """Grouping -> one key per row, as ``per_class_report`` groups rows.

    Parameters
    ----------
    y : array-like of shape (n,)
        Labels.
    cov : DataFrame or None
        Covariates.

    Returns
    -------
    keys : dict
        ``"label"``, each covariate name and ``"label x <covariate>"`` (values
        ``"<label> | <value>"``) -> object array of shape (n,).
    """
    keys = {"label": np.asarray(y, dtype=object)}
    if cov is not None:
        for col in cov.columns:
            keys[str(col)] = cov[col].to_numpy(dtype=object)
        for col in cov.columns:
            keys[f"label x {col}"] = np.array(
                [f"{a} | {b}" for a, b in zip(y, cov[col])], dtype=object
            )
    return keys


def _mean(values):
    return float(np.mean(values)) if len(values) else np.nan


def _per_group_rows(name, ref_keys, cand_keys, res, rem_cand):
    recalled = np.asarray(res.real_recalled, dtype=bool)
    precise = np.asarray(res.generated_precise, dtype=bool)
    rows = []
    for grouping, ref in ref_keys.items():
        cand = cand_keys.get(grouping)
        for value in sorted(set(ref.tolist()), key=str):
            in_ref = ref == value
            in_cand = np.zeros(precise.size, bool) if cand is None else cand == value
            rows.append(
                {
                    "method": name,
                    "grouping": grouping,
                    "value": value,
                    "n_reference": int(in_ref.sum()),
                    "n_candidates": int(in_cand.sum()),
                    "precision": _mean(precise[in_cand]),
                    "recall": _mean(recalled[in_ref]),
                    "zero_recall_share": _mean(~recalled[in_ref]),
                    "rem_mean": _mean(rem_cand[in_cand]),
                }
            )
    return rows


def quality_tables(state, candidates):
    """The quality table and its per-group version, baselines included.

    Parameters
    ----------
    state : Bunch
        The study's state (training rows, held-out rows, REM, k, seeds).
    candidates : dict
        Name -> (role, X, y, covariates or None) of each candidate set of the
        held-out rows' size; the held-out real rows and SMOTE rows are added.

    Returns
    -------
    quality, per_class : DataFrame
        One row per method; one row per method and group (label, covariate
        value, label x covariate value; SMOTE rows have no covariates, so their
        precision is NaN in covariate groups).
    """
    seed = int(state.seeds[3])
    X_smote, y_smote = _smote_rows(state.X_train, state.y_train, state.y_test, seed)
    sets = {
        "real held-out rows (ceiling)": (
            "ceiling",
            state.X_test,
            state.y_test,
            state.cov_test,
        ),
        "SMOTE (floor)": ("floor", X_smote, y_smote, None),
        **candidates,
    }
    ref_keys = group_keys(state.y_train, state.cov_train)
    rows, per_class = [], []
    for name, (role, X, y, cov) in sets.items():
        rem_cand = state.rem.model.score_samples(X)
        row, res, _ = _quality_row(
            name, role, state.X_train, X, y, rem_cand, state.settings["k"], seed
        )
        rows.append(row)
        per_class += _per_group_rows(name, ref_keys, group_keys(y, cov), res, rem_cand)
    return pd.DataFrame(rows), pd.DataFrame(per_class)
