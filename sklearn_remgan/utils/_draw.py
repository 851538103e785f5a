"""One way to draw generated rows like held-out rows from a fitted sampler.

Scorers, Displays and the study all compare held-out real rows with rows
generated for the same labels. :func:`draw_like` is that step, written once:
find the sampler (the estimator itself, or the one pipeline step with both
``fit_resample`` and ``sample``), put ``X`` through the steps before it, and
draw one row per held-out row with its label (and covariates), with a seed of
the caller's, so that the sampler's own random state is never advanced.
"""

from collections import Counter

import numpy as np
from sklearn.utils import Bunch

from sklearn_remgan.utils._random import draw_seed
from sklearn_remgan.utils._validation import (
    check_finite_2d,
    check_labels,
    check_same_width,
)

__all__ = ["draw_like", "find_sampler"]


def find_sampler(estimator, *, caller="find_sampler"):
    """Return the sampler in ``estimator`` and the pipeline part before it.

    The rule: an estimator with pipeline ``steps`` must hold exactly one step
    with both ``fit_resample`` and ``sample`` methods (the generator); any
    other estimator must itself have a ``sample`` method.

    Parameters
    ----------
    estimator : object
        A fitted sampler, or a fitted (imblearn) ``Pipeline`` containing one.
    caller : str, default="find_sampler"
        Named in error messages.

    Returns
    -------
    sampler : object
        The generator.
    head : Pipeline or None
        The steps before the sampler (``estimator[:i]``), None when there are
        none.

    Raises
    ------
    TypeError
        When ``estimator`` has neither ``sample`` nor pipeline ``steps``.
    ValueError
        When a pipeline holds no sampler, or more than one.

    Examples
    --------
    >>> from imblearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_remgan import WGANGPSampler
    >>> from sklearn_remgan.utils import find_sampler
    >>> sampler, head = find_sampler(make_pipeline(StandardScaler(), WGANGPSampler()))
    >>> type(sampler).__name__, [name for name, _ in head.steps]
    ('WGANGPSampler', ['standardscaler'])
    """
    steps = getattr(estimator, "steps", None)
    if steps is None:
        if callable(getattr(estimator, "sample", None)):
            return estimator, None
        raise TypeError(
            f"{caller} needs a fitted sampler with a sample(n_samples, y) method, or "
            "a fitted imblearn Pipeline containing one; got an object of type "
            f"{type(estimator).__name__}, which has neither a 'sample' method nor "
            "pipeline 'steps'."
        )
    found = [
        i
        for i, (_, step) in enumerate(steps)
        if callable(getattr(step, "sample", None))
        and callable(getattr(step, "fit_resample", None))
    ]
    names = [name for name, _ in steps]
    if not found:
        raise ValueError(
            f"{caller} found no sampler in the pipeline: no step has both "
            f"'fit_resample' and 'sample' methods (steps: {names}). Add a generator "
            "such as WGANGPSampler, or pass a pipeline that contains one."
        )
    if len(found) > 1:
        raise ValueError(
            f"{caller} found {len(found)} samplers in the pipeline "
            f"({[names[i] for i in found]}) and cannot tell which generator to "
            "use; keep one step with both 'fit_resample' and 'sample'."
        )
    i = found[0]
    return steps[i][1], (estimator[:i] if i > 0 else None)


def _seed(random_state):
    # None: fresh OS entropy, so neither the sampler's random_state_ nor the
    # global numpy generator is advanced.
    if random_state is None:
        return int(np.random.default_rng().integers(np.iinfo(np.int32).max))
    return draw_seed(random_state)


