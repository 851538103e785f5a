"""Blind-spot metrics: precision/recall/density/coverage, REM, per-class report.

The scorers (:class:`PRScorer`, :class:`REMScorer`) wrap these metrics for
scikit-learn's model selection tools. Real REM compared with generated REM is
always out of sample: :func:`cross_fitted_rem`, or a :class:`REM` fitted on
training rows scoring held-out rows; :func:`choose_n_components` is the one
rule for the number of components.
"""

from sklearn_remgan.metrics._cross_fit import choose_n_components, cross_fitted_rem
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
    "choose_n_components",
    "cross_fitted_rem",
    "get_scorer",
    "get_scorer_names",
    "per_class_report",
    "precision_recall",
]
