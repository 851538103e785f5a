"""WGANGPSampler: an imbalanced-learn over-sampler backed by a conditional WGAN-GP."""

import inspect
import os
from collections.abc import Mapping
from numbers import Integral, Real
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution, check_sampling_strategy, check_target_type
from imblearn.utils._docstring import _random_state_docstring
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Checkpoint

from sklearn_remgan.over_sampling._modules import Critic, Generator
from sklearn_remgan.over_sampling._net import WGANGPNet
from sklearn_remgan.utils._random import draw_seed, torch_seeded
from sklearn_remgan.utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)
from sklearn_remgan.utils._validation import check_finite_2d

# File names written into ``checkpoint_dir`` and read from ``resume_from``.
CHECKPOINT_FILES = {
    "f_params": "generator.pt",
    "f_critic": "critic.pt",
    "f_optimizer": "optimizer.pt",
    "f_critic_optimizer": "critic_optimizer.pt",
    "f_history": "history.json",
}

# Rows generated per forward pass in ``sample``.
_SAMPLE_CHUNK = 4096


def _accepts(method, name):
    """Whether ``method`` takes a keyword argument called ``name``."""
    params = inspect.signature(method).parameters
    return name in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )


def _largest_remainder(total, weights):
    """Split the integer ``total`` in proportion to ``weights``, exactly."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=int)
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(int)
    # Ties go to the earlier entry (stable sort), so the split is deterministic.
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _water_fill(total, real):
    """Generate ``total`` rows into the smallest modes first.

    Returns per-mode counts ``g`` with ``sum(g) == total`` such that the final
    sizes ``real + g`` are as equal as the budget allows: every mode that
    receives rows ends at level L or L + 1, and no mode above L receives any.
    """
    real = np.asarray(real, dtype=int)
    if total == 0:
        return np.zeros(len(real), dtype=int)
    lo, hi = int(real.min()), int(real.min()) + int(total)
    # Largest level L with sum(max(0, L - real)) <= total (binary search).
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if np.maximum(0, mid - real).sum() <= total:
            lo = mid
        else:
            hi = mid - 1
    counts = np.maximum(0, lo - real)
    rest = total - counts.sum()
    at_level = np.flatnonzero(real <= lo)
    counts[at_level[:rest]] += 1
    return counts


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
)
class WGANGPSampler(BaseOverSampler):
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

    precision : {{'float32', 'bfloat16'}}, default='float32'
        ``'bfloat16'`` trains under ``torch.autocast`` with bfloat16 (faster
        on CPUs and GPUs with bf16 matrix units); sampling is float32.

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
        y_real)`` and ``transform(X, y)``. At fit it is cloned into
        ``aligner_`` and fitted on a generated pool (one row per training row,
        same condition) against the training rows; every generated batch then
        goes through ``aligner_.transform``.

    keep_training_data : bool, default=True
        Keep the training rows as ``X_fit_`` (and their labels as ``y_fit_``).
        :class:`~sklearn_remgan.REMScorer` then fits its PCA on them and can
        tell a generator that copies its training rows from one that draws
        fresh rows; set False to save the memory (and pickle size) of one
        copy of the training matrix.

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

    net_ : WGANGPNet
        The trained skorch net: ``net_.module_`` is the generator,
        ``net_.critic_`` the critic, and ``net_.history`` holds per-epoch
        ``critic_loss``, ``generator_loss``, ``gradient_penalty`` and
        ``wasserstein`` (estimated Wasserstein-1 distance).

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

    _parameter_constraints: ClassVar[dict] = {
        **BaseOverSampler._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_hidden": ["array-like"],
        "critic_hidden": ["array-like"],
        "negative_slope": [Interval(Real, 0, 1, closed="left")],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr_generator": [Interval(Real, 0, None, closed="neither")],
        "lr_critic": [Interval(Real, 0, None, closed="neither")],
        "betas": ["array-like"],
        "mode_balance": [StrOptions({"balanced", "proportional"}), Mapping],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "precision": [StrOptions({"float32", "bfloat16"})],
        "verbose": ["verbose"],
        "checkpoint_dir": [str, os.PathLike, None],
        "resume_from": [str, os.PathLike, None],
        "aligner": [HasMethods(["fit", "transform"]), None],
        "keep_training_data": ["boolean"],
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
        mode_balance="balanced",
        device="cpu",
        precision="float32",
        verbose=0,
        checkpoint_dir=None,
        resume_from=None,
        aligner=None,
        keep_training_data=True,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.latent_dim = latent_dim
        self.generator_hidden = generator_hidden
        self.critic_hidden = critic_hidden
        self.negative_slope = negative_slope
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr_generator = lr_generator
        self.lr_critic = lr_critic
        self.betas = betas
        self.mode_balance = mode_balance
        self.device = device
        self.precision = precision
        self.verbose = verbose
        self.checkpoint_dir = checkpoint_dir
        self.resume_from = resume_from
        self.aligner = aligner
        self.keep_training_data = keep_training_data

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    # ------------------------------------------------------------------ input
    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(
            self,
            X=X,
            y=y,
            reset=True,
            accept_sparse=False,
            dtype=[np.float64, np.float32],
            ensure_all_finite=False,
        )
        X = check_finite_2d(X)
        return X, y, binarize_y

    def _check_covariates(self, covariates, n_samples, *, fitting):
        """Return covariates as a list of 1-D object arrays (one per column)."""
        if covariates is None:
            if fitting:
                self.covariate_names_ = []
            return []
        if isinstance(covariates, pd.DataFrame):
            names = [str(c) for c in covariates.columns]
            columns = [covariates[c].to_numpy() for c in covariates.columns]
        elif isinstance(covariates, pd.Series):
            names = [str(covariates.name) if covariates.name is not None else None]
            columns = [covariates.to_numpy()]
        else:
            arr = np.asarray(covariates)
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2:
                raise ValueError(
                    "covariates must be 1-D or 2-D with one row per sample; got "
                    f"shape {arr.shape}."
                )
            names = [None] * arr.shape[1]
            columns = [arr[:, j] for j in range(arr.shape[1])]
        names = [n if n is not None else f"covariate_{j}" for j, n in enumerate(names)]
        for name, col in zip(names, columns):
            if col.shape[0] != n_samples:
                raise ValueError(
                    f"covariates must have one row per sample: {n_samples} rows "
                    f"expected, got {col.shape[0]}."
                )
            if pd.isna(col).any():
                raise ValueError(
                    f"covariate {name!r} has {int(pd.isna(col).sum())} missing "
                    "value(s); covariates are categorical and must be complete."
                )
        if fitting:
            self.covariate_names_ = names
        elif len(columns) != len(self.covariate_names_):
            raise ValueError(
                f"covariates must have {len(self.covariate_names_)} column(s) "
                f"{self.covariate_names_}, as at fit; got {len(columns)}."
            )
        return columns

    def _encode_covariates(self, columns):
        """Integer codes of each covariate column, refusing unseen categories."""
        codes = []
        for name, cats, col in zip(
            self.covariate_names_, self.covariate_categories_, columns
        ):
            lookup = {c: i for i, c in enumerate(cats.tolist())}
            values = col.tolist()
            unknown = sorted({v for v in values if v not in lookup}, key=str)
            if unknown:
                raise ValueError(
                    f"covariate {name!r} has values not seen at fit: {unknown[:5]}; "
                    f"known values: {cats.tolist()}."
                )
            codes.append(np.array([lookup[v] for v in values], dtype=int))
        return codes

    def _encode_labels(self, y):
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
        values = np.asarray(y).tolist()
        unknown = sorted({v for v in values if v not in lookup}, key=str)
        if unknown:
            raise ValueError(
                f"y contains labels not seen at fit: {unknown[:5]}; the sampler "
                f"was fitted on classes {self.classes_.tolist()}."
            )
        return np.array([lookup[v] for v in values], dtype=int)

    def _conditions(self, codes):
        """One-hot condition matrix (float32) from integer codes per column."""
        sizes = [len(self.classes_)] + [len(c) for c in self.covariate_categories_]
        n = codes.shape[0]
        blocks = []
        for j, size in enumerate(sizes):
            block = np.zeros((n, size), dtype=np.float32)
            block[np.arange(n), codes[:, j]] = 1.0
            blocks.append(block)
        return np.hstack(blocks)

    # ------------------------------------------------------------------ modes
    def _mode_targets(self, mode_codes, n_real):
        """Rows to generate per mode (``sampling_strategy_``, ``mode_balance``)."""
        n_gen = np.zeros(len(mode_codes), dtype=int)
        requested = {}
        if isinstance(self.mode_balance, Mapping):
            requested = self._check_mode_dict(mode_codes)
        for label, total in self.sampling_strategy_.items():
            cls = int(np.searchsorted(self.classes_, label))
            idx = np.flatnonzero(mode_codes[:, 0] == cls)
            named = [i for i in idx if i in requested]
            if named:
                asked = sum(requested[i] for i in named)
                if asked != total:
                    raise ValueError(
                        f"mode_balance asks {asked} new rows for the modes of class "
                        f"{label!r}, but sampling_strategy asks {total}; the counts "
                        "of a class's modes must sum to its sampling_strategy_ count."
                    )
                for i in idx:
                    n_gen[i] = requested.get(i, 0)
            elif self.mode_balance == "proportional":
                n_gen[idx] = _largest_remainder(total, n_real[idx])
            else:
                n_gen[idx] = _water_fill(total, n_real[idx])
        return n_gen

    def _check_mode_dict(self, mode_codes):
        index = {tuple(row): i for i, row in enumerate(mode_codes.tolist())}
        cats = [self.classes_, *self.covariate_categories_]
        requested = {}
        for key, count in self.mode_balance.items():
            key_t = key if isinstance(key, tuple) else (key,)
            if len(key_t) != len(cats):
                raise ValueError(
                    "mode_balance keys must be (label, "
                    f"{', '.join(self.covariate_names_)}) tuples of length "
                    f"{len(cats)}; got {key!r}."
                )
            try:
                code = tuple(
                    {c: i for i, c in enumerate(cat.tolist())}[v]
                    for cat, v in zip(cats, key_t)
                )
            except (KeyError, TypeError):
                code = None
            if code not in index:
                raise ValueError(
                    f"mode_balance key {key!r} is not a mode seen at fit; known "
                    f"modes: {self._mode_keys()[:10]}."
                )
            if not isinstance(count, Integral) or count < 0:
                raise ValueError(
                    f"mode_balance counts must be non-negative integers; got "
                    f"{count!r} for mode {key!r}."
                )
            requested[index[code]] = int(count)
        return requested

    def _mode_keys(self):
        cols = ["label", *self.covariate_names_]
        keys = list(self.modes_[cols].itertuples(index=False, name=None))
        return keys if self.covariate_names_ else [k[0] for k in keys]

    # ------------------------------------------------------------------ fit
    def _resolve_device(self):
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                "device='cuda' was requested but no CUDA device is available "
                "(torch.cuda.is_available() is False); use device='cpu' or 'auto'."
            )
        return self.device

    def _check_hidden(self, name):
        value = getattr(self, name)
        widths = np.asarray(value).ravel()
        if widths.size == 0 or not all(
            isinstance(w, Integral) and w >= 1 for w in widths.tolist()
        ):
            raise ValueError(
                f"The '{name}' parameter of WGANGPSampler must be a non-empty "
                f"sequence of positive integers. Got {value!r} instead."
            )
        return tuple(int(w) for w in widths)

    def _check_betas(self):
        betas = np.asarray(self.betas, dtype=float).ravel()
        if betas.size != 2 or not ((betas >= 0) & (betas < 1)).all():
            raise ValueError(
                "The 'betas' parameter of WGANGPSampler must be two floats in "
                f"[0, 1). Got {self.betas!r} instead."
            )
        return tuple(float(b) for b in betas)

    def _checkpoint_callback(self):
        if self.checkpoint_dir is None:
            return []
        directory = Path(self.checkpoint_dir).expanduser().resolve()
        if directory == Path.cwd().resolve():
            raise ValueError(
                "checkpoint_dir must not be the working directory; name a "
                f"dedicated directory. Got {str(self.checkpoint_dir)!r}."
            )
        existing = [f for f in CHECKPOINT_FILES.values() if (directory / f).exists()]
        if existing:
            raise ValueError(
                f"checkpoint_dir {str(directory)!r} already holds {existing}; "
                "checkpoints never overwrite existing files. Choose an empty "
                "directory (to continue that run, pass it as resume_from)."
            )
        directory.mkdir(parents=True, exist_ok=True)
        cp = Checkpoint(
            monitor=None,
            f_criterion=None,
            dirname=str(directory),
            **CHECKPOINT_FILES,
        )
        return [("checkpoint", cp)]

    def _build_net(self, n_features, n_conditions, n_samples, seed):
        common = {"negative_slope": self.negative_slope}
        return WGANGPNet(
            Generator,
            critic=Critic,
            module__n_features=n_features,
            module__n_conditions=n_conditions,
            module__latent_dim=self.latent_dim,
            module__hidden=self._check_hidden("generator_hidden"),
            module__negative_slope=common["negative_slope"],
            critic__n_features=n_features,
            critic__n_conditions=n_conditions,
            critic__hidden=self._check_hidden("critic_hidden"),
            critic__negative_slope=common["negative_slope"],
            lr=self.lr_generator,
            optimizer__betas=self._check_betas(),
            critic_optimizer__lr=self.lr_critic,
            critic_optimizer__betas=self._check_betas(),
            n_critic=self.n_critic,
            gp_weight=self.gp_weight,
            latent_dim=self.latent_dim,
            precision=self.precision,
            seed=seed,
            batch_size=min(self.batch_size, n_samples),
            max_epochs=self.max_epochs,
            device=self.device_,
            verbose=self.verbose,
            callbacks=self._checkpoint_callback(),
        )

    def _resume(self, net):
        directory = Path(self.resume_from).expanduser()
        files = CHECKPOINT_FILES.values()
        missing = [f for f in files if not (directory / f).is_file()]
        if missing:
            raise ValueError(
                f"resume_from {str(directory)!r} lacks the checkpoint files {missing};"
                " pass a checkpoint_dir written by an earlier fit."
            )
        files = {k: str(directory / f) for k, f in CHECKPOINT_FILES.items()}
        try:
            net.load_params(**files)
        except (RuntimeError, KeyError, ValueError) as exc:
            raise ValueError(
                f"The checkpoint in resume_from {str(directory)!r} does not match "
                "this sampler's data or architecture (n_features, classes, "
                "covariates, layer sizes)."
            ) from exc

    def _fit(self, X, y, covariates):
        """Train the networks; sets every fitted attribute but ``modes_`` counts."""
        rng = check_random_state(self.random_state)
        n_samples, n_features = X.shape
        self.classes_, y_codes = np.unique(y, return_inverse=True)
        counts = np.bincount(y_codes)
        if counts.min() < 2:
            small = self.classes_[counts < 2].tolist()
            raise ValueError(
                "WGANGPSampler needs at least 2 rows per class (batches of one row "
                f"cannot pass the generator's batch norm); classes {small} have 1 "
                "row. Drop or merge them."
            )
        self.device_ = self._resolve_device()
        if self.keep_training_data:
            self.X_fit_, self.y_fit_ = X, y
        else:
            for name in ("X_fit_", "y_fit_"):
                self.__dict__.pop(name, None)
        columns = self._check_covariates(covariates, n_samples, fitting=True)
        self.covariate_categories_ = [np.unique(c) for c in columns]
        codes = np.column_stack([y_codes, *self._encode_covariates(columns)])
        conditions = self._conditions(codes)

        mode_codes, n_real = np.unique(codes, axis=0, return_counts=True)
        self._mode_codes = mode_codes
        modes = {"label": self.classes_[mode_codes[:, 0]]}
        for j, (name, cats) in enumerate(
            zip(self.covariate_names_, self.covariate_categories_), start=1
        ):
            modes[name] = cats[mode_codes[:, j]]
        modes["n_real"] = n_real
        modes["n_generated"] = 0
        self.modes_ = pd.DataFrame(modes)

        train_seed, loader_seed = draw_seed(rng), draw_seed(rng)
        self.net_ = self._build_net(
            n_features, conditions.shape[1], n_samples, loader_seed
        )
        X_train = torch.as_tensor(np.asarray(X, dtype=np.float32))
        with torch_seeded(train_seed, self.device_):
            self.net_.initialize()
            epochs = self.max_epochs
            if self.resume_from is not None:
                self._resume(self.net_)
                epochs = max(0, self.max_epochs - len(self.net_.history))
            if epochs:
                self.net_.partial_fit(
                    X_train, torch.as_tensor(conditions), epochs=epochs
                )
        self.random_state_ = np.random.RandomState(draw_seed(rng))

        if self.aligner is not None:
            # A pool conditioned like the training rows, one row per real row.
            pool = self._generate(codes, np.random.RandomState(draw_seed(rng)))
            self.aligner_ = clone(self.aligner)
            fit_params = {}
            if self.covariate_names_ and _accepts(self.aligner_.fit, "covariates"):
                # Align within each mode (class x covariate values), not only
                # within each class.
                frame = self._covariate_frame(codes)
                fit_params = {"covariates": frame, "covariates_real": frame}
            self.aligner_.fit(pool, y, X_real=X, y_real=y, **fit_params)
        elif hasattr(self, "aligner_"):
            del self.aligner_
        return codes

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, **params):
        """Train the conditional WGAN-GP on ``X``, ``y`` (and covariates).

        Parameters
        ----------
        X : {{array-like, dataframe}} of shape (n_samples, n_features)
            Training rows, typically standardized expression values.
        y : array-like of shape (n_samples,)
            Class labels.
        **params : dict
            Only ``covariates``: array-like or DataFrame of shape (n_samples,
            n_covariates), categorical covariates (e.g. cancer status) the
            networks condition on besides ``y``; a 1-D array is one covariate.
            Taken as ``**params``, as in imbalanced-learn, so that a pipeline
            routing ``covariates`` to :meth:`fit_resample` needs no request on
            ``fit``.

        Returns
        -------
        self : WGANGPSampler
            The fitted sampler.
        """
        covariates = params.pop("covariates", None)
        if params:
            raise TypeError(
                "WGANGPSampler.fit accepts only the extra parameter 'covariates'; "
                f"got {sorted(params)}."
            )
        check_classification_targets(y)
        X, y, _ = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        self._X_dtype = X.dtype
        self._fit(X, y, covariates)
        self.modes_["n_generated"] = self._mode_targets(
            self._mode_codes, self.modes_["n_real"].to_numpy()
        )
        return self

    def fit_resample(self, X, y, *, covariates=None):
        """Train, then return the training rows followed by generated rows.

        Parameters
        ----------
        X : {{array-like, dataframe}} of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels.
        covariates : array-like or DataFrame of shape (n_samples, n_covariates), \
