"""WGANGPSampler: an imbalanced-learn over-sampler backed by a conditional WGAN-GP."""

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution

from sklearn_remgan.over_sampling._base import BaseGenerativeSampler
from sklearn_remgan.over_sampling._modules import Critic, Generator
from sklearn_remgan.over_sampling._net import WGANGPNet
from sklearn_remgan.utils._sklearn_compat import Interval, _random_state_docstring

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


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
)
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

    mode_balance : {{'balanced', 'proportional'}} or dict, default='balanced'
        How the rows generated for a class are split over its modes (the
        combinations of covariate values seen with that class):

        - ``'balanced'``: into the smallest modes first, so that the modes of
          each class end as equal in size as the budget allows (water
          filling);
        - ``'proportional'``: in the proportions of the training data;
        - dict ``{{(label, value, ...): count}}`` (``label`` alone without
          covariates): exact counts; for each class named, its counts must sum
          to the class's count in ``sampling_strategy_``; classes not named
          are balanced.

        Without covariates each class is a single mode.

    device : {{'cpu', 'cuda', 'auto'}}, default='cpu'
        Where to train; ``'auto'`` picks CUDA when available. Resolved at fit
        into ``device_``.

    precision : {{'float32', 'bfloat16', 'auto'}}, default='float32'
        ``'bfloat16'`` trains under ``torch.autocast`` with bfloat16;
        sampling is float32. It is faster only on hardware with bf16 matrix
        units (CPUs with AVX512-BF16 or AMX, GPUs of compute capability 8
        and above); elsewhere bf16 is emulated and several times slower than
        float32. ``'auto'`` picks bfloat16 where the training device has such
        units and float32 elsewhere (resolved at fit into ``precision_``);
        results then depend on the machine. Measured on an AMD EPYC CPU with
        AVX512-BF16 (one thread, 962 x 2,000, defaults): 1.04 s per epoch in
        float32, 0.47 s in bfloat16
        (``benchmarks/bench_precision_threads.py``).

    n_jobs : int, default=None
        Number of torch threads used to train and to sample, set for the
        call and restored afterwards; ``-1`` means all the cores available
        to the process. None takes 1 in a thread other than the main one
        (joblib's threading backend, threaded dask workers) and otherwise
        torch's current setting, which follows ``OMP_NUM_THREADS`` (set to
        cores // k in the process workers of ``GridSearchCV(n_jobs=k)`` and
        to 1 by dask's nanny), capped at the available cores; so parallel
        fits share the cores rather than oversubscribe them.

    verbose : int, default=0
        0 prints nothing; 1 shows one progress bar over the epochs with the
        last epoch's losses (critic, generator, gradient penalty, Wasserstein
        estimate); 2 or more shows skorch's per-epoch bar over the batches and
        a table row per epoch.

    checkpoint_dir : str or path-like, default=None
        Directory where the generator, critic, optimizers and history are
        saved after every epoch (files ``generator.pt``, ``critic.pt``,
        ``optimizer.pt``, ``critic_optimizer.pt``, ``history.json``). It is
        created if missing; fitting refuses to start if any of these files
        already exists there or if it is the working directory. None saves
        nothing.

    resume_from : str or path-like, default=None
        A ``checkpoint_dir`` of an earlier fit on the same data and with the
        same architecture: its weights, optimizer states and history are
        loaded and training continues up to ``max_epochs`` epochs in total.
        Checkpoints of the resumed run go to another ``checkpoint_dir``.

    aligner : estimator or None, default=None
        Post-hoc aligner of generated rows (e.g.
        ``sklearn_remgan.alignment.OTAligner``) with ``fit(X, y, *, X_real,
        y_real, covariates, covariates_real)`` and ``transform(X, y, *,
        covariates)`` (covariates are a DataFrame, or None without
        covariates). At fit it is cloned into ``aligner_`` and fitted on a
        generated pool (one row per training row, same condition) against the
        training rows; every generated batch then goes through
        ``aligner_.transform``.

    keep_training_data : bool, default=True
        Keep the training rows as ``X_fit_`` (and their labels as ``y_fit_``).
        :class:`~sklearn_remgan.REMScorer` then fits its PCA on them and can
        tell a generator that copies its training rows from one that draws
        fresh rows; set False to save the memory (and pickle size) of one
        copy of the training matrix.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows and stop when
        the generated rows stop getting closer to them; the generator's
        weights at the best validation score are kept. See Notes.

    validation_fraction : float, default=0.1
        Share of the rows of every mode (label x covariate values) held out
        for validation with ``early_stopping``, at least one per mode; a mode
        with a single row is refused. Ignored without ``early_stopping``.

    validation_interval : int, default=10
        Epochs between two validation scores (the last epoch is always
        scored).

    n_iter_no_change : int, default=5
        Validation scores in a row without an improvement of more than
        ``tol`` that stop training (so at most ``n_iter_no_change *
        validation_interval`` epochs without progress).

    tol : float, default=1e-3
        Least improvement of the validation score that counts as progress.

    max_time : float, default=None
        Wall-clock budget of training in seconds: training ends after the
        epoch during which it is spent, with or without ``early_stopping``
        (then the best weights scored so far are kept). None sets no limit.
        A time limit makes the number of epochs, hence the result, depend on
        the machine's speed.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows to generate per class.

    classes_ : ndarray of shape (n_classes,)
        Class labels seen at fit.

    covariate_names_ : list of str
        Names of the covariates (DataFrame columns, a Series name, or
        ``covariate_<i>``); empty without covariates.

    covariate_categories_ : list of ndarray
        Sorted categories of each covariate.

    modes_ : pandas.DataFrame
        One row per mode seen at fit: ``label``, one column per covariate,
        ``n_real`` (training rows) and ``n_generated`` (rows ``fit_resample``
        generates for it).

    device_ : str
        Device the networks were trained on.

    precision_ : str
        Precision of training, ``'float32'`` or ``'bfloat16'`` (``precision``
        with ``'auto'`` resolved).

    dtype_ : numpy.dtype
        dtype of the training rows; :meth:`sample` returns rows in it.

    net_ : WGANGPNet
        The trained skorch net: ``net_.module_`` is the generator,
        ``net_.critic_`` the critic, and ``net_.history`` holds per-epoch
        ``critic_loss``, ``generator_loss``, ``gradient_penalty`` and
        ``wasserstein`` (estimated Wasserstein-1 distance).

    n_iter_ : int
        Epochs trained (including those of a resumed checkpoint).

    best_epoch_ : int
        Epoch whose generator weights ``net_.module_`` holds: the best
        validation score with ``early_stopping``, otherwise the last epoch.

    best_validation_score_ : float or None
        Best validation score (None without ``early_stopping``).

    aligner_ : estimator
        The fitted clone of ``aligner`` (only when ``aligner`` is given).

    X_fit_ : ndarray of shape (n_samples, n_features)
        The training rows (only with ``keep_training_data=True``).

    y_fit_ : ndarray of shape (n_samples,)
        Their labels (only with ``keep_training_data=True``).

    random_state_ : numpy.random.RandomState
        Source of the noise drawn by :meth:`sample` (advanced at each call),
        seeded from ``random_state`` at fit.

    n_features_in_ : int
        Number of features seen at fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen at fit, when X is a DataFrame with string
        column names.

    See Also
    --------
    imblearn.over_sampling.SMOTE : Interpolating over-sampler.
    imblearn.over_sampling.RandomOverSampler : Over-sample by duplicating rows.

    Notes
    -----
    Covariates reach :meth:`fit_resample` as the ``covariates`` argument. In a
    pipeline or a search they are routed with scikit-learn's metadata routing:
    ``sklearn.set_config(enable_metadata_routing=True)`` and
    ``sampler.set_fit_resample_request(covariates=True)``, then
    ``search.fit(X, y, covariates=C)``; cross-validation splits ``C`` with the
    rows. The downstream classifier still sees ``y`` only.

    **Early stopping.** The validation score is the F1 (harmonic mean) of
    :func:`~sklearn_remgan.metrics.precision_recall`'s precision and recall
    (k=5, fewer on very small validation sets) between the validation rows
    and as many generated rows with the same conditions, drawn from the same
    noise at every score so that scores differ by the weights only. F1
    rather than recall at a precision floor: a collapsed generator (the
    blind spot this library diagnoses) has high precision and low recall, a
    noisy one the reverse, and F1 falls in both cases with no floor to
    choose. Each score is recorded as ``valid_score`` in ``net_.history``.

    The same ``random_state`` gives the same networks and rows, also after a
    pickle round trip; torch is seeded inside :func:`torch.random.fork_rng`,
    so the global numpy and torch generators are left untouched.

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
    _checkpoint_files: ClassVar[dict] = {
        "f_params": "generator.pt",
        "f_critic": "critic.pt",
        "f_optimizer": "optimizer.pt",
        "f_critic_optimizer": "critic_optimizer.pt",
        "f_history": "history.json",
    }

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
