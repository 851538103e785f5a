"""Per-class blind-spot report: precision/recall and REM per label and covariate."""

import numpy as np
import pandas as pd

from sklearn_remgan.metrics._precision_recall import precision_recall
from sklearn_remgan.metrics._rem import REM
from sklearn_remgan.utils import check_finite_2d, check_same_width

_COLUMNS = [
    "grouping",
    "value",
    "n_real",
    "n_generated",
    "precision",
    "recall",
    "density",
    "coverage",
    "zero_recall_share",
    "rem_real_mean",
    "rem_real_median",
    "rem_real_q25",
    "rem_real_q75",
    "rem_generated_mean",
    "rem_generated_median",
    "rem_generated_q25",
    "rem_generated_q75",
    "rem_gap",
]


def _summary(values, prefix):
    if values.size == 0:
        return dict.fromkeys(
            [f"{prefix}_{s}" for s in ("mean", "median", "q25", "q75")], np.nan
        )
    q25, median, q75 = np.percentile(values, [25, 50, 75])
    return {
        f"{prefix}_mean": float(values.mean()),
        f"{prefix}_median": float(median),
        f"{prefix}_q25": float(q25),
        f"{prefix}_q75": float(q75),
    }


def _mean(values):
    return float(values.mean()) if values.size else np.nan


def _labels(values, n, name):
    values = np.asarray(values, dtype=object)
    if values.ndim != 1 or values.shape[0] != n:
        raise ValueError(
            f"{name} must be 1D with one entry per sample ({n}); got shape "
            f"{values.shape}."
        )
    return values


def _covariates(frame, n, name):
    if frame is None:
        return None
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame (one column per covariate) or "
            f"None; got {type(frame).__name__}."
        )
    if len(frame) != n:
        raise ValueError(
            f"{name} must have one row per sample ({n}); got {len(frame)} rows."
        )
    return frame.reset_index(drop=True)


