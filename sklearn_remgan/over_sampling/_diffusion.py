"""Gaussian diffusion: noise schedule, skorch training net, DDPM and DDIM sampling."""

import copy
import math

import numpy as np
import torch

from sklearn_remgan.over_sampling._denoiser import Denoiser
from sklearn_remgan.over_sampling._net_base import (
    GenerativeNet,
    _fused_adam_kwargs,
    ema_decay_at,
)

#: Per-batch values recorded by ``train_step`` and averaged per epoch.
HISTORY_KEYS = ("diffusion_loss",)


def cosine_alpha_bar(n_timesteps, *, offset=0.008, max_beta=0.999):
    r"""Cumulative signal fractions of the cosine noise schedule.

    Nichol and Dhariwal's schedule [1]_: with
    :math:`f(s) = \cos^2\left(\frac{s + o}{1 + o} \frac{\pi}{2}\right)` and
    :math:`T` = ``n_timesteps``, step :math:`t = 1, \dots, T` has
    :math:`\beta_t = \min(1 - f(t/T) / f((t-1)/T), \beta_{max})` and the
    returned :math:`\bar\alpha_t = \prod_{s \le t} (1 - \beta_s)`, so that a
    row noised to step :math:`t` is
    :math:`x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\,
    \varepsilon`. The signal fades slowly at both ends (unlike the linear
    schedule, which wastes its last steps on near-pure noise); the offset
    :math:`o` keeps the first steps' noise from being vanishingly small and
    the cap :math:`\beta_{max}` avoids a singular last step.

    Parameters
    ----------
    n_timesteps : int
        Number of diffusion steps :math:`T`.
    offset : float, default=0.008
        The offset :math:`o`.
    max_beta : float, default=0.999
        The cap :math:`\beta_{max}` on each step's noise fraction.

    Returns
    -------
    alpha_bar : ndarray of shape (n_timesteps,)
        float64 :math:`\bar\alpha_t`, strictly decreasing from close to 1;
        entry ``i`` is step ``t = i + 1``.

    References
    ----------
    .. [1] A. Q. Nichol and P. Dhariwal, "Improved Denoising Diffusion
       Probabilistic Models", ICML 2021.

    Examples
    --------
    >>> from sklearn_remgan.over_sampling._diffusion import cosine_alpha_bar
    >>> ab = cosine_alpha_bar(1000)
    >>> ab.shape, bool(ab[0] > 0.9999), bool(ab[-1] < 1e-6)
    ((1000,), True, True)
    """
    steps = np.arange(n_timesteps + 1, dtype=np.float64) / n_timesteps
    f = np.cos((steps + offset) / (1 + offset) * math.pi / 2) ** 2
    betas = np.minimum(1 - f[1:] / f[:-1], max_beta)
    return np.cumprod(1 - betas)


def sampling_timesteps(n_timesteps, n_steps):
    """Timesteps visited by a sampler of ``n_steps`` steps, from noisiest to 0.

    ``n_steps`` indices evenly spaced from ``n_timesteps - 1`` down to 0 (both
    included, rounded), so a short chain starts from pure noise and ends on
    the last denoising step, as the "trailing" spacing of diffusers does.

    Parameters
    ----------
    n_timesteps : int
        Length of the training schedule.
    n_steps : int
        Number of denoising steps, at most ``n_timesteps``.

    Returns
    -------
    timesteps : ndarray of shape (n_steps,)
        Strictly decreasing integer timestep indices.

    Examples
    --------
    >>> from sklearn_remgan.over_sampling._diffusion import sampling_timesteps
    >>> sampling_timesteps(1000, 5).tolist()
    [999, 749, 500, 250, 0]
    """
    if n_steps == 1:
        return np.array([n_timesteps - 1])
    return np.unique(np.round(np.linspace(0, n_timesteps - 1, n_steps)).astype(int))[
        ::-1
    ].copy()


