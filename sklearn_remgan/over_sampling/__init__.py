"""Over-samplers that generate new rows with a conditional WGAN-GP."""

from sklearn_remgan.over_sampling._losses import (
    WassersteinLoss,
    fused_critic_backward,
    fused_critic_loss,
    gradient_penalty,
    interpolate,
)
from sklearn_remgan.over_sampling._modules import Critic, Generator
from sklearn_remgan.over_sampling._net import WGANGPNet
from sklearn_remgan.over_sampling._wgan_gp import WGANGPSampler

__all__ = [
    "Critic",
    "Generator",
    "WGANGPNet",
    "WGANGPSampler",
    "WassersteinLoss",
    "fused_critic_backward",
    "fused_critic_loss",
    "gradient_penalty",
    "interpolate",
]
