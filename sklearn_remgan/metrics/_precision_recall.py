"""Improved precision/recall and density/coverage on k-NN balls, exactly."""

import contextlib
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import Bunch

from sklearn_remgan.metrics._knn import (
    ball_memberships,
    kth_neighbour_sq_radii,
    make_operands,
)
from sklearn_remgan.utils import check_finite_2d, check_same_width
from sklearn_remgan.utils._sklearn_compat import Interval, validate_params


def _check_k(k, n_real, n_generated):
    if isinstance(k, bool) or not isinstance(k, Integral):
        raise TypeError(f"k must be an int; got {k!r} of type {type(k).__name__}.")
    if k < 1:
        raise ValueError(f"k must be an int in the range [1, inf); got {k}.")
    for name, n in (("real", n_real), ("generated", n_generated)):
        if k >= n:
            raise ValueError(
                f"k must be smaller than the number of samples of each set, since "
                f"a sample's k-NN radius needs k other samples; got k={k} with "
                f"{n} {name} sample(s). Use k <= {n - 1} or more samples."
            )


def _check_device(device):
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"device must be 'cpu' or a CUDA device such as 'cuda' or 'cuda:0'; got "
            f"{device!r}."
        ) from exc
    if device.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device must be 'cpu' or a CUDA device such as 'cuda' or 'cuda:0'; got "
            f"{str(device)!r} (the exactness bound is derived for CPU and CUDA "
            "float32 products only)."
        )
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={str(device)!r} was requested but CUDA is not available; "
                "use device='cpu'."
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={str(device)!r} was requested but only "
                f"{torch.cuda.device_count()} CUDA device(s) exist."
            )
    return device


# Data whose largest magnitude lies outside [2**-20, 2**20] are scaled by a
# power of two (exact): float32 squared norms overflow above ~1e19 and
# underflow below ~1e-19, and distances are scale-equivariant.
_SAFE_EXPONENT = 20
# After scaling, rows whose largest magnitude is below this can meet float32
# underflow in the products, which the relative error bound does not cover:
# their pairs are all decided in float64.
_TINY_ROW = 2.0**-40
_ROWS_PER_PASS = 4096


def _row_max_abs(X):
    out = np.empty(X.shape[0], dtype=np.float64)
    for start in range(0, X.shape[0], _ROWS_PER_PASS):
        block = X[start : start + _ROWS_PER_PASS]
        out[start : start + _ROWS_PER_PASS] = np.abs(block).max(axis=1, initial=0.0)
    return out


def _rescaled(real, generated):
    """Both sets scaled by one power of two, the exponent, and whether to force exact.

    Returns ``(real, generated, shift, force_exact)``: radii computed on the
    scaled sets are ``2**shift`` times the original ones.
    """
    row_max = [_row_max_abs(real), _row_max_abs(generated)]
    top = max(m.max(initial=0.0) for m in row_max)
    shift = 0
    if top > 0 and not 2.0**-_SAFE_EXPONENT <= top <= 2.0**_SAFE_EXPONENT:
        shift = -int(np.frexp(top)[1])
        real = np.ldexp(real.astype(np.float64), shift)
        generated = np.ldexp(generated.astype(np.float64), shift)
        row_max = [np.ldexp(m, shift) for m in row_max]
    tiny = any(((m > 0) & (m < _TINY_ROW)).any() for m in row_max)
    return real, generated, shift, tiny


@contextlib.contextmanager
def _full_float32_products(device):
    """Keep CUDA float32 products in full float32 (no TF32) during the call.

    The exactness bound assumes float32 rounding; the user's setting is restored.
    """
    if device.type != "cuda":
        yield
        return
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(before)


def _unscaled(radii, shift):
    with np.errstate(over="ignore"):  # inf where a radius exceeds float64
        return np.ldexp(radii, -shift) if shift else radii