default=None
            Categorical covariates to condition on (see :meth:`fit`); routed
            by metadata routing inside pipelines.

        Returns
        -------
        X_resampled : {{ndarray, dataframe}} of shape (n_samples_new, n_features)
            Original rows first, then the generated rows class by class (and
            mode by mode within a class), in X's dtype and container.
        y_resampled : ndarray of shape (n_samples_new,)
            Labels of ``X_resampled``.
        """
        return super().fit_resample(X, y, covariates=covariates)

    def _fit_resample(self, X, y, covariates=None):
        self._X_dtype = X.dtype
        self._fit(X, y, covariates)
        n_gen = self._mode_targets(self._mode_codes, self.modes_["n_real"].to_numpy())
        self.modes_["n_generated"] = n_gen
        gen_codes = np.repeat(self._mode_codes, n_gen, axis=0)
        X_new = self._generate(gen_codes, self.random_state_).astype(X.dtype)
        y_new = self.classes_[gen_codes[:, 0]].astype(y.dtype)
        if len(y_new):
            X_new = self._align(X_new, y_new, gen_codes).astype(X.dtype, copy=False)
        return np.vstack([X, X_new]), np.concatenate([y, y_new])

    def _covariate_frame(self, codes):
        """Covariate values (DataFrame) of integer condition codes; None if none."""
        if not self.covariate_names_:
            return None
        return pd.DataFrame(
            {
                name: cats[codes[:, j + 1]]
                for j, (name, cats) in enumerate(
                    zip(self.covariate_names_, self.covariate_categories_)
                )
            }
        )

    def _align(self, X_new, y_new, codes):
        """Pass generated rows through the fitted aligner, if any."""
        if getattr(self, "aligner_", None) is None:
            return X_new
        params = {}
        if self.covariate_names_ and _accepts(self.aligner_.transform, "covariates"):
            params["covariates"] = self._covariate_frame(codes)
        return np.asarray(self.aligner_.transform(X_new, y_new, **params))

    # ------------------------------------------------------------------ sample
    def _generate(self, codes, rng):
        """Generated rows (float32 ndarray) for integer condition codes per row."""
        n = codes.shape[0]
        out = np.empty((n, self.n_features_in_), dtype=np.float32)
        if n == 0:
            return out
        generator = self.net_.module_
        device = next(generator.parameters()).device
        conditions = torch.as_tensor(self._conditions(codes))
        was_training = generator.training
        generator.eval()
        try:
            with torch_seeded(draw_seed(rng), device), torch.no_grad():
                for start in range(0, n, _SAMPLE_CHUNK):
                    cond = conditions[start : start + _SAMPLE_CHUNK].to(device)
                    z = torch.randn(cond.shape[0], self.latent_dim, device=device)
                    out[start : start + _SAMPLE_CHUNK] = (
                        generator(z, cond).float().cpu().numpy()
                    )
        finally:
            generator.train(was_training)
        if not np.isfinite(out).all():
            raise FloatingPointError(
                "The generator produced NaN or infinite values; the training "
                "diverged. Refit with lower learning rates or precision='float32'."
            )
        return out

    def sample(
        self,
        n_samples,
        y=None,
        *,
        covariates=None,
        random_state=None,
        return_covariates=False,
    ):
        """Draw new rows from the fitted generator.

        Parameters
        ----------
        n_samples : int
            Number of rows to generate.
        y : None, label or array-like of shape (n_samples,), default=None
            Labels of the rows: None splits ``n_samples`` over the classes in
            their training proportions (largest remainders, rows sorted by
            class); a single label gives that class only; an array gives one
            label per row.
        covariates : array-like or DataFrame of shape (n_samples, n_covariates), \
