"""Shared base of the generative over-samplers (conditioning, modes, sampling)."""

import contextlib
import os
from collections.abc import Mapping
from numbers import Integral, Real
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Checkpoint

from sklearn_remgan.over_sampling._callbacks import TimeLimit, ValidationScore
from sklearn_remgan.over_sampling._residual import ResidualNoise, min_rows
from sklearn_remgan.utils._random import draw_seed, torch_seeded
from sklearn_remgan.utils._sklearn_compat import (
    ArraysTransformer,
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    _fit_context,
    validate_data,
)
from sklearn_remgan.utils._threads import (
    effective_n_threads,
    resolve_precision,
    torch_threads,
)
from sklearn_remgan.utils._validation import check_finite_2d

# Rows generated per forward pass in ``sample``.
_SAMPLE_CHUNK = 4096

_FLOAT32_MAX = float(np.finfo(np.float32).max)


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


def _encode(values, categories, what):
    """Integer codes of ``values`` in ``categories``, refusing unseen values."""
    lookup = {c: i for i, c in enumerate(categories.tolist())}
    values = np.asarray(values, dtype=object).tolist()
    unknown = sorted({v for v in values if v not in lookup}, key=str)
    if unknown:
        raise ValueError(
            f"{what} has values not seen at fit: {unknown[:5]}; known values: "
            f"{categories.tolist()}."
        )
    return np.array([lookup[v] for v in values], dtype=int)


def _one_hot(codes, sizes):
    """One-hot condition matrix (float32) from integer codes per column."""
    n = codes.shape[0]
    blocks = []
    for j, size in enumerate(sizes):
        block = np.zeros((n, size), dtype=np.float32)
        block[np.arange(n), codes[:, j]] = 1.0
        blocks.append(block)
    return np.hstack(blocks) if blocks else np.zeros((n, 0), dtype=np.float32)


def _check_one_type(values, what, hint):
    """Refuse values that mix strings with other types (numpy cannot sort them)."""
    values = np.asarray(values, dtype=object)
    if values.ndim != 1 or values.size == 0:
        return
    is_str = np.fromiter((isinstance(v, str) for v in values), bool, values.size)
    if is_str.any() and not is_str.all():
        other = values[~is_str][0]
        raise TypeError(
            f"{what} must hold values of one type; it mixes str values (e.g. "
            f"{values[is_str][0]!r}) with {type(other).__name__} values (e.g. "
            f"{other!r}). Convert them all to str, e.g. {hint}.astype(str)."
        )


