"""Per-class blind-spot report: precision/recall and REM per label and covariate."""

from numbers import Integral

import numpy as np
import pandas as pd

from sklearn_remgan.metrics._cross_fit import choose_n_components, honest_rem
from sklearn_remgan.metrics._precision_recall import precision_recall
from sklearn_remgan.metrics._rem import REM
from sklearn_remgan.utils import check_finite_2d, check_labels, check_same_width
from sklearn_remgan.utils._sklearn_compat import HasMethods, Interval, validate_params

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
    return check_labels(values, n, name=name).astype(object)


def check_result(result, n_real, n_generated, k, caller):
    """Refuse a precision_recall ``result`` computed on other sets or another k."""
    try:
        shapes = (result.real_recalled.shape[0], result.generated_precise.shape[0])
        result_k = result.k
    except AttributeError as exc:
        raise TypeError(
            f"{caller}: result must be a precision_recall result (a Bunch with "
            f"real_recalled, generated_precise and k); got {type(result).__name__}."
        ) from exc
    if shapes != (n_real, n_generated) or result_k != k:
        raise ValueError(
            f"{caller}: result was computed for {shapes[0]} real and {shapes[1]} "
            f"generated samples with k={result_k}; these sets have {n_real} and "
            f"{n_generated} with k={k}. Pass result=None to compute it."
        )


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
    missing = frame.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing.any(axis=1))
        raise ValueError(
            f"{name} holds {int(missing.sum())} missing value(s) (first rows: "
            f"{rows[:5].tolist()}); every row needs a value of each covariate."
        )
    return frame.reset_index(drop=True)


@validate_params(
    {
        "real": ["array-like", "sparse matrix"],
        "generated": ["array-like", "sparse matrix"],
        "y_real": ["array-like"],
        "y_generated": ["array-like"],
        "covariates_real": "no_validation",
        "covariates_generated": "no_validation",
        "k": [Interval(Integral, 1, None, closed="left")],
        "rem": [HasMethods(["score_samples"]), None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "cv": [
            Interval(Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
        ],
        "random_state": ["random_state"],
        "in_sample_rem": ["boolean"],
        "result": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
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
    cv=5,
    random_state=0,
    in_sample_rem=False,
    result=None,
):
    """Blind-spot report: precision, recall and REM per label and covariate.

    One global :func:`precision_recall` computation gives per-sample values,
    which are aggregated by each sample's own group: recall and coverage over
    the group's real samples, precision and density over its generated samples.
    So a real sample counts as recalled when any generated sample (of any
    label) covers it, which is how blind spots are counted per class (e.g. the
    share of real samples of a tissue with recall 0).

    Real REM is always out of sample: with ``rem=None`` it is cross-fitted
    (:func:`cross_fitted_rem`: each real row scored by a PCA fitted without
    its fold, generated rows by the same fold PCAs); a given ``rem`` must have
    been fitted on other rows (e.g. the training rows, with ``real`` the
    held-out rows).

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
        A :class:`REM` fitted on other rows than ``real`` (refused when fitted
        on ``real`` itself); None cross-fits.
    n_components : int or None, default=None
        Components of the cross-fitted REM (``rem=None``), resolved by
        :func:`choose_n_components`.
    cv : int or cross-validation splitter, default=5
        Folds of the cross-fitted REM (stratified by ``y_real``).
    random_state : int, RandomState instance or None, default=0
        Seeds the folds of the cross-fitted REM.
    in_sample_rem : bool, default=False
        Also report ``rem_real_in_sample_mean`` and ``_median``: REM of the real
        rows from a PCA fitted on all of them (biased low; only for comparison
        with the out-of-sample values).
    result : Bunch or None, default=None
        A :func:`precision_recall` result for these same sets and ``k``, to
        reuse (refused when computed on other sets).

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
        ``report.attrs["rem_n_components"]`` holds the components used.

    See Also
    --------
    precision_recall : The global per-sample computation.
    cross_fitted_rem : The out-of-sample REM of the real rows.

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
    caller = "per_class_report"
    real = check_finite_2d(real, name="real")
    generated = check_finite_2d(generated, name="generated")
    check_same_width(real, generated)
    n_real, n_gen = real.shape[0], generated.shape[0]
    y_real = _labels(y_real, n_real, "y_real")
    y_generated = _labels(y_generated, n_gen, "y_generated")
    if result is None:
        result = precision_recall(real, generated, k=k)
    else:
        check_result(result, n_real, n_gen, k, caller)
    rem_real, rem_gen, n_comp = honest_rem(
        real,
        generated,
        rem=rem,
        y=y_real,
        n_components=n_components,
        cv=cv,
        random_state=random_state,
        caller=caller,
    )
    in_sample = None
    if in_sample_rem:
        asked = n_components if rem is None else n_comp
        n_in = choose_n_components(asked, n_real, real.shape[1])
        in_sample = REM(n_in).fit(real).score_samples(real)
    report = report_from_values(
        y_real,
        y_generated,
        result,
        rem_real,
        rem_gen,
        covariates_real=covariates_real,
        covariates_generated=covariates_generated,
        rem_real_in_sample=in_sample,
    )
    report.attrs["rem_n_components"] = n_comp
    return report


def report_from_values(
    y_real,
    y_generated,
    result,
    rem_real,
    rem_generated,
    *,
    covariates_real=None,
    covariates_generated=None,
    rem_real_in_sample=None,
):
    """The per-class table from per-sample values (shared with the diagnostics)."""
    n_real, n_gen = rem_real.shape[0], rem_generated.shape[0]
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
                **_summary(rem_generated[in_gen], "rem_generated"),
            }
            if rem_real_in_sample is not None:
                values_in = rem_real_in_sample[in_real]
                row["rem_real_in_sample_mean"] = _mean(values_in)
                row["rem_real_in_sample_median"] = (
                    float(np.median(values_in)) if values_in.size else np.nan
                )
            row["rem_gap"] = row["rem_real_mean"] - row["rem_generated_mean"]
            rows.append(row)
    columns = list(_COLUMNS)
    if rem_real_in_sample is not None:
        columns += ["rem_real_in_sample_mean", "rem_real_in_sample_median"]
    return pd.DataFrame(rows, columns=columns)
