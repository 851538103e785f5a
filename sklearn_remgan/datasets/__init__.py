"""Data sets: the embedded expression simulator and loaders for real files.

- :func:`make_expression` simulates multi-tissue cancer/healthy expression data
  (the embedded default of the study).
- :func:`load_pbmc68k_reduced` loads a small real single-cell set (700 cells,
  765 genes, 10 cell types) bundled with the package.
- :func:`read_matrix`, :func:`read_annotation` and :func:`load_expression` read
  real matrices (CSV, TSV, Parquet, ``.npz``, ``.h5ad``) and sample annotations
  (CSV, TSV, ArrayExpress SDRF) as pandas objects.
"""

from sklearn_remgan.datasets._bundled import load_pbmc68k_reduced
from sklearn_remgan.datasets._loaders import (
    load_expression,
    read_annotation,
    read_matrix,
)
from sklearn_remgan.datasets._simulate import make_expression

__all__ = [
    "load_expression",
    "load_pbmc68k_reduced",
    "make_expression",
    "read_annotation",
    "read_matrix",
]
