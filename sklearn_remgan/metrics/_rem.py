"""REM: reconstruction error from the first principal components of real data."""

import warnings
from numbers import Integral
from typing import ClassVar

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import randomized_svd
from sklearn.utils.validation import check_is_fitted
from sklearn_compat.base import _fit_context
from sklearn_compat.utils.validation import validate_data

# Rows (or feature columns) handled at a time, in bytes of float64 data.
_CHUNK_BYTES = 64 * 2**20


def _chunk(n_other, itemsize=8):
    return max(1, _CHUNK_BYTES // (itemsize * max(1, n_other)))


def _centred(X, mean, start, stop, dtype):
    """Rows ``start:stop`` of ``X - mean`` as ``dtype`` (a small copy)."""
    return (X[start:stop].astype(np.float64) - mean).astype(dtype, copy=False)


def _gram(X, mean):
    """Float64 Gram matrix ``(X - mean)(X - mean)^T``, accumulated by column chunks.

    Chunks keep the float64 copy small. Float32 chunk products summed in float64
    (about twice as fast) were tried and dropped: the Gram matrix was within
    1e-5 relative, but REM moved by up to 8e-4 relative (600 x 3,341 real
    samples, 300 components), since the last components are ill-conditioned.
    """
    n, d = X.shape
    G = np.zeros((n, n), dtype=np.float64)
    step = _chunk(n)
    for start in range(0, d, step):
        block = X[:, start : start + step].astype(np.float64)
        block -= mean[start : start + step]
        # A @ A.T is dispatched to the symmetric rank-k update (half the work).
        G += block @ block.T
    return G


def _top_eigh(M, n_components, dtype):
    """Top eigenpairs of the symmetric matrix ``M``, largest first, as float64.

    The divide-and-conquer driver runs in ``dtype``. float64 is used: float32
    was not reliably faster here and put REM 4e-4 relative off the exact values
    at 2,661 x 32,043 with 2,000 components. The subset driver ("evr") was
    slower than the full one.
    """
    w, V = scipy.linalg.eigh(
        M.astype(dtype, copy=False), driver="evd", check_finite=False
    )
    w, V = w[::-1][:n_components], V[:, ::-1][:, :n_components]
    return w.astype(np.float64), V.astype(np.float64)


class REM(TransformerMixin, BaseEstimator):
    """Reconstruction error of samples from the real data's principal components.

    ``fit(X_real)`` learns the mean and the first ``n_components`` principal
    components ``P`` of the real data; ``score_samples(X)`` returns, for each
    sample, ``REM(x) = ||(x - mean) - P^T P (x - mean)||_2``: the distance from
    ``x`` to the affine subspace spanned by the real data's main directions.

    Parameters
    ----------
    n_components : int, default=2000
        Number of principal components. Where the data have fewer (at most
        ``min(n_samples - 1, n_features)``, fewer for rank-deficient data), the
        number is capped with a warning naming both numbers.
    svd_solver : {'auto', 'gram', 'covariance', 'full', 'randomized'}, \
            default='auto'
        How the components are computed:

        - ``'gram'``: eigendecomposition of the n x n Gram matrix of the centred
          data (float64 accumulation and eigensolver), the fast exact route
          for wide data;
        - ``'covariance'``: eigendecomposition of the d x d covariance matrix in
          float64, the fast exact route for tall data;
        - ``'full'``: LAPACK SVD of the centred data (exact, slow);
        - ``'randomized'``: scikit-learn's randomized SVD (approximate);
        - ``'auto'``: ``'gram'`` when ``n_samples <= n_features``, else
          ``'covariance'``.
    random_state : int, RandomState instance or None, default=None
        Seed of the ``'randomized'`` solver; the other solvers are
        deterministic.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean of the training data (float64).
    components_ : ndarray of shape (n_components_, n_features)
        Orthonormal principal axes, largest variance first.
    n_components_ : int
        Number of components kept (after capping).
    explained_variance_ : ndarray of shape (n_components_,)
        Variance along each component (``ddof=1``, as scikit-learn's PCA).
    solver_ : str
        The solver used (``'auto'`` resolved).
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    precision_recall : k-NN precision, recall, density and coverage.
    sklearn.decomposition.PCA : Its reconstruction error equals REM.

    Notes
    -----
    Samples are centred with the fitted mean before projection (the authors'
    code does not centre; centring makes REM that of scikit-learn's ``PCA``).
    ``score_samples`` returns an **error**: higher means further from the real
    subspace, unlike ``PCA.score_samples``, which is a log-likelihood (higher
    means more typical). ``transform`` returns the projections on the
    components.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.metrics import REM
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 300)) @ np.diag(np.linspace(3, 0.1, 300))
    >>> rem = REM(n_components=20).fit(X)
    >>> rem.components_.shape
    (20, 300)
    >>> noisy = X + rng.normal(scale=2.0, size=X.shape)
    >>> bool(rem.score_samples(noisy).mean() > rem.score_samples(X).mean())
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "svd_solver": [
            StrOptions({"auto", "gram", "covariance", "full", "randomized"})
        ],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components=2000, *, svd_solver="auto", random_state=None):
        self.n_components = n_components
        self.svd_solver = svd_solver
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the mean and the first principal components of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Real samples.
        y : None
            Ignored.

        Returns
        -------
        self : REM
            The fitted estimator.
        """
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], ensure_min_samples=2
        )
        n, d = X.shape
        max_rank = min(n - 1, d)
        n_components = self.n_components
        if n_components > max_rank:
            warnings.warn(
                f"n_components={n_components} is more than the data have: with "
                f"{n} samples and {d} features there are at most {max_rank} "
                f"components; using n_components={max_rank}.",
                UserWarning,
                stacklevel=2,
            )
            n_components = max_rank
        solver = self.svd_solver
        if solver == "auto":
            solver = "gram" if n <= d else "covariance"
        self.mean_ = X.mean(axis=0, dtype=np.float64)

        if solver == "gram":
            G = _gram(X, self.mean_)
            w, U = _top_eigh(G, n_components, np.float64)
            del G
            w, U = self._drop_null(w, U, n_components, n, d)
            # P^T = Xc^T U / sqrt(w), computed by row chunks of X.
            V = np.zeros((d, w.size), dtype=np.float64)
            step = _chunk(d)
            for start in range(0, n, step):
                Xc = _centred(X, self.mean_, start, start + step, np.float64)
                V += Xc.T @ U[start : start + step]
            components = (V / np.sqrt(w)).T
        elif solver == "covariance":
            C = np.zeros((d, d), dtype=np.float64)
            step = _chunk(d)
            for start in range(0, n, step):
                Xc = _centred(X, self.mean_, start, start + step, np.float64)
                C += Xc.T @ Xc
            w, V = _top_eigh(C, n_components, np.float64)
            w, V = self._drop_null(w, V, n_components, n, d)
            components = V.T
        elif solver == "full":
            Xc = X.astype(np.float64) - self.mean_
            _, s, Vt = scipy.linalg.svd(Xc, full_matrices=False, check_finite=False)
            w, components = s[:n_components] ** 2, Vt[:n_components]
            w, components = self._drop_null(w, components.T, n_components, n, d)
            components = components.T
        else:  # randomized
            Xc = X - self.mean_.astype(X.dtype)
            _, s, Vt = randomized_svd(
                Xc,
                n_components,
                n_iter="auto",
                flip_sign=False,
                random_state=check_random_state(self.random_state),
            )
            w, components = s**2, Vt

        self.components_ = np.ascontiguousarray(components)
        self.n_components_ = int(self.components_.shape[0])
        self.explained_variance_ = w / (n - 1)
        self.solver_ = solver
        return self

    @staticmethod
    def _drop_null(w, V, n_components, n, d):
        """Keep eigenpairs above round-off; warn when that lowers the count."""
        tol = max(w[0], 0.0) * max(n, d) * np.finfo(np.float64).eps * 10
        keep = w > tol
        if not keep.all():
            rank = int(keep.sum())
            warnings.warn(
                f"n_components={n_components} is more than the data have: the "
                f"centred data have numerical rank {rank}; using "
                f"n_components={rank}.",
                UserWarning,
                stacklevel=3,
            )
            w, V = w[keep], V[:, keep]
        return w, V

    def transform(self, X):
        """Project ``X`` (centred with ``mean_``) on the components.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components_)
            Projections (float64).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        out = np.empty((X.shape[0], self.n_components_), dtype=np.float64)
        step = _chunk(X.shape[1])
        for start in range(0, X.shape[0], step):
            Xc = _centred(X, self.mean_, start, start + step, np.float64)
            out[start : start + step] = Xc @ self.components_.T
        return out

    def score_samples(self, X):
        """REM of each sample: distance to the fitted principal subspace.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples (real or generated).

        Returns
        -------
        rem : ndarray of shape (n_samples,)
            ``||(x - mean_) - P^T P (x - mean_)||_2`` per sample, float64. An
            error: higher means further from the real subspace.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        out = np.empty(X.shape[0], dtype=np.float64)
        P = self.components_
        step = _chunk(X.shape[1])
        for start in range(0, X.shape[0], step):
            Xc = _centred(X, self.mean_, start, start + step, np.float64)
            # REM^2 = ||x||^2 - ||P x||^2: one product instead of two. Its
            # float64 rounding error is about d * 2**-53 * ||x||^2, so rows
            # where REM^2 < 1e-6 ||x||^2 (close to the subspace, where the
            # difference cancels) get the residual itself instead.
            Z = Xc @ P.T
            total = np.einsum("ij,ij->i", Xc, Xc)
            rem2 = total - np.einsum("ij,ij->i", Z, Z)
            close = rem2 < 1e-6 * total
            if close.any():
                R = Xc[close] - Z[close] @ P
                rem2[close] = np.einsum("ij,ij->i", R, R)
            out[start : start + step] = np.sqrt(np.maximum(rem2, 0.0))
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
