"""Conditional MLP denoiser of the diffusion sampler."""

import math

import torch
from torch import nn


def timestep_embedding(timesteps, dim, max_period=10_000.0):
    """Sinusoidal embedding of integer diffusion timesteps.

    Half of the ``dim`` columns are ``cos(t * f_i)`` and half ``sin(t * f_i)``
    with frequencies ``f_i`` spaced geometrically from 1 down to
    ``1 / max_period``, as in the transformer's position encoding; an odd
    ``dim`` gets one zero column.

    Parameters
    ----------
    timesteps : torch.Tensor of shape (n,)
        Timesteps (integers or floats).
    dim : int
        Width of the embedding.
    max_period : float, default=10000.0
        Longest period of the sinusoids, in timesteps.

    Returns
    -------
    embedding : torch.Tensor of shape (n, dim)
        float32 embedding on the device of ``timesteps``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._denoiser import timestep_embedding
    >>> timestep_embedding(torch.tensor([0, 10, 999]), 8).shape
    torch.Size([3, 8])
    """
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period)
        * torch.arange(half, dtype=torch.float32, device=timesteps.device)
        / max(half, 1)
    )
    angles = timesteps.float()[:, None] * freqs[None, :]
    embedding = torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)
    if dim % 2:
        embedding = nn.functional.pad(embedding, (0, 1))
    return embedding


class ResidualBlock(nn.Module):
    """``h + Linear(SiLU(LayerNorm(h)))``: a pre-norm residual MLP block.

    Parameters
    ----------
    width : int
        Width of the block's input and output.
    dropout : float, default=0.0
        Dropout applied after the activation.
    """

    def __init__(self, width, dropout=0.0):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.act = nn.SiLU()
        self.drop = nn.Dropout(dropout) if dropout else nn.Identity()
        self.linear = nn.Linear(width, width)

    def forward(self, h):
        """Apply the block to ``h`` of shape (batch, width).

        Parameters
        ----------
        h : torch.Tensor of shape (batch, width)
            Hidden activations.

        Returns
        -------
        out : torch.Tensor of shape (batch, width)
        """
        return h + self.linear(self.drop(self.act(self.norm(h))))


class Denoiser(nn.Module):
    """Conditional MLP that reads a noisy row and predicts its clean target.

    The noisy row, a sinusoidal embedding of its timestep and the condition
    vector (one-hot class and covariates) are concatenated and mapped to
    ``hidden_dim`` units, passed through ``n_blocks`` residual blocks
    (LayerNorm, SiLU, Linear) and a final LayerNorm, SiLU, Linear back to one
    unit per gene. What the output means (the clean row ``x0`` or the
    velocity ``v``) is set by the diffusion net that trains it.

    A condition vector of zeros is the "no condition" input that
    classifier-free guidance trains with condition dropout.

    Parameters
    ----------
    n_features : int
        Number of genes per row.
    n_conditions : int
        Width of the condition vector; 0 gives an unconditional denoiser.
    hidden_dim : int, default=1024
        Width of the residual blocks.
    n_blocks : int, default=3
        Number of residual blocks.
    time_dim : int, default=128
        Width of the timestep embedding.
    dropout : float, default=0.0
        Dropout inside the residual blocks.

    Attributes
    ----------
    center, scale : torch.Tensor of shape (n_features,)
        Buffers with the per-gene mean and standard deviation of the training
        rows (0 and 1 until the diffusion net sets them at fit): the net
        diffuses ``(x - center) / scale``, so that the unit-variance noise
        matches the data whatever their units.
    lower, upper : torch.Tensor of shape (n_features,)
        Buffers with the per-gene range of the standardized training rows
        (``-inf`` and ``inf`` until set); sampling clips its estimates of the
        clean row to them. Buffers travel with the weights in
        ``state_dict``, checkpoints and pickles.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._denoiser import Denoiser
    >>> net = Denoiser(n_features=10, n_conditions=3, hidden_dim=16, n_blocks=2)
    >>> x, t, c = torch.zeros(5, 10), torch.arange(5), torch.zeros(5, 3)
    >>> net(x, t, c).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        n_features,
        n_conditions,
        hidden_dim=1024,
        n_blocks=3,
        time_dim=128,
        dropout=0.0,
    ):
        super().__init__()
        self.n_features = int(n_features)
        self.n_conditions = int(n_conditions)
        self.time_dim = int(time_dim)
        width = self.n_features + self.time_dim + self.n_conditions
        self.input = nn.Linear(width, int(hidden_dim))
        self.blocks = nn.Sequential(
            *(ResidualBlock(int(hidden_dim), dropout) for _ in range(int(n_blocks)))
        )
        self.head = nn.Sequential(
            nn.LayerNorm(int(hidden_dim)),
            nn.SiLU(),
            nn.Linear(int(hidden_dim), self.n_features),
        )
        self.register_buffer("center", torch.zeros(self.n_features))
        self.register_buffer("scale", torch.ones(self.n_features))
        self.register_buffer("lower", torch.full((self.n_features,), -torch.inf))
        self.register_buffer("upper", torch.full((self.n_features,), torch.inf))

    def forward(self, x, t, condition=None):
        """Predict the denoising target of noisy rows.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_features)
            Noisy rows.
        t : torch.Tensor of shape (batch,)
            Their timesteps.
        condition : torch.Tensor of shape (batch, n_conditions) or None
            Condition vectors; None (or zero columns) for an unconditional
            denoiser.

        Returns
        -------
        out : torch.Tensor of shape (batch, n_features)
        """
        parts = [x, timestep_embedding(t, self.time_dim).to(x.dtype)]
        if self.n_conditions:
            if condition is None:
                condition = x.new_zeros(x.shape[0], self.n_conditions)
            parts.append(condition.to(x.dtype))
        return self.head(self.blocks(self.input(torch.cat(parts, dim=1))))