@validate_params(
    {
        "real": ["array-like", "sparse matrix"],
        "generated": ["array-like", "sparse matrix"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "working_memory": [Interval(Real, 0, None, closed="neither"), None],
        "device": [str, torch.device],
    },
    prefer_skip_nested_validation=True,
)
def precision_recall(real, generated, *, k=3, working_memory=None, device="cpu"):
    """Improved precision, recall, density and coverage of generated samples.

    Each sample's k-NN ball is centred on it, with radius the distance to its
    k-th nearest neighbour in its own set (itself excluded). Precision is the
    share of generated samples inside some real ball, recall the share of real
    samples inside some generated ball (Kynkaanniemi et al. 2019); density is
    the mean number of real balls holding a generated sample divided by ``k``
    and coverage the share of real balls that hold some generated sample
    (Naeem et al. 2020).

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        Real samples.
    generated : array-like of shape (n_generated, n_features)
        Generated samples.
    k : int, default=3
        Neighbour rank of the ball radii; ``1 <= k < min(n_real, n_generated)``.
    working_memory : float or None, default=None
        Memory budget in MiB for the square distance tiles (and the tiles of
        rows they copy when data are centred or converted to float32); None
        uses ``min(64, sklearn.get_config()["working_memory"])``. The n x n
        distance matrices are never built; besides the tiles, memory grows
        only linearly with the number of samples.
    device : str or torch.device, default="cpu"
        Where the float32 matrix products run (e.g. ``"cuda"``); the float64
        re-checks run on the CPU.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With scalars ``precision``, ``recall``, ``f1`` (their harmonic mean, 0
        when both are 0), ``density``, ``coverage``, ``k``, and per-sample
        arrays:

        - ``real_recalled`` : bool of shape (n_real,), inside some generated
          ball (its mean is ``recall``);
        - ``real_covered`` : bool of shape (n_real,), its own ball holds some
          generated sample (its mean is ``coverage``);
        - ``real_radii`` : float64 of shape (n_real,), k-NN radius among real;
        - ``generated_radii`` : float64 of shape (n_generated,);
        - ``generated_precise`` : bool of shape (n_generated,), inside some real
          ball (its mean is ``precision``);
        - ``generated_ball_count`` : int64 of shape (n_generated,), number of
          real balls holding it (``density = mean(count) / k``);
        - ``n_rechecked`` : int, pairs recomputed in float64 (diagnostic).

    See Also
    --------
    REM : Reconstruction error from the real data's principal components.
    per_class_report : These values aggregated per label and covariate.

    Notes
    -----
    **Boundary rule.** Membership is strict: a point at distance ``d`` from a
    centre with radius ``r`` is inside when ``d < r``, as in the ``prdc``
    package (Kynkaanniemi et al. use ``<=``). Results equal ``prdc``'s four
    numbers on continuous data.

    **Duplicates.** Duplicated rows are distinct neighbours at distance 0: a
    real row with ``k`` or more exact copies gets radius 0 and, by the strict
    rule, its ball holds nothing, not even an exact copy among the generated
    samples. A generated row identical to a real row with a positive radius is
    inside that ball.

    **Exactness.** Distances are float32 matrix products in blocks; every pair
    whose float32 value lies within a rigorous rounding-error bound of the
    radius it is compared with is recomputed in float64 as a sum of squared
    differences, so the results are those of an exact computation at every
    scale (``n_rechecked`` reports how many pairs that took). Distances of a
    set to itself are symmetric: only tiles on or above the diagonal are
    computed. Data far from the origin are centred tile by tile to keep that
    band thin; standardized float32 data are used in place, without a copy.
    Data whose largest magnitude lies outside ``[2**-20, 2**20]`` are first
    scaled by a power of two (exact; distances are scale-equivariant, radii
    are scaled back), so results do not change with the scale up to
    float64's range; rows tiny next to the largest one (below ``2**-40`` of
    it), whose float32 products could underflow, have all their pairs
    decided in float64.

    References
    ----------
    .. [1] Kynkaanniemi, T., Karras, T., Laine, S., Lehtinen, J., Aila, T.
       "Improved precision and recall metric for assessing generative models",
       NeurIPS 2019.
    .. [2] Naeem, M. F., Oh, S. J., Uh, Y., Choi, Y., Yoo, J. "Reliable fidelity
       and diversity metrics for generative models", ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.metrics import precision_recall
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(200, 20))
    >>> result = precision_recall(real, real.copy(), k=3)
    >>> print(result.precision, result.recall, result.real_recalled.shape)
    1.0 1.0 (200,)
    >>> near = real + rng.normal(scale=0.05, size=real.shape)
    >>> print(precision_recall(real, near, k=3).recall)
    1.0
    >>> # 40 exact copies of each of 5 rows: radius 0, so the strict balls
    >>> # of the generated samples hold nothing
    >>> collapsed = np.repeat(real[:5], 40, axis=0)
    >>> print(precision_recall(real, collapsed, k=3).recall)
    0.0
    """
    real = check_finite_2d(real, name="real")
    generated = check_finite_2d(generated, name="generated")
    check_same_width(real, generated)
    _check_k(k, real.shape[0], generated.shape[0])
    device = _check_device(device)
    real, generated, shift, force_exact = _rescaled(real, generated)

    with _full_float32_products(device), torch.no_grad():
        real_op, gen_op = make_operands(
            real, generated, device=device, force_exact=force_exact
        )
        real_r2, n1 = kth_neighbour_sq_radii(real_op, k, working_memory=working_memory)
        gen_r2, n2 = kth_neighbour_sq_radii(gen_op, k, working_memory=working_memory)
        count, covered, recalled, n3 = ball_memberships(
            real_op, gen_op, real_r2, gen_r2, working_memory=working_memory
        )

    precise = count > 0
    precision = float(precise.mean())
    recall = float(recalled.mean())
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (
        precision + recall
    )
    return Bunch(
        precision=precision,
        recall=recall,
        f1=float(f1),
        density=float(count.mean() / k),
        coverage=float(covered.mean()),
        k=int(k),
        real_recalled=recalled,
        real_covered=covered,
        real_radii=_unscaled(np.sqrt(real_r2), shift),
        generated_radii=_unscaled(np.sqrt(gen_r2), shift),
        generated_precise=precise,
        generated_ball_count=count,
        n_rechecked=int(n1 + n2 + n3),
    )
