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
(worst-case recursive summation, valid for any BLAS). Wide data are multiplied
in feature chunks of ``_FEATURE_CHUNK`` columns, each product into its own
buffer, and the ``m`` partial results summed: the bound becomes
``gamma_(chunk + m - 1)`` (about 16x narrower at 32,043 genes, so 16x fewer
pairs to re-check, for a few percent more memory traffic). The float32 squared
distance of a pair is therefore within ``g * (||a||^2 + ||b||^2)`` of the exact
one, where ``g = gamma_(chunk + m - 1 + 64)`` also covers the rounding of the
inputs to float32 and of the few float32 additions that follow the product.

bfloat16 products (about 2.4x the float32 rate on this CPU) were tried with the
band widened to bfloat16 rounding: results stayed exact, but ~30x more pairs
fell in the band (3.2 million at 10,000 x 2,000) and the float64 re-checks made
the whole call ~1.8x slower, so products stay float32.

Work is done in square tiles of rows (``tile x tile`` distances): only tiles
on or above the diagonal of a set against itself are computed, each feeding
both its row and its column samples (half the products). On the CPU a
diagonal tile is itself split in halves, recursively down to ``_MIN_SPLIT``
rows, and its lower-left block copied from the upper-right one: 37% fewer
products for a 1024-row tile, 25% for a tile split once (on other devices,
where it was not timed, the tile stays one product). BLAS ``ssyrk`` would halve
them, but it lives in scipy's OpenBLAS, whose spinning threads slowed torch's
own work by more than it saved. Centring (for data far from the origin) and
conversions are done per tile, so no second full copy of a set is held.
"""

import math

import numpy as np
import torch
from sklearn import get_config

# Default block budget in MiB: small enough to stay far below the n x n
# matrices of a dense computation, large enough for efficient matrix products.
DEFAULT_WORKING_MEMORY = 64

# Bytes of temporaries per element of a distance block (two float32 buffers and
# a few boolean masks).
_BYTES_PER_ELEMENT = 16

# Rows converted at a time (norms, device copies), in bytes of float64 rows.
_EXACT_CHUNK_BYTES = 32 * 2**20

# Pairs re-checked in float64 at a time, in bytes of float64 rows: small
# enough for the differences to stay in cache (3x faster than 32 MiB chunks).
_RECHECK_CHUNK_BYTES = 2 * 2**20

# Columns per product in the chunked products of wide data (see above).
_FEATURE_CHUNK = 2048

# Largest tile side: 1024 x 1024 tiles (4 MiB of float32) were multiplied
# about 10% faster than 2048 x 2048 ones and keep the post-processing in cache.
_MAX_TILE = 1024

# Smallest block a diagonal tile is split into: 1024-row tiles against
# themselves took 21 ms unsplit, 17 ms split once and 15 ms down to 256 rows
# (2,000 features).
_MIN_SPLIT = 256


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


def _summation_length(n_features):
    """Worst-case summation length of a (feature-chunked) product."""
    n_chunks = -(-n_features // _FEATURE_CHUNK)
    return min(n_features, _FEATURE_CHUNK) + n_chunks - 1


def _error_factor(n_features, device):
    """Return ``g`` such that float32 squared distances err by at most g(na+nb)."""
    u = _unit_roundoff(device)
    m = (_summation_length(n_features) + 64) * u
    if m >= 0.5:
        # Beyond this width the worst-case bound is useless: every pair is
        # re-checked, which stays exact but becomes slow.
        return np.inf
    return m / (1.0 - m)


def _squared_norms(X, shift=None):
    """Row squared norms of ``X - shift`` as float32 rows, in float64, in chunks."""
    out = np.empty(X.shape[0], dtype=np.float64)
    step = max(1, _EXACT_CHUNK_BYTES // (8 * max(1, X.shape[1])))
    for start in range(0, X.shape[0], step):
        block = X[start : start + step]
        if shift is not None:
            block = (block.astype(np.float64) - shift).astype(np.float32)
        block = block.astype(np.float32, copy=False).astype(np.float64)
        out[start : start + step] = np.einsum("ij,ij->i", block, block)
    return out


class _Operand:
    """A data set as the kernels see it.

    ``exact`` is the original array (``exact_t``, the same memory as a tensor,
    is used for float64 re-checks). ``rows(a, b)``
    gives rows ``a:b`` as the float32 product operand (shifted by ``shift``
    when that keeps norms, and so the error band, small). On the
    CPU a float32 C-contiguous array without shift is used in place; otherwise
    rows are converted per tile, so no full second copy exists. On an
    accelerator the set is copied to the device once, chunk by chunk.
    ``sq_norms`` are the float64 squared norms of the float32 rows.
    """

    def __init__(self, X, shift, device, sq_norms=None, force_exact=False):
        self.exact = X
        # Every pair decided in float64 (rows whose float32 products could
        # underflow, see ``precision_recall``).
        self.force_exact = force_exact
        self.exact_t = _as_tensor(X)  # the same memory, for the re-checks
        self.shift = shift
        self.device = torch.device(device)
        self.shape = X.shape
        self.sq_norms = _squared_norms(X, shift) if sq_norms is None else sq_norms
        self._full = None
        if self.device.type != "cpu":
            self._full = torch.empty(X.shape, dtype=torch.float32, device=self.device)
            step = max(1, _EXACT_CHUNK_BYTES // (8 * max(1, X.shape[1])))
            for start in range(0, X.shape[0], step):
                self._full[start : start + step] = self._convert(start, start + step)
        elif shift is None and X.dtype == np.float32 and X.flags.c_contiguous:
            # Shared with the caller's array, no copy.
            self._full = torch.from_numpy(X)

    @property
    def copies_rows(self):
        """Whether ``rows`` makes a tile copy (counted against the budget)."""
        return self._full is None

    def _convert(self, start, stop):
        block = self.exact[start:stop]
        if self.shift is not None:
            block = block.astype(np.float64) - self.shift
        block = torch.from_numpy(np.ascontiguousarray(block, dtype=np.float32))
        return block.to(self.device)

    def rows(self, start, stop):
        """Rows ``start:stop`` as a product operand on the device."""
        if self._full is not None:
            return self._full[start:stop]
        return self._convert(start, stop)

    def column_vector(self, values):
        """``values`` (one per row) as a float32 tensor on the device."""
        return torch.as_tensor(
            np.asarray(values, dtype=np.float32), device=self.device
        )


def _choose_shift(arrays, sq_norms):
    """Pooled mean when centring shrinks the squared norms more than 4x, else None.

    The error band is proportional to the squared norms, so data far from the
    origin (e.g. raw log-expression) are centred (tile by tile); distances do
    not change. Standardized data are used as they are. ``sq_norms`` are the
    squared norms of the rows of each array.
    """
    n = sum(a.shape[0] for a in arrays)
    mean = sum(a.sum(axis=0, dtype=np.float64) for a in arrays) / n
    mean_sq = float(mean @ mean)
    total_sq = sum(float(norms.sum()) for norms in sq_norms) / n
    centred_sq = total_sq - mean_sq
    if mean_sq > 3.0 * max(centred_sq, 0.0):
        return mean
    return None


def make_operands(*arrays, device="cpu", force_exact=False):
    """Wrap arrays of equal width as :class:`_Operand` objects sharing one shift.

    ``force_exact`` makes the kernels decide every pair in float64.
    """
    sq_norms = [_squared_norms(a) for a in arrays]
    shift = _choose_shift(arrays, sq_norms)
    if shift is not None:
        sq_norms = [None] * len(arrays)  # those of the shifted rows are needed
    return [
        _Operand(a, shift, device, s, force_exact) for a, s in zip(arrays, sq_norms)
    ]


def tile_size(n_samples, n_features, working_memory=None, copies=False):
    """Side of the square distance tiles that fit in ``working_memory`` MiB.

    Parameters
    ----------
    n_samples : int
        Largest number of samples of the sets involved (the tile is capped there).
    n_features : int
        Width of the data, used when tiles of rows are copied.
    working_memory : float or None, default=None
        Budget in MiB; None uses ``min(64, sklearn.get_config()["working_memory"])``.
    copies : bool, default=False
        Whether each tile also copies its rows (two ``tile x n_features`` float32
        blocks, counted against the budget).

    Returns
    -------
    tile : int
        At least 1.

    Examples
    --------
    >>> from sklearn_remgan.metrics._knn import tile_size
    >>> tile_size(10_000, 2000, working_memory=64)
    1024
    >>> tile_size(10_000, 32_043, working_memory=64, copies=True)
    261
    """
    if working_memory is None:
        working_memory = min(DEFAULT_WORKING_MEMORY, get_config()["working_memory"])
    n_bytes = float(working_memory) * 2**20
    tile = min(_MAX_TILE, math.isqrt(int(n_bytes // _BYTES_PER_ELEMENT)))
    if copies:
        tile = min(tile, int(n_bytes // (2 * 4 * max(1, n_features))))
    return max(1, min(tile, n_samples))


def _products(A, B):
    """``A B^T`` as float32, wide data in chunks of ``_FEATURE_CHUNK`` features.

    Each chunk is multiplied into a fresh buffer and the partial products
    summed, which is what ``_error_factor`` assumes.
    """
    d = A.shape[1]
    if d <= _FEATURE_CHUNK:
        return torch.mm(A, B.T)
    S = torch.mm(A[:, :_FEATURE_CHUNK], B[:, :_FEATURE_CHUNK].T)
    partial = torch.empty_like(S)
    for start in range(_FEATURE_CHUNK, d, _FEATURE_CHUNK):
        stop = start + _FEATURE_CHUNK
        S += torch.mm(A[:, start:stop], B[:, start:stop].T, out=partial)
    return S


def _product_tile(A, B, g, col_norms):
    """``Q = (1 + g) n_j - 2 a_i.b_j`` of a tile, as float32.

    ``Q + (1 + g) n_i`` bounds the exact squared distance from above and
    ``Q + (1 + g) n_i - 2 g (n_i + n_j)`` from below.
    """
    if A.shape[1] <= _FEATURE_CHUNK:  # one fused product
        return torch.addmm((1.0 + g) * col_norms[None, :], A, B.T, beta=1.0, alpha=-2.0)
    return _products(A, B).mul_(-2.0).add_((1.0 + g) * col_norms[None, :])


def _fill_self_products(A, out):
    """Write ``A A^T`` into ``out``, halving the rows recursively.

    The two diagonal halves recurse and the lower-left block is the transpose
    of the upper-right one; entries are the same dot products as those of
    :func:`_products`, so the error bound holds unchanged.
    """
    n = A.shape[0]
    if n <= _MIN_SPLIT:
        out.copy_(_products(A, A))
        return
    h = n // 2
    _fill_self_products(A[:h], out[:h, :h])
    _fill_self_products(A[h:], out[h:, h:])
    out[:h, h:] = _products(A[:h], A[h:])
    out[h:, :h] = out[:h, h:].T


def _self_product_tile(A, g, norms):
    """``_product_tile(A, A, g, norms)`` with fewer products on the CPU (see above)."""
    if A.device.type != "cpu" or A.shape[0] <= _MIN_SPLIT:
        return _product_tile(A, A, g, norms)
    S = torch.empty((A.shape[0], A.shape[0]), dtype=A.dtype, device=A.device)
    _fill_self_products(A, S)
    return S.mul_(-2.0).add_((1.0 + g) * norms[None, :])


def exact_sq_distances(A, B, rows, cols):
    """Float64 squared distances ``||A[rows] - B[cols]||^2`` of paired indices.

    Computed as sums of squared differences (no cancellation), in chunks
    small enough to stay in cache.
    """
    rows = torch.as_tensor(np.asarray(rows, dtype=np.int64))
    cols = torch.as_tensor(np.asarray(cols, dtype=np.int64))
    A, B = _as_tensor(A), _as_tensor(B)
    out = torch.empty(rows.numel(), dtype=torch.float64)
    step = max(1, _RECHECK_CHUNK_BYTES // (8 * max(1, A.shape[1])))
    for start in range(0, rows.numel(), step):
        stop = start + step
        diff = A.index_select(0, rows[start:stop]).to(torch.float64)
        diff -= B.index_select(0, cols[start:stop])
        out[start:stop] = torch.linalg.vecdot(diff, diff)
    return out.numpy()


def _as_tensor(X):
    """A CPU tensor sharing ``X``'s memory (any layout with positive strides)."""
    if isinstance(X, torch.Tensor):
        return X
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64) or min(X.strides, default=0) < 0:
        X = np.ascontiguousarray(X, dtype=np.float64)
    return torch.from_numpy(X)


