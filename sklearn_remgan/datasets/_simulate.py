"""The embedded expression simulator: tissues, cancer sub-modes and gene modules."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn_compat.utils._param_validation import validate_params

from sklearn_remgan.utils._sklearn_compat import Interval

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

# Fixed magnitudes of the generative model (log2 units, see Notes), calibrated
# against TCGA tumour/normal data (benchmarks/bench_simulator_realism.py).
_TISSUE_ACTIVE = 0.3  # share of modules a tissue switches on or off
_TISSUE_EFFECT = 3.0  # sd of a tissue's module activity
_CANCER_SHARED = 0.1  # share of modules in the pan-cancer program
_CANCER_SHIFT = 1.0  # mean up-regulation of the pan-cancer modules
_SUBTYPE_ACTIVE = 0.15  # share of modules a cancer subtype changes
_SUBTYPE_EFFECT = 2.5  # sd of a subtype's module shift
_MODULE_SD = 0.8  # per-sample module activity sd (healthy)
_GENE_TISSUE_ACTIVE = 0.4  # share of (tissue, gene) pairs with a gene-level effect
_GENE_TISSUE_EFFECT = 3.0  # sd of a gene's tissue-specific level
_GENE_CANCER_ACTIVE = 0.2  # share of (tissue, gene) pairs a tumour changes
_GENE_CANCER_EFFECT = 2.5  # sd of a gene's tumour-vs-normal change
_DEPTH_SD = 0.15  # per-sample global offset (library size, RNA quality)
_GENES_PER_MODULE = 15  # module size used when n_modules is None
_BASELINE_SHIFT = 1.5  # log2 offset of gene baselines: few values at the floor


def _seed_sequence(random_state):
    """Turn ``random_state`` into a SeedSequence without touching global RNG state."""
    if random_state is None:
        # Fresh OS entropy rather than numpy's global RandomState.
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(0, 2**31 - 1)))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(0, 2**63 - 1)))
    return np.random.SeedSequence(int(random_state))


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
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "The 'weights' parameter of make_expression must hold numbers (one "
            f"proportion per tissue); got {weights!r}."
        ) from None
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


# Bounds keep every value finite in float32 (log2 units: a noise sd of 100 is
# already 30 orders of magnitude of expression).
_MAX_SCALE = 100.0
_MAX_FLOOR = 1000.0


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_genes": [Interval(Integral, 1, None, closed="left")],
        "n_tissues": [Interval(Integral, 1, None, closed="left")],
        "weights": ["array-like", None],
        "cancer_fraction": [Interval(Real, 0, 1, closed="both")],
        "n_modules": [Interval(Integral, 1, None, closed="left"), None],
        "n_cancer_subtypes": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, _MAX_SCALE, closed="both")],
        "cancer_spread": [Interval(Real, 0, _MAX_SCALE, closed="right")],
        "cancer_noise": [Interval(Real, 0, _MAX_SCALE, closed="right")],
        "module_fraction": [Interval(Real, 0, 1, closed="both")],
        "floor": [Interval(Real, -_MAX_FLOOR, _MAX_FLOOR, closed="both"), None],
        "return_covariates": ["boolean"],
        "as_frame": ["boolean"],
        "block_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    },
    prefer_skip_nested_validation=True,
)
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
    cancer_spread=2.0,
    cancer_noise=1.25,
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
    larger spread, tissue- and tumour-specific genes, blocks of co-expressed
    genes (modules) whose activity depends on tissue, status and subtype,
    per-gene noise and a low-expression floor. The values look like log2
    expression and are **not** standardized; put a ``StandardScaler`` in your
    pipeline.

    The default magnitudes were set against the real TCGA tumour/normal data
    (11 cohorts, 500 most variable genes, standardized): the separation of the
    tissue x status modes, their k-NN radii, the share of variance in the first
    principal components and the precision/recall of held-out real rows
    against training rows match within about 0.1 for both statuses, so a
    generator that matches the distribution can recall the cancer modes (see
    Notes and ``benchmarks/bench_simulator_realism.py``).

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
        module per 15 module genes (none when ``module_fraction`` gives no
        module gene).
    n_cancer_subtypes : int, default=3
        Number of cancer sub-modes per tissue. Their sizes are proportional to
        ``K, K-1, ..., 1``, so the last subtype of each tissue is rare.
    noise : float, default=0.5
        Standard deviation of the per-gene noise of healthy samples (log2
        units), in [0, 100]; gene-specific noise levels vary by +-30 % around
        it.
    cancer_spread : float, default=2.0
        Ratio of the cancer to the healthy spread of the per-sample module
        activity, in (0, 100]: the structured (co-expressed) heterogeneity of
        tumours.
    cancer_noise : float, default=1.25
        Ratio of the cancer to the healthy per-gene noise, in (0, 100]. Keep it
        near 1: independent noise on every gene makes cancer rows far from all
        others in high dimension, so that no generator, however good, could
        recall them (see Notes).

        .. versionadded:: 0.2
           Before, ``cancer_spread`` scaled the noise too.
    module_fraction : float, default=0.6
        Share of the genes that belong to a module, in [0, 1]; the others carry
        their baseline, their tissue and tumour levels, the sample offset and
        noise.
    floor : float or None, default=0.0
        Low-expression floor in [-1000, 1000]: values below it are set to it, as
        ``log2(x + 1)`` of a zero count would be. None applies no floor.
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

        x_{ig} = \\max(f, \\mu_g + G_{tg} + c H_{tg} + d_i + w_g a_{im}
                 + r_i \\sigma_g e_{ig})

    with a right-skewed baseline ``mu_g``, sparse tissue-specific levels ``G``
    (40 % of the tissue x gene pairs, sd 3 log2 units) and tumour-vs-normal
    changes ``H`` (20 %, sd 2.5), a positive loading ``w_g`` (genes outside
    modules have no module term), a per-sample offset ``d_i``, gene noise
    ``sigma_g`` around ``noise``, ``r_i = 1`` for healthy and ``cancer_noise``
    for cancer samples, standard normal ``e`` and the floor ``f``.

    **Realism.** Tumours are more heterogeneous than normal tissue, but in
    real data that heterogeneity is structured: subtypes and co-expressed
    programs, not independent noise on every gene. Independent noise grows
    the distance between two cancer rows with the number of genes, so a
    cancer row's nearest neighbours become healthy rows and no generator can
    recall it. Hence the extra cancer spread goes mainly into the module
    activity (``cancer_spread``) and only a little into the noise
    (``cancer_noise``). On the study's quick size (1,000 x 500), held-out
    real rows against training rows give, per status, precision and recall
    of about 0.85 (k=3) for both statuses, as on TCGA (0.78-0.89); with the
    previous defaults (noise scaled by 1.5 for cancer, no tissue-specific
    genes) cancer recall was 0.18 and healthy 0.95.
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
    _check_not_bool(
        n_samples=n_samples,
        n_genes=n_genes,
        n_tissues=n_tissues,
        n_modules=n_modules,
        n_cancer_subtypes=n_cancer_subtypes,
        block_size=block_size,
    )
    weights = _check_weights(weights, n_tissues)
    if n_samples < n_tissues:
        raise ValueError(
            f"make_expression needs at least one sample per tissue: n_samples="
            f"{n_samples} < n_tissues={n_tissues}."
        )
    n_module_genes = round(module_fraction * n_genes)
    n_modules = _check_n_modules(n_modules, n_module_genes)
    ss_struct, ss_noise = _seed_sequence(random_state).spawn(2)
    rng = np.random.default_rng(ss_struct)

    # The draws below share one stream: their order is part of the output.
    tissue_idx, cancer, subtype_idx = _draw_samples(
        rng, n_samples, weights, cancer_fraction, n_cancer_subtypes
    )
    mu, level, gene_sd, loading, module_of_gene = _draw_genes(
        rng, n_genes, n_tissues, noise, n_modules, n_module_genes
    )
    activity = _draw_activity(
        rng,
        tissue_idx,
        cancer,
        subtype_idx,
        n_tissues=n_tissues,
        n_modules=n_modules,
        n_cancer_subtypes=n_cancer_subtypes,
        cancer_spread=cancer_spread,
    )
    depth = rng.normal(0.0, _DEPTH_SD, n_samples).astype(np.float32)
    row_sd = np.where(cancer == 1, cancer_noise, 1.0).astype(np.float32)
    X = _fill_rows(
        ss_noise,
        n_genes,
        gene_sd=gene_sd,
        row_sd=row_sd,
        activity=activity,
        module_of_gene=module_of_gene,
        loading=loading,
        mu=mu,
        depth=depth,
        level=level,
        level_row=tissue_idx + n_tissues * cancer,
        floor=floor,
        block_size=block_size,
    )

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
    covariates = _covariates(names, tissue_idx, cancer, subtype_idx, depth, sample_ids)
    return X, y, covariates


def _check_not_bool(**values):
    """Reject bools for the integer parameters."""
    # numbers.Integral includes bool, which scikit-learn's Interval accepts.
    for name, value in values.items():
        if isinstance(value, bool | np.bool_):
            raise TypeError(
                f"The '{name}' parameter of make_expression must be an int, not a "
                f"bool; got {value!r}."
            )


def _check_n_modules(n_modules, n_module_genes):
    """Resolve ``n_modules=None`` and check it against the number of module genes."""
    if n_modules is None:
        return max(1, n_module_genes // _GENES_PER_MODULE) if n_module_genes else 0
    if n_modules > n_module_genes:
        raise ValueError(
            f"The 'n_modules' parameter of make_expression must be at most the "
            f"number of module genes, round(module_fraction * n_genes)="
            f"{n_module_genes}; got {n_modules}."
        )
    return n_modules


def _draw_samples(rng, n_samples, weights, cancer_fraction, n_cancer_subtypes):
    """Tissue, cancer status and subtype (-1: healthy) of each sample, shuffled.

    The counts per tissue, status and subtype are exact; only the order is random.
    """
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
        subtype_idx.append(
            np.r_[
                np.full(n_t - n_c, -1),
                np.repeat(np.arange(n_cancer_subtypes), sub_counts),
            ]
        )
    order = rng.permutation(n_samples)
    tissue_idx = np.concatenate(tissue_idx).astype(np.intp)[order]
    cancer = np.concatenate(cancer).astype(np.int64)[order]
    subtype_idx = np.concatenate(subtype_idx).astype(np.intp)[order]
    return tissue_idx, cancer, subtype_idx


def _draw_genes(rng, n_genes, n_tissues, noise, n_modules, n_module_genes):
    """Per-gene baselines, tissue/tumour levels, noise sd, loadings and modules.

    ``level`` has one row per (tissue, status): row ``t + c * n_tissues``.
    ``module_of_gene`` is ``n_modules`` for genes outside every module (the
    extra, all-zero activity column).
    """
    mu = (
        rng.gamma(2.0, 1.6, n_genes) + rng.normal(_BASELINE_SHIFT, 0.8, n_genes)
    ).astype(np.float32)
    shape_g = (n_tissues, n_genes)
    # Tissue-specific genes: every gene, in or out of a module, is switched up
    # or down in some tissues (as in real atlases), so no gene is pure noise.
    G = (rng.random(shape_g) < _GENE_TISSUE_ACTIVE) * rng.normal(
        0, _GENE_TISSUE_EFFECT, shape_g
    )
    # Tumour-vs-normal differences of each tissue, gene by gene.
    H = (rng.random(shape_g) < _GENE_CANCER_ACTIVE) * rng.normal(
        0, _GENE_CANCER_EFFECT, shape_g
    )
    level = np.concatenate([G, G + H]).astype(np.float32)
    gene_sd = (noise * rng.uniform(0.7, 1.3, n_genes)).astype(np.float32)
    loading = rng.uniform(0.6, 1.4, n_genes).astype(np.float32)
    module_of_gene = np.full(n_genes, n_modules, dtype=np.intp)
    if n_modules:
        blocks = np.array_split(np.arange(n_module_genes), n_modules)
        for m, genes in enumerate(blocks):
            module_of_gene[genes] = m
    return mu, level, gene_sd, loading, module_of_gene


def _draw_activity(
    rng,
    tissue_idx,
    cancer,
    subtype_idx,
    *,
    n_tissues,
    n_modules,
    n_cancer_subtypes,
    cancer_spread,
):
    """Module activity per sample, ``(n_samples, n_modules + 1)`` float32.

    The last column stays zero: it is the "module" of genes outside every module.
    """
    n_samples = tissue_idx.shape[0]
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
    return activity


def _fill_rows(
    ss_noise,
    n_genes,
    *,
    gene_sd,
    row_sd,
    activity,
    module_of_gene,
    loading,
    mu,
    depth,
    level,
    level_row,
    floor,
    block_size,
):
    """Assemble the float32 expression matrix block by block.

    Noise, module term, baseline, sample offset, tissue/tumour level and floor,
    as in the Notes of ``make_expression``.
    """
    # Each row has its own noise stream (seeded from the SeedSequence), so the
    # data do not depend on block_size; torch's vectorised normal sampler is
    # about 2.5x faster than numpy's here, and a private Generator leaves the
    # global torch RNG alone.
    import torch

    n_samples = row_sd.shape[0]
    row_seeds = ss_noise.generate_state(n_samples, dtype=np.uint64)
    noise_gen = torch.Generator()
    X = np.empty((n_samples, n_genes), dtype=np.float32)
    buf = np.empty((min(block_size, n_samples), n_genes), dtype=np.float32)
    lift = np.float32(-np.inf if floor is None else floor)
    for start in range(0, n_samples, block_size):
        stop = min(start + block_size, n_samples)
        Xb, tmp = X[start:stop], buf[: stop - start]
        for i in range(start, stop):
            noise_gen.manual_seed(int(row_seeds[i]))
            torch.randn(n_genes, generator=noise_gen, out=torch.from_numpy(X[i]))
        # In-place float32 steps: one block-sized buffer, no full-size temporaries.
        Xb *= gene_sd
        Xb *= row_sd[start:stop, None]
        np.take(activity[start:stop], module_of_gene, axis=1, out=tmp)
        tmp *= loading
        tmp += mu
        tmp += depth[start:stop, None]
        Xb += tmp
        Xb += level[level_row[start:stop]]
        np.maximum(Xb, lift, out=Xb)
    return X


def _covariates(names, tissue_idx, cancer, subtype_idx, depth, sample_ids):
    """The per-sample covariates DataFrame returned with ``return_covariates``."""
    status = np.where(cancer == 1, "cancer", "healthy").astype(object)
    subtype = np.where(
        cancer == 1, np.char.add("S", (subtype_idx + 1).astype(str)), "healthy"
    ).astype(object)
    mode = names[tissue_idx] + "/" + status
    mode = np.where(cancer == 1, mode + "/" + subtype, mode)
    return pd.DataFrame(
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