default=None
            Covariate values of each row (categories seen at fit). None draws
            each row's mode at random from the training modes of its label.
        random_state : int, RandomState instance or None, default=None
            Source of randomness for this call; None uses (and advances) the
            fitted ``random_state_``.
        return_covariates : bool, default=False
            Also return the covariate values (the mode) of each generated row,
            which is how rows drawn with ``covariates=None`` can be told apart
            by mode in a diagnostic.

        Returns
        -------
        X_generated : {{ndarray, dataframe}} of shape (n_samples, n_features)
            Generated rows in the training dtype; a DataFrame with
            ``feature_names_in_`` as columns when fitted on one.
        y_generated : ndarray of shape (n_samples,)
            Their labels.
        covariates_generated : DataFrame of shape (n_samples, n_covariates)
            Only with ``return_covariates=True``: the covariate values of each
            row (no columns when fitted without covariates).
        """
        check_is_fitted(self, "net_")
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool):
            raise TypeError(
                f"n_samples must be a non-negative int; got {type(n_samples).__name__}"
                f" {n_samples!r}."
            )
        if n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative int; got {n_samples}.")
        rng = self.random_state_ if random_state is None else check_random_state(
            random_state
        )
        if y is None:
            props = self.modes_.groupby("label", sort=True)["n_real"].sum()
            per_class = _largest_remainder(n_samples, props.to_numpy())
            y_codes = np.repeat(np.arange(len(self.classes_)), per_class)
        elif np.ndim(y) == 0:
            y_codes = np.full(n_samples, self._encode_labels([y])[0])
        else:
            y_codes = self._encode_labels(np.asarray(y).ravel())
            if y_codes.size != n_samples or np.ndim(y) != 1:
                raise ValueError(
                    f"y must be None, one label or a 1-D array of n_samples="
                    f"{n_samples} labels; got an array of shape {np.shape(y)}."
                )
        if covariates is not None:
            columns = self._check_covariates(covariates, n_samples, fitting=False)
            cov_codes = self._encode_covariates(columns)
            codes = np.column_stack([y_codes, *cov_codes])
        elif self.covariate_names_:
            codes = np.empty((n_samples, 1 + len(self.covariate_names_)), dtype=int)
            for cls in np.unique(y_codes):
                rows = np.flatnonzero(y_codes == cls)
                idx = np.flatnonzero(self._mode_codes[:, 0] == cls)
                weights = self.modes_["n_real"].to_numpy()[idx].astype(float)
                pick = rng.choice(idx, size=rows.size, p=weights / weights.sum())
                codes[rows] = self._mode_codes[pick]
        else:
            codes = y_codes.reshape(-1, 1)
        X_new = self._generate(codes, rng)
        y_new = self.classes_[codes[:, 0]]
        if n_samples:
            X_new = self._align(X_new, y_new, codes)
        X_new = X_new.astype(self._X_dtype, copy=False)
        if hasattr(self, "feature_names_in_"):
            X_new = pd.DataFrame(X_new, columns=self.feature_names_in_)
        if not return_covariates:
            return X_new, y_new
        frame = self._covariate_frame(codes)
        if frame is None:
            frame = pd.DataFrame(index=pd.RangeIndex(n_samples))
        return X_new, y_new, frame
