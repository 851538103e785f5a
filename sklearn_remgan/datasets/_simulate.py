"""The embedded expression simulator: tissues, cancer sub-modes and gene modules."""

import numbers

import numpy as np
import pandas as pd

# Readable tissue names, in the order tissues are created (the last one is the rare
# one with the default weights); beyond this list tissues are called "tissue_<k>".
_TISSUE_NAMES = (
    "breast",
    "lung",
    "kidney",
    "colon",
    "liver",
    "thyroid",
    "prostate",
    "stomach",
    "skin",
    "brain",
    "pancreas",
    "ovary",
    "uterus",
    "bladder",
    "esophagus",
    "adrenal_gland",
)

# Fixed magnitudes of the generative model (module-score units, see Notes).
_TISSUE_ACTIVE = 0.3  # share of modules a tissue switches on or off
_TISSUE_EFFECT = 1.5  # sd of a tissue's module activity
_CANCER_SHARED = 0.1  # share of modules in the pan-cancer program
_CANCER_SHIFT = 1.0  # mean up-regulation of the pan-cancer modules
_SUBTYPE_ACTIVE = 0.15  # share of modules a cancer subtype changes
_SUBTYPE_EFFECT = 1.5  # sd of a subtype's module shift
_MODULE_SD = 0.4  # per-sample module activity sd (healthy)
_DEPTH_SD = 0.15  # per-sample global offset (library size, RNA quality)
_GENES_PER_MODULE = 30  # module size used when n_modules is None


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"The '{name}' parameter of make_expression must be an int; got "
            f"{value!r} of type {type(value).__name__}."
        )
    if value < low:
        raise ValueError(
            f"The '{name}' parameter of make_expression must be an int >= {low}; "
            f"got {value}."
        )
    return int(value)


def _check_real(value, name, low, high=None, *, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"The '{name}' parameter of make_expression must be a real number; got "
            f"{value!r} of type {type(value).__name__}."
        )
    value = float(value)
    bad_low = value <= low if low_open else value < low
    bad_high = high is not None and value > high
    if bad_low or bad_high or not np.isfinite(value):
        left = "(" if low_open else "["
        right = f"{high}]" if high is not None else "inf)"
        raise ValueError(
            f"The '{name}' parameter of make_expression must be in the range "
            f"{left}{low}, {right}; got {value}."
        )
    return value


def _seed_sequence(random_state):
    """Turn ``random_state`` into a SeedSequence without touching global RNG state."""
    if random_state is None:
        # Fresh OS entropy rather than numpy's global RandomState.
        return np.random.SeedSequence()
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        if random_state < 0:
            raise ValueError(
                "The 'random_state' parameter of make_expression must be a "
                f"non-negative int; got {random_state}."
            )
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(0, 2**31 - 1)))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(0, 2**63 - 1)))
    raise TypeError(
        "The 'random_state' parameter of make_expression must be None, an int, a "
        f"numpy RandomState or Generator; got {random_state!r}."
    )


def _default_weights(n_tissues):
    """First tissue 25 %, last 3 %, the others in decreasing linear steps."""
    if n_tissues < 5:
        w = np.arange(n_tissues, 0, -1, dtype=float)
        return w / w.sum()
    m = n_tissues - 2
    middle = np.arange(2 * m, m, -1, dtype=float)
    middle *= 0.72 / middle.sum()
    return np.concatenate([[0.25], middle, [0.03]])


def _split_counts(n, weights):
    """Split ``n`` into integer counts proportional to ``weights`` (largest remainder).

    Deterministic, so the class sizes are exactly as asked (up to rounding).
    """
    raw = n * np.asarray(weights, dtype=float)
    counts = np.floor(raw).astype(np.int64)
    # Ties in the remainder go to the earlier (larger) class.
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def _check_weights(weights, n_tissues):
    if weights is None:
        return _default_weights(n_tissues)
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.shape[0] != n_tissues:
        raise ValueError(
            "The 'weights' parameter of make_expression must have one entry per "
            f"tissue (n_tissues={n_tissues}); got shape {w.shape}."
        )
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(
            "The 'weights' parameter of make_expression must hold positive finite "
            f"proportions; got {w.tolist()}."
        )
    if abs(w.sum() - 1.0) > 1e-3:
        raise ValueError(
            "The 'weights' parameter of make_expression must sum to 1; got sum "
            f"{w.sum():.4g} for {w.tolist()}."
        )
    return w / w.sum()


def _tissue_names(n_tissues):
    if n_tissues <= len(_TISSUE_NAMES):
        return list(_TISSUE_NAMES[:n_tissues])
    width = len(str(n_tissues - 1))
    return [f"tissue_{k:0{width}d}" for k in range(n_tissues)]


