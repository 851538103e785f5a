"""Generative over-sampling and blind-spot diagnostics for expression data.

The public estimators are re-exported here; the subpackages hold the rest:
:mod:`sklearn_remgan.over_sampling` (the samplers), :mod:`sklearn_remgan.metrics`
(precision/recall, REM, scorers), :mod:`sklearn_remgan.alignment` (OT alignment),
:mod:`sklearn_remgan.diagnostics` (tables and figures), :mod:`sklearn_remgan.datasets`
(simulator and loaders) and :mod:`sklearn_remgan.study` (the ``remgan study`` pipeline).
"""

import importlib

from sklearn_remgan._version import __version__

__all__ = [
    "DDPMSampler",
    "OTAligner",
    "PRScorer",
    "REMScorer",
    "WGANGPSampler",
    "__version__",
]

# Where each re-exported name lives. They are imported on first use, so that
# `remgan --help` (and any import of a light submodule) does not load torch,
# scikit-learn or pandas.
_HOMES = {
    "DDPMSampler": "sklearn_remgan.over_sampling",
    "OTAligner": "sklearn_remgan.alignment",
    "PRScorer": "sklearn_remgan.metrics",
    "REMScorer": "sklearn_remgan.metrics",
    "WGANGPSampler": "sklearn_remgan.over_sampling",
}


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
