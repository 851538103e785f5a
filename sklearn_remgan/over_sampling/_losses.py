"""Wasserstein loss and gradient penalty of WGAN-GP (Gulrajani et al., 2017)."""

import torch
from torch import nn


class WassersteinLoss(nn.Module):
    """Wasserstein losses of the critic and of the generator.

    Called with the critic's scores of generated rows only, it returns the
    generator loss ``-mean(fake)``; with the scores of real rows too, it
    returns the critic loss ``mean(fake) - mean(real)`` (the negated estimate
    of the Wasserstein-1 distance). Used as the skorch ``criterion``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._losses import WassersteinLoss
    >>> loss = WassersteinLoss()
    >>> float(loss(torch.tensor([1.0, 3.0]), torch.tensor([4.0, 6.0])))
    -3.0
    >>> float(loss(torch.tensor([1.0, 3.0])))
    -2.0
    """

    def forward(self, score_fake, score_real=None):
        """Critic loss when ``score_real`` is given, else the generator loss.

        Parameters
        ----------
        score_fake : torch.Tensor of shape (batch,) or (batch, 1)
            Critic scores of generated rows.
        score_real : torch.Tensor of shape (batch,) or (batch, 1), default=None
            Critic scores of real rows. When None, the generator loss
            ``-mean(score_fake)`` is returned; otherwise the critic loss
            ``mean(score_fake) - mean(score_real)``.

        Returns
        -------
        loss : torch.Tensor
            Scalar loss to minimise, differentiable with respect to the scores.
        """
        if score_real is None:
            return -score_fake.mean()
        return score_fake.mean() - score_real.mean()


def interpolate(real, fake, alpha):
    """Rows on the segments between real and generated rows.

    Parameters
    ----------
    real, fake : torch.Tensor of shape (batch, n_features)
        Paired real and generated rows.
    alpha : torch.Tensor of shape (batch, 1)
        One mixing weight per row (not per entry), drawn uniformly in [0, 1].

    Returns
    -------
    interpolates : torch.Tensor of shape (batch, n_features)
        ``alpha * real + (1 - alpha) * fake``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._losses import interpolate
    >>> interpolate(torch.ones(3, 4), torch.zeros(3, 4), torch.full((3, 1), 0.25))
    tensor([[0.2500, 0.2500, 0.2500, 0.2500],
            [0.2500, 0.2500, 0.2500, 0.2500],
            [0.2500, 0.2500, 0.2500, 0.2500]])
    """
    if alpha.dim() != 2 or alpha.shape != (real.shape[0], 1):
        raise ValueError(
            "alpha must hold one mixing weight per row, of shape (batch, 1) = "
            f"({real.shape[0]}, 1); got shape {tuple(alpha.shape)}."
        )
    return alpha * real + (1 - alpha) * fake


def gradient_penalty(critic, real, fake, condition=None, *, alpha):
    """Reference WGAN-GP gradient penalty, through double back-propagation.

    ``mean((||grad_x critic(x_hat, condition)||_2 - 1) ** 2)`` over the
    interpolates ``x_hat`` (:func:`interpolate`); the gradient is taken with
    respect to the genes only, the condition is held fixed. The training step
    uses the equivalent, cheaper :func:`fused_critic_loss`; this function is
    the plain formulation it is tested against.

    Parameters
    ----------
    critic : torch.nn.Module
        Called as ``critic(x, condition)``.
    real, fake : torch.Tensor of shape (batch, n_features)
        Real and generated rows.
    condition : torch.Tensor of shape (batch, n_conditions) or None
        Shared condition of each pair.
    alpha : torch.Tensor of shape (batch, 1)
        Mixing weights.

    Returns
    -------
    penalty : torch.Tensor
        Scalar, differentiable with respect to the critic's parameters.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._losses import gradient_penalty
    >>> critic = torch.nn.Linear(4, 1, bias=False)
    >>> _ = critic.weight.data.fill_(0.5)  # gradient norm is exactly 1
    >>> gp = gradient_penalty(
    ...     lambda x, c: critic(x), torch.ones(3, 4), torch.zeros(3, 4),
    ...     alpha=torch.rand(3, 1))
    >>> float(gp.detach())
    0.0
    """
    x_hat = interpolate(real, fake.detach(), alpha).requires_grad_(True)
    score = critic(x_hat, condition)
    (grad,) = torch.autograd.grad(score.sum(), x_hat, create_graph=True)
    return ((grad.float().norm(2, dim=1) - 1) ** 2).mean()