def _smallest(values, k, dim):
    """The ``k`` smallest values along ``dim`` (fewer when there are fewer)."""
    k = min(k, values.shape[dim])
    return torch.topk(values, k, dim=dim, largest=False, sorted=False).values


def kth_neighbour_sq_radii(op, k, *, working_memory=None):
    """Exact squared distance of each row of ``op`` to its k-th nearest other row.

    The row itself is excluded (as ``NearestNeighbors.kneighbors()`` without
    ``X`` does); duplicates of a row count as neighbours at distance 0. Only
    tiles on or above the diagonal are computed; each serves both its rows and
    its columns.

    Parameters
    ----------
    op : _Operand
        The data set (see :func:`make_operands`).
    k : int
        Neighbour rank, ``1 <= k < n_samples``.
    working_memory : float or None, default=None
        Tile budget in MiB (see :func:`tile_size`).

    Returns
    -------
    sq_radii : ndarray of shape (n_samples,)
        Float64 squared radii.
    n_rechecked : int
        Number of pairs recomputed in float64.
    """
    n, d = op.shape
    g = np.inf if op.force_exact else _error_factor(d, op.device)
    out = np.empty(n, dtype=np.float64)
    if not np.isfinite(g):
        for i in range(n):
            d2 = exact_sq_distances(op.exact_t, op.exact_t, np.full(n, i), np.arange(n))
            out[i] = np.partition(d2, k)[k]
        return out, n * n
    norms = op.column_vector(op.sq_norms)
    tile = tile_size(n, d, working_memory, op.copies_rows)
    # Running (k + 1) smallest upper bounds per row (the row itself included);
    # their largest only decreases, so pairs selected against it are a superset
    # of those the final value selects.
    best = torch.full((n, k + 1), torch.inf, device=op.device)
    found = []
    g32 = np.float32(g)
    n_rechecked = 0

    def absorb(index, values, dim):
        smallest = _smallest(values, k + 1, dim)
        merged = torch.cat([best[index], smallest.T if dim == 0 else smallest], 1)
        best[index] = _smallest(merged, k + 1, 1)
        return best[index].max(dim=1).values

    for i0 in range(0, n, tile):
        i1 = min(n, i0 + tile)
        A = op.rows(i0, i1)
        for j0 in range(i0, n, tile):
            j1 = min(n, j0 + tile)
            diagonal = j0 == i0
            # U: upper bounds of the squared distances of the tile.
            if diagonal:
                U = _self_product_tile(A, g, norms[j0:j1])
            else:
                U = _product_tile(A, op.rows(j0, j1), g, norms[j0:j1])
            U.add_((1.0 + g) * norms[i0:i1, None])
            # A pair is a candidate for a row when its lower bound
            # U - 2 g (n_i + n_j) is at most the row's current (k + 1)-th upper
            # bound; the tile's largest norm stands for n_j (a superset).
            lim_i = absorb(slice(i0, i1), U, 1)
            lim_i += 2.0 * g * (norms[i0:i1] + norms[j0:j1].max())
            mask = U <= lim_i[:, None]
            if not diagonal:
                lim_j = absorb(slice(j0, j1), U, 0)
                lim_j += 2.0 * g * (norms[j0:j1] + norms[i0:i1].max())
                mask |= U <= lim_j[None, :]
            rows, cols = torch.nonzero(mask, as_tuple=True)
            upper = U[rows, cols].cpu().numpy()
            rows = rows.cpu().numpy() + i0
            cols = cols.cpu().numpy() + j0
            found.append((rows, cols, upper))
            if not diagonal:
                found.append((cols, rows, upper))
        # Rows of this block have now met every column: settle them, and prune
        # the candidates of later rows with their current limits, so that the
        # candidate lists stay small.
        rows, cols, upper = (np.concatenate(v) for v in zip(*found))
        limit = best.max(dim=1).values.cpu().numpy().astype(np.float64)
        low = upper - 2.0 * g32 * (op.sq_norms[rows] + op.sq_norms[cols])
        keep = low <= limit[rows]
        rows, cols, upper = rows[keep], cols[keep], upper[keep]
        low = low[keep]
        done = rows < i1
        found = [(rows[~done], cols[~done], upper[~done])]
        rows, cols, upper, low = rows[done], cols[done], upper[done], low[done]
        out[i0:i1], n_settled = _settle_kth(op, k, rows, cols, upper, low, i0, i1)
        n_rechecked += n_settled
    return out, int(n_rechecked)


