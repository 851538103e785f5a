"""Blocked, exact k-NN radius and ball-membership kernels.

Squared Euclidean distances are computed block by block as float32 matrix
products, ``||a||^2 + ||b||^2 - 2 a.b``, and only k-th radii, counts and
memberships are kept, so memory stays bounded by ``working_memory`` and never
grows as ``n x n``. Float32 products are inexact: a distance close to a radius
may land on the wrong side of it. Every pair whose float32 value lies within a
rigorous rounding-error bound of the threshold is therefore recomputed in
float64 from the original rows (``sum((a - b) ** 2)``) and decided there. The
results are thus those of an exact float64 computation, at every scale.

Error bound. For ``d`` features and unit round-off ``u`` of the product
(``2**-24`` for float32), the computed dot product satisfies
``|fl(a.b) - a.b| <= gamma_d * ||a|| ||b||`` with ``gamma_d = d u / (1 - d u)``
(worst-case recursive summation, valid for any BLAS). The float32 squared
distance of a pair is therefore within ``g * (||a||^2 + ||b||^2)`` of the exact
one, where ``g = gamma_(d + 64)`` also covers the rounding of the inputs to
float32 and of the few float32 additions that follow the product.
"""

import numpy as np
import torch
from sklearn import get_config

# Default block budget in MiB: small enough to stay far below the n x n
# matrices of a dense computation, large enough for efficient matrix products.
DEFAULT_WORKING_MEMORY = 64

# Bytes of temporaries per element of a distance block (two float32 buffers and
# a few boolean masks).
_BYTES_PER_ELEMENT = 16

# Pairs recomputed in float64 per chunk, bounded in bytes of float64 rows.
_EXACT_CHUNK_BYTES = 32 * 2**20


def _unit_roundoff(device):
    """Unit round-off of float32 matrix products on ``device``.

    On CUDA, torch may use TF32 (or bf16) for float32 products unless the
    matmul precision is "highest"; the bound must follow.
    """
    if torch.device(device).type == "cuda":
        precision = torch.get_float32_matmul_precision()
        if precision == "medium":
            return 2.0**-8
        if precision == "high" or torch.backends.cuda.matmul.allow_tf32:
            return 2.0**-11
    return 2.0**-24


def _error_factor(n_features, device):
    """Return ``g`` such that float32 squared distances err by at most g(na+nb)."""
    u = _unit_roundoff(device)
    m = (n_features + 64) * u
    if m >= 0.5:
        # Beyond this width the worst-case bound is useless: every pair is
        # re-checked, which stays exact but becomes slow.
        return np.inf
    return m / (1.0 - m)


