"""WGANGPSampler: an imbalanced-learn over-sampler backed by a conditional WGAN-GP."""

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from imblearn.utils import Substitution

from sklearn_remgan.over_sampling._base import BaseGenerativeSampler
from sklearn_remgan.over_sampling._docstrings import sampler_docstrings
from sklearn_remgan.over_sampling._modules import Critic, Generator
from sklearn_remgan.over_sampling._net import WGANGPNet
from sklearn_remgan.utils._sklearn_compat import Interval

#: The reference paper's settings (see :meth:`WGANGPSampler.paper`).
PAPER_SETTINGS = {
    "latent_dim": 128,
    "generator_hidden": (256, 512),
    "critic_hidden": (512, 256),
    "negative_slope": 0.2,
    "n_critic": 5,
    "gp_weight": 10.0,
    "batch_size": 64,
    "lr_generator": 1e-3,
    "lr_critic": 5e-4,
    "betas": (0.5, 0.9),
    "pac": 1,
    "ema_decay": None,
    "precision": "float32",
    "early_stopping": False,
}


#: skorch ``f_*`` argument -> checkpoint file name.
_CHECKPOINT_FILES = {
    "f_params": "generator.pt",
    "f_critic": "critic.pt",
    "f_optimizer": "optimizer.pt",
    "f_critic_optimizer": "critic_optimizer.pt",
    "f_history": "history.json",
}


