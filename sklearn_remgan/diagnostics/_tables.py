"""Blind-spot tables: overall and per-class quality, and the cancer-vs-healthy REM gap.

Every table is a tidy pandas DataFrame (one row per group) so that it can be
filtered, joined and written to CSV as is.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from sklearn_remgan.metrics import precision_recall
from sklearn_remgan.metrics._cross_fit import honest_rem
from sklearn_remgan.metrics._report import check_result, report_from_values
from sklearn_remgan.utils import check_finite_2d, check_labels, check_same_width
from sklearn_remgan.utils._sklearn_compat import HasMethods, Interval, validate_params
from sklearn_remgan.utils._validation import sorted_unique

__all__ = [
    "blind_spot_tables",
    "overall_table",
    "recall_by_class",
    "rem_difference_table",
]

# Status values read as "case" (cancer) when ``case`` is not given, per known coding.
_KNOWN_CASES = (
    ({"tumor", "normal"}, "tumor"),
    ({"tumour", "normal"}, "tumour"),
    ({"cancer", "healthy"}, "cancer"),
    ({"cancer", "normal"}, "cancer"),
    ({"disease", "healthy"}, "disease"),
    ({1, 0}, 1),
    ({True, False}, True),
)


def _rem_summary(values, prefix):
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        stats = dict.fromkeys(("mean", "median", "q25", "q75"), np.nan)
    else:
        q25, median, q75 = np.quantile(values, [0.25, 0.5, 0.75])
        stats = {"mean": values.mean(), "median": median, "q25": q25, "q75": q75}
    return {f"{prefix}_{key}": float(val) for key, val in stats.items()}


def check_rem_values(values, name, caller, *, allow_empty=True):
    """REM values as a finite, non-negative 1D float64 array (else a ValueError)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{caller}: {name} must hold numbers (REM values); got {exc}."
        ) from exc
    if arr.ndim != 1:
        raise ValueError(
            f"{caller}: {name} must be one-dimensional; got shape {arr.shape}."
        )
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{caller}: {name} is empty; at least one value is needed.")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{caller}: {name} contains {int(np.isnan(arr).sum())} NaN and "
            f"{int(np.isinf(arr).sum())} infinite value(s); REM values must be "
            "finite."
        )
    if (arr < 0).any():
        raise ValueError(
            f"{caller}: {name} contains {int((arr < 0).sum())} negative value(s); "
            "REM values are distances (>= 0)."
        )
    return arr


def _check_k(k, caller):
    if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"{caller}: k must be an int >= 1; got {k!r}.")


_REM_CONSTRAINTS = {
    "rem": [HasMethods(["score_samples"]), None, "boolean"],
    "n_components": [Interval(Integral, 1, None, closed="left"), None],
    "cv": [
        Interval(Integral, 2, None, closed="left"),
        HasMethods(["split", "get_n_splits"]),
    ],
    "random_state": ["random_state"],
}


def _table_rem(real, generated, y, rem, n_components, cv, random_state, caller):
    """Out-of-sample REM of both sets, or ``(None, None)`` for ``rem=False``."""
    if rem is False:
        return None, None
    if rem is True:
        raise ValueError(
            f"{caller}: rem must be a fitted REM, None (cross-fitted) or False (no "
            "REM columns); got True."
        )
    rem_real, rem_gen, _ = honest_rem(
        real,
        generated,
        rem=rem,
        y=y,
        n_components=n_components,
        cv=cv,
        random_state=random_state,
        caller=caller,
    )
    return rem_real, rem_gen


def _overall_row(n_real, n_generated, result, rem_real, rem_gen):
    recalled = np.asarray(result.real_recalled, dtype=bool)
    row = {
        "n_real": n_real,
        "n_generated": n_generated,
        "precision": float(result.precision),
        "recall": float(result.recall),
        "f1": float(result.f1),
        "density": float(result.density),
        "coverage": float(result.coverage),
        "zero_recall_share": float(1.0 - recalled.mean()),
    }
    if rem_real is not None:
        row.update(_rem_summary(rem_real, "rem_real"))
        row.update(_rem_summary(rem_gen, "rem_generated"))
        # Same sign as per_class_report: positive when generated samples sit
        # closer to the real principal subspace than real ones (collapse).
        row["rem_gap"] = row["rem_real_mean"] - row["rem_generated_mean"]
    return pd.DataFrame([row])


