"""REM: reconstruction error from the first principal components of real data."""

import warnings
from numbers import Integral
from typing import ClassVar

import numpy as np
import scipy.linalg
import torch
from scipy.linalg import lapack
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.extmath import randomized_svd
from sklearn.utils.validation import check_is_fitted

from sklearn_remgan.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)

# Rows (or feature columns) handled at a time, in bytes of float64 data.
_CHUNK_BYTES = 64 * 2**20


# From this many (wide) samples, 'auto' uses the mixed-precision Gram route:
# there the float64 eigensolver dominates (1.8x faster fit at 10,643 x 32,043),
# below it the exact route was as fast (2,661 x 32,043).
_MIXED_MIN_SAMPLES = 5000


# The subset eigensolver below is used when at most this share of the
# eigenvectors is wanted; 2,200 of 10,643 took 46 s against 57 s for the full
# divide-and-conquer solver, while 2,200 of 2,661 were slower than it.
_SUBSET_MAX_SHARE = 0.25


# float64 squares overflow above about 1e154 and underflow below 1e-154, so
# rows beyond these magnitudes are scaled by a power of two (exact; REM and
# projections scale back the same way).
_SAFE_MAX = 2.0**400
_SAFE_MIN = 2.0**-400


def _needs_scaling(max_abs):
    return max_abs > 0 and not _SAFE_MIN <= max_abs <= _SAFE_MAX


def _pow2_shift(max_abs):
    """Exponent ``e`` such that ``max_abs * 2**e`` lies in [0.5, 1) (0 for 0)."""
    max_abs = np.asarray(max_abs, dtype=np.float64)
    e = -np.frexp(max_abs)[1]
    return np.where(max_abs > 0, e, 0)


def _centred_rows(X, mean, start, stop):
    """Float64 rows ``start:stop`` of ``X - mean`` and their power-of-two shifts.

    Rows are returned as ``(x - mean) * 2**shift`` with ``shift`` (one per
    row) 0 unless the row or the mean are too large or too small for float64
    squares; results computed from them are scaled back with ``2**-shift``.
    """
    block = X[start:stop].astype(np.float64)
    row_max = np.maximum(np.abs(block).max(axis=1, initial=0.0), np.abs(mean).max())
    extreme = (row_max > _SAFE_MAX) | ((row_max > 0) & (row_max < _SAFE_MIN))
    if not extreme.any():
        return block - mean, None
    shift = _pow2_shift(row_max)[:, None]
    return np.ldexp(block, shift) - np.ldexp(mean[None, :], shift), shift[:, 0]