def fused_critic_loss(critic, real, fake, condition, alpha, gp_weight, criterion=None):
    """Critic loss, Wasserstein estimate and gradient penalty in one pass.

    Same mathematics as ``WassersteinLoss()(critic(fake), critic(real)) +
    gp_weight * gradient_penalty(...)``, with fewer big matrix products:

    - the gene-part first layer runs once on the stacked real and generated
      rows; the interpolates' pre-activation is the same mix of theirs (the
      layer is affine and the pair shares its condition), so the widest
      product is never computed for the interpolates, and its weight gradient
      is folded into the real and generated rows;
    - the input gradient is back-propagated through the small hidden layers
      only, then multiplied once by the first-layer weights, so the penalty's
      double back-propagation costs two wide products instead of a generic
      graph.

    Parameters
    ----------
    critic : Critic
        The critic (needs ``input_x``, ``preactivation``-style split layers).
    real, fake : torch.Tensor of shape (batch, n_features)
        Real rows and (detached) generated rows under the same conditions.
    condition : torch.Tensor of shape (batch, n_conditions) or None
        Condition of each row.
    alpha : torch.Tensor of shape (batch, 1)
        Mixing weights of the interpolates.
    gp_weight : float
        Weight of the gradient penalty.
    criterion : callable, default=None
        Adversarial part of the loss, called as ``criterion(score_fake,
        score_real)`` on float32 scores; None is the Wasserstein loss
        ``mean(score_fake) - mean(score_real)`` (:class:`WassersteinLoss`).

    Returns
    -------
    loss : torch.Tensor
        Scalar critic loss to minimise.
    wasserstein : torch.Tensor
        Detached estimate ``mean(critic(real)) - mean(critic(fake))``.
    penalty : torch.Tensor
        Detached gradient penalty (unweighted).

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._losses import fused_critic_loss
    >>> from sklearn_remgan.over_sampling._modules import Critic
    >>> critic = Critic(6, 2, hidden=(4, 3))
    >>> real, fake = torch.randn(5, 6), torch.randn(5, 6)
    >>> cond, alpha = torch.eye(2)[[0] * 5], torch.rand(5, 1)
    >>> loss, w, gp = fused_critic_loss(critic, real, fake, cond, alpha, 10.0)
    >>> loss.shape, bool(gp >= 0)
    (torch.Size([]), True)
    """
    _check_alpha(alpha, real)
    pre_x = critic.input_x(torch.cat([real, fake.detach()], dim=0))
    score_real, score_fake, grad_pre = _head_and_input_grad(
        critic, pre_x, condition, alpha
    )
    grad_x = grad_pre.to(critic.input_x.weight.dtype) @ critic.input_x.weight
    return _critic_objective(score_real, score_fake, grad_x, gp_weight, criterion)


def fused_critic_backward(
    critic, real, fake, condition, alpha, gp_weight, criterion=None
):
    """Critic loss of :func:`fused_critic_loss` and its gradients, in place.

    Fills the ``.grad`` of every critic parameter with the gradient of the
    loss (earlier gradients are replaced, not accumulated): the same values
    as ``fused_critic_loss(...)[0].backward()`` after zeroing the gradients.
    The gene-wide first-layer weight gets its gradient from one matrix
    product, ``[d pre-activation; input gradient]^T @ [rows; d penalty /
    d input gradient]``, written into the tensor already held in
    ``critic.input_x.weight.grad`` when it fits. Autograd would run two
    narrower products into freshly allocated (n_hidden, n_features) buffers
    and add them; at 32,043 genes that was a fifth of the training step
    (benchmarks/bench_training.py).

    Under ``torch.autocast`` the wide products run in the autocast dtype and
    the gradient is stored in the weight's dtype.

    Parameters
    ----------
    critic : Critic
        The critic.
    real, fake : torch.Tensor of shape (batch, n_features)
        Real rows and generated rows under the same conditions (``fake`` is
        treated as a constant).
    condition : torch.Tensor of shape (batch, n_conditions) or None
        Condition of each row.
    alpha : torch.Tensor of shape (batch, 1)
        Mixing weights of the interpolates.
    gp_weight : float
        Weight of the gradient penalty.
    criterion : callable, default=None
        Adversarial part of the loss, as in :func:`fused_critic_loss`.

    Returns
    -------
    loss, wasserstein, penalty : torch.Tensor
        Detached scalars, as returned by :func:`fused_critic_loss`.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.over_sampling._losses import fused_critic_backward
    >>> from sklearn_remgan.over_sampling._modules import Critic
    >>> critic = Critic(6, 2, hidden=(4, 3))
    >>> real, fake = torch.randn(5, 6), torch.randn(5, 6)
    >>> cond, alpha = torch.eye(2)[[0] * 5], torch.rand(5, 1)
    >>> loss, w, gp = fused_critic_backward(critic, real, fake, cond, alpha, 10.0)
    >>> critic.input_x.weight.grad.shape
    torch.Size([4, 6])
    """
    _check_alpha(alpha, real)
    b, n_features = real.shape
    weight = critic.input_x.weight
    dtype = _autocast_dtype(weight.device.type, weight.dtype)
    # Rows 0..b-1 receive d penalty / d input gradient after the backward
    # pass; rows b.. hold the real and generated rows.
    rhs = torch.empty(3 * b, n_features, dtype=dtype, device=weight.device)
    rhs[b : 2 * b].copy_(real)
    rhs[2 * b :].copy_(fake.detach())
    w = weight.detach().to(dtype)
    with torch.no_grad():
        pre_x = torch.mm(rhs[b:], w.t())
    pre_x.requires_grad_(True)
    bias = critic.input_x.bias
    pre = pre_x + (bias.to(dtype) if bias is not None else 0.0)
    score_real, score_fake, grad_pre = _head_and_input_grad(
        critic, pre, condition, alpha
    )
    grad_x = grad_pre.to(dtype) @ w
    grad_x.retain_grad()
    loss, wasserstein, penalty = _critic_objective(
        score_real, score_fake, grad_x, gp_weight, criterion
    )
    for p in critic.parameters():
        if p is not weight:
            p.grad = None
    loss.backward()
    rhs[:b].copy_(grad_x.grad)
    lhs = torch.cat([grad_pre.detach().to(dtype), pre_x.grad.to(dtype)], dim=0)
    buffer = weight.grad
    if (
        buffer is None
        or buffer.shape != weight.shape
        or buffer.dtype != weight.dtype
        or buffer.device != weight.device
        or not buffer.is_contiguous()
    ):
        buffer = torch.empty_like(weight, memory_format=torch.contiguous_format)
    if dtype == buffer.dtype:
        torch.mm(lhs.t(), rhs, out=buffer)
    else:
        buffer.copy_(torch.mm(lhs.t(), rhs))
    weight.grad = buffer
    return loss.detach(), wasserstein, penalty


