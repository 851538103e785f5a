"""skorch ``NeuralNet`` that trains a conditional WGAN-GP."""

import contextlib

import torch
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog, ProgressBar

from sklearn_remgan.over_sampling._callbacks import EpochProgressBar
from sklearn_remgan.over_sampling._losses import WassersteinLoss, fused_critic_backward

_TORCH_VERSION = tuple(int(v) for v in torch.__version__.split(".")[:2])

#: Per-batch values recorded by ``train_step`` and averaged per epoch.
HISTORY_KEYS = ("critic_loss", "generator_loss", "gradient_penalty", "wasserstein")


def _fused_adam_kwargs(optimizer, kwargs, module):
    """Ask Adam for its fused kernel unless the user chose an implementation.

    The update is the same arithmetic; the default per-tensor loop makes about
    ten passes over memory per step. On CPU it took 128 ms per step for one
    512 x 32,043 layer against 10 ms fused (one thread), and each net has such
    a layer: a quarter of the step at 32k genes (benchmarks/bench_training.py).
    Fused CPU kernels exist from torch 2.4; older versions keep the default.
    """
    if (
        optimizer not in (torch.optim.Adam, torch.optim.AdamW)
        or "fused" in kwargs
        or "foreach" in kwargs
        or kwargs.get("differentiable")  # not supported by the fused kernel
        or _TORCH_VERSION < (2, 4)
    ):
        return kwargs
    devices = {p.device.type for p in module.parameters()}
    if devices and devices <= {"cpu", "cuda"}:
        kwargs = {**kwargs, "fused": True}
    return kwargs


class WGANGPNet(NeuralNet):
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
        Loss computing the critic and generator losses from critic scores.
    critic : type or torch.nn.Module
        The critic (:class:`Critic`); constructor arguments via
        ``critic__name``.
    critic_optimizer : type, default=torch.optim.Adam
        Optimizer of the critic; arguments via ``critic_optimizer__name``
        (``lr`` defaults to the net's ``lr`` when not given).
    n_critic : int, default=5
        Critic updates per generator update.
    gp_weight : float, default=10.0
        Weight of the gradient penalty.
    latent_dim : int, default=128
        Width of the generator's noise input.
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
    >>> from sklearn_remgan.over_sampling import Critic, Generator, WGANGPNet
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
        precision="float32",
        seed=None,
        optimizer=torch.optim.Adam,
        train_split=None,
        **kwargs,
    ):
        # Shuffle every epoch; drop the last incomplete batch so a batch of
        # one row never reaches the generator's batch norm.
        kwargs.setdefault("iterator_train__shuffle", True)
        kwargs.setdefault("iterator_train__drop_last", True)
        super().__init__(
            module,
            criterion,
            optimizer=optimizer,
            train_split=train_split,
            **kwargs,
        )
        self.critic = critic
        self.critic_optimizer = critic_optimizer
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.latent_dim = latent_dim
        self.precision = precision
        self.seed = seed

    @property
    def _default_callbacks(self):
        callbacks = [("epoch_timer", EpochTimer())]
        callbacks += [
            (key, PassthroughScoring(name=key, on_train=True)) for key in HISTORY_KEYS
        ]
        if self.verbose == 1:
            keys = (*HISTORY_KEYS, "valid_score")
            callbacks += [("progress_bar", EpochProgressBar(keys))]
        elif self.verbose:
            callbacks += [
                ("progress_bar", ProgressBar(postfix_keys=list(HISTORY_KEYS))),
                (
                    "print_log",
                    PrintLog(keys_ignored=[f"{k}_best" for k in HISTORY_KEYS]),
                ),
            ]
        return callbacks

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

    def get_iterator(self, dataset, training=False):
        """Data loader; training batches are shuffled by a ``seed``-ed generator.

        Parameters
        ----------
        dataset : torch.utils.data.Dataset
            Usually a :class:`skorch.dataset.Dataset` of pairs (real row,
            condition vector), i.e. ``X`` of shape (n_samples, n_features) and
            ``y`` of shape (n_samples, n_conditions).
        training : bool, default=False
            Whether the loader is for training: then ``iterator_train`` is
            used (shuffled, last incomplete batch dropped), with a fresh
            ``torch.Generator`` seeded by ``seed`` for the shuffling when
            ``seed`` is set and no ``iterator_train__generator`` is given.
            Otherwise ``iterator_valid``, as in skorch.

        Returns
        -------
        iterator : torch.utils.data.DataLoader
            Loader yielding batches ``(real, condition)``.
        """
        if training and self.seed is not None:
            kwargs = self.get_params_for("iterator_train")
            if "generator" not in kwargs:
                kwargs.setdefault("batch_size", self.batch_size)
                gen = torch.Generator().manual_seed(int(self.seed))
                return self.iterator_train(dataset, generator=gen, **kwargs)
        return super().get_iterator(dataset, training=training)

    def _autocast(self):
        if self.precision == "bfloat16":
            device_type = torch.device(self.device).type
            return torch.autocast(device_type=device_type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _noise(self, n, device):
        return torch.randn(n, self.latent_dim, device=device)

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

    def _check_finite(self, name, value):
        value = value.detach()
        if not torch.isfinite(value):
            epoch = len(self.history)
            raise FloatingPointError(
                f"WGAN-GP training diverged: the {name} is {value.item()} at epoch "
                f"{epoch}. Try lower learning rates (lr_generator, lr_critic), a "
                "larger gp_weight, precision='float32', or standardized input."
            )

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
        device = self.device
        real = real.to(device)
        condition = condition.to(device) if condition.shape[1] else None
        generator, critic = self.module_, self.critic_
        generator.train()
        critic.train()
        n = real.shape[0]

        # Critic update: generated rows are constants here.
        with self._autocast():
            with torch.no_grad():
                fake = generator(self._noise(n, real.device), condition)
            alpha = torch.rand(n, 1, device=real.device)
            # Replaces the critic's gradients (its widest one in place).
            loss, wasserstein, penalty = fused_critic_backward(
                critic, real, fake, condition, alpha, self.gp_weight
            )
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
                    g_loss = self.criterion_(critic(fake, condition).float())
                self._check_finite("generator loss", g_loss)
                self.optimizer_.zero_grad(set_to_none=True)
                g_loss.backward()
                self.optimizer_.step()
            finally:
                critic.requires_grad_(True)
            self.history.record_batch("generator_loss", g_loss.item())
        return {"loss": loss.detach(), "y_pred": None}

    def validation_step(self, batch, **fit_params):
        """Not supported: a GAN has no validation loss (``train_split=None``).

        Parameters
        ----------
        batch : tuple of torch.Tensor
            ``(real, condition)`` from the validation loader, as in
            :meth:`train_step`; never used.
        **fit_params : dict
            Extra arguments of ``fit``, accepted for compatibility with
            :meth:`skorch.NeuralNet.validation_step`; unused.

        Raises
        ------
        NotImplementedError
            Always; keep ``train_split=None``.
        """
        raise NotImplementedError(
            "WGANGPNet has no validation step; keep train_split=None."
        )