def _scale_back(values, shift, power=1):
    """``values * 2**(-power * shift)`` per row (no-op when ``shift`` is None)."""
    if shift is None:
        return values
    shift = -power * shift
    if values.ndim == 2:
        shift = shift[:, None]
    with np.errstate(over="ignore"):
        return np.ldexp(values, shift)


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
    at 2,661 x 32,043 with 2,000 components. LAPACK's float64 subset driver
    ("evr") was slower than the full one for 2,000 of 2,661 eigenpairs (see
    :func:`_float32_top_eigvecs` for a subset route that pays off when a small
    share is wanted).
    """
    w, V = scipy.linalg.eigh(
        M.astype(dtype, copy=False), driver="evd", check_finite=False
    )
    w, V = w[::-1][:n_components], V[:, ::-1][:, :n_components]
    return w.astype(np.float64), V.astype(np.float64)


def _float32_top_eigvecs(G, size, subset=True):
    """Eigenvectors of the ``size`` largest eigenvalues of float32 ``G``, largest first.

    ``G`` (symmetric, C-ordered) is overwritten. For a small share of the
    spectrum: Householder tridiagonalization (``ssytrd``), the wanted
    eigenvectors of the tridiagonal matrix alone by MRRR (``dstemr``,
    float64), and the reflectors applied to them (``ormqr``). The
    divide-and-conquer driver, used otherwise or when ``subset`` is False,
    computes all ``n`` eigenvectors and back-transforms them all: about 10 s
    more at 10,643 samples. Returns None when MRRR fails or its vectors are
    not orthonormal to float32 accuracy (the caller then uses the full solver
    on a fresh matrix).
    """
    n = G.shape[0]
    # G is symmetric: its transpose is the column-major array LAPACK works on
    # in place (no copy).
    if not subset or size > _SUBSET_MAX_SHARE * n:
        _, Q = scipy.linalg.eigh(
            G.T, driver="evd", check_finite=False, overwrite_a=True
        )
        return np.ascontiguousarray(Q[:, ::-1][:, :size])
    lwork = int(lapack.ssytrd_lwork(n, lower=1)[0])
    c, d, e, tau, info = lapack.ssytrd(G.T, lower=1, lwork=lwork, overwrite_a=1)
    if info != 0:
        return None
    try:
        _, Z = scipy.linalg.eigh_tridiagonal(
            d.astype(np.float64),
            e.astype(np.float64),
            select="i",
            select_range=(n - size, n - 1),
            lapack_driver="stemr",
            check_finite=False,
        )
    except np.linalg.LinAlgError:
        return None
    # MRRR may, rarely, return vectors that are not quite orthogonal without
    # signalling it; Rayleigh-Ritz needs an orthonormal basis.
    Z = np.asfortranarray(Z[:, ::-1], dtype=np.float32)
    if np.abs(Z.T @ Z - np.eye(size, dtype=np.float32)).max() > 1e-3:
        return None
    # The reflectors of a lower ssytrd act on rows 1..n-1 and are stored as
    # geqrf stores them, in c[1:, :-1] (torch copies that block into a
    # column-major array of its own).
    Q = np.empty((n, size), dtype=np.float32)
    Q[0] = Z[0]
    Q[1:] = torch.ormqr(
        torch.from_numpy(c[1:, :-1]), torch.from_numpy(tau), torch.from_numpy(Z[1:])
    ).numpy()
    return Q


def _mixed_gram_eigh(X, mean, n_components, oversample):
    """Top eigenpairs of the Gram matrix: float32 search, float64 refinement.

    The top ``n_components + oversample`` eigenvectors ``Q`` of a float32 Gram
    matrix span a subspace that holds the wanted ones up to an angle of about
    float32 round-off over the gap ``lambda_k - lambda_{k+p}`` (large thanks to
    the oversampling). The Rayleigh-Ritz step is then done accurately:
    ``B = Q^T Xc`` (float32 products summed in float64) and the eigenpairs
    ``(w, S)`` of ``B B^T``, so that the errors in ``Q`` change REM only at
    second order.

    Returns ``w`` (float64, largest first) and ``Vt = S^T B``, the
    unnormalised components (k x d, float64, row-major as ``components_``):
    ``components = Vt / sqrt(w)[:, None]``.
    """
    n, d = X.shape
    size = min(n, n_components + oversample)
    # One float32 centred copy (half the size of a float64 one) serves the
    # Gram matrix (a single symmetric rank-k update) and B.
    Xc = np.empty((n, d), dtype=np.float32)
    step = _chunk(d)
    for start in range(0, n, step):
        Xc[start : start + step] = _centred(X, mean, start, start + step, np.float32)
    Q = _float32_top_eigvecs(Xc @ Xc.T, size)
    if Q is None:
        Q = _float32_top_eigvecs(Xc @ Xc.T, size, subset=False)
    # float32 products over row chunks, summed in float64.
    B = np.zeros((size, d), dtype=np.float64)
    step = 2048
    for start in range(0, n, step):
        B += Q[start : start + step].T @ Xc[start : start + step]
    del Q, Xc
    w, S = scipy.linalg.eigh(B @ B.T, driver="evd", check_finite=False)
    w, S = w[::-1][:n_components], S[:, ::-1][:, :n_components]
    return w, S.T @ B


def _chunked_float32_product(A, B32, chunk=4096):
    """``A @ B32.T`` as float32 products over feature chunks, summed in float64."""
    A32 = A.astype(np.float32)
    out = np.zeros((A.shape[0], B32.shape[0]), dtype=np.float64)
    for start in range(0, A.shape[1], chunk):
        out += A32[:, start : start + chunk] @ B32[:, start : start + chunk].T
    return out


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
    svd_solver : {'auto', 'gram', 'gram_mixed', 'covariance', 'full', \
            'randomized'}, default='auto'
        How the components are computed:

        - ``'gram'``: eigendecomposition of the n x n Gram matrix of the centred
          data (float64 accumulation and eigensolver), exact, for wide data;
        - ``'gram_mixed'``: mixed precision for wide data: the top
          ``n_components + max(20, n_components // 10)`` eigenvectors of a
          float32 Gram matrix (float32 eigensolver; when at most a quarter of
          the eigenvectors is wanted, those alone: tridiagonalization, MRRR,
          back-transformation) span a search subspace; the
          Rayleigh-Ritz step on it is done in float64 (float32 products summed
          in float64), so that float32 errors change REM only at second order;
          ``score_samples`` then uses float32 products summed in float64
          (float64 for samples close to the subspace). Not exact: REM was
          within 5e-5 relative of the exact values on simulated expression
          data (2,661 and 10,643 samples x 32,043 genes, 2,000 components);
        - ``'covariance'``: eigendecomposition of the d x d covariance matrix in
          float64, the fast exact route for tall data;
        - ``'full'``: LAPACK SVD of the centred data (exact, slow);
        - ``'randomized'``: scikit-learn's randomized SVD (approximate);
        - ``'auto'``: ``'gram_mixed'`` when ``5000 <= n_samples <=
          n_features`` (where the float64 eigensolver dominates: with 2,000
          components the mixed route fitted in half the time of ``'gram'`` at
          10,643 x 32,043 and was slower at 2,661 x 32,043), ``'gram'`` for
          fewer wide samples, else ``'covariance'``.
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
    cross_fitted_rem : REM of real rows from PCAs fitted without them.
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

    **Score rows the PCA did not see.** REM of a row the PCA was fitted on is
    biased low (exactly 0 with fewer rows than ``n_components + 1``), while
    generated rows are never in the fit. To compare real with generated REM,
    fit on training rows and score held-out rows
    (``REM(...).fit(X_train).score_samples(X_held_out)``), or use
    :func:`cross_fitted_rem`; :func:`choose_n_components` is the package's
    rule for the number of components.

    **Magnitudes.** Float64 data beyond about ``1e120`` (or below ``1e-120``)
    in magnitude are scaled by a power of two internally (exact), so REM and
    the projections do not change with the scale; ``explained_variance_`` is
    inf where the variance itself exceeds float64.

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
            StrOptions(
                {"auto", "gram", "gram_mixed", "covariance", "full", "randomized"}
            )
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
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
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
            if n > d:
                solver = "covariance"
            else:
                solver = "gram_mixed" if n >= _MIXED_MIN_SAMPLES else "gram"
        # Scale extreme data by a power of two (exact) so that float64 squares
        # neither overflow nor underflow; components do not change.
        max_abs = float(max(X.max(), -X.min()))
        shift = int(_pow2_shift(max_abs)) if _needs_scaling(max_abs) else 0
        if shift:
            X = np.ldexp(X.astype(np.float64), shift)
        self.mean_ = X.mean(axis=0, dtype=np.float64)

        if solver == "gram":
            G = _gram(X, self.mean_)
            w, U = _top_eigh(G, n_components, np.float64)
            del G
            w, U = self._drop_null(w, U, n_components, n, d)
            # P = U^T Xc / sqrt(w), computed by row chunks of X, row-major as
            # components_ (a transposed copy of it took 1.3 s at 2,661 x 32,043).
            Vt = np.zeros((w.size, d), dtype=np.float64)
            step = _chunk(d)
            for start in range(0, n, step):
                Xc = _centred(X, self.mean_, start, start + step, np.float64)
                Vt += U[start : start + step].T @ Xc
            components = Vt / np.sqrt(w)[:, None]
        elif solver == "gram_mixed":
            oversample = max(20, n_components // 10)
            w, Vt = _mixed_gram_eigh(X, self.mean_, n_components, oversample)
            w, V = self._drop_null(w, Vt.T, n_components, n, d)
            # row-major again (unless _drop_null dropped some)
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
            w, V = self._drop_null(s.astype(np.float64) ** 2, Vt.T, n_components, n, d)
            components = V.T

        self.components_ = np.ascontiguousarray(components)
        self.n_components_ = int(self.components_.shape[0])
        with np.errstate(over="ignore"):
            self.mean_ = np.ldexp(self.mean_, -shift)
            # inf where the variance exceeds float64 (data beyond ~1e154)
            self.explained_variance_ = np.ldexp(w, -2 * shift) / (n - 1)
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
            Xc, shift = _centred_rows(X, self.mean_, start, start + step)
            out[start : start + step] = _scale_back(Xc @ self.components_.T, shift)
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
        # REM^2 = ||x||^2 - ||P x||^2: one product instead of two. Rows where
        # REM^2 falls below ``cancel`` * ||x||^2 (close to the subspace, where
        # the difference cancels) get the float64 residual itself instead.
        if self.solver_ == "gram_mixed":
            # float32 products summed in float64 over feature chunks: their
            # error in ||x||^2 - ||Px||^2 was below 1e-7 ||x||^2 (2,661 x
            # 32,043 simulated expression data, 2,000 components), so REM is
            # off by at most about 5e-5 relative above the 1e-3 threshold.
            P32, cancel = P.astype(np.float32), 1e-3
        else:
            # float64 rounding error: about d * 2**-53 * ||x||^2.
            P32, cancel = None, 1e-6
        step = _chunk(X.shape[1])
        for start in range(0, X.shape[0], step):
            Xc, shift = _centred_rows(X, self.mean_, start, start + step)
            Z = Xc @ P.T if P32 is None else _chunked_float32_product(Xc, P32)
            total = np.einsum("ij,ij->i", Xc, Xc)
            rem2 = total - np.einsum("ij,ij->i", Z, Z)
            close = rem2 < cancel * total
            if close.any():
                R = Xc[close]
                R -= (R @ P.T) @ P
                rem2[close] = np.einsum("ij,ij->i", R, R)
            rem = np.sqrt(np.maximum(rem2, 0.0))
            out[start : start + step] = _scale_back(rem, shift)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