def draw_like(
    estimator,
    X,
    y=None,
    *,
    covariates=None,
    random_state=0,
    caller="draw_like",
):
    """Draw one generated row per row of ``X``, with the same labels.

    The one helper behind the scorers, the Displays' ``from_estimator`` and
    the study: find the sampler (:func:`find_sampler`), put ``X`` through the
    pipeline steps before it, and call ``sampler.sample(len(X), y=y,
    random_state=seed)`` (plus ``covariates=`` when given).

    The sampler contract is ``sample(n_samples, y=None, *, random_state=None)``
    returning ``(X_generated, y_generated)``, with a ``covariates`` keyword
    when covariates are passed. The seed comes from ``random_state`` alone:
    the sampler's own ``random_state_`` is not advanced, so a Display drawn
    before a scorer does not change what the scorer sees, and equal
    ``random_state`` gives equal rows.

    Parameters
    ----------
    estimator : object
        A fitted sampler, or a fitted pipeline containing one.
    X : array-like of shape (n_samples, n_features)
        Held-out rows, in the pipeline's input space.
    y : array-like of shape (n_samples,), default=None
        Their labels: one generated row is drawn per label. None lets the
        sampler choose (training proportions).
    covariates : DataFrame or array-like of shape (n_samples, n_covariates), \
            default=None
        Covariates (modes) of the rows, passed on to ``sample``.
    random_state : int, RandomState instance or None, default=0
        Seed of the draw; None uses fresh OS entropy (a different draw each
        call, still without side effects).
    caller : str, default="draw_like"
        Named in error messages.

    Returns
    -------
    draw : :class:`~sklearn.utils.Bunch`
        ``sampler``, ``X_real`` (``X`` after the steps before the sampler,
        validated), ``y_real`` (validated ``y`` or None), ``X_generated`` and
        ``y_generated`` (as returned by ``sample``, validated: finite, same
        width, ``len(X)`` rows, the requested label counts).

    Raises
    ------
    TypeError
        When ``estimator`` holds no sampler, or its ``sample`` does not take
        ``random_state`` (or ``covariates`` when given).
    ValueError
        When ``y`` or ``covariates`` do not have one entry per row of ``X``,
        or ``sample`` returns rows that break the contract.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.utils import draw_like
    >>> class Oracle:
    ...     def sample(self, n_samples, y=None, *, random_state=None):
    ...         rng = np.random.default_rng(random_state)
    ...         return rng.normal(size=(n_samples, 3)), np.asarray(y)
    >>> X, y = np.zeros((4, 3)), np.array([0, 0, 1, 1])
    >>> draw = draw_like(Oracle(), X, y, random_state=0)
    >>> draw.X_generated.shape, draw.y_generated.tolist()
    ((4, 3), [0, 0, 1, 1])
    >>> bool((draw.X_generated == draw_like(Oracle(), X, y).X_generated).all())
    True
    """
    sampler, head = find_sampler(estimator, caller=caller)
    X_real = head.transform(X) if head is not None else X
    X_real = check_finite_2d(X_real, name="X")
    n_samples = X_real.shape[0]
    y = check_labels(y, n_samples, name="y", allow_none=True)
    kwargs = {"random_state": _seed(random_state)}
    if covariates is not None:
        if len(covariates) != n_samples:
            raise ValueError(
                f"{caller}: covariates must have one row per row of X ({n_samples}); "
                f"got {len(covariates)}."
            )
        kwargs["covariates"] = covariates
    name = type(sampler).__name__
    try:
        X_gen, y_gen = sampler.sample(n_samples, y=y, **kwargs)
    except TypeError as exc:
        unexpected = [k for k in kwargs if f"'{k}'" in str(exc)]
        if "keyword" not in str(exc) or not unexpected:
            raise
        raise TypeError(
            f"{caller}: {name}.sample does not take the keyword "
            f"{unexpected[0]!r}; samplers are drawn from as sample(n_samples, "
            "y=None, *, random_state=None) (and covariates=... when covariates "
            "are given), so that drawing never advances their own random state."
        ) from exc
    X_gen = check_finite_2d(X_gen, name=f"rows generated by {name}.sample")
    check_same_width(X_real, X_gen, names=("X", f"{name}.sample"))
    if X_gen.shape[0] != n_samples:
        raise ValueError(
            f"{name}.sample({n_samples}, y) returned {X_gen.shape[0]} rows; "
            f"{caller} needs exactly {n_samples}."
        )
    y_gen = np.asarray(y_gen)
    if y is not None and Counter(y_gen.tolist()) != Counter(y.tolist()):
        raise ValueError(
            f"{name}.sample returned labels whose counts differ from the requested "
            f"ones: asked {dict(Counter(y.tolist()))}, got "
            f"{dict(Counter(y_gen.tolist()))}."
        )
    return Bunch(
        sampler=sampler, X_real=X_real, y_real=y, X_generated=X_gen, y_generated=y_gen
    )
