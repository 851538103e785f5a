"""skorch ``NeuralNet`` that trains a conditional WGAN-GP."""

import contextlib

import torch

from sklearn_remgan.over_sampling._losses import (
    WassersteinLoss,
    critic_objective,
    fused_critic_backward,
    gradient_penalty,
)
from sklearn_remgan.over_sampling._modules import Critic
from sklearn_remgan.over_sampling._net_base import (
    GenerativeNet,
    _fused_adam_kwargs,
    ema_decay_at,
)

#: Per-batch values recorded by ``train_step`` and averaged per epoch.
HISTORY_KEYS = ("critic_loss", "generator_loss", "gradient_penalty", "wasserstein")


def _fused_layout(critic):
    """Whether the fused penalty computes ``critic``'s own function.

    The fused step evaluates ``head(input_x(x) + condition_term(c))``
    itself, which is :class:`Critic`'s forward; a subclass that changes
    ``forward`` or ``preactivation`` (or any other module) gets the plain
    double back-propagation penalty.
    """
    cls = type(critic)
    return (
        isinstance(critic, Critic)
        and cls.forward is Critic.forward
        and cls.preactivation is Critic.preactivation
        and isinstance(critic.input_x, torch.nn.Linear)
    )


class WGANGPNet(GenerativeNet):
    """A skorch ``NeuralNet`` training a conditional WGAN-GP.

    The generator is the net's ``module_`` (optimised by ``optimizer_``); the
    critic is a second module ``critic_`` with its own ``critic_optimizer_``,
    both created in the ``initialize_*`` hooks so that skorch moves, pickles
    and re-initialises them (``critic__hidden=...`` or
    ``critic_optimizer__lr=...`` work with ``set_params``). The data are
    ``X`` = real rows and ``y`` = their condition vectors (one-hot class and
    covariates).

    Schedule: every batch of real rows gives one critic update (Wasserstein
    loss plus ``gp_weight`` times the gradient penalty); every
    ``n_critic``-th batch, counted across epochs, is followed by one generator
    update. Each critic update therefore sees fresh real rows, as in
    Algorithm 1 of Gulrajani et al. (2017), and the generator gets one step
    per ``n_critic`` critic steps. Each update has its own ``zero_grad`` and
    ``step``; skorch's shared optimizer step is never used.

    Parameters
    ----------
    module : type or torch.nn.Module
        The generator (:class:`Generator`); constructor arguments via
        ``module__name``.
    criterion : type or torch.nn.Module, default=WassersteinLoss
        Adversarial loss from critic scores, used for both updates: called
        as ``criterion(score_fake, score_real)`` it gives the critic loss (to
        which ``gp_weight`` times the gradient penalty is added), called as
        ``criterion(score_fake)`` the generator loss. Scores are float32 of
        shape (batch, 1). The ``wasserstein`` history entry is always the
        estimate ``mean(score_real) - mean(score_fake)``.
    critic : type or torch.nn.Module
        The critic, any module called as ``critic(x, condition)`` that
        returns scores of shape (batch, 1); constructor arguments via
        ``critic__name``. :class:`Critic` (and subclasses that keep its
        ``forward`` and ``preactivation``) gets the fused gradient penalty
        (:func:`fused_critic_backward`), which needs its layout: a gene
        layer ``input_x`` (``torch.nn.Linear``), ``condition_term(c)`` and
        ``head``. Any other critic gets the plain penalty by double
        back-propagation (:func:`gradient_penalty`): the same objective,
        slower on wide data.
    critic_optimizer : type, default=torch.optim.Adam
        Optimizer of the critic; arguments via ``critic_optimizer__name``
        (``lr`` defaults to the net's ``lr`` when not given).
    n_critic : int, default=5
        Critic updates per generator update.
    gp_weight : float, default=10.0
        Weight of the gradient penalty.
    latent_dim : int, default=128
        Width of the generator's noise input.
    pac : int, default=1
        Packing (PacGAN, Lin et al. 2018): the critic scores groups of
        ``pac`` rows at once, their genes and conditions concatenated, so it
        can see a lack of diversity among them; the critic must then take
        ``pac * n_features`` genes and ``pac * n_conditions`` conditions.
        Each batch drops its last ``batch_size % pac`` rows. 1 is the plain
        WGAN-GP.
    ema_decay : float or None, default=None
        Keep an exponential moving average of the generator's weights,
        updated after every generator step with decay ``min(ema_decay, (1 +
        t) / (10 + t))`` at the t-th step (a warm-up, so the average soon
        forgets the initial weights); batch-norm statistics are copied. The
        average generates: it is what :meth:`generate` uses inside
        :meth:`generating_weights` during training, and it is loaded into
        ``module_`` when training ends. Training itself continues from the
        raw weights within one fit; a new fit (or a resumed one) starts from
        ``module_``. None keeps no average.
    precision : {'float32', 'bfloat16'}, default='float32'
        ``'bfloat16'`` runs the forward passes under ``torch.autocast``.
    seed : int or None, default=None
        Seeds the shuffling of the training batches (a fresh
        ``torch.Generator`` per fit); None uses torch's global generator.
    optimizer : type, default=torch.optim.Adam
        Optimizer of the generator (``module_``) only; arguments via
        ``optimizer__name`` (``lr`` defaults to the net's ``lr``).
    train_split : None or callable, default=None
        The skorch train/validation split. Keep None: a GAN has no validation
        loss, and :meth:`validation_step` raises ``NotImplementedError``.
    **kwargs
        Passed to :class:`skorch.NeuralNet` (``optimizer``, ``lr``,
        ``max_epochs``, ``batch_size``, ``device``, ``callbacks``, ...).

    Attributes
    ----------
    module_ : torch.nn.Module
        The fitted generator.
    critic_ : torch.nn.Module
        The fitted critic.
    optimizer_, critic_optimizer_ : torch.optim.Optimizer
        Optimizers of the generator and of the critic.
    history_ : skorch.history.History
        Per-batch and per-epoch ``critic_loss``, ``generator_loss``,
        ``gradient_penalty`` and ``wasserstein`` (the estimate
        ``mean(critic(real)) - mean(critic(fake))``).

    See Also
    --------
    WGANGPSampler : The imbalanced-learn sampler that builds and trains this net.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.over_sampling._modules import Critic, Generator
    >>> from sklearn_remgan.over_sampling._net import WGANGPNet
    >>> X = np.random.RandomState(0).randn(32, 5).astype(np.float32)
    >>> cond = np.eye(2, dtype=np.float32)[np.arange(32) % 2]
    >>> net = WGANGPNet(
    ...     Generator, critic=Critic, latent_dim=4, n_critic=1, max_epochs=2,
    ...     batch_size=16, seed=0, verbose=0,
    ...     module__n_features=5, module__n_conditions=2, module__latent_dim=4,
    ...     module__hidden=(8,), critic__n_features=5, critic__n_conditions=2,
    ...     critic__hidden=(8,))
    >>> _ = net.fit(X, cond)
    >>> len(net.history), "wasserstein" in net.history[-1]
    (2, True)
    """

    history_keys = HISTORY_KEYS
    progress_desc = "WGAN-GP"
    divergence_hint = (
        "Try lower learning rates (lr_generator, lr_critic), a larger gp_weight, "
        "precision='float32', or standardized input."
    )

    def __init__(
        self,
        module,
        criterion=WassersteinLoss,
        *,
        critic,
        critic_optimizer=torch.optim.Adam,
        n_critic=5,
        gp_weight=10.0,
        latent_dim=128,
        pac=1,
        ema_decay=None,
        precision="float32",
        seed=None,
        optimizer=torch.optim.Adam,
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
        self.critic = critic
        self.critic_optimizer = critic_optimizer
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.latent_dim = latent_dim
        self.pac = pac
        self.ema_decay = ema_decay

    def initialize_module(self):
        """Build the generator ``module_`` and the critic ``critic_``."""
        super().initialize_module()
        kwargs = self.get_params_for("critic")
        self.critic_ = self.initialized_instance(self.critic, kwargs)
        return self

    def initialize_optimizer(self, triggered_directly=None):
        """Build ``optimizer_`` (generator only) and ``critic_optimizer_``.

        ``optimizer_`` gets the generator's parameters only (not the
        critic's, unlike skorch's default); ``lr`` is the net's ``lr`` unless
        ``optimizer__lr`` or ``critic_optimizer__lr`` is set.

        Parameters
        ----------
        triggered_directly : None, default=None
            Deprecated skorch argument, kept for signature compatibility with
            :meth:`skorch.NeuralNet.initialize_optimizer`; ignored.

        Returns
        -------
        self : WGANGPNet
            The net, with both optimizers initialized.
        """
        args, kwargs = self.get_params_for_optimizer(
            "optimizer", self.module_.named_parameters()
        )
        kwargs = _fused_adam_kwargs(self.optimizer, kwargs, self.module_)
        self.optimizer_ = self.optimizer(*args, **kwargs)
        args, kwargs = self.get_params_for_optimizer(
            "critic_optimizer", self.critic_.named_parameters()
        )
        kwargs = _fused_adam_kwargs(self.critic_optimizer, kwargs, self.critic_)
        self.critic_optimizer_ = self.critic_optimizer(*args, **kwargs)
        return self

    def _noise(self, n, device):
        return torch.randn(n, self.latent_dim, device=device)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Start the average of the generator's weights (with ``ema_decay``).

        Parameters
        ----------
        net : WGANGPNet
            This net.
        X, y : array-like, default=None
            Training data (unused).
        **kwargs : dict
            Unused.
        """
        self._ema_state = None
        if self.ema_decay is not None:
            self._ema_state = {
                k: v.detach().clone() for k, v in self.module_.state_dict().items()
            }
            self._ema_steps = 0

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Load the averaged weights into ``module_`` (with ``ema_decay``).

        Parameters
        ----------
        net : WGANGPNet
            This net.
        X, y : array-like, default=None
            Training data (unused).
        **kwargs : dict
            Unused.
        """
        state = getattr(self, "_ema_state", None)
        if state is not None:
            self.module_.load_state_dict(state)
        self._ema_state = None

    def _update_ema(self):
        state = self._ema_state
        decay = ema_decay_at(self.ema_decay, self._ema_steps)
        self._ema_steps += 1
        params = dict(self.module_.named_parameters())
        with torch.no_grad():
            for name, value in self.module_.state_dict().items():
                if name in params:
                    state[name].lerp_(value, 1 - decay)
                else:  # batch-norm statistics
                    state[name].copy_(value)

    @contextlib.contextmanager
    def generating_weights(self):
        """Context in which ``module_`` holds the weights that generate.

        During training with ``ema_decay`` these are the averaged weights
        (the raw ones are put back on exit); otherwise ``module_`` already
        holds them and nothing changes.

        Yields
        ------
        module : torch.nn.Module
            ``module_``.
        """
        state = getattr(self, "_ema_state", None)
        if state is None:
            yield self.module_
            return
        raw = {k: v.detach().clone() for k, v in self.module_.state_dict().items()}
        self.module_.load_state_dict(state)
        try:
            yield self.module_
        finally:
            self.module_.load_state_dict(raw)

    def _pack(self, t):
        """Rows grouped ``pac`` at a time (PacGAN), features concatenated."""
        if t is None or self.pac == 1:
            return t
        return t.reshape(t.shape[0] // self.pac, -1)

    def generate(self, conditions):
        """Generated rows for condition vectors, from torch's global generator.

        The caller sets eval mode, disables gradients and seeds torch (the
        samplers' ``sample`` does all three).

        Parameters
        ----------
        conditions : torch.Tensor of shape (n_rows, n_conditions)
            Condition vectors on the net's device.

        Returns
        -------
        rows : torch.Tensor of shape (n_rows, n_features)
            One generated row per condition vector.
        """
        z = self._noise(conditions.shape[0], conditions.device)
        return self.module_(z, conditions if conditions.shape[1] else None)

    def _batches_done(self):
        # Batches finished in earlier epochs plus those of the current epoch,
        # so the generator schedule runs across epochs (small data sets have
        # fewer than n_critic batches per epoch) and survives resuming.
        previous = sum(e.get("train_batch_count", 0) for e in self.history[:-1])
        return previous + len(self.history[-1]["batches"]) - 1

    def train_step(self, batch, **fit_params):
        """One critic update, plus one generator update every ``n_critic`` batches.

        Parameters
        ----------
        batch : tuple of torch.Tensor
            ``(real, condition)`` from the training loader: ``real`` of shape
            (batch_size, n_features) holds real rows, ``condition`` of shape
            (batch_size, n_conditions) their condition vectors (one-hot class
            and covariates; zero columns for an unconditional net). Both are
            moved to ``device``; generated rows are drawn under the same
            conditions.
        **fit_params : dict
            Extra arguments of ``fit``, accepted for compatibility with
            :meth:`skorch.NeuralNet.train_step`; unused.

        Returns
        -------
        step : dict
            ``{"loss": critic loss, "y_pred": None}``; the losses are also
            recorded with ``history.record_batch``.
        """
        real, condition = batch
        # Whole packs only (PacGAN); all rows without packing.
        n = real.shape[0] - real.shape[0] % self.pac
        device = self.device
        real = real[:n].to(device)
        condition = condition[:n].to(device) if condition.shape[1] else None
        generator, critic = self.module_, self.critic_
        generator.train()
        critic.train()
        pack = self._pack

        # Critic update: generated rows are constants here.
        with self._autocast():
            with torch.no_grad():
                fake = generator(self._noise(n, real.device), condition)
            real, fake, packed = pack(real), pack(fake), pack(condition)
            alpha = torch.rand(real.shape[0], 1, device=real.device)
            if _fused_layout(critic):
                # Replaces the critic's gradients (its widest one in place).
                loss, wasserstein, penalty = fused_critic_backward(
                    critic,
                    real,
                    fake,
                    packed,
                    alpha,
                    self.gp_weight,
                    self.criterion_,
                )
            else:
                penalty = gradient_penalty(critic, real, fake, packed, alpha=alpha)
                loss, wasserstein, penalty = critic_objective(
                    critic(real, packed),
                    critic(fake, packed),
                    penalty,
                    self.gp_weight,
                    self.criterion_,
                )
                self.critic_optimizer_.zero_grad(set_to_none=True)
                loss.backward()
                loss = loss.detach()
        self._check_finite("critic loss", loss)
        self.critic_optimizer_.step()
        self.history.record_batch("critic_loss", loss.item())
        self.history.record_batch("gradient_penalty", penalty.item())
        self.history.record_batch("wasserstein", wasserstein.item())

        if (self._batches_done() + 1) % self.n_critic == 0:
            # The critic's weights need no gradient in the generator update.
            critic.requires_grad_(False)
            try:
                with self._autocast():
                    fake = generator(self._noise(n, real.device), condition)
                    score = critic(pack(fake), pack(condition))
                    g_loss = self.criterion_(score.float())
                self._check_finite("generator loss", g_loss)
                self.optimizer_.zero_grad(set_to_none=True)
                g_loss.backward()
                self.optimizer_.step()
            finally:
                critic.requires_grad_(True)
            if getattr(self, "_ema_state", None) is not None:
                self._update_ema()
            self.history.record_batch("generator_loss", g_loss.item())
        return {"loss": loss.detach(), "y_pred": None}
