"""The blind-spot study: run every stage and write a shareable report folder.

``run_study`` returns tables, figures and metrics; ``write_report`` writes them as
``index.html``, PNG/SVG figures, CSV tables, ``metrics.json`` and the log. The
``remgan study`` command calls both.
"""

import importlib

__all__ = [
    "PRESETS",
    "StudyInputError",
    "check_report_target",
    "check_study_inputs",
    "run_study",
    "write_report",
]

_HOMES = {
    "PRESETS": "_presets",
    "StudyInputError": "_run",
    "check_report_target": "_report",
    "check_study_inputs": "_run",
    "run_study": "_run",
    "write_report": "_report",
}


def __getattr__(name):
    # Imported on first use, so that `remgan --help` does not load pandas or
    # scikit-learn through this package.
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
