"""Blind-spot diagnostics: tables and figures of where a generator fails.

Tables (pandas) give overall and per-class precision, recall, zero-recall shares and
REM summaries; ``*Display`` figures follow scikit-learn's plotting API.
"""

from sklearn_remgan.diagnostics._plot import (
    RecallREMDisplay,
    REMDistributionDisplay,
    TrainingCurvesDisplay,
    UMAPDisplay,
    ZeroRecallDisplay,
)
from sklearn_remgan.diagnostics._tables import (
    blind_spot_tables,
    overall_table,
    recall_by_class,
    rem_difference_table,
)

__all__ = [
    "REMDistributionDisplay",
    "RecallREMDisplay",
    "TrainingCurvesDisplay",
    "UMAPDisplay",
    "ZeroRecallDisplay",
    "blind_spot_tables",
    "overall_table",
    "recall_by_class",
    "rem_difference_table",
]
