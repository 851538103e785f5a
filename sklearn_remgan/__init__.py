"""Conditional WGAN-GP over-sampling and blind-spot diagnostics for expression data.

The public estimators are re-exported here; the subpackages hold the rest:
:mod:`sklearn_remgan.over_sampling` (the sampler), :mod:`sklearn_remgan.metrics`
(precision/recall, REM, scorers), :mod:`sklearn_remgan.alignment` (OT alignment),
:mod:`sklearn_remgan.diagnostics` (tables and figures), :mod:`sklearn_remgan.datasets`
(simulator and loaders) and :mod:`sklearn_remgan.study` (the ``remgan study`` pipeline).
"""

from sklearn_remgan._version import __version__
from sklearn_remgan.alignment import OTAligner
from sklearn_remgan.metrics import PRScorer, REMScorer
from sklearn_remgan.over_sampling import WGANGPSampler

__all__ = ["OTAligner", "PRScorer", "REMScorer", "WGANGPSampler", "__version__"]
