"""Conditional generator and critic networks (multi-layer perceptrons)."""

import itertools

import torch
from torch import nn


def _check_hidden(hidden, name):
    hidden = tuple(int(h) for h in hidden)
    if not hidden or any(h < 1 for h in hidden):
        raise ValueError(
            f"{name} must be a non-empty sequence of positive layer widths; got "
            f"{hidden!r}."
        )
    return hidden


class Generator(nn.Module):
    """Conditional generator: noise and condition -> expression profile.

    The latent noise and the condition vector are concatenated and passed
    through ``Linear -> BatchNorm1d -> LeakyReLU`` blocks, then a linear output
    layer with one unit per gene (no output activation: the data are expected
    to be standardized).

    Parameters
    ----------
    n_features : int
        Number of genes generated per row.
    n_conditions : int
        Width of the condition vector (one-hot of the class and of each
        covariate); 0 gives an unconditional generator.
    latent_dim : int, default=128
        Width of the latent noise.
    hidden : tuple of int, default=(256, 512)
        Widths of the hidden layers.
    negative_slope : float, default=0.2
        Slope of the LeakyReLU for negative inputs.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._modules import Generator
    >>> gen = Generator(n_features=10, n_conditions=3, latent_dim=4, hidden=(8,))
    >>> gen(torch.zeros(5, 4), torch.zeros(5, 3)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        n_features,
        n_conditions,
        latent_dim=128,
        hidden=(256, 512),
        negative_slope=0.2,
    ):
        super().__init__()
        hidden = _check_hidden(hidden, "generator_hidden")
        self.latent_dim = int(latent_dim)
        self.n_conditions = int(n_conditions)
        layers = []
        width = self.latent_dim + self.n_conditions
        for h in hidden:
            # Batch norm lives in the generator only: in the critic it would
            # couple the rows and break the per-sample gradient penalty.
            layers += [
                nn.Linear(width, h),
                nn.BatchNorm1d(h),
                nn.LeakyReLU(negative_slope),
            ]
            width = h
        layers.append(nn.Linear(width, int(n_features)))
        self.net = nn.Sequential(*layers)

    def forward(self, z, condition=None):
        """Map noise ``z`` of shape (batch, latent_dim) and a condition to rows.

        Parameters
        ----------
        z : torch.Tensor of shape (batch, latent_dim)
            Latent noise, one row per generated profile (typically standard
            normal).
        condition : torch.Tensor of shape (batch, n_conditions), default=None
            Condition vector of each row (one-hot of the class and of each
            covariate), concatenated to ``z``. Required when the generator is
            conditional (``n_conditions > 0``); ignored otherwise.

        Returns
        -------
        rows : torch.Tensor of shape (batch, n_features)
            Generated expression profiles.
        """
        if self.n_conditions:
            z = torch.cat([z, condition.to(z.dtype)], dim=1)
        return self.net(z)


class Critic(nn.Module):
    """Conditional critic: expression profile and condition -> a real score.

    The first layer is split into a gene part (``input_x``) and a condition
    part (``input_c``, no bias) whose outputs are summed; this is the same
    function as one linear layer on the concatenated input, but lets the
    training step reuse the first-layer products of real and generated rows
    for their interpolates (see :func:`fused_critic_loss`). No batch norm.

    Parameters
    ----------
    n_features : int
        Number of genes per row.
    n_conditions : int
        Width of the condition vector; 0 gives an unconditional critic.
    hidden : tuple of int, default=(512, 256)
        Widths of the hidden layers.
    negative_slope : float, default=0.2
        Slope of the LeakyReLU for negative inputs.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._modules import Critic
    >>> critic = Critic(n_features=10, n_conditions=3, hidden=(8, 4))
    >>> critic(torch.zeros(5, 10), torch.zeros(5, 3)).shape
    torch.Size([5, 1])
    """

    def __init__(self, n_features, n_conditions, hidden=(512, 256), negative_slope=0.2):
        super().__init__()
        hidden = _check_hidden(hidden, "critic_hidden")
        self.n_conditions = int(n_conditions)
        self.input_x = nn.Linear(int(n_features), hidden[0])
        self.input_c = (
            nn.Linear(self.n_conditions, hidden[0], bias=False)
            if self.n_conditions
            else None
        )
        head = [nn.LeakyReLU(negative_slope)]
        for width, h in itertools.pairwise(hidden):
            head += [nn.Linear(width, h), nn.LeakyReLU(negative_slope)]
        head.append(nn.Linear(hidden[-1], 1))
        self.head = nn.Sequential(*head)

    def condition_term(self, condition):
        """First-layer contribution of the condition (0 when unconditional).

        Parameters
        ----------
        condition : torch.Tensor of shape (batch, n_conditions) or None
            Condition vector of each row (one-hot of the class and of each
            covariate). None, or an unconditional critic, gives no
            contribution.

        Returns
        -------
        term : torch.Tensor of shape (batch, hidden[0]) or float
            ``input_c(condition)``, the bias-free condition part of the first
            layer, or ``0.0`` when there is no condition.
        """
        if self.input_c is None or condition is None:
            return 0.0
        return self.input_c(condition.to(self.input_c.weight.dtype))

    def preactivation(self, x, condition=None):
        """First-layer pre-activation of rows ``x`` under ``condition``.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_features)
            Expression profiles (real, generated or interpolated rows).
        condition : torch.Tensor of shape (batch, n_conditions), default=None
            Condition vector of each row; None (or an unconditional critic)
            uses the gene part of the first layer only.

        Returns
        -------
        preactivation : torch.Tensor of shape (batch, hidden[0])
            ``input_x(x) + input_c(condition)``, before the first LeakyReLU.
        """
        return self.input_x(x) + self.condition_term(condition)

    def forward(self, x, condition=None):
        """Score rows ``x`` of shape (batch, n_features); returns (batch, 1).

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_features)
            Expression profiles to score (real, generated or interpolated rows).
        condition : torch.Tensor of shape (batch, n_conditions), default=None
            Condition vector of each row (one-hot of the class and of each
            covariate); None (or an unconditional critic) scores the genes
            alone.

        Returns
        -------
        score : torch.Tensor of shape (batch, 1)
            Unbounded critic score of each row; higher means more like the
            real rows under that condition.
        """
        return self.head(self.preactivation(x, condition))
