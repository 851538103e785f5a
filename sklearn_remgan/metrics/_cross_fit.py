"""Honest REM: real rows scored by principal components that never saw them.

REM of a row from a PCA fitted on that same row is biased low: with fewer
rows than ``n_components + 1`` it is exactly 0, and on TCGA (962 training
rows, 2,000 genes, 50 components) training rows had a mean REM of 11.9 where
held-out rows had 16.7. Generated rows are never in the PCA's fit, so
comparing them with in-sample real REM compares out-of-sample with in-sample
errors. Two honest comparisons exist:

- a PCA fitted on training rows scores held-out real rows and generated rows
  (``REM(...).fit(X_train).score_samples(X_held_out)``);
- cross-fitting (:func:`cross_fitted_rem`): the real rows are split in folds
  and each fold is scored by a PCA fitted on the other folds; generated rows
  are spread over the same fold PCAs, so both sides are scored by PCAs of the
  same size that did not see them.

:func:`choose_n_components` is the one rule for the number of components
wherever the package picks it.
"""

from numbers import Integral

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import Bunch, check_random_state

from sklearn_remgan.metrics._rem import REM
from sklearn_remgan.utils import check_finite_2d, check_labels, check_same_width
from sklearn_remgan.utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)

__all__ = ["choose_n_components", "cross_fitted_rem"]

# Components used when none are asked: the study's quick preset.
DEFAULT_N_COMPONENTS = 50


