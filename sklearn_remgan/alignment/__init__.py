"""Post-hoc alignment of generated samples (Optimal Transport)."""

from sklearn_remgan.alignment._ot import OTAligner

__all__ = ["OTAligner"]
