"""Conditional WGAN-GP over-sampling and blind-spot diagnostics for expression data."""

from sklearn_remgan._version import __version__

__all__ = ["__version__"]