@Substitution(**sampler_docstrings(_CHECKPOINT_FILES))
class WGANGPSampler(BaseGenerativeSampler):
    """Over-sample with a conditional Wasserstein GAN with gradient penalty.

    A generator conditioned on the class (and optionally on categorical
    covariates such as cancer status) is trained against a conditional critic
    with the WGAN-GP objective [1]_, through a skorch net (:class:`WGANGPNet`).
    New rows are then drawn for each class as ``sampling_strategy`` asks and,
    within a class, for each mode (class x covariate values) as
    ``mode_balance`` asks.

    Parameters
    ----------
    {sampling_strategy}

    {random_state}

    latent_dim : int, default=128
        Width of the generator's Gaussian noise input.

    generator_hidden : tuple of int, default=(256, 512)
        Hidden layer widths of the generator (each Linear, BatchNorm1d,
        LeakyReLU).

    critic_hidden : tuple of int, default=(512, 256)
        Hidden layer widths of the critic (each Linear, LeakyReLU; no batch
        norm, which would break the per-sample gradient penalty).

    negative_slope : float, default=0.2
        Slope of the LeakyReLU activations for negative inputs.

    n_critic : int, default=5
        Critic updates per generator update. Every batch of real rows gives
        one critic update, and every ``n_critic``-th batch (counted across
        epochs) one generator update, so each critic update sees fresh real
        rows as in the WGAN-GP algorithm.

    gp_weight : float, default=10.0
        Weight of the gradient penalty, computed on interpolates with one
        mixing weight per row.

    batch_size : int, default=64
        Rows per training batch, capped at the number of training rows. The
        last incomplete batch of each epoch is dropped so that a batch of one
        row never reaches batch norm.

    max_epochs : int, default=500
        Passes over the training rows (with ``resume_from``: the total,
        including the epochs already in the checkpoint).

    lr_generator : float, default=1e-3
        Adam learning rate of the generator.

    lr_critic : float, default=5e-4
        Adam learning rate of the critic.

    betas : tuple of float, default=(0.5, 0.9)
        Adam coefficients of both optimizers.

    pac : int, default=1
        PacGAN packing (Lin et al., 2018): the critic scores groups of
        ``pac`` rows of a batch at once, genes and conditions concatenated,
        which lets it penalise generated rows that lack diversity (mode
        collapse, the blind spot this library diagnoses). 1 is the paper's
        plain WGAN-GP; CTGAN uses 10. Each batch drops its last ``batch_size
        % pac`` rows.

    ema_decay : float or None, default=None
        Decay of an exponential moving average of the generator's weights
        (e.g. 0.999, as in ProGAN/StyleGAN), updated after every generator
        step with a warm-up; the average is what generates (it is loaded into
        ``net_.module_`` at the end of training and scored by early
        stopping). None (the paper) keeps the last weights.

    {base_parameters}

    Attributes
    ----------
    {fitted_attributes}

    net_ : WGANGPNet
        The trained skorch net: ``net_.module_`` is the generator,
        ``net_.critic_`` the critic, and ``net_.history`` holds per-epoch
        ``critic_loss``, ``generator_loss``, ``gradient_penalty`` and
        ``wasserstein`` (estimated Wasserstein-1 distance).

    {training_attributes}

    See Also
    --------
    imblearn.over_sampling.SMOTE : Interpolating over-sampler.
    imblearn.over_sampling.RandomOverSampler : Over-sample by duplicating rows.

    Notes
    -----
    {covariates_note}

    {early_stopping_note}

    **Precision.** Measured on an AMD EPYC CPU with AVX512-BF16 (one thread,
    962 x 2,000, defaults): 1.04 s per epoch with ``precision='float32'``,
    0.47 s with ``'bfloat16'`` (``benchmarks/bench_precision_threads.py``).

    {reproducibility_note}

    References
    ----------
    .. [1] I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin and A. Courville,
       "Improved Training of Wasserstein GANs", NeurIPS 2017.

    Examples
    --------
    >>> from collections import Counter
    >>> import numpy as np
    >>> from sklearn_remgan.over_sampling import WGANGPSampler
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(60, 8).astype(np.float32)
    >>> y = np.array(["a"] * 40 + ["b"] * 20)
    >>> sampler = WGANGPSampler(
    ...     latent_dim=8, generator_hidden=(16,), critic_hidden=(16,),
    ...     max_epochs=2, batch_size=16, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> print(sorted(Counter(y_res.tolist()).items()), X_res.dtype)
    [('a', 40), ('b', 40)] float32
    >>> X_new, y_new = sampler.sample(3, y="b")
    >>> X_new.shape, y_new.tolist()
    ((3, 8), ['b', 'b', 'b'])
    """

    #: Files written into ``checkpoint_dir`` and read from ``resume_from``.
    _checkpoint_files: ClassVar[dict] = _CHECKPOINT_FILES

    _min_class_rows: ClassVar[int] = 2
    _min_class_rows_reason: ClassVar[str] = (
        " (batches of one row cannot pass the generator's batch norm)"
    )

    _parameter_constraints: ClassVar[dict] = {
        **BaseGenerativeSampler._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_hidden": ["array-like"],
        "critic_hidden": ["array-like"],
        "negative_slope": [Interval(Real, 0, 1, closed="left")],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "lr_generator": [Interval(Real, 0, None, closed="neither")],
        "lr_critic": [Interval(Real, 0, None, closed="neither")],
        "betas": ["array-like"],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "ema_decay": [Interval(Real, 0, 1, closed="left"), None],
    }

    def __init__(
        self,
        sampling_strategy="auto",
        *,
        random_state=None,
        latent_dim=128,
        generator_hidden=(256, 512),
        critic_hidden=(512, 256),
        negative_slope=0.2,
        n_critic=5,
        gp_weight=10.0,
        batch_size=64,
        max_epochs=500,
        lr_generator=1e-3,
        lr_critic=5e-4,
        betas=(0.5, 0.9),
        pac=1,
        ema_decay=None,
        mode_balance="balanced",
        device="cpu",
        precision="float32",
        n_jobs=None,
        verbose=0,
        checkpoint_dir=None,
        resume_from=None,
        aligner=None,
        residual_noise=False,
        residual_components=None,
        keep_training_data=True,
        early_stopping=False,
        validation_fraction=0.1,
        validation_interval=10,
        n_iter_no_change=5,
        tol=1e-3,
        max_time=None,
    ):
        super().__init__(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            max_epochs=max_epochs,
            mode_balance=mode_balance,
            device=device,
            precision=precision,
            n_jobs=n_jobs,
            verbose=verbose,
            checkpoint_dir=checkpoint_dir,
            resume_from=resume_from,
            aligner=aligner,
            residual_noise=residual_noise,
            residual_components=residual_components,
            keep_training_data=keep_training_data,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            validation_interval=validation_interval,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            max_time=max_time,
        )
        self.latent_dim = latent_dim
        self.generator_hidden = generator_hidden
        self.critic_hidden = critic_hidden
        self.negative_slope = negative_slope
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.batch_size = batch_size
        self.lr_generator = lr_generator
        self.lr_critic = lr_critic
        self.betas = betas
        self.pac = pac
        self.ema_decay = ema_decay

    def _check_hidden(self, name):
        value = getattr(self, name)
        try:
            widths = np.asarray(value, dtype=object).ravel().tolist()
        except (TypeError, ValueError):
            widths = []
        if not widths or not all(
            isinstance(w, Integral) and not isinstance(w, bool) and w >= 1
            for w in widths
        ):
            raise ValueError(
                f"The '{name}' parameter of WGANGPSampler must be a non-empty "
                f"sequence of positive integers. Got {value!r} instead."
            )
        return tuple(int(w) for w in widths)

    def _check_betas(self):
        message = (
            "The 'betas' parameter of WGANGPSampler must be two floats in "
            f"[0, 1). Got {self.betas!r} instead."
        )
        values = np.asarray(self.betas, dtype=object).ravel().tolist()
        if len(values) != 2 or not all(
            isinstance(b, Real) and not isinstance(b, bool) for b in values
        ):
            raise ValueError(message)
        betas = np.asarray(values, dtype=float)
        if not ((betas >= 0) & (betas < 1)).all():
            raise ValueError(message)
        return tuple(float(b) for b in betas)

    def _validate_net_params(self):
        self._check_hidden("generator_hidden")
        self._check_hidden("critic_hidden")
        self._check_betas()
        if self.pac > self.batch_size:
            raise ValueError(
                f"pac={self.pac} rows per critic input cannot exceed "
                f"batch_size={self.batch_size}."
            )

    @classmethod
    def paper(cls, **params):
        """A sampler with the settings of the reference paper.

        Conditional WGAN-GP as in Alsamadi, Lacan, Hanczar and Sebag,
        "Identifying GANs Blind Spots in Transcriptomic Data Generation" (the
        paper this library reproduces): generator (256, 512) with batch norm,
        critic (512, 256), latent dimension 128, batch size 64, Adam with
        learning rates 1e-3 (generator) and 5e-4 (critic) and betas (0.5,
        0.9), 5 critic steps per generator step, gradient penalty weight 10,
        no packing, no weight averaging, float32, no early stopping. These
        are also the defaults today; this constructor keeps them reachable if
        the defaults change.

        Parameters
        ----------
        **params : dict
            Other parameters (``max_epochs``, ``random_state``, ...); they may
            not override the paper's settings.

        Returns
        -------
        sampler : WGANGPSampler
            An unfitted sampler.

        Examples
        --------
        >>> from sklearn_remgan.over_sampling import WGANGPSampler
        >>> WGANGPSampler.paper(max_epochs=300).get_params()["lr_generator"]
        0.001
        """
        clash = sorted(set(params) & set(PAPER_SETTINGS))
        if clash:
            raise ValueError(
                f"WGANGPSampler.paper() fixes {clash}; build WGANGPSampler(...) "
                "directly to change them."
            )
        return cls(**PAPER_SETTINGS, **params)

    def _build_net(self, n_features, n_conditions, n_samples, seed):
        betas = self._check_betas()
        batch_size = min(self.batch_size, n_samples)
        if self.pac > batch_size:
            raise ValueError(
                f"pac={self.pac} rows per critic input cannot exceed the "
                f"{batch_size} training rows."
            )
        return WGANGPNet(
            Generator,
            critic=Critic,
            module__n_features=n_features,
            module__n_conditions=n_conditions,
            module__latent_dim=self.latent_dim,
            module__hidden=self._check_hidden("generator_hidden"),
            module__negative_slope=self.negative_slope,
            critic__n_features=n_features * self.pac,
            critic__n_conditions=n_conditions * self.pac,
            critic__hidden=self._check_hidden("critic_hidden"),
            critic__negative_slope=self.negative_slope,
            lr=self.lr_generator,
            optimizer__betas=betas,
            critic_optimizer__lr=self.lr_critic,
            critic_optimizer__betas=betas,
            n_critic=self.n_critic,
            gp_weight=self.gp_weight,
            latent_dim=self.latent_dim,
            pac=self.pac,
            ema_decay=self.ema_decay,
            seed=seed,
            batch_size=batch_size,
        )