def _settle_kth(op, k, rows, cols, upper, low, i0, i1):
    """Exact (k + 1)-th smallest squared distance of rows ``i0:i1``.

    The pairs ``(rows, cols)`` with bounds ``low <= d <= upper`` hold, for
    each row, every pair that may be among its k + 1 nearest (the row itself
    included, at distance 0). The wanted value lies in ``[L, U]``, the
    (k + 1)-th smallest lower and upper bounds of the row: pairs whose upper
    bound is below ``L`` are surely nearer, pairs whose lower bound is above
    ``U`` surely farther, so only the pairs whose bounds meet ``[L, U]`` are
    recomputed in float64 (often the one pair alone) and the value is the
    right rank among them. Returns the values and the number of re-checks.
    """
    block = rows - i0
    n_rows = i1 - i0
    order = np.lexsort((upper, block))
    first = np.searchsorted(block[order], np.arange(n_rows))
    U = upper[order][first + k]
    L = low[np.lexsort((low, block))][first + k]
    nearer = upper < L[block]
    maybe = ~nearer & (low <= U[block])
    rank = k - np.bincount(block[nearer], minlength=n_rows)
    block = block[maybe]
    d2 = exact_sq_distances(op.exact_t, op.exact_t, rows[maybe], cols[maybe])
    order = np.lexsort((d2, block))
    first = np.searchsorted(block[order], np.arange(n_rows))
    return d2[order][first + rank], d2.size


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
        Tile budget in MiB.

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
    n_real, d = real.shape
    n_gen = generated.shape[0]
    g = _error_factor(d, real.device)
    if real.force_exact or generated.force_exact:
        g = np.inf
    ball_count = np.zeros(n_gen, dtype=np.int64)
    covered = np.zeros(n_real, dtype=bool)
    recalled = np.zeros(n_real, dtype=bool)
    # Beyond float32's reach (g infinite) no decision is sure: all pairs are
    # re-checked in float64.
    force_exact = not np.isfinite(g)
    if force_exact:
        g = 0.0
    real_norms = real.column_vector(real.sq_norms)
    gen_norms = generated.column_vector(generated.sq_norms)
    real_r2 = real.column_vector(real_sq_radii)
    gen_r2 = generated.column_vector(generated_sq_radii)
    count = torch.zeros(n_gen, dtype=torch.int64, device=real.device)
    covered_t = torch.zeros(n_real, dtype=torch.bool, device=real.device)
    recalled_t = torch.zeros(n_real, dtype=torch.bool, device=real.device)
    tile = tile_size(
        max(n_real, n_gen), d, working_memory, real.copies_rows or generated.copies_rows
    )
    n_rechecked = 0
    for i0 in range(0, n_real, tile):
        i1 = min(n_real, i0 + tile)
        A = real.rows(i0, i1)
        nr = real_norms[i0:i1]
        for j0 in range(0, n_gen, tile):
            j1 = min(n_gen, j0 + tile)
            B = generated.rows(j0, j1)
            # Q + (1 + g) n_i is an upper bound U of d_ij and U - 2 g (n_i + n_j)
            # a lower bound; the tile's largest n_j stands for n_j in the lower
            # bound (a wider band, still exact after the re-check).
            Q = _product_tile(A, B, g, gen_norms[j0:j1])
            slack = 2.0 * g * (nr + gen_norms[j0:j1].max())
            # Ball of real i: surely inside when U < r2_i, possibly when the
            # lower bound is.
            limit = real_r2[i0:i1] - (1.0 + g) * nr
            sure = Q < limit[:, None]
            maybe = Q < (limit + slack)[:, None]
            # Ball of generated j: compare U - s2_j with 0.
            Q.sub_(gen_r2[None, j0:j1])
            limit = -(1.0 + g) * nr
            sure_g = Q < limit[:, None]
            maybe_g = Q < (limit + slack)[:, None]
            del Q
            if force_exact:
                sure.zero_()
                sure_g.zero_()
                maybe.fill_(True)
            count[j0:j1] += sure.sum(dim=0)
            covered_t[i0:i1] |= sure.any(dim=1)
            recalled_t[i0:i1] |= sure_g.any(dim=1)
            rows, cols = torch.nonzero(maybe | maybe_g, as_tuple=True)
            if rows.numel() == 0:
                continue
            in_a = (maybe[rows, cols] & ~sure[rows, cols]).cpu().numpy()
            in_b = (maybe_g[rows, cols] & ~sure_g[rows, cols]).cpu().numpy()
            unsure = in_a | in_b
            rows = rows.cpu().numpy()[unsure] + i0
            cols = cols.cpu().numpy()[unsure] + j0
            in_a, in_b = in_a[unsure], in_b[unsure]
            d2 = exact_sq_distances(real.exact_t, generated.exact_t, rows, cols)
            n_rechecked += d2.size
            hit_a = in_a & (d2 < real_sq_radii[rows])
            np.add.at(ball_count, cols[hit_a], 1)
            covered[rows[hit_a]] = True
            hit_b = in_b & (d2 < generated_sq_radii[cols])
            recalled[rows[hit_b]] = True
    ball_count += count.cpu().numpy()
    covered |= covered_t.cpu().numpy()
    recalled |= recalled_t.cpu().numpy()
    return ball_count, covered, recalled, n_rechecked
