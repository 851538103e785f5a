"""A small real labelled expression set shipped inside the package."""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch
from sklearn_compat.utils._param_validation import validate_params

_PACKAGE = "sklearn_remgan.datasets"
_PBMC = "pbmc68k_reduced"
_PBMC_TARGET = "bulk_labels"
# Read as float32, the dtype they were stored in upstream; louvain cluster ids
# stay strings ("1", "10"), as in the source file.
_PBMC_OBS_DTYPES = {
    "bulk_labels": str,
    "louvain": str,
    "phase": str,
    "n_genes": np.int64,
    "percent_mito": np.float32,
    "n_counts": np.float32,
    "S_score": np.float32,
    "G2M_score": np.float32,
}


def _data_file(name):
    # The data folder is not a package: reach it from its parent.
    return resources.files(_PACKAGE).joinpath("data", name)


def _read_descr(name):
    return _data_file(f"{name}.rst").read_text(encoding="utf-8")


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_pbmc68k_reduced(*, return_X_y=False, as_frame=False):
    """Load the PBMC 68k reduced set: 700 real cells, 765 genes, 10 cell types.

    A small real single-cell expression set, bundled with the package (no
    download, no optional dependency), for examples and tests on real data. The
    classes are imbalanced (240 to 8 cells). Values are library-size normalised
    and ``log1p`` transformed, not standardized. It is the 700-cell subsample of
    the 10x Genomics 68k PBMC data (Zheng et al. 2017) that scanpy ships (BSD
    3-Clause); see ``DESCR`` for the source, licence and citation.

    =================   ==========================
    Classes                                     10
    Samples per class                      8 - 240
    Samples total                              700
    Dimensionality                             765
    Features            real, >= 0 (log1p scale)
    =================   ==========================

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame (gene columns, indexed by cell id),
        ``target`` a Series named ``"bulk_labels"`` and ``frame`` a DataFrame
        holding both.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : {ndarray, DataFrame} of shape (700, 765), dtype float32
            The expression matrix, cells as rows.
        target : {ndarray, Series} of shape (700,)
            The cell type (``bulk_labels``), as str (object dtype).
        frame : DataFrame of shape (700, 766) or None
            ``data`` with the ``target`` column; only when ``as_frame=True``.
        feature_names : ndarray of shape (765,)
            Gene symbols, in column order.
        target_names : ndarray of shape (10,)
            The cell types, sorted.
        sample_ids : ndarray of shape (700,)
            Cell barcodes, in row order.
        obs : DataFrame of shape (700, 8)
            The full cell annotation, indexed by cell id: ``bulk_labels``,
            ``louvain`` (cluster, str), ``phase`` (cell-cycle phase),
            ``n_genes``, ``n_counts``, ``percent_mito``, ``S_score``,
            ``G2M_score``.
        DESCR : str
            Description of the set: source, processing, licence, references.

    (data, target) : tuple if ``return_X_y`` is True
        The arrays (or DataFrame and Series with ``as_frame=True``).

    See Also
    --------
    make_expression : The embedded simulated expression data set.
    load_expression : Load a real expression matrix and its annotation.

    Notes
    -----
    The values are bit-identical to ``.raw.X`` of the file
    ``scanpy/datasets/10x_pbmc68k_reduced.h5ad`` in the scanpy 1.11.5 wheel,
    stored as a compressed ``.npz`` with the cell annotation in a gzipped
    CSV (about 0.3 MB together).

    References
    ----------
    .. [1] G. X. Y. Zheng et al., "Massively parallel digital transcriptional
       profiling of single cells", Nature Communications 8, 14049 (2017).

    Examples
    --------
    >>> from sklearn_remgan.datasets import load_pbmc68k_reduced
    >>> pbmc = load_pbmc68k_reduced()
    >>> pbmc.data.shape, pbmc.data.dtype
    ((700, 765), dtype('float32'))
    >>> pbmc.target_names[:3]
    array(['CD14+ Monocyte', 'CD19+ B', 'CD34+'], dtype=object)
    >>> X, y = load_pbmc68k_reduced(return_X_y=True, as_frame=True)
    >>> y.value_counts().tail(3)
    bulk_labels
    CD4+/CD45RO+ Memory           19
    CD34+                         13
    CD4+/CD45RA+/CD25- Naive T     8
    Name: count, dtype: int64
    """
    with _data_file(f"{_PBMC}.npz").open("rb") as f, np.load(f) as z:
        X = z["X"]
        sample_ids = z["obs_names"].astype(object)
        genes = z["var_names"].astype(object)
    with _data_file(f"{_PBMC}.obs.csv.gz").open("rb") as f:
        obs = pd.read_csv(f, compression="gzip", index_col=0, dtype=_PBMC_OBS_DTYPES)
    obs.index = pd.Index(sample_ids, name="sample_id")
    target = obs[_PBMC_TARGET].to_numpy(dtype=object)
    frame = None
    if as_frame:
        X = pd.DataFrame(X, index=obs.index.copy(), columns=genes, copy=False)
        target = obs[_PBMC_TARGET].copy()
        frame = X.assign(**{_PBMC_TARGET: target})
    if return_X_y:
        return X, target
    return Bunch(
        data=X,
        target=target,
        frame=frame,
        feature_names=genes,
        target_names=np.unique(obs[_PBMC_TARGET].to_numpy(dtype=object)),
        sample_ids=sample_ids,
        obs=obs,
        DESCR=_read_descr(_PBMC),
    )
