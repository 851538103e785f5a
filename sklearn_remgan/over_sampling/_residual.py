"""Gene-level residual noise that a generator leaves out of its rows."""

import numpy as np

from sklearn_remgan.metrics._rem import REM

#: Rows per block when projecting residuals (bounds the temporaries).
_BLOCK = 2048


def _residual_variance(X, mean, components):
    """Per-feature mean square of the rows' residual off ``mean + span(components)``."""
    total = np.zeros(X.shape[1], dtype=np.float64)
    for start in range(0, X.shape[0], _BLOCK):
        R = np.asarray(X[start : start + _BLOCK], dtype=np.float64) - mean
        R -= (R @ components.T) @ components
        total += np.einsum("ij,ij->j", R, R)
    return total / X.shape[0]


def _projected_variance(variance, components):
    """Per-feature variance of ``(I - P^T P) e`` for ``e ~ N(0, diag(variance))``."""
    P = components
    gram = (P * variance) @ P.T
    p = np.einsum("kj,kj->j", P, P)
    return variance * (1 - 2 * p) + np.einsum("kj,kl,lj->j", P, gram, P)


def _variance_before_projection(target, components, n_iter=20):
    """Per-feature variances whose projection off the axes has variance ``target``.

    Projecting the noise off the axes removes the share of each feature that
    lies along them (about ``n_components / n_features``); a fixed-point
    iteration puts it back, so that the rows gain the missing variance and
    not a little less.
    """
    variance = target.copy()
    for _ in range(n_iter):
        variance = np.maximum(
            variance + target - _projected_variance(variance, components), 0.0
        )
    return variance


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
    n_components : int
        Number of leading principal axes of the real rows left untouched.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Orthonormal leading axes of the real rows (float32).
    scale_ : ndarray of shape (n_features,)
        Standard deviation of the noise per feature before the projection
        (float32), chosen so that after the projection each feature gains
        ``max(real - generated, 0)`` of the per-feature residual variances;
        0 where the generated rows already vary as much as the real ones.
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

    def __init__(self, n_components):
        self.n_components = n_components

    def fit(self, X_real, X_generated):
        """Measure the residual variance the generated rows lack.

        Parameters
        ----------
        X_real : ndarray of shape (n_real, n_features)
            Real (training) rows; their principal axes are fitted here.
        X_generated : ndarray of shape (n_generated, n_features)
            Generated rows, conditioned like the real rows.

        Returns
        -------
        self : ResidualNoise
        """
        rem = REM(self.n_components).fit(X_real)
        components = rem.components_
        self.real_residual_variance_ = _residual_variance(X_real, rem.mean_, components)
        self.generated_residual_variance_ = _residual_variance(
            X_generated, rem.mean_, components
        )
        missing = self.real_residual_variance_ - self.generated_residual_variance_
        variance = _variance_before_projection(np.maximum(missing, 0.0), components)
        self.scale_ = np.sqrt(variance).astype(np.float32)
        self.components_ = components.astype(np.float32)
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