def make_expression(
    n_samples=1200,
    n_genes=2000,
    *,
    n_tissues=6,
    weights=None,
    cancer_fraction=0.5,
    n_modules=None,
    n_cancer_subtypes=3,
    noise=0.5,
    cancer_spread=1.5,
    module_fraction=0.6,
    floor=0.0,
    return_covariates=False,
    as_frame=False,
    block_size=64,
    random_state=None,
):
    """Simulate log-expression data with tissues, cancer sub-modes and gene modules.

    The embedded default data set of sklearn-remgan. It reproduces what makes
    multi-tissue cancer/healthy expression data hard for a GAN: tissues of very
    unequal size (one about 25 % of the samples, a rare one about 3 %), a
    cancer/healthy status whose cancer samples form several sub-modes with a
    larger spread, blocks of co-expressed genes (modules) whose activity depends
    on tissue, status and subtype, per-gene noise and a low-expression floor.
    The values look like log2 expression and are **not** standardized; put a
    ``StandardScaler`` in your pipeline.

    Parameters
    ----------
    n_samples : int, default=1200
        Number of samples (rows). At least ``n_tissues``.
    n_genes : int, default=2000
        Number of genes (columns).
    n_tissues : int, default=6
        Number of tissues, i.e. classes of ``y``.
    weights : array-like of shape (n_tissues,), default=None
        Proportion of samples per tissue (positive, summing to 1), in the order
        of the tissue names. None gives 25 % to the first tissue, 3 % to the last
        and decreasing linear steps to the others (with fewer than 5 tissues,
        proportions ``n_tissues, ..., 2, 1`` normalised). Counts are exact up to
        rounding (largest remainder), and every tissue gets at least one sample.
    cancer_fraction : float, default=0.5
        Share of cancer samples within each tissue, in [0, 1].
    n_modules : int, default=None
        Number of gene modules (blocks of co-expressed genes). None gives one
        module per 30 module genes.
    n_cancer_subtypes : int, default=3
        Number of cancer sub-modes per tissue. Their sizes are proportional to
        ``K, K-1, ..., 1``, so the last subtype of each tissue is rare.
    noise : float, default=0.5
        Standard deviation of the per-gene noise of healthy samples (log2
        units); gene-specific noise levels vary by +-30 % around it.
    cancer_spread : float, default=1.5
        Ratio of the cancer spread to the healthy one, applied to both the
        per-sample module activity and the per-gene noise. Must be > 0.
    module_fraction : float, default=0.6
        Share of the genes that belong to a module; the others only carry their
        baseline, the sample offset and noise.
    floor : float, default=0.0
        Low-expression floor: values below it are set to it, as ``log2(x + 1)``
        of a zero count would be.
    return_covariates : bool, default=False
        If True, also return the per-sample covariates as a DataFrame.
    as_frame : bool, default=False
        If True, ``X`` is a DataFrame (gene columns, sample-id index) and ``y`` a
        Series named ``"tissue"``.
    block_size : int, default=64
        Rows generated at a time. Only changes the speed and the peak memory
        (small blocks stay in the CPU cache), never the data.
    random_state : int, RandomState instance, Generator or None, default=None
        Seed of the simulation. An int gives the same data on every call; None
        draws fresh entropy. The global numpy random state is never used.

    Returns
    -------
    X : ndarray of shape (n_samples, n_genes), dtype float32, or DataFrame
        Log-expression-like values.
    y : ndarray of shape (n_samples,) of str, or Series
        Tissue of each sample (object dtype).
    covariates : DataFrame of shape (n_samples, 6)
        Only when ``return_covariates=True``. Indexed by sample id, one row per
        sample in the order of ``X``, with the columns ``tissue`` (str),
        ``cancer`` (int, 1 for cancer), ``status`` (``"cancer"`` or
        ``"healthy"``), ``subtype`` (``"S1"``, ``"S2"``, ... for cancer,
        ``"healthy"`` otherwise), ``mode`` (``"tissue/status[/subtype]"``, the
        finest mode label) and ``depth`` (the sample's global log offset).

    See Also
    --------
    load_expression : Load a real expression matrix and its sample annotation.

    Notes
    -----
    Genes ``0 .. round(module_fraction * n_genes) - 1`` are split into
    ``n_modules`` contiguous, nearly equal blocks (``numpy.array_split`` order);
    the remaining genes belong to no module. For sample ``i`` of tissue ``t``,
    cancer status ``c`` and subtype ``k``, module ``m`` has the activity

    .. math::

        a_{im} = T_{tm} + c (C_m + S_{tkm}) + s_i \\sigma_M z_{im},

    with sparse tissue profiles ``T``, a pan-cancer program ``C``, sparse
    subtype shifts ``S``, ``s_i = 1`` for healthy and ``cancer_spread`` for
    cancer samples, and standard normal ``z``. Gene ``g`` of module ``m`` then
    reads

    .. math::

        x_{ig} = \\max(f, \\mu_g + d_i + w_g a_{im} + s_i \\sigma_g e_{ig})

    with a right-skewed baseline ``mu_g`` (many lowly expressed genes), a
    positive loading ``w_g``, a per-sample offset ``d_i``, gene noise
    ``sigma_g`` around ``noise``, standard normal ``e`` and the floor ``f``.
    The module term is a gather of the ``(n_samples, n_modules)`` activity
    matrix (a block-sparse low-rank product), so the cost is linear in the
    matrix size. Rows are generated in float32 blocks, and every row draws its
    noise from its own stream (seeded from ``random_state``), which makes the
    result independent of ``block_size``. A 12,000 x 32,043 matrix takes about
    4 s of CPU time and 1.5 GiB (the output) plus one block (see
    ``benchmarks/bench_make_expression.py``).

    The sample order is shuffled; sample ids are ``sample_00000, ...`` and gene
    names ``gene_00000, ...``.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn_remgan.datasets import make_expression
    >>> X, y = make_expression(n_samples=300, n_genes=100, random_state=0)
    >>> X.shape, X.dtype
    ((300, 100), dtype('float32'))
    >>> sorted(Counter(y).items())
    [('breast', 75), ('colon', 50), ('kidney', 58), ('liver', 42), ('lung', 66),
     ('thyroid', 9)]
    >>> X, y, cov = make_expression(
    ...     n_samples=300, n_genes=100, return_covariates=True, random_state=0
    ... )
    >>> cov["status"].value_counts().sort_index()
    status
    cancer     150
    healthy    150
    Name: count, dtype: int64
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_genes = _check_int(n_genes, "n_genes", 1)
    n_tissues = _check_int(n_tissues, "n_tissues", 1)
    n_cancer_subtypes = _check_int(n_cancer_subtypes, "n_cancer_subtypes", 1)
    block_size = _check_int(block_size, "block_size", 1)
    cancer_fraction = _check_real(cancer_fraction, "cancer_fraction", 0.0, 1.0)
    noise = _check_real(noise, "noise", 0.0)
    cancer_spread = _check_real(cancer_spread, "cancer_spread", 0.0, low_open=True)
    module_fraction = _check_real(module_fraction, "module_fraction", 0.0, 1.0)
    floor = _check_real(floor, "floor", -np.inf)
    weights = _check_weights(weights, n_tissues)
    if n_samples < n_tissues:
        raise ValueError(
            f"make_expression needs at least one sample per tissue: n_samples="
            f"{n_samples} < n_tissues={n_tissues}."
        )
    n_module_genes = round(module_fraction * n_genes)
    if n_modules is None:
        n_modules = max(1, n_module_genes // _GENES_PER_MODULE) if n_module_genes else 0
    else:
        n_modules = _check_int(n_modules, "n_modules", 1)
        if n_modules > n_module_genes:
            raise ValueError(
                f"The 'n_modules' parameter of make_expression must be at most the "
                f"number of module genes, round(module_fraction * n_genes)="
                f"{n_module_genes}; got {n_modules}."
            )
    ss_struct, ss_noise = _seed_sequence(random_state).spawn(2)
    rng = np.random.default_rng(ss_struct)

    # Samples: exact counts per tissue, status and subtype, then shuffled.
    counts = _split_counts(n_samples, weights)
    if np.any(counts == 0):
        # Guarantee every tissue a sample, taken from the largest tissues.
        for t in np.flatnonzero(counts == 0):
            counts[np.argmax(counts)] -= 1
            counts[t] = 1
    sub_w = np.arange(n_cancer_subtypes, 0, -1, dtype=float)
    sub_w /= sub_w.sum()
    tissue_idx, cancer, subtype_idx = [], [], []
    for t, n_t in enumerate(counts):
        n_c = round(cancer_fraction * n_t)
        sub_counts = _split_counts(n_c, sub_w)
        tissue_idx.append(np.full(n_t, t))
        cancer.append(np.r_[np.zeros(n_t - n_c), np.ones(n_c)])
        subtype_idx.append(np.r_[np.full(n_t - n_c, -1), np.repeat(
            np.arange(n_cancer_subtypes), sub_counts)])
    order = rng.permutation(n_samples)
    tissue_idx = np.concatenate(tissue_idx).astype(np.intp)[order]
    cancer = np.concatenate(cancer).astype(np.int64)[order]
    subtype_idx = np.concatenate(subtype_idx).astype(np.intp)[order]

    # Genes: baselines, noise levels, module membership and loadings.
    mu = (rng.gamma(2.0, 1.6, n_genes) + rng.normal(-0.5, 0.8, n_genes)).astype(
        np.float32
    )
    gene_sd = (noise * rng.uniform(0.7, 1.3, n_genes)).astype(np.float32)
    loading = rng.uniform(0.6, 1.4, n_genes).astype(np.float32)
    module_of_gene = np.full(n_genes, n_modules, dtype=np.intp)  # n_modules: none
    for m, genes in enumerate(np.array_split(np.arange(n_module_genes), n_modules)):
        module_of_gene[genes] = m

    # Module activity per sample (n_samples x n_modules, small).
    shape_t = (n_tissues, n_modules)
    T = (rng.random(shape_t) < _TISSUE_ACTIVE) * rng.normal(0, _TISSUE_EFFECT, shape_t)
    C = (rng.random(n_modules) < _CANCER_SHARED) * rng.normal(
        _CANCER_SHIFT, 0.3, n_modules
    )
    shape_s = (n_tissues, n_cancer_subtypes, n_modules)
    S = (rng.random(shape_s) < _SUBTYPE_ACTIVE) * rng.normal(
        0, _SUBTYPE_EFFECT, shape_s
    )
    spread = np.where(cancer == 1, cancer_spread, 1.0)
    activity = np.zeros((n_samples, n_modules + 1), dtype=np.float32)
    activity[:, :n_modules] = (
        T[tissue_idx]
        + cancer[:, None] * (C + S[tissue_idx, np.maximum(subtype_idx, 0)])
        + spread[:, None] * _MODULE_SD * rng.standard_normal((n_samples, n_modules))
    )
    depth = rng.normal(0.0, _DEPTH_SD, n_samples).astype(np.float32)
    row_sd = spread.astype(np.float32)

    # Each row has its own noise stream (seeded from the SeedSequence), so the
    # data do not depend on block_size; torch's vectorised normal sampler is
    # about 2.5x faster than numpy's here, and a private Generator leaves the
    # global torch RNG alone.
    import torch

    row_seeds = ss_noise.generate_state(n_samples, dtype=np.uint64)
    noise_gen = torch.Generator()
    X = np.empty((n_samples, n_genes), dtype=np.float32)
    buf = np.empty((min(block_size, n_samples), n_genes), dtype=np.float32)
    for start in range(0, n_samples, block_size):
        stop = min(start + block_size, n_samples)
        Xb, tmp = X[start:stop], buf[: stop - start]
        for i in range(start, stop):
            noise_gen.manual_seed(int(row_seeds[i]))
            torch.randn(n_genes, generator=noise_gen, out=torch.from_numpy(X[i]))
        Xb *= gene_sd
        Xb *= row_sd[start:stop, None]
        np.take(activity[start:stop], module_of_gene, axis=1, out=tmp)
        tmp *= loading
        tmp += mu
        tmp += depth[start:stop, None]
        Xb += tmp
        np.maximum(Xb, np.float32(floor), out=Xb)

    names = np.asarray(_tissue_names(n_tissues), dtype=object)
    y = names[tissue_idx]
    width = max(5, len(str(n_samples - 1)))
    sample_ids = pd.Index(
        [f"sample_{i:0{width}d}" for i in range(n_samples)], name="sample_id"
    )
    if as_frame:
        gwidth = max(5, len(str(n_genes - 1)))
        genes = [f"gene_{j:0{gwidth}d}" for j in range(n_genes)]
        X = pd.DataFrame(X, index=sample_ids, columns=genes, copy=False)
        y = pd.Series(y, index=sample_ids, name="tissue")
    if not return_covariates:
        return X, y
    status = np.where(cancer == 1, "cancer", "healthy").astype(object)
    subtype = np.where(
        cancer == 1, np.char.add("S", (subtype_idx + 1).astype(str)), "healthy"
    ).astype(object)
    mode = names[tissue_idx] + "/" + status
    mode = np.where(cancer == 1, mode + "/" + subtype, mode)
    covariates = pd.DataFrame(
        {
            "tissue": names[tissue_idx],
            "cancer": cancer,
            "status": status,
            "subtype": subtype,
            "mode": mode.astype(object),
            "depth": depth,
        },
        index=sample_ids,
    )
    return X, y, covariates
