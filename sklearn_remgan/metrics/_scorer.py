"""Scorers that rate a fitted generator on held-out data, for searches and CV.

A scorer is called as ``scorer(estimator, X, y)`` by ``GridSearchCV``,
``cross_validate`` and friends. It finds the sampler (the estimator itself, or the
pipeline step with ``fit_resample`` and ``sample``), puts the held-out ``X``
through the steps before it, draws as many generated rows per label as ``y`` has,
and compares real and generated rows. Greater is always better.
"""

from numbers import Integral
from typing import ClassVar

import numpy as np
from scipy.stats import wasserstein_distance
from sklearn.utils import check_random_state

from sklearn_remgan.metrics._cross_fit import choose_n_components
from sklearn_remgan.metrics._precision_recall import precision_recall
from sklearn_remgan.metrics._rem import REM
from sklearn_remgan.utils import (
    check_finite_2d,
    check_labels,
    check_same_width,
    draw_like,
    find_sampler,
)
from sklearn_remgan.utils._sklearn_compat import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn_remgan.utils._validation import sorted_unique

__all__ = ["PRScorer", "REMScorer", "get_scorer", "get_scorer_names"]

_PR_METRICS = ("f1", "precision", "recall", "density", "coverage")

# Fitted attribute under which a sampler may expose the rows it was trained on
# (after the pipeline steps before it); REMScorer fits its PCA there when present.
_TRAINING_ROWS_ATTR = "X_fit_"


def _real_and_generated(caller, estimator, X, y, *, require_y, random_state):
    """Held-out rows in the sampler's input space, and generated rows for ``y``.

    Returns ``(sampler, X_real, y_real, X_gen, y_gen)`` (see :func:`draw_like`).
    """
    if y is None and require_y:
        raise ValueError(
            f"{caller} draws generated rows for the held-out labels y, so y is "
            "required; got y=None (use average='pooled' to score an unconditional "
            "generator without labels)."
        )
    draw = draw_like(estimator, X, y, random_state=random_state, caller=caller)
    return draw.sampler, draw.X_real, draw.y_real, draw.X_generated, draw.y_generated


def _groups(y_real, y_gen, average):
    """Yield ``(label, real_mask, generated_mask)`` per compared group."""
    if average == "pooled":
        yield None, slice(None), slice(None)
        return
    for label in sorted_unique(y_real):
        yield label, y_real == label, y_gen == label


class _BaseGenerativeScorer:
    """Shared construction, ``repr`` and scikit-learn hooks of our scorers."""

    _parameter_constraints: ClassVar[dict] = {}

    def _validate(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            self._params(),
            caller_name=type(self).__name__,
        )

    def _params(self):
        return {name: getattr(self, name) for name in self._parameter_constraints}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self._params() == other._params()

    def __hash__(self):
        return hash((type(self).__name__, *map(repr, self._params().values())))

    def _accept_sample_weight(self):
        # scikit-learn 1.9 asks every scorer of a search fitted with
        # ``sample_weight`` (metadata routing off) whether to forward the weights.
        # A distance between real and generated sets has no per-row weighting, so
        # we decline: sklearn then warns that the scorer ignores sample_weight.
        return False