def _autocast_dtype(device_type, default):
    """The dtype autocast runs matrix products in on ``device_type``, if on."""
    if hasattr(torch, "get_autocast_dtype"):  # torch >= 2.4
        if torch.is_autocast_enabled(device_type):
            return torch.get_autocast_dtype(device_type)
        return default
    if device_type == "cpu":
        on, dtype = torch.is_autocast_cpu_enabled(), torch.get_autocast_cpu_dtype()
    else:
        on, dtype = torch.is_autocast_enabled(), torch.get_autocast_gpu_dtype()
    return dtype if on else default


def _check_alpha(alpha, real):
    if alpha.shape != (real.shape[0], 1):
        raise ValueError(
            "alpha must hold one mixing weight per row, of shape (batch, 1) = "
            f"({real.shape[0]}, 1); got shape {tuple(alpha.shape)}."
        )


def _head_and_input_grad(critic, pre_x, condition, alpha):
    """Scores of real, generated and interpolated rows from the gene part.

    ``pre_x`` stacks the gene-part pre-activations of the real rows and of
    the generated rows. Returns their scores and the gradient of the
    interpolates' scores with respect to their pre-activation (with a graph,
    as it is differentiated again).
    """
    b = pre_x.shape[0] // 2
    pre = pre_x + critic.condition_term(
        None if condition is None else torch.cat([condition, condition], dim=0)
    )
    pre_real, pre_fake = pre[:b], pre[b:]
    alpha = alpha.to(pre.dtype)
    pre_hat = alpha * pre_real + (1 - alpha) * pre_fake
    scores = critic.head(torch.cat([pre_real, pre_fake, pre_hat], dim=0))
    score_real, score_fake, score_hat = scores[:b], scores[b : 2 * b], scores[2 * b :]
    (grad_pre,) = torch.autograd.grad(score_hat.sum(), pre_hat, create_graph=True)
    return score_real, score_fake, grad_pre


def _critic_objective(score_real, score_fake, grad_x, gp_weight, criterion=None):
    penalty = ((grad_x.float().norm(2, dim=1) - 1) ** 2).mean()
    return critic_objective(score_real, score_fake, penalty, gp_weight, criterion)


def critic_objective(score_real, score_fake, penalty, gp_weight, criterion=None):
    """Critic loss from scores and gradient penalty, and the Wasserstein estimate.

    Parameters
    ----------
    score_real, score_fake : torch.Tensor of shape (batch, 1)
        Critic scores of real and generated rows.
    penalty : torch.Tensor
        Scalar gradient penalty (unweighted).
    gp_weight : float
        Weight of the gradient penalty.
    criterion : callable, default=None
        Adversarial part, ``criterion(score_fake, score_real)`` on float32
        scores; None is ``mean(score_fake) - mean(score_real)``.

    Returns
    -------
    loss : torch.Tensor
        ``criterion(score_fake, score_real) + gp_weight * penalty``.
    wasserstein : torch.Tensor
        Detached estimate ``mean(score_real) - mean(score_fake)``, whatever
        the criterion.
    penalty : torch.Tensor
        Detached penalty.
    """
    score_real, score_fake = score_real.float(), score_fake.float()
    wasserstein = score_real.mean() - score_fake.mean()
    adversarial = (
        -wasserstein if criterion is None else criterion(score_fake, score_real)
    )
    loss = adversarial + gp_weight * penalty
    return loss, wasserstein.detach(), penalty.detach()
