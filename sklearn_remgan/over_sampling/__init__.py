"""Generative over-samplers (imbalanced-learn samplers) for expression data."""

from sklearn_remgan.over_sampling._ddpm import DDPMSampler
from sklearn_remgan.over_sampling._wgan_gp import WGANGPSampler

__all__ = ["DDPMSampler", "WGANGPSampler"]
