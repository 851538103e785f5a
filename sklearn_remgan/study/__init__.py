"""The blind-spot study: run every stage and write a shareable report folder.

``run_study`` returns tables, figures and metrics; ``write_report`` writes them as
``index.html``, PNG/SVG figures, CSV tables, ``metrics.json`` and the log. The
``remgan study`` command calls both.
"""

from sklearn_remgan.study._report import check_report_target, write_report
from sklearn_remgan.study._run import (
    PRESETS,
    StudyInputError,
    check_study_inputs,
    run_study,
)

__all__ = [
    "PRESETS",
    "StudyInputError",
    "check_report_target",
    "check_study_inputs",
    "run_study",
    "write_report",
]