@validate_params(
    {
        "real": ["array-like", "sparse matrix"],
        "generated": ["array-like", "sparse matrix"],
        "k": [Interval(Integral, 1, None, closed="left")],
        **_REM_CONSTRAINTS,
        "result": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def overall_table(
    real,
    generated,
    *,
    k=3,
    rem=None,
    n_components=None,
    cv=5,
    random_state=0,
    result=None,
):
    """One-row table of the overall quality of generated samples.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real samples.
    generated : array-like of shape (n_generated, n_features)
        Generated samples.
    k : int, default=3
        Neighbours defining the k-NN balls.
    rem : REM, None or False, default=None
        How the REM columns are computed: None cross-fits them
        (:func:`~sklearn_remgan.metrics.cross_fitted_rem`, real rows never
        scored by a PCA that saw them); a :class:`~sklearn_remgan.metrics.REM`
        fitted on other rows than ``real`` (e.g. training rows, with ``real``
        held out) scores both sets; False leaves the REM columns out.
    n_components : int or None, default=None
        Components of the cross-fitted REM (see
        :func:`~sklearn_remgan.metrics.choose_n_components`).
    cv : int or cross-validation splitter, default=5
        Folds of the cross-fitted REM.
    random_state : int, RandomState instance or None, default=0
        Seeds the folds of the cross-fitted REM.
    result : Bunch, default=None
        A ``precision_recall(real, generated, k=k)`` result to reuse; refused
        when computed on sets of other sizes or another ``k``.

    Returns
    -------
    table : DataFrame of shape (1, n_columns)
        Columns ``n_real``, ``n_generated``, ``precision``, ``recall``, ``f1``,
        ``density``, ``coverage``, ``zero_recall_share`` (real samples outside every
        generated ball), and the REM summaries (mean, median, quartiles) of both
        sets with ``rem_gap`` = mean real REM - mean generated REM (positive when
        generated samples collapse toward the real principal subspace).

    See Also
    --------
    blind_spot_tables : This table with the per-class ones.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import overall_table
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(100, 4))
    >>> table = overall_table(real, real.copy(), k=3)
    >>> table[["n_real", "precision", "recall", "zero_recall_share"]]
       n_real  precision  recall  zero_recall_share
    0     100        1.0     1.0                0.0
    """
    caller = "overall_table"
    real = check_finite_2d(real, name="real")
    generated = check_finite_2d(generated, name="generated")
    check_same_width(real, generated)
    if result is None:
        result = precision_recall(real, generated, k=k)
    else:
        check_result(result, real.shape[0], generated.shape[0], k, caller)
    rem_real, rem_gen = _table_rem(
        real, generated, None, rem, n_components, cv, random_state, caller
    )
    return _overall_row(real.shape[0], generated.shape[0], result, rem_real, rem_gen)


def recall_by_class(real, generated, y_real, y_generated, *, k=3):
    """Per-sample recall flags computed within each class.

    A real sample of class ``c`` is recalled when it lies inside the k-NN ball of
    some generated sample of class ``c`` (balls from the generated samples of that
    class), so a class the generator mixes up with another still counts as missed.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real samples.
    generated : array-like of shape (n_generated, n_features)
        Generated samples.
    y_real : array-like of shape (n_real,)
        Class of each real sample.
    y_generated : array-like of shape (n_generated,)
        Class of each generated sample.
    k : int, default=3
        Neighbours defining the k-NN balls; every class needs more than ``k`` real
        and ``k`` generated samples.

    Returns
    -------
    real_recalled : ndarray of bool of shape (n_real,)
        Whether each real sample is recalled by its own class.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import recall_by_class
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(40, 3))
    >>> y = np.repeat(["a", "b"], 20)
    >>> recall_by_class(real, real.copy(), y, y, k=3).sum()
    np.int64(40)
    """
    _check_k(k, "recall_by_class")
    real = check_finite_2d(real, name="real")
    generated = check_finite_2d(generated, name="generated")
    check_same_width(real, generated)
    y_real = check_labels(y_real, real.shape[0], name="y_real")
    y_generated = check_labels(y_generated, generated.shape[0], name="y_generated")
    recalled = np.zeros(real.shape[0], dtype=bool)
    for cls in sorted_unique(y_real):
        in_real = y_real == cls
        in_gen = y_generated == cls
        n_real, n_gen = int(in_real.sum()), int(in_gen.sum())
        if n_real <= k or n_gen <= k:
            # .item() so that the message shows 'b', not np.str_('b').
            label = cls.item() if hasattr(cls, "item") else cls
            raise ValueError(
                f"recall_by_class: class {label!r} has {n_real} real and {n_gen} "
                f"generated samples; k={k} neighbours need at least {k + 1} of each."
            )
        res = precision_recall(real[in_real], generated[in_gen], k=k)
        recalled[in_real] = np.asarray(res.real_recalled, dtype=bool)
    return recalled


def _default_case(values, caller):
    present = set(pd.unique(pd.Series(values).dropna()).tolist())
    for known, case in _KNOWN_CASES:
        if present and present <= known:
            return case
    raise ValueError(
        f"{caller}: cannot tell which status value is the case (cancer) among "
        f"{sorted(map(str, present))}; pass case=<value>."
    )


def rem_difference_table(
    rem_real,
    y_real,
    status_real,
    *,
    case=None,
    rem_generated=None,
    y_generated=None,
    status_generated=None,
):
    """Cancer (case) minus healthy (control) REM per tissue.

    The paper reports that cancer samples lie further from the principal subspace of
    the real data (higher REM) than healthy samples of the same tissue.

    Parameters
    ----------
    rem_real : array-like of shape (n_real,)
        REM of the real samples.
    y_real : array-like of shape (n_real,)
        Tissue (class) of each real sample.
    status_real : array-like of shape (n_real,)
        Status of each real sample (e.g. ``"tumor"``/``"normal"``, or 1/0).
    case : object, default=None
        The status value of the case group; every other value is the control. When
        None it is read from known codings (tumor/normal, cancer/healthy, 1/0).
    rem_generated, y_generated, status_generated : array-like, default=None
        The same for generated samples; adds ``rem_generated_*`` columns.

    Returns
    -------
    table : DataFrame
        One row per tissue: ``n_case``, ``n_control``, ``rem_real_case``,
        ``rem_real_control`` (means), ``rem_real_difference`` (case - control;
        NaN when the tissue lacks one group), and the generated counterparts.
        ``table.attrs["mean_difference"]`` holds the mean of the real differences
        over tissues that have both groups.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import rem_difference_table
    >>> rem = np.array([5.0, 7.0, 2.0, 2.0, 4.0, 3.0])
    >>> tissue = np.array(["lung", "lung", "lung", "lung", "liver", "liver"])
    >>> status = np.array(["tumor", "tumor", "normal", "normal", "tumor", "normal"])
    >>> table = rem_difference_table(rem, tissue, status)
    >>> table[["n_case", "n_control", "rem_real_difference"]]
            n_case  n_control  rem_real_difference
    tissue
    liver        1          1                  1.0
    lung         2          2                  4.0
    >>> table.attrs["mean_difference"]
    2.5
    """
    caller = "rem_difference_table"
    rem_real = check_rem_values(rem_real, "rem_real", caller)
    n = rem_real.shape[0]
    y_real = check_labels(y_real, n, name="y_real")
    status_real = check_labels(status_real, n, name="status_real")
    if case is None:
        case = _default_case(status_real, caller)
    elif case not in set(status_real.tolist()):
        raise ValueError(
            f"{caller}: case={case!r} is not a value of the status; values are "
            f"{sorted(map(str, set(status_real.tolist())))}."
        )

    def _frame(rem, y, status, prefix):
        frame = pd.DataFrame({"tissue": y, "rem": rem, "is_case": status == case})
        grouped = frame.groupby(["tissue", "is_case"])["rem"]
        means = grouped.mean().unstack()
        counts = grouped.size().unstack()
        out = pd.DataFrame(index=means.index)
        out.index.name = "tissue"
        out["n_case"] = counts.get(True, pd.Series(dtype=float)).reindex(out.index)
        out["n_control"] = counts.get(False, pd.Series(dtype=float)).reindex(out.index)
        out = out.fillna(0).astype(int)
        out[f"{prefix}_case"] = means.get(True, np.nan)
        out[f"{prefix}_control"] = means.get(False, np.nan)
        out[f"{prefix}_difference"] = out[f"{prefix}_case"] - out[f"{prefix}_control"]
        return out

    table = _frame(rem_real, y_real, status_real, "rem_real")
    if rem_generated is not None:
        if y_generated is None or status_generated is None:
            raise ValueError(
                f"{caller}: rem_generated needs y_generated and status_generated too."
            )
        rem_generated = check_rem_values(rem_generated, "rem_generated", caller)
        n_gen = rem_generated.shape[0]
        gen = _frame(
            rem_generated,
            check_labels(y_generated, n_gen, name="y_generated"),
            check_labels(status_generated, n_gen, name="status_generated"),
            "rem_generated",
        )
        gen = gen.rename(
            columns={"n_case": "n_generated_case", "n_control": "n_generated_control"}
        )
        table = table.join(gen, how="outer")
    diffs = table["rem_real_difference"].dropna()
    table.attrs["mean_difference"] = float(diffs.mean()) if len(diffs) else float("nan")
    table.attrs["case"] = case
    return table


@validate_params(
    {
        "real": ["array-like", "sparse matrix"],
        "generated": ["array-like", "sparse matrix"],
        "y_real": ["array-like"],
        "y_generated": ["array-like"],
        "covariates_real": "no_validation",
        "covariates_generated": "no_validation",
        "status": [str, None],
        "k": [Interval(Integral, 1, None, closed="left")],
        **_REM_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def blind_spot_tables(
    real,
    generated,
    y_real,
    y_generated,
    *,
    covariates_real=None,
    covariates_generated=None,
    status=None,
    k=3,
    rem=None,
    n_components=None,
    cv=5,
    random_state=0,
):
    """All blind-spot tables of one generated set, computed once.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real samples.
    generated : array-like of shape (n_generated, n_features)
        Generated samples.
    y_real : array-like of shape (n_real,)
        Class of each real sample.
    y_generated : array-like of shape (n_generated,)
        Class of each generated sample.
    covariates_real : DataFrame, default=None
        Covariates of the real samples (one column each, e.g. ``status``).
    covariates_generated : DataFrame, default=None
        The same columns for the generated samples.
    status : str, default=None
        Column of the covariates holding cancer/healthy status; adds the
        ``rem_difference`` table (needs REM, so not ``rem=False``).
    k : int, default=3
        Neighbours defining the k-NN balls.
    rem : REM, None or False, default=None
        None cross-fits the REM of both sets (real rows never scored by a PCA
        that saw them, stratified by ``y_real``); a REM fitted on other rows
        than ``real`` (e.g. the training rows, with ``real`` held out) scores
        both sets; False leaves REM out of the tables.
    n_components : int or None, default=None
        Components of the cross-fitted REM (see
        :func:`~sklearn_remgan.metrics.choose_n_components`).
    cv : int or cross-validation splitter, default=5
        Folds of the cross-fitted REM.
    random_state : int, RandomState instance or None, default=0
        Seeds the folds of the cross-fitted REM.

    Returns
    -------
    tables : Bunch
        ``overall`` (see :func:`overall_table`), ``per_class`` (from
        ``sklearn_remgan.metrics.per_class_report``: per class and per covariate
        value), ``rem_difference`` (or None), ``result`` (the global
        ``precision_recall`` result) and the per-sample arrays ``real_recalled``
        (inside any generated ball, as counted by ``per_class``),
        ``real_recalled_within_class`` (inside a ball of a generated sample of
        the same class, see :func:`recall_by_class`), ``rem_real`` and
        ``rem_generated`` (out-of-sample; None with ``rem=False``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import blind_spot_tables
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(60, 4))
    >>> y = np.repeat(["a", "b", "c"], 20)
    >>> tables = blind_spot_tables(real, real + 0.01, y, y, k=3)
    >>> float(tables.overall.loc[0, "recall"]), int(tables.real_recalled.sum())
    (1.0, 60)
    >>> int(tables.real_recalled_within_class.sum())
    60
    """
    caller = "blind_spot_tables"
    real = check_finite_2d(real, name="real")
    generated = check_finite_2d(generated, name="generated")
    check_same_width(real, generated)
    y_real = check_labels(y_real, real.shape[0], name="y_real")
    y_generated = check_labels(y_generated, generated.shape[0], name="y_generated")
    if status is not None:
        if rem is False:
            raise ValueError(f"{caller}: status needs REM values; got rem=False.")
        for name, cov in (
            ("covariates_real", covariates_real),
            ("covariates_generated", covariates_generated),
        ):
            if cov is None or status not in cov:
                have = [] if cov is None else list(cov.columns)
                raise ValueError(
                    f"{caller}: status={status!r} is not a column of {name} "
                    f"(columns: {have})."
                )
    result = precision_recall(real, generated, k=k)
    rem_real, rem_gen = _table_rem(
        real, generated, y_real, rem, n_components, cv, random_state, caller
    )
    overall = _overall_row(real.shape[0], generated.shape[0], result, rem_real, rem_gen)
    per_class = report_from_values(
        y_real,
        y_generated,
        result,
        np.zeros(real.shape[0]) if rem_real is None else rem_real,
        np.zeros(generated.shape[0]) if rem_gen is None else rem_gen,
        covariates_real=covariates_real,
        covariates_generated=covariates_generated,
    )
    if rem_real is None:
        per_class = per_class.drop(columns=[c for c in per_class if "rem" in c])
    within = recall_by_class(real, generated, y_real, y_generated, k=k)
    rem_difference = None
    if status is not None:
        rem_difference = rem_difference_table(
            rem_real,
            y_real,
            np.asarray(covariates_real[status]),
            rem_generated=rem_gen,
            y_generated=y_generated,
            status_generated=np.asarray(covariates_generated[status]),
        )
    return Bunch(
        overall=overall,
        per_class=per_class,
        rem_difference=rem_difference,
        real_recalled=np.asarray(result.real_recalled, dtype=bool),
        real_recalled_within_class=within,
        rem_real=rem_real,
        rem_generated=rem_gen,
        result=result,
    )