def rows_per_block(n_columns, working_memory=None):
    """Rows of a distance block that fit in ``working_memory`` MiB.

    Parameters
    ----------
    n_columns : int
        Width of a block (number of samples of the other set).
    working_memory : float or None, default=None
        Budget in MiB; None uses ``min(64, sklearn.get_config()["working_memory"])``.

    Returns
    -------
    n_rows : int
        At least 1.

    Examples
    --------
    >>> from sklearn_remgan.metrics._knn import rows_per_block
    >>> rows_per_block(10_000, working_memory=16)
    104
    """
    if working_memory is None:
        working_memory = min(DEFAULT_WORKING_MEMORY, get_config()["working_memory"])
    n_bytes = float(working_memory) * 2**20
    return max(1, int(n_bytes // (_BYTES_PER_ELEMENT * max(1, n_columns))))


def _squared_norms(X):
    """Row squared norms of ``X`` in float64, without a float64 copy of ``X``."""
    out = np.empty(X.shape[0], dtype=np.float64)
    step = max(1, _EXACT_CHUNK_BYTES // (8 * max(1, X.shape[1])))
    for start in range(0, X.shape[0], step):
        block = X[start : start + step].astype(np.float64)
        out[start : start + step] = np.einsum("ij,ij->i", block, block)
    return out


class _Operand:
    """A data set as the kernels see it.

    ``exact`` is the original array (used for float64 re-checks), ``tensor`` the
    float32 rows used in products (shifted by ``shift`` when that keeps norms,
    and so the error band, small) and ``sq_norms`` their float64 squared norms.
    """

    def __init__(self, X, shift, device):
        self.exact = X
        if shift is None and X.dtype == np.float32 and X.flags.c_contiguous:
            work = X  # shared with the caller's array, no copy
        elif shift is None:
            work = np.ascontiguousarray(X, dtype=np.float32)
        else:
            work = np.empty(X.shape, dtype=np.float32)
            step = max(1, _EXACT_CHUNK_BYTES // (8 * max(1, X.shape[1])))
            for start in range(0, X.shape[0], step):
                stop = start + step
                work[start:stop] = X[start:stop].astype(np.float64) - shift
        self.sq_norms = _squared_norms(work)
        self.tensor = torch.from_numpy(work).to(device)
        self.device = torch.device(device)

    def column_vector(self, values):
        """``values`` (one per row) as a float32 tensor on the device."""
        return torch.as_tensor(
            np.asarray(values, dtype=np.float32), device=self.device
        )


def _choose_shift(*arrays):
    """Pooled mean when centring shrinks the squared norms more than 4x, else None.

    The error band is proportional to the squared norms, so data far from the
    origin (e.g. raw log-expression) are centred first; distances do not change.
    Standardized data are already centred and are used as they are, without a
    copy.
    """
    n = sum(a.shape[0] for a in arrays)
    mean = sum(a.sum(axis=0, dtype=np.float64) for a in arrays) / n
    mean_sq = float(mean @ mean)
    total_sq = sum(float(_squared_norms(a).sum()) for a in arrays) / n
    centred_sq = total_sq - mean_sq
    if mean_sq > 3.0 * max(centred_sq, 0.0):
        return mean
    return None


def make_operands(*arrays, device="cpu"):
    """Wrap arrays of equal width as :class:`_Operand` objects sharing one shift."""
    shift = _choose_shift(*arrays)
    return [_Operand(a, shift, device) for a in arrays]


def exact_sq_distances(A, B, rows, cols):
    """Float64 squared distances ``||A[rows] - B[cols]||^2`` of paired indices.

    Computed as sums of squared differences (no cancellation), in chunks.
    """
    rows = np.asarray(rows, dtype=np.intp)
    cols = np.asarray(cols, dtype=np.intp)
    out = np.empty(rows.size, dtype=np.float64)
    step = max(1, _EXACT_CHUNK_BYTES // (8 * max(1, A.shape[1])))
    for start in range(0, rows.size, step):
        stop = start + step
        diff = A[rows[start:stop]].astype(np.float64)
        diff -= B[cols[start:stop]]
        out[start:stop] = np.einsum("ij,ij->i", diff, diff)
    return out


def kth_neighbour_sq_radii(op, k, *, working_memory=None):
    """Exact squared distance of each row of ``op`` to its k-th nearest other row.

    The row itself is excluded (as ``NearestNeighbors.kneighbors()`` without
    ``X`` does); duplicates of a row count as neighbours at distance 0.

    Parameters
    ----------
    op : _Operand
        The data set (see :func:`make_operands`).
    k : int
        Neighbour rank, ``1 <= k < n_samples``.
    working_memory : float or None, default=None
        Block budget in MiB (see :func:`rows_per_block`).

    Returns
    -------
    sq_radii : ndarray of shape (n_samples,)
        Float64 squared radii.
    n_rechecked : int
        Number of pairs recomputed in float64.
    """
    X = op.tensor
    n, d = X.shape
    g = _error_factor(d, op.device)
    out = np.empty(n, dtype=np.float64)
    if not np.isfinite(g):
        for i in range(n):
            d2 = exact_sq_distances(op.exact, op.exact, np.full(n, i), np.arange(n))
            out[i] = np.partition(d2, k)[k]
        return out, n * n
    upper = op.column_vector((1.0 + g) * op.sq_norms)[None, :]
    low_shift = op.column_vector(2.0 * g * op.sq_norms)[None, :]
    step = rows_per_block(n, working_memory)
    n_rechecked = 0
    for start in range(0, n, step):
        stop = min(n, start + step)
        # P = (1 + g) n_j - 2 x_i.x_j, so that P + (1 + g) n_i bounds d_ij above
        # and P - 2 g n_j + (1 - g) n_i bounds it below.
        P = torch.addmm(upper, X[start:stop], X.T, beta=1.0, alpha=-2.0)
        kth = torch.kthvalue(P, k + 1, dim=1).values
        bound = kth + op.column_vector(2.0 * g * op.sq_norms[start:stop])
        P.sub_(low_shift)
        rows, cols = torch.nonzero(P <= bound[:, None], as_tuple=True)
        rows = rows.cpu().numpy()
        cols = cols.cpu().numpy()
        d2 = exact_sq_distances(op.exact, op.exact, rows + start, cols)
        n_rechecked += d2.size
        # Per row, the (k + 1)-th smallest exact value among the candidates
        # (the row itself is one of them, at distance 0).
        order = np.lexsort((d2, rows))
        first = np.searchsorted(rows[order], np.arange(stop - start))
        out[start:stop] = d2[order][first + k]
    return out, n_rechecked


def ball_memberships(
    real, generated, real_sq_radii, generated_sq_radii, *, working_memory=None
):
    """Exact strict memberships of cross pairs in each other's k-NN balls.

    A pair (real i, generated j) at squared distance ``d_ij`` counts as ``j``
    inside the ball of ``i`` when ``d_ij < real_sq_radii[i]`` and as ``i``
    inside the ball of ``j`` when ``d_ij < generated_sq_radii[j]`` (strict, as
    in the ``prdc`` package).

    Parameters
    ----------
    real, generated : _Operand
        The two sets, from one call of :func:`make_operands`.
    real_sq_radii, generated_sq_radii : ndarray
        Float64 squared k-NN radii of each set.
    working_memory : float or None, default=None
        Block budget in MiB.

    Returns
    -------
    ball_count : ndarray of shape (n_generated,), dtype int64
        Number of real balls holding each generated sample.
    covered : ndarray of shape (n_real,), dtype bool
        Whether each real ball holds some generated sample.
    recalled : ndarray of shape (n_real,), dtype bool
        Whether each real sample lies in some generated ball.
    n_rechecked : int
        Number of pairs recomputed in float64.
    """
    R, G = real.tensor, generated.tensor
    n_real, d = R.shape
    n_gen = G.shape[0]
    g = _error_factor(d, real.device)
    ball_count = np.zeros(n_gen, dtype=np.int64)
    covered = np.zeros(n_real, dtype=bool)
    recalled = np.zeros(n_real, dtype=bool)
    # Beyond float32's reach (g infinite) no decision is sure: all pairs are
    # re-checked in float64.
    force_exact = not np.isfinite(g)
    if force_exact:
        g = 0.0
    upper = generated.column_vector((1.0 + g) * generated.sq_norms)[None, :]
    low_shift = generated.column_vector(2.0 * g * generated.sq_norms)[None, :]
    gen_r2 = generated.column_vector(generated_sq_radii)[None, :]
    count = torch.zeros(n_gen, dtype=torch.int64, device=real.device)
    step = rows_per_block(n_gen, working_memory)
    n_rechecked = 0
    for start in range(0, n_real, step):
        stop = min(n_real, start + step)
        nr = real.sq_norms[start:stop]
        r2 = real_sq_radii[start:stop]
        # Q = (1 + g) n_j - 2 r_i.g_j: d_ij <= Q + (1 + g) n_i (upper bound)
        # and d_ij >= Q - 2 g n_j + (1 - g) n_i (lower bound).
        Q = torch.addmm(upper, R[start:stop], G.T, beta=1.0, alpha=-2.0)
        # Ball of real i: surely inside when the upper bound is below r2_i,
        # possibly inside when the lower bound is.
        sure = Q < real.column_vector(r2 - (1.0 + g) * nr)[:, None]
        if force_exact:
            sure.zero_()
        count += sure.sum(dim=0)
        covered[start:stop] |= sure.any(dim=1).cpu().numpy()
        low = Q - low_shift
        unsure = (low < real.column_vector(r2 - (1.0 - g) * nr)[:, None]) & ~sure
        if force_exact:
            unsure.fill_(True)
        # Ball of generated j: compare d_ij with s2_j (row terms on the right).
        sure_g = (Q - gen_r2) < real.column_vector(-(1.0 + g) * nr)[:, None]
        if force_exact:
            sure_g.zero_()
        recalled[start:stop] |= sure_g.any(dim=1).cpu().numpy()
        low.sub_(gen_r2)
        unsure_g = (low < real.column_vector(-(1.0 - g) * nr)[:, None]) & ~sure_g
        if force_exact:
            unsure_g.fill_(True)
        rows, cols = torch.nonzero(unsure | unsure_g, as_tuple=True)
        if rows.numel() == 0:
            continue
        in_a = unsure[rows, cols].cpu().numpy()
        in_b = unsure_g[rows, cols].cpu().numpy()
        rows = rows.cpu().numpy()
        cols = cols.cpu().numpy()
        d2 = exact_sq_distances(real.exact, generated.exact, rows + start, cols)
        n_rechecked += d2.size
        hit_a = in_a & (d2 < r2[rows])
        np.add.at(ball_count, cols[hit_a], 1)
        covered[start + rows[hit_a]] = True
        hit_b = in_b & (d2 < generated_sq_radii[cols])
        recalled[start + rows[hit_b]] = True
    ball_count += count.cpu().numpy()
    return ball_count, covered, recalled, n_rechecked
