"""Shared base of the skorch nets that train the generative models."""

import contextlib
from typing import ClassVar

import torch
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog, ProgressBar

from sklearn_remgan.over_sampling._callbacks import EpochProgressBar

_TORCH_VERSION = tuple(int(v) for v in torch.__version__.split(".")[:2])


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


def ema_decay_at(ema_decay, n_updates):
    """Decay of a weight average after ``n_updates`` updates.

    ``min(ema_decay, (1 + n) / (10 + n))``: small at first, so that the average
    forgets the random initial weights quickly, then ``ema_decay``.
    """
    return min(ema_decay, (1 + n_updates) / (10 + n_updates))


class GenerativeNet(NeuralNet):
    """A skorch ``NeuralNet`` whose own ``train_step`` trains a generative model.

    What the nets of the samplers share: every epoch shuffles the training
    rows with a seeded generator and drops the last incomplete batch, the
    losses that ``train_step`` records per batch (class attribute
    ``history_keys``) are averaged per epoch and shown by ``verbose``,
    ``precision='bfloat16'`` runs the forward passes under
    ``torch.autocast``, a non-finite loss stops training with a clear error,
    and there is no validation loss (the samplers score generated rows in a
    callback instead).

    A subclass sets ``history_keys``, ``progress_desc`` (the progress bar's
    label) and ``divergence_hint`` (what to try when training diverges), and
    implements ``train_step`` and ``generate(conditions)``.

    Parameters
    ----------
    module : type or torch.nn.Module
        The network that generates; arguments via ``module__name``.
    criterion : type or torch.nn.Module
        The training loss.
    precision : {'float32', 'bfloat16'}, default='float32'
        ``'bfloat16'`` runs the training forward passes under
        ``torch.autocast``.
    seed : int or None, default=None
        Seeds the shuffling of the training batches (a fresh
        ``torch.Generator`` per fit); None uses torch's global generator.
    optimizer : type, default=torch.optim.Adam
        Optimizer of ``module_``; arguments via ``optimizer__name``.
    train_split : None or callable, default=None
        Keep None: :meth:`validation_step` raises ``NotImplementedError``.
    **kwargs
        Passed to :class:`skorch.NeuralNet` (``lr``, ``max_epochs``,
        ``batch_size``, ``device``, ``callbacks``, ``verbose``, ...).
    """

    #: Per-batch values recorded by ``train_step`` and averaged per epoch.
    history_keys: ClassVar[tuple] = ()
    #: Label of the ``verbose=1`` progress bar.
    progress_desc: ClassVar[str] = ""
    #: What the divergence error suggests.
    divergence_hint: ClassVar[str] = "Try a lower learning rate or standardized input."

    def __init__(
        self,
        module,
        criterion,
        *,
        precision="float32",
        seed=None,
        optimizer=torch.optim.Adam,
        train_split=None,
        **kwargs,
    ):
        # Shuffle every epoch; equal batches keep the steps per epoch fixed
        # and never give a batch of one row to a batch norm.
        kwargs.setdefault("iterator_train__shuffle", True)
        kwargs.setdefault("iterator_train__drop_last", True)
        kwargs.setdefault("verbose", 0)
        super().__init__(
            module,
            criterion,
            optimizer=optimizer,
            train_split=train_split,
            **kwargs,
        )
        self.precision = precision
        self.seed = seed

    @property
    def _default_callbacks(self):
        keys = list(self.history_keys)
        callbacks = [("epoch_timer", EpochTimer())]
        callbacks += [(k, PassthroughScoring(name=k, on_train=True)) for k in keys]
        if self.verbose == 1:
            bar = EpochProgressBar((*keys, "valid_score"), desc=self.progress_desc)
            callbacks += [("progress_bar", bar)]
        elif self.verbose:
            callbacks += [
                ("progress_bar", ProgressBar(postfix_keys=keys)),
                ("print_log", PrintLog(keys_ignored=[f"{k}_best" for k in keys])),
            ]
        return callbacks

    def get_params_for(self, prefix):
        """Init parameters of ``prefix``; training batches get a seeded shuffle.

        For ``"iterator_train"`` with ``seed`` set and no
        ``iterator_train__generator`` given, a fresh ``torch.Generator``
        seeded with ``seed`` is added, so that each fit shuffles its batches
        the same way whatever torch's global generator holds. skorch's
        :meth:`~skorch.NeuralNet.get_iterator` asks for these parameters once
        per fit, so the generator runs on across the epochs of a fit.

        Parameters
        ----------
        prefix : str
            Name of the attribute whose parameters are collected (e.g.
            ``"module"``, ``"iterator_train"``).

        Returns
        -------
        params : dict
            The parameters given as ``prefix__name``.
        """
        params = super().get_params_for(prefix)
        if prefix == "iterator_train" and self.seed is not None:
            if "generator" not in params:
                params["generator"] = torch.Generator().manual_seed(int(self.seed))
        return params

    def _autocast(self):
        if self.precision == "bfloat16":
            device_type = torch.device(self.device).type
            return torch.autocast(device_type=device_type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _check_finite(self, name, value):
        """Stop training with a clear error when ``value`` is not finite."""
        value = value.detach()
        if not torch.isfinite(value):
            raise FloatingPointError(
                f"{self.progress_desc} training diverged: the {name} is "
                f"{value.item()} at epoch {len(self.history)}. "
                f"{self.divergence_hint}"
            )

    def validation_step(self, batch, **fit_params):
        """Not supported: the net has no validation loss (``train_split=None``).

        Parameters
        ----------
        batch : tuple of torch.Tensor
            A validation batch; never used.
        **fit_params : dict
            Extra arguments of ``fit``, accepted for compatibility with
            :meth:`skorch.NeuralNet.validation_step`; unused.

        Raises
        ------
        NotImplementedError
            Always; keep ``train_split=None``.
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no validation step; keep train_split=None."
        )
