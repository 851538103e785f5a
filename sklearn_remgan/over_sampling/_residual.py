"""Gene-level residual noise that a generator leaves out of its rows."""

import warnings

import numpy as np

from sklearn_remgan.metrics._cross_fit import (
    _fold_n_components,
    _fold_rems,
    _folds,
    choose_n_components,
)
from sklearn_remgan.metrics._rem import REM

#: Bytes of one float64 block of rows when projecting residuals (bounds the
#: temporaries on wide data: 32,000 genes give blocks of 256 rows).
_BLOCK_BYTES = 64 * 2**20


def _block_rows(n_features):
    return max(1, _BLOCK_BYTES // (8 * max(int(n_features), 1)))


def _residual_variance(X, mean, components):
    """Per-feature mean square of the rows' residual off ``mean + span(components)``."""
    total = np.zeros(X.shape[1], dtype=np.float64)
    step = _block_rows(X.shape[1])
    for start in range(0, X.shape[0], step):
        R = np.asarray(X[start : start + step], dtype=np.float64) - mean
        R -= (R @ components.T) @ components
        total += np.einsum("ij,ij->j", R, R)
    return total / X.shape[0]


def _projected_variance(variance, components):
    """Per-feature variance of ``(I - P^T P) e`` for ``e ~ N(0, diag(variance))``."""
    P = components
    gram = (P * variance) @ P.T
    p = np.einsum("kj,kj->j", P, P)
    return variance * (1 - 2 * p) + np.einsum("kj,kj->j", P, gram @ P)


def _variance_before_projection(target, components, max_iter=500, tol=1e-6):
    """Non-negative per-feature variances whose projection off the axes is ``target``.

    Projecting the noise off the axes removes the share of each feature that
    lies along them (about ``n_components / n_features``) and leaks a little
    into the others. The map from variances before to after the projection is
    linear, ``M v`` with ``M = Q * Q`` (elementwise, ``Q = I - P^T P``), of norm
    at most 1; projected gradient steps on ``||M v - target||^2`` with ``v >=
    0`` find the closest match. With features much more numerous than axes it
    is exact; with few features per axis it cannot be (a feature that needs
    no noise still gets some from its neighbours), which :meth:`fit` reports.
    """
    variance = target.copy()
    for _ in range(max_iter):
        error = _projected_variance(variance, components) - target
        step = np.maximum(variance - _projected_variance(error, components), 0.0)
        change = np.abs(step - variance).sum()
        variance = step
        if change <= tol * max(target.sum(), np.finfo(float).tiny):
            break
    return variance


#: Folds of the cross-fitted residual (as ``cross_fitted_rem``'s default).
_CV = 5


def _cross_fitted_variance(X, y, n_components):
    """Per-feature residual variance of rows off PCAs fitted without them.

    ``X`` is split in (up to) 5 folds, stratified by ``y`` where every label
    can be in every fold, with a fixed seed; each fold's rows are measured
    off a :class:`REM` fitted on the other folds, with the ``n_components``
    of the axes the noise is projected off (capped by
    :func:`choose_n_components` where a fold's fit has too few rows).
    """
    n, d = X.shape
    strata = None if y is None else np.asarray(y).astype(str)
    folds = _folds(X, strata, min(_CV, n), None, 0)
    k = _fold_n_components(n_components, folds, n, d)
    total = np.zeros(d, dtype=np.float64)
    for _, test, rem in _fold_rems(X, folds, k):
        total += _residual_variance(X[test], rem.mean_, rem.components_) * len(test)
    return total / n


def min_rows(method):
    """Fewest real rows the residual model of ``method`` can be fitted on."""
    # Two rows keep one axis and a residual; cross-fitting needs two in each
    # fit, so three rows in all.
    return 3 if method == "cross-fitted" else 2


class ResidualNoise:
    """Gaussian noise outside the real rows' leading principal axes.

    A network trained on a few hundred expression profiles reproduces their
    main axes of variation but little of the gene-level noise around them:
    its rows lie much closer to the real rows' principal subspace than real
    rows do (generated REM far below real REM, the sign of collapse the
    reference paper reports). This model measures, per gene, the variance
    that the real rows have outside their first ``n_components`` principal
    axes and that the generated rows lack there, and draws that missing
    variance as independent Gaussian noise projected off those axes, so that
    adding it changes neither the rows' scores on the axes nor their mean.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of leading principal axes of the real rows left untouched,
        resolved by :func:`~sklearn_remgan.metrics.choose_n_components` (None:
        ``min(50, bound // 2)``; an int is capped at ``min(n_rows - 1,
        n_features - 1)``).
    method : {'training', 'cross-fitted'}, default='training'
        The real residual variance to match. ``'training'``: that of the real
        rows off their own axes (in-sample: lower than a new row's, since the
        axes were fitted on those rows). ``'cross-fitted'``: that of each of
        5 folds of the real rows off axes fitted on the other folds, the
        residual a new real row has (the honest REM of
        :func:`~sklearn_remgan.metrics.cross_fitted_rem`).

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        Orthonormal leading axes of all the real rows (float32); the noise
        is projected off them.
    n_components_ : int
        Number of axes.
    scale_ : ndarray of shape (n_features,)
        Standard deviation of the noise per feature before the projection
        (float32), chosen so that after the projection each feature gains
        ``max(real - generated, 0)`` of the per-feature residual variances
        (exactly where features far outnumber the axes; see
        ``match_error_``).
    match_error_ : float
        L1 distance between the variance the noise adds per feature (after
        the projection) and the missing variance, relative to the real rows'
        total residual variance; above 0.05 ``fit`` warns.
    real_residual_variance_, generated_residual_variance_ : ndarray of \
shape (n_features,)
        The two per-feature residual variances (float64).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.over_sampling._residual import ResidualNoise
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 30))
    >>> smooth = real[:100] @ np.diag([1.0] * 5 + [0.1] * 25)
    >>> noise = ResidualNoise(5).fit(real, smooth)
    >>> rows = smooth + noise.draw(100, rng)
    >>> bool(rows.std(axis=0)[5:].mean() > 3 * smooth.std(axis=0)[5:].mean())
    True
    """

    def __init__(self, n_components=None, *, method="training"):
        self.n_components = n_components
        self.method = method

    def fit(self, X_real, X_generated, y=None):
        """Measure the residual variance the generated rows lack.

        Parameters
        ----------
        X_real : ndarray of shape (n_real, n_features)
            Real (training) rows, at least 2 (3 with ``'cross-fitted'``) and
            at least 2 features; their principal axes are fitted here.
        X_generated : ndarray of shape (n_generated, n_features)
            Generated rows, conditioned like the real rows.
        y : ndarray of shape (n_real,), default=None
            Labels of the real rows, which stratify the cross-fitting folds.

        Returns
        -------
        self : ResidualNoise
        """
        n, d = X_real.shape
        if n < min_rows(self.method):
            raise ValueError(
                f"The {self.method} residual needs at least "
                f"{min_rows(self.method)} real rows; got {n}."
            )
        k = choose_n_components(self.n_components, n, d)
        rem = REM(k).fit(X_real)
        components = rem.components_
        if self.method == "cross-fitted":
            real = _cross_fitted_variance(X_real, y, k)
        else:
            real = _residual_variance(X_real, rem.mean_, components)
        self.real_residual_variance_ = real
        self.generated_residual_variance_ = _residual_variance(
            X_generated, rem.mean_, components
        )
        missing = np.maximum(
            self.real_residual_variance_ - self.generated_residual_variance_, 0.0
        )
        variance = _variance_before_projection(missing, components)
        added = _projected_variance(variance, components)
        # Relative to the real rows' residual, the variance the rows should end with.
        self.match_error_ = float(
            np.abs(added - missing).sum()
            / max(self.real_residual_variance_.sum(), np.finfo(float).tiny)
        )
        if self.match_error_ > 0.05:
            warnings.warn(
                f"With {components.shape[0]} residual components for "
                f"{components.shape[1]} features, the noise projected off the axes "
                "misses the residual variance per feature by "
                f"{self.match_error_:.0%} of the real rows' (L1); use fewer "
                "residual_components.",
                UserWarning,
                stacklevel=2,
            )
        self.scale_ = np.sqrt(variance).astype(np.float32)
        self.components_ = components.astype(np.float32)
        self.n_components_ = int(components.shape[0])
        return self

    def draw(self, n_samples, rng):
        """Draw ``n_samples`` noise rows.

        Parameters
        ----------
        n_samples : int
            Number of rows.
        rng : numpy.random.Generator
            Source of the noise.

        Returns
        -------
        noise : ndarray of shape (n_samples, n_features)
            float32 noise rows, orthogonal to ``components_``.
        """
        P = self.components_
        noise = rng.standard_normal((n_samples, P.shape[1]), dtype=np.float32)
        noise *= self.scale_
        noise -= (noise @ P.T) @ P
        return noise