@validate_params(
    {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "n_samples": [Interval(Integral, 0, None, closed="left")],
        "n_features": [Interval(Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def choose_n_components(n_components, n_samples, n_features):
    """Number of principal components of a REM fitted on ``n_samples`` rows.

    The one rule used by every part of the package that picks the number
    (:func:`per_class_report`, :func:`cross_fitted_rem`, the diagnostics
    tables and Displays, :class:`REMScorer`, ``OTAligner`` and the study):

    - the bound is ``min(n_samples - 1, n_features - 1)``: a PCA of ``n`` rows
      has at most ``n - 1`` directions, and keeping every feature would leave
      no residual at all;
    - ``None`` gives ``min(50, bound // 2)`` (at least 1): 50 as in the study's
      quick preset, and at most half the bound so that a residual remains for
      rows outside the fit even when the fit has few rows;
    - an int is capped at the bound, silently: the bound depends on fold and
      split sizes the user does not choose.

    Parameters
    ----------
    n_components : int or None
        Components asked for.
    n_samples : int
        Rows the PCA is fitted on.
    n_features : int
        Features of the data.

    Returns
    -------
    n_components : int
        Components to use, at least 1.

    Raises
    ------
    ValueError
        When fewer than 2 rows or 2 features leave no component and residual.

    Examples
    --------
    >>> from sklearn_remgan.metrics import choose_n_components
    >>> choose_n_components(None, 962, 2000)
    50
    >>> choose_n_components(None, 30, 100)
    14
    >>> choose_n_components(2000, 962, 2000)
    961
    """
    bound = min(n_samples - 1, n_features - 1)
    if bound < 1:
        raise ValueError(
            f"REM needs at least 2 rows and 2 features to keep one principal "
            f"component and a residual; got {n_samples} row(s) and {n_features} "
            "feature(s)."
        )
    if n_components is None:
        return max(1, min(DEFAULT_N_COMPONENTS, bound // 2))
    return int(min(n_components, bound))


def _splitter(cv, y, random_state):
    if not isinstance(cv, Integral):
        return cv
    # Stratify only when every label can be in every fold (no sklearn warning).
    if y is None or np.unique(y, return_counts=True)[1].min() < cv:
        return KFold(cv, shuffle=True, random_state=random_state)
    return StratifiedKFold(cv, shuffle=True, random_state=random_state)


def _folds(X, strata, cv, groups, seed):
    """Test folds of ``X``'s rows (see :func:`_splitter` for an int ``cv``)."""
    splitter = _splitter(cv, strata, seed)
    return [np.asarray(test) for _, test in splitter.split(X, strata, groups)]


def _fold_n_components(n_components, folds, n_rows, n_features):
    """Components of every fold's REM: the rule applied to the smallest fit."""
    n_fit = n_rows - max(len(test) for test in folds)
    return choose_n_components(n_components, n_fit, n_features)


def _fold_rems(X, folds, n_components, *, svd_solver="auto", random_state=None):
    """Yield ``(i, test, rem)``: each fold with a REM fitted on the other rows."""
    for i, test in enumerate(folds):
        train = np.setdiff1d(np.arange(X.shape[0]), test)
        rem = REM(n_components, svd_solver=svd_solver, random_state=random_state)
        yield i, test, rem.fit(X[train])


@validate_params(
    {
        "real": ["array-like", "sparse matrix"],
        "generated": ["array-like", "sparse matrix", None],
        "y": ["array-like", None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "cv": [
            Interval(Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
        ],
        "groups": ["array-like", None],
        "svd_solver": [
            StrOptions(
                {"auto", "gram", "gram_mixed", "covariance", "full", "randomized"}
            )
        ],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def cross_fitted_rem(
    real,
    generated=None,
    *,
    y=None,
    n_components=None,
    cv=5,
    groups=None,
    svd_solver="auto",
    random_state=0,
):
    """REM of real rows from PCAs fitted without them, and of generated rows alike.

    The real rows are split in ``cv`` folds; each fold is scored by a
    :class:`REM` fitted on the other folds. Generated rows are dealt at
    random (evenly) to the same folds and scored by the fold's REM, so both
    sides are scored by PCAs of the same size, none of which saw the row it
    scores. This is the honest real REM to compare with generated REM when no
    held-out rows exist (otherwise fit one REM on the training rows and score
    the held-out and generated rows with it).

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real rows.
    generated : array-like of shape (n_generated, n_features), default=None
        Generated rows, scored by the fold PCAs too.
    y : array-like of shape (n_real,), default=None
        Labels of the real rows; the folds are then stratified, so each PCA
        sees every label.
    n_components : int or None, default=None
        Components of each fold's REM, resolved by
        :func:`choose_n_components` on the smallest fold's training rows (the
        same number for every fold).
    cv : int or cross-validation splitter, default=5
        Number of folds (shuffled ``KFold``, or ``StratifiedKFold`` with
        ``y``, seeded by ``random_state``), or a splitter with ``split(X, y,
        groups)`` whose test folds must cover every real row exactly once
        (e.g. ``GroupKFold`` with ``groups`` to keep a patient's samples
        together).
    groups : array-like of shape (n_real,), default=None
        Group labels passed to the splitter's ``split``.
    svd_solver : str, default='auto'
        Solver of each fold's :class:`REM`.
    random_state : int, RandomState instance or None, default=0
        Seeds the folds, the dealing of the generated rows and the REM's
        randomized solver.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``real`` (float64 of shape (n_real,)), ``generated`` (float64 of shape
        (n_generated,), or None), ``n_components`` (int) and ``n_splits``.

    See Also
    --------
    choose_n_components : The rule for the number of components.
    REM : The reconstruction-error model fitted on each fold.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.metrics import REM, cross_fitted_rem
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(30, 100))
    >>> # in-sample: 29 components of 30 rows leave no residual at all
    >>> bool(REM(29).fit(real).score_samples(real).max() < 1e-6)
    True
    >>> honest = cross_fitted_rem(real, n_components=29)
    >>> honest.n_components, bool(honest.real.min() > 5)
    (23, True)
    """
    real = check_finite_2d(real, name="real", min_samples=2)
    n_real, n_features = real.shape
    if generated is not None:
        generated = check_finite_2d(generated, name="generated")
        check_same_width(real, generated)
    y = check_labels(y, n_real, name="y", allow_none=True)
    rng = check_random_state(random_state)
    if isinstance(cv, Integral) and cv > n_real:
        raise ValueError(
            f"cv={cv} folds need at least {cv} real rows; got {n_real}. Use a "
            "smaller cv."
        )
    # Labels of mixed types (str and int) stratify as strings.
    strata = None if y is None else y.astype(str)
    folds = _folds(real, strata, cv, groups, rng.randint(np.iinfo(np.int32).max))
    covered = np.bincount(np.concatenate(folds), minlength=n_real)
    if len(folds) < 2 or not (covered == 1).all():
        raise ValueError(
            f"cv must split the {n_real} real rows into at least 2 test folds that "
            f"cover every row exactly once; got {len(folds)} fold(s) covering "
            f"{int((covered > 0).sum())} row(s)."
        )
    n_comp = _fold_n_components(n_components, folds, n_real, n_features)
    rem_real = np.empty(n_real, dtype=np.float64)
    rem_gen = None
    if generated is not None:
        rem_gen = np.empty(generated.shape[0], dtype=np.float64)
        dealt = np.array_split(rng.permutation(generated.shape[0]), len(folds))
    fold_rems = _fold_rems(real, folds, n_comp, svd_solver=svd_solver, random_state=rng)
    for i, test, rem in fold_rems:
        rem_real[test] = rem.score_samples(real[test])
        if generated is not None and dealt[i].size:
            rem_gen[dealt[i]] = rem.score_samples(generated[dealt[i]])
    return Bunch(
        real=rem_real, generated=rem_gen, n_components=n_comp, n_splits=len(folds)
    )


def check_rem_not_fitted_on(rem, real, *, caller, name="real"):
    """Refuse a fitted REM that was fitted on ``real`` itself (in-sample REM).

    The check compares the REM's fitted mean with the mean of ``real``,
    computed the same way, so it catches the same array (or a copy), not a
    REM fitted on a subset of ``real``.
    """
    if not hasattr(rem, "score_samples"):
        raise TypeError(
            f"{caller}: rem must be a fitted REM (with score_samples) or None; got "
            f"{type(rem).__name__}."
        )
    mean = getattr(rem, "mean_", None)
    if mean is None or real.shape[0] < 2 or mean.shape != (real.shape[1],):
        return
    if np.array_equal(mean, real.mean(axis=0, dtype=np.float64)):
        raise ValueError(
            f"{caller}: rem was fitted on {name} itself, so the REM of the real "
            "rows would be in-sample (biased low; 0 with fewer rows than "
            "n_components + 1). Pass rem=None for cross-fitted REM, or a REM "
            f"fitted on other rows (e.g. the training rows, with held-out {name})."
        )


def honest_rem(
    real,
    generated,
    *,
    rem,
    y=None,
    n_components,
    cv,
    random_state,
    caller,
    name="real",
):
    """``(rem_real, rem_generated, n_components)`` for tables and Displays.

    ``rem=None`` cross-fits (:func:`cross_fitted_rem`); a fitted REM must have
    been fitted on other rows than ``real`` and scores both sets.
    """
    if rem is None:
        res = cross_fitted_rem(
            real,
            generated,
            y=y,
            n_components=n_components,
            cv=cv,
            random_state=random_state,
        )
        return res.real, res.generated, res.n_components
    check_rem_not_fitted_on(rem, real, caller=caller, name=name)
    rem_real = np.asarray(rem.score_samples(real), dtype=np.float64)
    rem_gen = None
    if generated is not None:
        rem_gen = np.asarray(rem.score_samples(generated), dtype=np.float64)
    return rem_real, rem_gen, getattr(rem, "n_components_", None)