class DiffusionNet(GenerativeNet):
    """A skorch ``NeuralNet`` training a conditional Gaussian diffusion model.

    The net fits a :class:`Denoiser` to undo the forward process of
    :func:`cosine_alpha_bar`: each training row ``x0`` gets a uniform random
    timestep ``t`` and Gaussian noise ``eps``, ``x_t = sqrt(ab_t) x0 +
    sqrt(1 - ab_t) eps``, and the denoiser, given ``x_t``, ``t`` and the row's
    condition vector, is trained with the mean squared error to predict
    either the clean row (``prediction='x0'``) or the velocity ``v =
    sqrt(ab_t) eps - sqrt(1 - ab_t) x0`` (``prediction='v'``). It does not
    predict the noise: at high noise the noise target is the wide input
    itself, which a bottleneck MLP narrower than the number of genes cannot
    pass through (measured on TCGA at 2,000 genes: rows three times too
    long).

    The trained denoiser is ``denoiser_`` (optimised by ``optimizer_``,
    AdamW by default); ``module_`` is an exponential moving average of its
    weights, updated after every step, and is the network that samples.
    With ``condition_dropout > 0`` the condition vector of that share of
    training rows is replaced by zeros, which teaches the same network an
    unconditional model for classifier-free guidance.

    Sampling (:meth:`generate`) starts from Gaussian noise and walks the
    timesteps of :func:`sampling_timesteps` with the DDIM update [2]_ with
    ``eta``: 0 is the deterministic DDIM sampler, 1 the ancestral DDPM
    sampler [1]_ (with ``n_steps = n_timesteps``, Ho et al.'s algorithm
    with the posterior variance; fewer steps respace the chain). At each
    step the estimate of the clean row is clipped to the per-gene range of
    the training rows (buffers ``lower`` and ``upper`` of the denoiser, set
    when training starts), which keeps a few early, poor estimates from
    throwing rows off the data's support.

    The net diffuses standardized rows: when training first starts it
    stores each gene's training mean and standard deviation in the
    denoiser's buffers ``center`` and ``scale``, trains on ``(x - center) /
    scale`` and returns generated rows in the input's units. The noise has
    unit variance, so rows in other units (raw log-expression, or values of
    order 1e6) would otherwise be drowned or barely touched by it.

    Parameters
    ----------
    module : type or torch.nn.Module, default=Denoiser
        The denoiser; arguments via ``module__name``. It is called as
        ``module(x_t, t, condition)`` and has buffers ``center``,
        ``scale``, ``lower`` and ``upper`` of shape (n_features,).
    criterion : type or torch.nn.Module, default=torch.nn.MSELoss
        Loss between the denoiser's output and its target.
    n_timesteps : int, default=1000
        Length ``T`` of the noise schedule.
    prediction : {'x0', 'v'}, default='x0'
        Target of the denoiser.
    ema_decay : float, default=0.999
        Decay of the weight average kept in ``module_``; the first steps use
        ``min(ema_decay, (1 + n) / (10 + n))`` after ``n`` steps so that the
        average forgets its random start quickly.
    condition_dropout : float, default=0.1
        Share of training rows whose condition is replaced by zeros.
    guidance_scale : float, default=1.0
        Classifier-free guidance weight ``w`` of :meth:`generate`: the
        prediction is ``uncond + w * (cond - uncond)``; 1 uses the
        conditional prediction alone (one forward pass per step).
    n_steps : int, default=50
        Denoising steps of :meth:`generate` (at most ``n_timesteps`` are
        used).
    eta : float, default=0.0
        Stochasticity of the sampler: 0 is DDIM, 1 is DDPM.
    precision : {'float32', 'bfloat16'}, default='float32'
        ``'bfloat16'`` runs the training forward passes under
        ``torch.autocast``; sampling is float32.
    seed : int or None, default=None
        Seeds the shuffling of training batches (a fresh ``torch.Generator``
        per fit); None uses torch's global generator.
    optimizer : type, default=torch.optim.AdamW
        Optimizer of ``denoiser_``; arguments via ``optimizer__name``.
    train_split : None or callable, default=None
        Keep None: the net records only its training loss.
    **kwargs
        Passed to :class:`skorch.NeuralNet` (``lr``, ``max_epochs``,
        ``batch_size``, ``device``, ``callbacks``, ``verbose``, ...).

    Attributes
    ----------
    module_ : torch.nn.Module
        The weight average of the denoiser: the network that samples.
    denoiser_ : torch.nn.Module
        The trained denoiser.
    optimizer_ : torch.optim.Optimizer
        Optimizer of ``denoiser_``.
    history_ : skorch.history.History
        Per-batch and per-epoch ``diffusion_loss``.

    References
    ----------
    .. [1] J. Ho, A. Jain and P. Abbeel, "Denoising Diffusion Probabilistic
       Models", NeurIPS 2020.
    .. [2] J. Song, C. Meng and S. Ermon, "Denoising Diffusion Implicit
       Models", ICLR 2021.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn_remgan.over_sampling._diffusion import DiffusionNet
    >>> X = np.random.RandomState(0).randn(32, 5).astype(np.float32)
    >>> cond = np.eye(2, dtype=np.float32)[np.arange(32) % 2]
    >>> net = DiffusionNet(
    ...     module__n_features=5, module__n_conditions=2, module__hidden_dim=16,
    ...     module__n_blocks=1, n_steps=5, max_epochs=2, batch_size=16, seed=0)
    >>> _ = net.fit(X, cond)
    >>> with torch.no_grad():
    ...     rows = net.generate(torch.as_tensor(cond[:4]))
    >>> tuple(rows.shape), len(net.history)
    ((4, 5), 2)
    """

    history_keys = HISTORY_KEYS
    progress_desc = "DDPM"

    def __init__(
        self,
        module=Denoiser,
        criterion=torch.nn.MSELoss,
        *,
        n_timesteps=1000,
        prediction="x0",
        ema_decay=0.999,
        condition_dropout=0.1,
        guidance_scale=1.0,
        n_steps=50,
        eta=0.0,
        precision="float32",
        seed=None,
        optimizer=torch.optim.AdamW,
        train_split=None,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion,
            precision=precision,
            seed=seed,
            optimizer=optimizer,
            train_split=train_split,
            **kwargs,
        )
        self.n_timesteps = n_timesteps
        self.prediction = prediction
        self.ema_decay = ema_decay
        self.condition_dropout = condition_dropout
        self.guidance_scale = guidance_scale
        self.n_steps = n_steps
        self.eta = eta

    # ------------------------------------------------------------ components
    def initialize_module(self):
        """Build the trained ``denoiser_`` and its weight average ``module_``.

        Both start from the same random weights; ``module_`` takes no
        gradients.

        Returns
        -------
        self : DiffusionNet
        """
        kwargs = self.get_params_for("module")
        self.denoiser_ = self.initialized_instance(self.module, kwargs)
        average = self.initialized_instance(self.module, kwargs)
        if average is self.denoiser_:
            # skorch uses a module instance without arguments as is: the
            # average must still be a separate copy.
            average = copy.deepcopy(self.denoiser_)
        average.load_state_dict(self.denoiser_.state_dict())
        self.module_ = average.requires_grad_(False)
        self.ema_steps_ = 0
        return self

    def initialize_optimizer(self, triggered_directly=None):
        """Build ``optimizer_`` over the trained denoiser's parameters only.

        Parameters
        ----------
        triggered_directly : None, default=None
            Deprecated skorch argument, kept for signature compatibility with
            :meth:`skorch.NeuralNet.initialize_optimizer`; ignored.

        Returns
        -------
        self : DiffusionNet
        """
        args, kwargs = self.get_params_for_optimizer(
            "optimizer", self.denoiser_.named_parameters()
        )
        kwargs = _fused_adam_kwargs(self.optimizer, kwargs, self.denoiser_)
        self.optimizer_ = self.optimizer(*args, **kwargs)
        return self

    # -------------------------------------------------------------- schedule
    def _alpha_bar(self, device):
        cached = getattr(self, "_alpha_bar_cache", None)
        if (
            cached is None
            or cached.device != torch.device(device)
            or (cached.numel() != self.n_timesteps)
        ):
            values = cosine_alpha_bar(self.n_timesteps)
            cached = torch.as_tensor(values, dtype=torch.float32, device=device)
            self._alpha_bar_cache = cached
        return cached

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_alpha_bar_cache", None)
        return state

    # -------------------------------------------------------------- training
    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Count earlier steps; set the data's units and clipping range.

        The first training of the net sets the per-gene mean and standard
        deviation of ``X`` as the units it diffuses in, and their range as
        the clipping range; a resumed training keeps the units and widens the
        range to cover ``X``.

        Parameters
        ----------
        net : DiffusionNet
            This net.
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples, n_conditions), default=None
            Their condition vectors (unused).
        **kwargs : dict
            Unused.
        """
        super().on_train_begin(net, X=X, y=y, **kwargs)
        # Steps taken so far (also those of a resumed checkpoint's history)
        # drive the warm-up of the weight average.
        self.ema_steps_ = sum(e.get("train_batch_count", 0) for e in self.history)
        X = X.detach().cpu().numpy() if torch.is_tensor(X) else np.asarray(X)
        X = X.astype(np.float64)
        first = bool(torch.isinf(self.module_.lower).any())
        if first:
            center, scale = X.mean(axis=0), X.std(axis=0)
            scale[~(scale > 0)] = 1.0  # constant genes
            for module in (self.module_, self.denoiser_):
                module.center.copy_(torch.as_tensor(center))
                module.scale.copy_(torch.as_tensor(scale))
        center = self.module_.center.double().cpu().numpy()
        scale = self.module_.scale.double().cpu().numpy()
        Z = (X - center) / scale
        lower, upper = torch.as_tensor(Z.min(axis=0)), torch.as_tensor(Z.max(axis=0))
        for module in (self.module_, self.denoiser_):
            # Resumed training keeps the checkpoint's units and widens its range.
            if not first:
                lower = torch.minimum(lower, module.lower.double().cpu())
                upper = torch.maximum(upper, module.upper.double().cpu())
            module.lower.copy_(lower)
            module.upper.copy_(upper)

    def _update_average(self):
        self.ema_steps_ += 1
        decay = ema_decay_at(self.ema_decay, self.ema_steps_)
        with torch.no_grad():
            average = list(self.module_.parameters())
            trained = list(self.denoiser_.parameters())
            torch._foreach_lerp_(average, trained, 1 - decay)

    def train_step(self, batch, **fit_params):
        """One denoising step on a batch of training rows, then the average.

        Parameters
        ----------
        batch : tuple of torch.Tensor
            ``(x0, condition)``: training rows of shape (batch_size,
            n_features) and their condition vectors of shape (batch_size,
            n_conditions).
        **fit_params : dict
            Accepted for compatibility with
            :meth:`skorch.NeuralNet.train_step`; unused.

        Returns
        -------
        step : dict
            ``{"loss": loss, "y_pred": None}``; the loss is also recorded as
            ``diffusion_loss``.
        """
        x0, condition = batch
        denoiser = self.denoiser_
        x0 = (x0.to(self.device) - denoiser.center) / denoiser.scale
        condition = condition.to(self.device)
        n = x0.shape[0]
        self.denoiser_.train()
        alpha_bar = self._alpha_bar(x0.device)
        t = torch.randint(0, self.n_timesteps, (n,), device=x0.device)
        ab = alpha_bar[t][:, None]
        noise = torch.randn_like(x0)
        x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        if self.condition_dropout > 0 and condition.shape[1]:
            keep = torch.rand(n, 1, device=x0.device) >= self.condition_dropout
            condition = condition * keep
        if self.prediction == "v":
            target = ab.sqrt() * noise - (1 - ab).sqrt() * x0
        else:
            target = x0
        with self._autocast():
            out = self.denoiser_(x_t, t, condition)
        loss = self.get_loss(out.float(), target, X=x_t, training=True)
        self._check_finite("diffusion loss", loss)
        self.optimizer_.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer_.step()
        self._update_average()
        self.history.record_batch("diffusion_loss", loss.item())
        return {"loss": loss.detach(), "y_pred": None}

    # -------------------------------------------------------------- sampling
    def _clean_estimate(self, module, x, t, ab, condition):
        """Clipped estimate of the clean rows from noisy rows ``x`` at step ``t``."""
        steps = torch.full((x.shape[0],), int(t), device=x.device)
        w = float(self.guidance_scale)
        if w != 1.0 and condition is not None and condition.shape[1]:
            both = module(
                torch.cat([x, x]),
                torch.cat([steps, steps]),
                torch.cat([condition, torch.zeros_like(condition)]),
            )
            cond, uncond = both.chunk(2)
            out = uncond + w * (cond - uncond)
        else:
            out = module(x, steps, condition)
        if self.prediction == "v":
            x0 = math.sqrt(ab) * x - math.sqrt(1 - ab) * out
        else:
            x0 = out
        return torch.maximum(torch.minimum(x0, module.upper), module.lower)

    def generate(self, conditions):
        """Draw one row per condition vector by running the reverse process.

        Draws its noise from torch's global generator; call it under
        ``torch.no_grad()`` with ``module_`` in eval mode (the sampler does).

        Parameters
        ----------
        conditions : torch.Tensor of shape (n, n_conditions)
            One condition vector per row to generate.

        Returns
        -------
        rows : torch.Tensor of shape (n, n_features)
            float32 rows on the net's device.
        """
        module = self.module_
        device = module.lower.device
        conditions = conditions.to(device=device, dtype=torch.float32)
        alpha_bar = cosine_alpha_bar(self.n_timesteps)
        n_steps = min(int(self.n_steps), self.n_timesteps)
        steps = sampling_timesteps(self.n_timesteps, n_steps)
        x = torch.randn(conditions.shape[0], module.n_features, device=device)
        for i, t in enumerate(steps):
            ab = float(alpha_bar[t])
            ab_prev = float(alpha_bar[steps[i + 1]]) if i + 1 < len(steps) else 1.0
            x0 = self._clean_estimate(module, x, t, ab, conditions)
            if ab_prev == 1.0:
                x = x0
                break
            eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
            sigma = self.eta * math.sqrt(
                max((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev), 0.0)
            )
            x = (
                math.sqrt(ab_prev) * x0
                + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
            )
            if sigma > 0:
                x = x + sigma * torch.randn_like(x)
        return x * module.scale + module.center