def per_class_report(
    real,
    generated,
    y_real,
    y_generated,
    *,
    covariates_real=None,
    covariates_generated=None,
    k=3,
    rem=None,
    n_components=None,
    result=None,
):
    """Blind-spot report: precision, recall and REM per label and covariate.

    One global :func:`precision_recall` computation gives per-sample values,
    which are aggregated by each sample's own group: recall and coverage over
    the group's real samples, precision and density over its generated samples.
    So a real sample counts as recalled when any generated sample (of any
    label) covers it, which is how blind spots are counted per class (e.g. the
    share of real samples of a tissue with recall 0).

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real samples.
    generated : array-like of shape (n_generated, n_features)
        Generated samples.
    y_real : array-like of shape (n_real,)
        Labels of the real samples.
    y_generated : array-like of shape (n_generated,)
        Labels of the generated samples.
    covariates_real : DataFrame of shape (n_real, n_covariates), default=None
        Covariates of the real samples (e.g. cancer status), one column each.
    covariates_generated : DataFrame of shape (n_generated, n_covariates), \
            default=None
        The same columns for the generated samples. When None, covariate groups
        report real-side values only (generated-side values are NaN).
    k : int, default=3
        Neighbour rank of :func:`precision_recall`.
    rem : REM or None, default=None
        A fitted :class:`REM`; None fits one on ``real``.
    n_components : int or None, default=None
        Components of the REM fitted when ``rem`` is None; None uses 2000,
        capped silently at what the real data have.
    result : Bunch or None, default=None
        A :func:`precision_recall` result for these same sets, to reuse.

    Returns
    -------
    report : DataFrame
        One row per (grouping, value): ``grouping`` is ``"label"``, a covariate
        name, or ``"label x <covariate>"`` (value ``"<label> | <value>"``).
        Columns: ``n_real``, ``n_generated``, ``precision``, ``recall``,
        ``density``, ``coverage``, ``zero_recall_share`` (share of the group's
        real samples not recalled), REM of real and of generated samples
        (``rem_real_mean``, ``_median``, ``_q25``, ``_q75`` and the same for
        ``rem_generated``) and ``rem_gap`` (real mean - generated mean; positive
        when generated samples sit closer to the real subspace than real ones,
        a sign of collapse). Values of a side without samples are NaN.

    See Also
    --------
    precision_recall : The global per-sample computation.
    REM : The reconstruction-error metric.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.metrics import per_class_report
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(120, 30))
    >>> y = np.repeat(["a", "b"], 60)
    >>> generated = real + rng.normal(scale=0.1, size=real.shape)
    >>> report = per_class_report(real, generated, y, y, n_components=5)
    >>> report[["grouping", "value", "n_real", "n_generated"]]
      grouping value  n_real  n_generated
    0    label     a      60           60
    1    label     b      60           60
    """
    real = check_finite_2d(real, name="real")
    generated = check_finite_2d(generated, name="generated")
    check_same_width(real, generated)
    n_real, n_gen = real.shape[0], generated.shape[0]
    y_real = _labels(y_real, n_real, "y_real")
    y_generated = _labels(y_generated, n_gen, "y_generated")
    cov_real = _covariates(covariates_real, n_real, "covariates_real")
    cov_gen = _covariates(covariates_generated, n_gen, "covariates_generated")
    if cov_real is None and cov_gen is not None:
        raise ValueError(
            "covariates_generated was given without covariates_real; pass both."
        )
    if cov_gen is not None and list(cov_gen.columns) != list(cov_real.columns):
        raise ValueError(
            "covariates_real and covariates_generated must have the same columns; "
            f"got {list(cov_real.columns)} and {list(cov_gen.columns)}."
        )

    if result is None:
        result = precision_recall(real, generated, k=k)
    elif (
        result.real_recalled.shape[0] != n_real
        or result.generated_precise.shape[0] != n_gen
    ):
        raise ValueError(
            f"result was computed for {result.real_recalled.shape[0]} real and "
            f"{result.generated_precise.shape[0]} generated samples; got "
            f"{n_real} and {n_gen}."
        )
    if rem is None:
        cap = min(n_real - 1, real.shape[1])
        rem = REM(n_components=min(n_components or 2000, cap)).fit(real)
    rem_real = rem.score_samples(real)
    rem_gen = rem.score_samples(generated)

    groupings = [("label", y_real, y_generated)]
    if cov_real is not None:
        for col in cov_real.columns:
            real_vals = cov_real[col].to_numpy(dtype=object)
            gen_vals = None if cov_gen is None else cov_gen[col].to_numpy(dtype=object)
            groupings.append((str(col), real_vals, gen_vals))
        for col in cov_real.columns:
            real_vals = np.array(
                [f"{a} | {b}" for a, b in zip(y_real, cov_real[col])], dtype=object
            )
            gen_vals = None
            if cov_gen is not None:
                gen_vals = np.array(
                    [f"{a} | {b}" for a, b in zip(y_generated, cov_gen[col])],
                    dtype=object,
                )
            groupings.append((f"label x {col}", real_vals, gen_vals))

    rows = []
    for grouping, real_vals, gen_vals in groupings:
        values = set(real_vals.tolist())
        if gen_vals is not None:
            values |= set(gen_vals.tolist())
        for value in sorted(values, key=str):
            in_real = real_vals == value
            if gen_vals is None:
                in_gen = np.zeros(n_gen, dtype=bool)
            else:
                in_gen = gen_vals == value
            recalled = result.real_recalled[in_real]
            row = {
                "grouping": grouping,
                "value": value,
                "n_real": int(in_real.sum()),
                "n_generated": int(in_gen.sum()),
                "precision": _mean(result.generated_precise[in_gen]),
                "recall": _mean(recalled),
                "density": _mean(result.generated_ball_count[in_gen]) / result.k,
                "coverage": _mean(result.real_covered[in_real]),
                "zero_recall_share": _mean(~recalled),
                **_summary(rem_real[in_real], "rem_real"),
                **_summary(rem_gen[in_gen], "rem_generated"),
            }
            row["rem_gap"] = row["rem_real_mean"] - row["rem_generated_mean"]
            rows.append(row)
    return pd.DataFrame(rows, columns=_COLUMNS)
