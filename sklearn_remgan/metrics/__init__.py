"""Blind-spot metrics: precision/recall/density/coverage, REM, per-class report.

The scorers (:class:`PRScorer`, :class:`REMScorer`) wrap these metrics for
scikit-learn's model selection tools.
"""

from sklearn_remgan.metrics._precision_recall import precision_recall
from sklearn_remgan.metrics._rem import REM
from sklearn_remgan.metrics._report import per_class_report
from sklearn_remgan.metrics._scorer import (
    PRScorer,
    REMScorer,
    get_scorer,
    get_scorer_names,
)

__all__ = [
    "REM",
    "PRScorer",
    "REMScorer",
    "get_scorer",
    "get_scorer_names",
    "per_class_report",
    "precision_recall",
]