class PRScorer(_BaseGenerativeScorer):
    """Improved precision/recall of a fitted generator on held-out rows.

    Usable wherever scikit-learn takes a scorer (``GridSearchCV(scoring=...)``,
    multi-metric dicts, ``cross_validate``, Optuna objectives). Called as
    ``scorer(estimator, X, y)``, where ``estimator`` is a fitted sampler with a
    ``sample(n_samples, y)`` method or a fitted imblearn ``Pipeline`` containing one
    (the step with ``fit_resample`` and ``sample``). The held-out ``X`` goes through
    the pipeline steps before the sampler, so real and generated rows live in the
    same space; the sampler then draws one generated row per held-out row, with the
    same labels, and :func:`~sklearn_remgan.metrics.precision_recall` compares them.

    Parameters
    ----------
    metric : {'f1', 'precision', 'recall', 'density', 'coverage'}, default='f1'
        Which value of the precision/recall result to return. All are greater
        is better (density may exceed 1).
    k : int, default=3
        Number of nearest neighbours defining each sample's ball. Every compared
        set (each label's held-out and generated rows) needs more than ``k`` rows.
    average : {'macro', 'pooled'}, default='macro'
        ``'macro'`` compares held-out and generated rows label by label and
        averages the values without weights, so a rare label counts as much as a
        common one and a generator that mixes up labels is penalised.
        ``'pooled'`` compares all rows at once; it allows ``y=None``
        (unconditional generators).
    random_state : int, RandomState instance or None, default=0
        Seed of the draw, passed as ``sample(..., random_state=seed)`` (see
        :func:`~sklearn_remgan.utils.draw_like`), so that scoring does not
        advance the sampler's own random state: repeated calls give the same
        value, whatever other scorers or Displays ran before.

    See Also
    --------
    REMScorer : Distance between real and generated REM distributions.
    sklearn_remgan.metrics.precision_recall : The underlying metric.

    Notes
    -----
    Scores are reproducible for a fixed sampler ``random_state``: the networks
    are then the same, and the draw is seeded by this scorer's ``random_state``.
    The sampler's ``sample`` must take a ``random_state`` keyword.
    It declines ``sample_weight`` (see ``_accept_sample_weight``): a search fitted
    with weights warns that this scorer ignores them.

    References
    ----------
    .. [1] T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila, "Improved
       Precision and Recall Metric for Assessing Generative Models", NeurIPS 2019.
    .. [2] M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo, "Reliable Fidelity and
       Diversity Metrics for Generative Models", ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan import PRScorer
    >>> class Oracle:
    ...     "Draws fresh rows from the true distribution (or a collapsed one)."
    ...     def __init__(self, spread):
    ...         self.spread = spread
    ...     def sample(self, n_samples, y=None, *, random_state=None):
    ...         rng = np.random.default_rng(random_state)
    ...         X = self.spread * rng.normal(size=(n_samples, 5))
    ...         return X + 4 * np.asarray(y)[:, None], np.asarray(y)
    >>> rng = np.random.default_rng(1)
    >>> y = np.repeat([0, 1], 40)
    >>> X = rng.normal(size=(80, 5)) + 4 * y[:, None]
    >>> scorer = PRScorer(metric="recall", k=3)
    >>> scorer
    PRScorer(metric='recall', k=3, average='macro', random_state=0)
    >>> bool(scorer(Oracle(1.0), X, y) > scorer(Oracle(0.05), X, y))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "metric": [StrOptions(set(_PR_METRICS))],
        "k": [Interval(Integral, 1, None, closed="left")],
        "average": [StrOptions({"macro", "pooled"})],
        "random_state": ["random_state"],
    }

    def __init__(self, *, metric="f1", k=3, average="macro", random_state=0):
        self.metric = metric
        self.k = k
        self.average = average
        self.random_state = random_state
        # Fail at construction, before a long search starts.
        self._validate()

    def __call__(self, estimator, X, y=None):
        """Score ``estimator`` on held-out ``X`` and labels ``y``.

        Parameters
        ----------
        estimator : object
            A fitted sampler with ``sample(n_samples, y)``, or a fitted imblearn
            ``Pipeline`` with exactly one step having ``fit_resample`` and
            ``sample``.
        X : array-like of shape (n_samples, n_features)
            Held-out rows, in the pipeline's input space.
        y : array-like of shape (n_samples,), default=None
            Held-out labels; one generated row is drawn per label. Required
            unless ``average='pooled'``.

        Returns
        -------
        score : float
            The chosen metric (macro-averaged over labels, or pooled).
        """
        name = repr(self)
        _, X_real, y_real, X_gen, y_gen = _real_and_generated(
            name,
            estimator,
            X,
            y,
            require_y=self.average == "macro",
            random_state=self.random_state,
        )
        values = []
        for label, real_mask, gen_mask in _groups(y_real, y_gen, self.average):
            real, gen = X_real[real_mask], X_gen[gen_mask]
            if min(len(real), len(gen)) <= self.k:
                where = "" if label is None else f" of label {label!r}"
                raise ValueError(
                    f"{name} needs more than k={self.k} held-out rows{where} to "
                    f"build k-NN balls; got {len(real)}. Use a smaller k, fewer CV "
                    "splits, or average='pooled'."
                )
            values.append(float(precision_recall(real, gen, k=self.k)[self.metric]))
        return float(np.mean(values))


class REMScorer(_BaseGenerativeScorer):
    """Negated distance between the real and generated REM distributions.

    REM(x) is the reconstruction error of a row from the first principal
    components of real data (:class:`~sklearn_remgan.metrics.REM`). A generator
    that collapses onto a few smooth rows produces REM values far below the real
    ones; one that copies its training rows produces the low, in-sample REM of
    rows the PCA was fitted on. The score is

    ``-mean over labels of W1(REM(real rows), REM(generated rows)) / mean(REM(real
    rows))``,

    the 1-Wasserstein distance between the two one-dimensional REM
    distributions, relative to the typical real REM, negated so that greater is
    better; a generator drawing fresh rows from the true distribution scores near
    0, the best value.

    Called as ``scorer(estimator, X, y)`` like :class:`PRScorer`: held-out ``X``
    goes through the pipeline steps before the sampler, then one generated row is
    drawn per held-out label.

    Parameters
    ----------
    n_components : int, default=None
        Number of principal components of the REM, resolved by
        :func:`~sklearn_remgan.metrics.choose_n_components` on the rows the
        PCA is fitted on: None gives ``min(50, bound // 2)``, an int is capped
        at ``bound = min(n_fit_rows - 1, n_features - 1)``, since the bound
        depends on fold sizes the user does not choose.
    reference : {'auto', 'train', 'holdout'}, default='auto'
        Which real rows the PCA is fitted on, so that no scored row is scored by
        a PCA fitted on itself (in-sample REM is biased low):

        - ``'train'``: the rows the sampler was trained on, read from its
          ``X_fit_`` attribute; all held-out rows are the real reference. This
          is the only mode that detects a generator copying its training rows.
        - ``'holdout'``: a random half of the held-out rows of each label (drawn
          with ``random_state``); the other half is the real reference and
          rows are generated for its labels. Detects collapse, but a copier is
          indistinguishable from fresh real rows here.
        - ``'auto'``: ``'train'`` when the sampler exposes ``X_fit_``, else
          ``'holdout'``.
    average : {'macro', 'pooled'}, default='macro'
        ``'macro'`` computes the distance label by label and averages it without
        weights; ``'pooled'`` compares all rows at once (allows ``y=None``).
    random_state : int, RandomState instance or None, default=0
        Seeds the half split of ``reference='holdout'`` and the draw, passed as
        ``sample(..., random_state=seed)`` (see :class:`PRScorer`). The default
        is fixed so that scores are reproducible for a fixed sampler
        ``random_state`` and scoring has no side effects.

    See Also
    --------
    PRScorer : Improved precision/recall of the generated rows.
    sklearn_remgan.metrics.REM : The reconstruction-error model.

    Notes
    -----
    Why this statistic: the 1-Wasserstein distance between one-dimensional
    distributions is the mean absolute difference of their quantiles, so it
    grows with how far the generated REM values are from the real ones, both in
    location (collapsed or copied rows sit low) and in spread; a
    Kolmogorov-Smirnov statistic saturates at 1 once the supports separate and
    stops ranking generators. Dividing by the mean real REM makes the value
    unit-free (0.3 means the distributions are 30 % of a typical REM apart), so
    it can be compared across data sets and preprocessing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan import REMScorer
    >>> class Oracle:
    ...     "Draws fresh rows from the true distribution (or a collapsed one)."
    ...     def __init__(self, spread):
    ...         self.spread = spread
    ...     def sample(self, n_samples, y=None, *, random_state=None):
    ...         rng = np.random.default_rng(random_state)
    ...         return self.spread * rng.normal(size=(n_samples, 20)), np.asarray(y)
    >>> rng = np.random.default_rng(1)
    >>> X, y = rng.normal(size=(120, 20)), np.repeat([0, 1], 60)
    >>> scorer = REMScorer(reference="holdout")
    >>> scorer
    REMScorer(n_components=None, reference='holdout', average='macro', random_state=0)
    >>> bool(scorer(Oracle(1.0), X, y) > scorer(Oracle(0.1), X, y))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "reference": [StrOptions({"auto", "train", "holdout"})],
        "average": [StrOptions({"macro", "pooled"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self, *, n_components=None, reference="auto", average="macro", random_state=0
    ):
        self.n_components = n_components
        self.reference = reference
        self.average = average
        self.random_state = random_state
        self._validate()

    def _n_components(self, X_fit):
        try:
            return choose_n_components(self.n_components, *X_fit.shape)
        except ValueError as exc:
            raise ValueError(f"{self!r} fits its PCA on too few rows: {exc}") from exc

    @staticmethod
    def _holdout_split(y, n_samples, rng):
        """Boolean mask of the held-out rows used to fit the PCA (half per label)."""
        fit = np.zeros(n_samples, dtype=bool)
        labels = np.zeros(n_samples) if y is None else y
        for label in sorted_unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == label))
            fit[idx[: len(idx) // 2]] = True
        return fit

    def __call__(self, estimator, X, y=None):
        """Score ``estimator`` on held-out ``X`` and labels ``y``.

        Parameters
        ----------
        estimator : object
            A fitted sampler with ``sample(n_samples, y)``, or a fitted imblearn
            ``Pipeline`` with exactly one step having ``fit_resample`` and
            ``sample``.
        X : array-like of shape (n_samples, n_features)
            Held-out rows, in the pipeline's input space.
        y : array-like of shape (n_samples,), default=None
            Held-out labels. Required unless ``average='pooled'``.

        Returns
        -------
        score : float
            Minus the relative 1-Wasserstein distance (0 is best).
        """
        name = repr(self)
        rng = check_random_state(self.random_state)
        sampler, head = find_sampler(estimator, caller=name)
        X_fit = getattr(sampler, _TRAINING_ROWS_ATTR, None)
        reference = self.reference
        if reference == "auto":
            reference = "holdout" if X_fit is None else "train"
        if reference == "train" and X_fit is None:
            raise ValueError(
                f"{name} fits its PCA on the sampler's training rows, but "
                f"{type(sampler).__name__} has no '{_TRAINING_ROWS_ATTR}' attribute; "
                "use reference='holdout' or 'auto'."
            )
        if reference == "holdout":
            # Split before drawing so generated rows match the reference half.
            X_all = head.transform(X) if head is not None else X
            X_all = check_finite_2d(X_all, name="X")
            y_all = check_labels(y, X_all.shape[0], name="y", allow_none=True)
            fit = self._holdout_split(y_all, X_all.shape[0], rng)
            X_fit = X_all[fit]
            X_ref = X_all[~fit]
            y_ref = None if y_all is None else y_all[~fit]
            # The reference half goes to the sampler as is (already transformed).
            _, X_real, y_real, X_gen, y_gen = _real_and_generated(
                name,
                sampler,
                X_ref,
                y_ref,
                require_y=self.average == "macro",
                random_state=rng,
            )
        else:
            X_fit = check_finite_2d(X_fit, name=f"{type(sampler).__name__}.X_fit_")
            _, X_real, y_real, X_gen, y_gen = _real_and_generated(
                name,
                estimator,
                X,
                y,
                require_y=self.average == "macro",
                random_state=rng,
            )
        check_same_width(X_fit, X_real, names=("PCA fit rows", "held-out X"))
        rem = REM(self._n_components(X_fit)).fit(X_fit)
        rem_real = np.asarray(rem.score_samples(X_real), dtype=np.float64)
        rem_gen = np.asarray(rem.score_samples(X_gen), dtype=np.float64)
        scale = float(np.mean(rem_real))
        if not scale > 0:
            raise ValueError(
                f"{name}: the held-out rows have zero reconstruction error (they lie "
                "in the span of the PCA), so REM distances are undefined; use fewer "
                "n_components or more features."
            )
        distances = [
            wasserstein_distance(rem_real[real_mask], rem_gen[gen_mask])
            for _, real_mask, gen_mask in _groups(y_real, y_gen, self.average)
        ]
        return -float(np.mean(distances)) / scale


_SCORERS = {
    **{f"pr_{m}": (PRScorer, {"metric": m}) for m in _PR_METRICS},
    "neg_rem_wasserstein": (REMScorer, {}),
}


def get_scorer_names():
    """Names accepted by :func:`get_scorer`.

    Returns
    -------
    names : list of str
        Sorted scorer names; every one is greater-is-better.

    Examples
    --------
    >>> from sklearn_remgan.metrics import get_scorer_names
    >>> get_scorer_names()
    ['neg_rem_wasserstein', 'pr_coverage', 'pr_density', 'pr_f1', 'pr_precision',
     'pr_recall']
    """
    return sorted(_SCORERS)


def get_scorer(name):
    """Return a new generative-quality scorer from its name.

    Parameters
    ----------
    name : str
        One of :func:`get_scorer_names`: ``'pr_f1'``, ``'pr_precision'``,
        ``'pr_recall'``, ``'pr_density'``, ``'pr_coverage'`` (:class:`PRScorer`
        with default ``k``) or ``'neg_rem_wasserstein'`` (:class:`REMScorer`).

    Returns
    -------
    scorer : PRScorer or REMScorer
        A fresh instance (never shared between calls).

    Examples
    --------
    >>> from sklearn_remgan.metrics import get_scorer
    >>> get_scorer("pr_recall")
    PRScorer(metric='recall', k=3, average='macro', random_state=0)
    """
    if not isinstance(name, str) or name not in _SCORERS:
        raise ValueError(
            f"{name!r} is not a sklearn-remgan scorer name; valid names are "
            f"{get_scorer_names()}. For classifier metrics such as "
            "'balanced_accuracy' use sklearn.metrics.get_scorer."
        )
    cls, params = _SCORERS[name]
    return cls(**params)