class BaseGenerativeSampler(BaseOverSampler):
    """Base of over-samplers that draw new rows from a conditional generative net.

    Everything that is not specific to one kind of generative model lives
    here: validation and encoding of labels and categorical covariates, the
    one-hot condition vectors, the modes (label x covariate values) and how
    generated rows are split over them (``mode_balance``), seeding, the
    skorch training loop with checkpoints and resuming, chunked generation,
    the optional post-hoc ``aligner``, and the :meth:`fit`,
    :meth:`fit_resample` and :meth:`sample` methods.

    **Subclass contract.** A concrete sampler writes only:

    - ``__init__``, keyword-only after ``sampling_strategy``, accepting every
      parameter of this base (listed in its ``_parameter_constraints``) and
      its own, all assigned verbatim;
    - ``_parameter_constraints``: ``{**BaseGenerativeSampler._parameter_constraints,
      ...}`` plus its own entries;
    - ``_validate_net_params()``: every check of its own parameters that
      the constraints cannot express; it is called before any training, so
      that a bad value fails fast and leaves an earlier fit untouched;
    - ``_build_net(n_features, n_conditions, n_samples, seed)``: returns an
      un-initialized skorch :class:`~skorch.NeuralNet` trained with
      ``X`` = training rows (float32) and ``y`` = their condition vectors
      (float32, one-hot class then one one-hot block per covariate, width
      ``n_conditions``); ``seed`` seeds its batch shuffling. The base sets
      ``device``, ``precision`` (``'float32'`` or ``'bfloat16'``, resolved
      from ``'auto'``; the net must take this parameter), ``max_epochs`` and
      ``verbose`` on it and appends its own callbacks (checkpoints,
      validation score, time limit);
    - its docstring, decorated with ``@Substitution(**BASE_DOCSTRINGS)``
      (``_docstrings.py``), which describes the options of this base once,
      through placeholders such as ``{n_jobs}``;
    - when its net holds more than one module or optimizer, the class
      attribute ``_checkpoint_files``, the skorch ``f_*`` file names saved
      in ``checkpoint_dir``; when the model needs more than one row per
      class, ``_min_class_rows`` and ``_min_class_rows_reason``.

    **Early stopping and time limit** (``early_stopping``,
    ``validation_fraction``, ``validation_interval``, ``n_iter_no_change``,
    ``tol``, ``max_time``) are skorch callbacks wired here for every
    subclass; the validation score (F1 of precision and recall between
    held-out rows and as many generated rows under the same conditions) is
    recorded as ``valid_score`` in ``net_.history``.

    **Net protocol.** The net implements ``generate(conditions)``, taking a
    float32 tensor of condition vectors on the net's device and returning a
    tensor of as many generated rows; it draws its randomness from torch's
    global generator. The base seeds that generator (inside
    :func:`torch.random.fork_rng`), splits large requests into chunks, puts
    ``module_`` in eval mode and disables gradients. Once trained, the net's
    ``module_`` holds exactly the weights that generate, so that a callback
    may snapshot and restore ``module_.state_dict()``. A net that generates
    from other weights than it trains during training (a moving average)
    also has a context manager ``generating_weights()`` in which
    ``module_`` holds them, and loads them into ``module_`` when training
    ends.

    **Threads.** Training, the aligner's fit and :meth:`sample` run with
    ``effective_n_threads(n_jobs)`` torch intra-op threads
    (``sklearn_remgan.utils._threads``), restored afterwards.

    **Fitted state.** Every parameter and input is validated before training
    starts, and the fitted attributes are assigned together once training
    succeeded; a failed refit leaves the previous fitted sampler usable.
    """

    #: skorch ``f_*`` arguments of the checkpoint files (name -> file name).
    _checkpoint_files: ClassVar[dict] = {
        "f_params": "module.pt",
        "f_optimizer": "optimizer.pt",
        "f_history": "history.json",
    }

    #: Fewest training rows per class, and why (used in the error message).
    _min_class_rows: ClassVar[int] = 1
    _min_class_rows_reason: ClassVar[str] = ""

    _parameter_constraints: ClassVar[dict] = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "mode_balance": [StrOptions({"balanced", "proportional"}), Mapping],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "precision": [StrOptions({"float32", "bfloat16", "auto"})],
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "verbose": ["verbose"],
        "checkpoint_dir": [str, os.PathLike, None],
        "resume_from": [str, os.PathLike, None],
        "aligner": [HasMethods(["fit", "transform"]), None],
        "residual_noise": ["boolean", StrOptions({"cross-fitted"})],
        "residual_components": [Interval(Integral, 1, None, closed="left"), None],
        "keep_training_data": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(RealNotInt, 0, 1, closed="neither")],
        "validation_interval": [Interval(Integral, 1, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
    }

    #: Neighbour rank of the validation score's k-NN balls (as the benchmarks).
    _validation_k: ClassVar[int] = 5

    def __init__(
        self,
        sampling_strategy="auto",
        *,
        random_state=None,
        max_epochs=500,
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
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.max_epochs = max_epochs
        self.mode_balance = mode_balance
        self.device = device
        self.precision = precision
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.checkpoint_dir = checkpoint_dir
        self.resume_from = resume_from
        self.aligner = aligner
        self.residual_noise = residual_noise
        self.residual_components = residual_components
        self.keep_training_data = keep_training_data
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.validation_interval = validation_interval
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_time = max_time

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    # ------------------------------------------------------------ subclass hooks
    def _validate_net_params(self):
        """Check the subclass's own parameters (called before any training)."""

    def _max_epochs_for(self, n_train):
        """Epochs to train on ``n_train`` rows (a subclass resolves ``'auto'``)."""
        return self.max_epochs

    def _build_net(self, n_features, n_conditions, n_samples, seed):
        """Return the un-initialized skorch net (see the class docstring)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ input
    def _check_X_y(self, X, y, accept_sparse=None):
        _check_one_type(y, "y", "y")
        try:
            check_classification_targets(y)
        except ValueError as exc:
            raise ValueError(f"y must hold class labels: {exc}") from exc
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
        if X.dtype == np.float64 and X.size:
            largest = float(np.abs(X).max())
            if largest > _FLOAT32_MAX:
                raise ValueError(
                    f"X has values up to {largest:.3g} in magnitude, beyond the "
                    f"float32 range ({_FLOAT32_MAX:.3g}) the networks compute in. "
                    "Rescale X first, e.g. with StandardScaler."
                )
        return X, y, binarize_y

    def _check_sampling_strategy(self, y):
        """``sampling_strategy_`` from ``sampling_strategy``, with integer counts."""
        strategy = self.sampling_strategy
        if callable(strategy):
            strategy = strategy(y)
            if not isinstance(strategy, Mapping):
                raise ValueError(
                    "A callable sampling_strategy must return a dict {label: "
                    f"n_samples}}; it returned {type(strategy).__name__} "
                    f"{strategy!r}."
                )
        if isinstance(strategy, Mapping):
            for label, count in strategy.items():
                if not isinstance(count, Integral) or isinstance(count, bool):
                    raise ValueError(
                        "sampling_strategy must give an integer number of rows per "
                        f"class; got {count!r} for class {label!r}."
                    )
        try:
            return check_sampling_strategy(strategy, y, self._sampling_type)
        except ValueError as exc:
            if "sampling_strategy" in str(exc):
                raise
            # imbalanced-learn's messages do not always name the parameter.
            raise ValueError(f"Invalid sampling_strategy {strategy!r}: {exc}") from exc

    def _check_covariates(self, covariates, n_samples, names=None):
        """Covariate names and columns (1-D object arrays), one per covariate.

        ``names`` are the fitted ``covariate_names_`` when checking the
        covariates of :meth:`sample`; None at fit.
        """
        if covariates is None:
            return [], []
        if isinstance(covariates, pd.DataFrame):
            found = [str(c) for c in covariates.columns]
            columns = [covariates[c].to_numpy() for c in covariates.columns]
        elif isinstance(covariates, pd.Series):
            found = [str(covariates.name) if covariates.name is not None else None]
            columns = [covariates.to_numpy()]
        else:
            arr = np.asarray(covariates, dtype=object)
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2:
                raise ValueError(
                    "covariates must be 1-D or 2-D with one row per sample; got "
                    f"shape {arr.shape}."
                )
            found = [None] * arr.shape[1]
            columns = [arr[:, j] for j in range(arr.shape[1])]
        found = [n if n is not None else f"covariate_{j}" for j, n in enumerate(found)]
        for name, col in zip(found, columns):
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
            _check_one_type(col, f"covariate {name!r}", "covariates")
        if names is not None and len(columns) != len(names):
            raise ValueError(
                f"covariates must have {len(names)} column(s) {names}, as at fit; "
                f"got {len(columns)}."
            )
        return found, columns

    def _sizes(self):
        return [len(self.classes_)] + [len(c) for c in self.covariate_categories_]

    def _mode_codes(self):
        """Integer codes (label, covariates...) of each row of ``modes_``."""
        cats = [self.classes_, *self.covariate_categories_]
        cols = ["label", *self.covariate_names_]
        return np.column_stack(
            [_encode(self.modes_[c].to_numpy(), k, c) for c, k in zip(cols, cats)]
        )

    def _covariate_frame(self, codes, names=None, categories=None):
        """Covariate values (DataFrame) of integer condition codes; None if none."""
        names = self.covariate_names_ if names is None else names
        categories = self.covariate_categories_ if categories is None else categories
        if not names:
            return None
        return pd.DataFrame(
            {
                name: cats[codes[:, j + 1]]
                for j, (name, cats) in enumerate(zip(names, categories))
            }
        )

    # ------------------------------------------------------------------ modes
    def _mode_targets(self, strategy, cats, names, mode_codes, n_real):
        """Rows to generate per mode (``sampling_strategy_``, ``mode_balance``)."""
        n_gen = np.zeros(len(mode_codes), dtype=int)
        requested = {}
        if isinstance(self.mode_balance, Mapping):
            requested = self._check_mode_dict(cats, names, mode_codes)
        for label, total in strategy.items():
            cls = int(np.searchsorted(cats[0], label))
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

    def _check_mode_dict(self, cats, names, mode_codes):
        index = {tuple(row): i for i, row in enumerate(mode_codes.tolist())}
        known = [
            tuple(c[k : k + 1].tolist()[0] for c, k in zip(cats, row))
            if names
            else cats[0][row[0] : row[0] + 1].tolist()[0]
            for row in mode_codes.tolist()
        ]
        requested = {}
        for key, count in self.mode_balance.items():
            key_t = key if isinstance(key, tuple) else (key,)
            if len(key_t) != len(cats):
                raise ValueError(
                    "mode_balance keys must be (label, "
                    f"{', '.join(names)}) tuples of length {len(cats)}; got {key!r}."
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
                    f"modes: {known[:10]}."
                )
            if not isinstance(count, Integral) or isinstance(count, bool) or count < 0:
                raise ValueError(
                    f"mode_balance counts must be non-negative integers; got "
                    f"{count!r} for mode {key!r}."
                )
            requested[index[code]] = int(count)
        return requested

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

    def _residual_method(self):
        return "cross-fitted" if self.residual_noise == "cross-fitted" else "training"

    def _check_residual_noise(self, n_samples, n_features):
        """Refuse, before training, data no residual model can be fitted on."""
        if not self.residual_noise:
            return
        fewest = min_rows(self._residual_method())
        if n_samples < fewest or n_features < 2:
            raise ValueError(
                f"residual_noise={self.residual_noise!r} needs at least {fewest} "
                "training rows and 2 features (one principal axis and a residual "
                f"off it); got {n_samples} row(s) and {n_features} feature(s)."
            )

    def _check_class_sizes(self, classes, counts, which=""):
        if counts.min() < self._min_class_rows:
            small = classes[counts < self._min_class_rows].tolist()
            hint = " or set early_stopping=False" if which else ""
            raise ValueError(
                f"{type(self).__name__} needs at least {self._min_class_rows} "
                f"{which}rows per class{self._min_class_rows_reason}; classes "
                f"{small} have fewer. Drop or merge them{hint}."
            )

    def _checkpoint_callbacks(self):
        if self.checkpoint_dir is None:
            return []
        directory = Path(self.checkpoint_dir).expanduser().resolve()
        if directory == Path.cwd().resolve():
            raise ValueError(
                "checkpoint_dir must not be the working directory; name a "
                f"dedicated directory. Got {str(self.checkpoint_dir)!r}."
            )
        files = self._checkpoint_files.values()
        existing = [f for f in files if (directory / f).exists()]
        if existing:
            raise ValueError(
                f"checkpoint_dir {str(directory)!r} already holds {existing}; "
                "checkpoints never overwrite existing files. Choose an empty "
                "directory (to continue that run, pass it as resume_from)."
            )
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(
                f"checkpoint_dir {str(self.checkpoint_dir)!r} cannot be used as a "
                f"directory: {exc.strerror or exc}."
            ) from exc
        cp = Checkpoint(
            monitor=None,
            f_criterion=None,
            dirname=str(directory),
            **self._checkpoint_files,
        )
        return [("checkpoint", cp)]

    def _check_resume(self):
        """Paths of the checkpoint files in ``resume_from`` (None without it)."""
        if self.resume_from is None:
            return None
        directory = Path(self.resume_from).expanduser()
        files = self._checkpoint_files
        missing = [f for f in files.values() if not (directory / f).is_file()]
        if missing:
            raise ValueError(
                f"resume_from {str(directory)!r} lacks the checkpoint files {missing};"
                " pass a checkpoint_dir written by an earlier fit."
            )
        return {k: str(directory / f) for k, f in files.items()}

    def _resume(self, net, files):
        try:
            net.load_params(**files)
        except (RuntimeError, KeyError, ValueError) as exc:
            raise ValueError(
                f"The checkpoint in resume_from {str(self.resume_from)!r} does not "
                "match this sampler's data or architecture (n_features, classes, "
                "covariates, layer sizes)."
            ) from exc

    @contextlib.contextmanager
    def _keep_fitted_state_on_error(self):
        """Restore the attributes of an earlier fit if this one fails."""
        before = dict(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _validation_rows(self, codes, mode_codes, cats, names, rng):
        """Boolean mask of the validation rows, stratified by mode."""
        mask = np.zeros(len(codes), dtype=bool)
        _, mode_of_row = np.unique(codes, axis=0, return_inverse=True)
        mode_of_row = mode_of_row.ravel()
        for m, row in enumerate(mode_codes):
            idx = np.flatnonzero(mode_of_row == m)
            n_valid = max(1, round(self.validation_fraction * idx.size))
            if idx.size - n_valid < 1:
                mode = tuple(c[k : k + 1].tolist()[0] for c, k in zip(cats, row))
                raise ValueError(
                    f"early_stopping holds out validation_fraction="
                    f"{self.validation_fraction} of every mode (at least one row) "
                    f"and trains on the rest, but the mode {mode} "
                    f"({', '.join(['label', *names])}) has {idx.size} row(s). "
                    "Merge or drop rare modes, or set early_stopping=False."
                )
            mask[rng.choice(idx, size=n_valid, replace=False)] = True
        if mask.sum() < 2:
            raise ValueError(
                "early_stopping needs at least 2 validation rows to score; "
                f"validation_fraction={self.validation_fraction} gives "
                f"{int(mask.sum())}. Raise it or set early_stopping=False."
            )
        return mask

    def _training_callbacks(self, valid, X, conditions, rng):
        """Checkpoint, validation and time-limit callbacks, in that order."""
        callbacks = self._checkpoint_callbacks()
        if valid is not None:
            scorer = ValidationScore(
                interval=self.validation_interval,
                seed=draw_seed(rng),
                k=min(self._validation_k, int(valid.sum()) - 1),
                n_iter_no_change=self.n_iter_no_change,
                tol=self.tol,
            ).set_data(X[valid], conditions[valid])
            callbacks.append(("validation_score", scorer))
        if self.max_time is not None:
            callbacks.append(("time_limit", TimeLimit(self.max_time)))
        return callbacks

    def _fit(self, X, y, covariates):
        """Validate, train and set the fitted attributes (the tail of both fits)."""
        strategy = self._check_sampling_strategy(y)
        self._validate_net_params()
        n_samples, n_features = X.shape
        self._check_residual_noise(n_samples, n_features)
        classes, y_codes = np.unique(y, return_inverse=True)
        self._check_class_sizes(classes, np.bincount(y_codes))
        device = self._resolve_device()
        precision = resolve_precision(self.precision, device)
        n_threads = effective_n_threads(self.n_jobs)
        names, columns = self._check_covariates(covariates, n_samples)
        categories = [np.unique(c) for c in columns]
        cov_codes = [_encode(c, k, n) for c, k, n in zip(columns, categories, names)]
        codes = np.column_stack([y_codes, *cov_codes])
        sizes = [len(classes)] + [len(c) for c in categories]
        conditions = _one_hot(codes, sizes)
        mode_codes, n_real = np.unique(codes, axis=0, return_counts=True)
        cats = [classes, *categories]
        n_generated = self._mode_targets(strategy, cats, names, mode_codes, n_real)
        resume_files = self._check_resume()

        rng = check_random_state(self.random_state)
        train_seed, loader_seed = draw_seed(rng), draw_seed(rng)
        train = np.ones(n_samples, dtype=bool)
        valid = None
        if self.early_stopping:
            valid = self._validation_rows(codes, mode_codes, cats, names, rng)
            train = ~valid
            self._check_class_sizes(classes, np.bincount(y_codes[train]), "training ")
        callbacks = self._training_callbacks(valid, X, conditions, rng)
        n_train = int(train.sum())
        net = self._build_net(n_features, conditions.shape[1], n_train, loader_seed)
        max_epochs = self._max_epochs_for(n_train)
        net.set_params(
            device=device,
            precision=precision,
            max_epochs=max_epochs,
            verbose=self.verbose,
            callbacks=[*(net.callbacks or []), *callbacks],
        )
        X_train = torch.as_tensor(np.asarray(X[train], dtype=np.float32))
        with torch_seeded(train_seed, device), torch_threads(n_threads):
            net.initialize()
            epochs = max_epochs
            if resume_files is not None:
                self._resume(net, resume_files)
                epochs = max(0, max_epochs - len(net.history))
            if epochs:
                net.partial_fit(
                    X_train, torch.as_tensor(conditions[train]), epochs=epochs
                )
        scorer = dict(callbacks).get("validation_score")
        n_iter = len(net.history)

        modes = {"label": classes[mode_codes[:, 0]]}
        for j, (name, cats_j) in enumerate(zip(names, categories), start=1):
            modes[name] = cats_j[mode_codes[:, j]]
        modes["n_real"] = n_real
        modes["n_generated"] = n_generated
        fitted = {
            "sampling_strategy_": strategy,
            "classes_": classes,
            "covariate_names_": names,
            "covariate_categories_": categories,
            "modes_": pd.DataFrame(modes),
            "device_": device,
            "precision_": precision,
            "dtype_": X.dtype,
            "net_": net,
            "n_iter_": n_iter,
            "best_epoch_": getattr(scorer, "best_epoch_", None) or n_iter,
            "best_validation_score_": (
                scorer.best_score_
                if scorer is not None and scorer.best_epoch_ is not None
                else None
            ),
            "random_state_": np.random.RandomState(draw_seed(rng)),
        }
        for name in ("X_fit_", "y_fit_", "aligner_", "residual_model_"):
            self.__dict__.pop(name, None)
        if self.keep_training_data:
            fitted.update(X_fit_=X, y_fit_=y)
        self.__dict__.update(fitted)
        if self.residual_noise or self.aligner is not None:
            # A pool conditioned like the training rows, one row per real row
            # (drawn before residual_model_ exists, so without its noise).
            pool = self._generate(codes, np.random.RandomState(draw_seed(rng)))
        if self.residual_noise:
            # REM's solver for many wide rows runs torch kernels: same threads.
            with torch_threads(n_threads):
                model = ResidualNoise(
                    self.residual_components, method=self._residual_method()
                ).fit(X, pool, y)
            self.residual_model_ = model
            if self.aligner is not None:
                self._add_residual_noise(pool, np.random.default_rng(draw_seed(rng)))
        if self.aligner is not None:
            # Covariates let the aligner work within each mode.
            frame = self._covariate_frame(codes)
            with torch_threads(n_threads):
                self.aligner_ = clone(self.aligner).fit(
                    pool, y, X_real=X, y_real=y, covariates=frame, covariates_real=frame
                )
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, **params):
        """Train the generative model on ``X``, ``y`` (and covariates).

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
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
        self : object
            The fitted sampler.
        """
        covariates = params.pop("covariates", None)
        if params:
            raise TypeError(
                f"{type(self).__name__}.fit accepts only the extra parameter "
                f"'covariates'; got {sorted(params)}."
            )
        with self._keep_fitted_state_on_error():
            X, y, _ = self._check_X_y(X, y)
            return self._fit(X, y, covariates)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, *, covariates=None):
        """Train, then return the training rows followed by generated rows.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or their one-hot (one-vs-all) encoding, which is
            returned in the same encoding and width.
        covariates : array-like or DataFrame of shape (n_samples, n_covariates), \
default=None
            Categorical covariates to condition on (see :meth:`fit`); routed
            by metadata routing inside pipelines.

        Returns
        -------
        X_resampled : {ndarray, dataframe} of shape (n_samples_new, n_features)
            Original rows first, then the generated rows class by class (and
            mode by mode within a class), in X's dtype and container.
        y_resampled : {ndarray, series} of shape (n_samples_new,) or \
(n_samples_new, n_classes)
            Labels of ``X_resampled``.
        """
        with self._keep_fitted_state_on_error():
            arrays_transformer = ArraysTransformer(X, y)
            n_columns = np.shape(y)[1] if np.ndim(y) == 2 else None
            X, y, binarize_y = self._check_X_y(X, y)
            X_res, y_res = self._fit_resample(X, y, covariates=covariates)
        if binarize_y:
            # One column per input column, also for a binary one-hot y
            # (label_binarize would return a single column).
            y_res = np.eye(n_columns, dtype=int)[y_res]
        return arrays_transformer.transform(X_res, y_res)

    def _fit_resample(self, X, y, covariates=None):
        self._fit(X, y, covariates)
        codes = np.repeat(self._mode_codes(), self.modes_["n_generated"], axis=0)
        X_new = self._generate(codes, self.random_state_)
        y_new = self.classes_[codes[:, 0]].astype(y.dtype)
        if len(y_new):
            X_new = self._align(X_new, y_new, codes)
        return np.vstack([X, X_new.astype(X.dtype, copy=False)]), np.concatenate(
            [y, y_new]
        )

    def _align(self, X_new, y_new, codes):
        """Pass generated rows through the fitted aligner, if any."""
        if getattr(self, "aligner_", None) is None:
            return X_new
        frame = self._covariate_frame(codes)
        return np.asarray(self.aligner_.transform(X_new, y_new, covariates=frame))

    # ------------------------------------------------------------------ sample
    def _generate(self, codes, rng):
        """Generated rows (float32 ndarray) for integer condition codes per row."""
        n = codes.shape[0]
        out = np.empty((n, self.n_features_in_), dtype=np.float32)
        if n == 0:
            return out
        net = self.net_
        module = net.module_
        device = next(module.parameters()).device
        conditions = torch.as_tensor(_one_hot(codes, self._sizes()))
        was_training = module.training
        module.eval()
        threads = torch_threads(effective_n_threads(self.n_jobs))
        try:
            with torch_seeded(draw_seed(rng), device), torch.no_grad(), threads:
                for start in range(0, n, _SAMPLE_CHUNK):
                    cond = conditions[start : start + _SAMPLE_CHUNK].to(device)
                    rows = net.generate(cond)
                    out[start : start + _SAMPLE_CHUNK] = rows.float().cpu().numpy()
        finally:
            module.train(was_training)
        if not np.isfinite(out).all():
            raise FloatingPointError(
                "The generative model produced NaN or infinite values; its "
                "training diverged. Refit with lower learning rates or "
                "precision='float32'."
            )
        if getattr(self, "residual_model_", None) is not None:
            self._add_residual_noise(out, np.random.default_rng(draw_seed(rng)))
        return out

    def _add_residual_noise(self, rows, noise_rng):
        """Add ``residual_model_``'s noise to ``rows`` in place, chunk by chunk."""
        for start in range(0, len(rows), _SAMPLE_CHUNK):
            stop = min(start + _SAMPLE_CHUNK, len(rows))
            rows[start:stop] += self.residual_model_.draw(stop - start, noise_rng)

    def sample(
        self,
        n_samples,
        y=None,
        *,
        covariates=None,
        random_state=None,
        return_covariates=False,
    ):
        """Draw new rows from the fitted generative model.

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
        X_generated : {ndarray, dataframe} of shape (n_samples, n_features)
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
        try:
            rng = (
                self.random_state_
                if random_state is None
                else check_random_state(random_state)
            )
        except ValueError as exc:
            raise ValueError(f"Invalid random_state for sample: {exc}") from exc
        codes = self._sample_codes(n_samples, y, covariates, rng)
        X_new = self._generate(codes, rng)
        y_new = self.classes_[codes[:, 0]]
        if n_samples:
            X_new = self._align(X_new, y_new, codes)
        X_new = X_new.astype(self.dtype_, copy=False)
        if hasattr(self, "feature_names_in_"):
            X_new = pd.DataFrame(X_new, columns=self.feature_names_in_)
        if not return_covariates:
            return X_new, y_new
        frame = self._covariate_frame(codes)
        if frame is None:
            frame = pd.DataFrame(index=pd.RangeIndex(n_samples))
        return X_new, y_new, frame

    def _sample_codes(self, n_samples, y, covariates, rng):
        """Integer condition codes of the rows :meth:`sample` draws."""
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
            _, columns = self._check_covariates(
                covariates, n_samples, names=self.covariate_names_
            )
            cov_codes = [
                _encode(c, k, f"covariate {n!r}")
                for c, k, n in zip(
                    columns, self.covariate_categories_, self.covariate_names_
                )
            ]
            return np.column_stack([y_codes, *cov_codes])
        if not self.covariate_names_:
            return y_codes.reshape(-1, 1)
        mode_codes = self._mode_codes()
        n_real = self.modes_["n_real"].to_numpy().astype(float)
        codes = np.empty((n_samples, mode_codes.shape[1]), dtype=int)
        for cls in np.unique(y_codes):
            rows = np.flatnonzero(y_codes == cls)
            idx = np.flatnonzero(mode_codes[:, 0] == cls)
            weights = n_real[idx]
            pick = rng.choice(idx, size=rows.size, p=weights / weights.sum())
            codes[rows] = mode_codes[pick]
        return codes

    def _encode_labels(self, y):
        values = np.asarray(y, dtype=object)
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
        unknown = sorted({v for v in values.tolist() if v not in lookup}, key=str)
        if unknown:
            raise ValueError(
                f"y contains labels not seen at fit: {unknown[:5]}; the sampler "
                f"was fitted on classes {self.classes_.tolist()}."
            )
        return np.array([lookup[v] for v in values.tolist()], dtype=int)
