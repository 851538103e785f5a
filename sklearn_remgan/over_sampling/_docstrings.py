"""Docstring paragraphs of the options every generative sampler shares.

Each sampler injects them with imbalanced-learn's ``Substitution``
(``@Substitution(**sampler_docstrings(files))``, placeholders such as
``{base_parameters}``), so
that an option of :class:`BaseGenerativeSampler` is described once. The text
of each entry starts at the parameter's name; its other lines carry the
indentation of a class docstring's sections.
"""

import textwrap

from imblearn.over_sampling.base import BaseOverSampler

from sklearn_remgan.utils._sklearn_compat import _random_state_docstring

_MODE_BALANCE = """\
mode_balance : {'balanced', 'proportional'} or dict, default='balanced'
        How the rows generated for a class are split over its modes (the
        combinations of covariate values seen with that class):

        - ``'balanced'``: into the smallest modes first, so that the modes of
          each class end as equal in size as the budget allows (water
          filling);
        - ``'proportional'``: in the proportions of the training data;
        - dict ``{(label, value, ...): count}`` (``label`` alone without
          covariates): exact counts; for each class named, its counts must sum
          to the class's count in ``sampling_strategy_``; classes not named
          are balanced.

        Without covariates each class is a single mode."""

_DEVICE = """\
device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where to train and sample; ``'auto'`` picks CUDA when available.
        Resolved at fit into ``device_``."""

_PRECISION = """\
precision : {'float32', 'bfloat16', 'auto'}, default='float32'
        ``'bfloat16'`` trains under ``torch.autocast`` with bfloat16;
        sampling is float32. It is faster only on hardware with bf16 matrix
        units (CPUs with AVX512-BF16 or AMX, GPUs of compute capability 8
        and above); elsewhere bf16 is emulated and several times slower than
        float32. ``'auto'`` picks bfloat16 where the training device has such
        units and float32 elsewhere (resolved at fit into ``precision_``);
        results then depend on the machine."""

_N_JOBS = """\
n_jobs : int, default=None
        Number of torch threads used to train and to sample, set for the
        call and restored afterwards; ``-1`` means all the cores available
        to the process. None takes 1 in a thread other than the main one
        (joblib's threading backend, threaded dask workers) and otherwise
        torch's current setting, which follows ``OMP_NUM_THREADS`` (set to
        cores // k in the process workers of ``GridSearchCV(n_jobs=k)`` and
        to 1 by dask's nanny), capped at the available cores; so parallel
        fits share the cores rather than oversubscribe them."""

_VERBOSE = """\
verbose : int, default=0
        0 prints nothing; 1 shows one progress bar over the epochs with the
        last epoch's losses (those ``net_.history`` records) and validation
        score; 2 or more shows skorch's per-epoch bar over the batches and a
        table row per epoch."""


def _checkpoint_dir(files):
    names = [f"``{name}``" for name in files.values()]
    text = (
        "Directory where the networks, the optimizers and the history are "
        f"saved after every epoch, in the files {', '.join(names[:-1])} and "
        f"{names[-1]}. It is created if missing; fitting refuses to start if "
        "any of these files already exists there or if it is the working "
        "directory. None saves nothing."
    )
    indent = " " * 8
    body = textwrap.fill(text, 79, initial_indent=indent, subsequent_indent=indent)
    return f"checkpoint_dir : str or path-like, default=None\n{body}"


_RESUME_FROM = """\
resume_from : str or path-like, default=None
        A ``checkpoint_dir`` of an earlier fit on the same data and with the
        same architecture: its weights, optimizer states and history are
        loaded and training continues up to ``max_epochs`` epochs in total.
        Checkpoints of the resumed run go to another ``checkpoint_dir``."""

_ALIGNER = """\
aligner : estimator or None, default=None
        Post-hoc aligner of generated rows (e.g.
        ``sklearn_remgan.alignment.OTAligner``) with ``fit(X, y, *, X_real,
        y_real, covariates, covariates_real)`` and ``transform(X, y, *,
        covariates)`` (covariates are a DataFrame, or None without
        covariates). At fit it is cloned into ``aligner_`` and fitted on a
        generated pool (one row per training row, same condition) against the
        training rows; every generated batch then goes through
        ``aligner_.transform``.

    residual_noise : bool or 'cross-fitted', default=False
        Add to every generated row the gene-level noise that the networks
        leave out. At fit, after training, the sampler fits the first
        ``residual_components`` principal axes of the training rows,
        measures per gene the residual variance off those axes that the real
        rows have and that a generated pool (one row per training row, same
        condition) lacks, and keeps it in ``residual_model_``; every
        generated row then gets independent Gaussian noise with that
        variance, projected off the axes, so its scores on them do not
        change. Networks trained on a few hundred rows reproduce the main
        axes of variation but little of the noise around them: their rows
        lie closer to the principal subspace than real rows do (generated
        REM below real REM), and they are scored as under-dispersed.

        - ``True``: match the training rows' own residual (in-sample, so
          below a new row's: the axes were fitted on those rows);
        - ``'cross-fitted'``: match the residual of each of 5 folds of the
          training rows (stratified by class) off axes fitted on the other
          folds: what a new real row has. More noise, more so with few rows.

        The noise costs precision; see the user guide's section on residual
        noise for what it changed on real data. With an ``aligner``, the
        noise is added before the aligner; the validation score of
        ``early_stopping`` judges the networks' rows without it.

    residual_components : int or None, default=None
        Number of leading principal axes of the training rows that
        ``residual_noise`` leaves untouched, by the package's one rule
        (:func:`~sklearn_remgan.metrics.choose_n_components`): None gives
        ``min(50, bound // 2)`` and an int is capped at the bound, ``min(n_rows
        - 1, n_features - 1)`` of the rows each PCA is fitted on. Ignored
        without ``residual_noise``.

    keep_training_data : bool, default=True
        Keep the training rows as ``X_fit_`` (and their labels as ``y_fit_``).
        :class:`~sklearn_remgan.REMScorer` then fits its PCA on them and can
        tell a generator that copies its training rows from one that draws
        fresh rows; set False to save the memory (and pickle size) of one
        copy of the training matrix."""

_EARLY_STOPPING = """\
early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows and stop when
        the generated rows stop getting closer to them; the weights that
        generate at the best validation score are kept. See Notes.

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
        the machine's speed."""

_FITTED_ATTRIBUTES = """\
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
        dtype of the training rows; :meth:`sample` returns rows in it."""

_TRAINING_ATTRIBUTES = """\
n_iter_ : int
        Epochs trained (including those of a resumed checkpoint).

    best_epoch_ : int
        Epoch whose weights ``net_.module_`` holds (the weights that
        generate): the best validation score with ``early_stopping``,
        otherwise the last epoch.

    best_validation_score_ : float or None
        Best validation score (None without ``early_stopping``).

    aligner_ : estimator
        The fitted clone of ``aligner`` (only when ``aligner`` is given).

    residual_model_ : ResidualNoise
        The noise ``residual_noise`` adds: ``components_`` (the training
        rows' leading axes), ``scale_`` (per-gene standard deviation of the
        noise before it is projected off the axes) and the residual
        variances of the training rows and of the generated pool (only with
        ``residual_noise=True``).

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
        column names."""

_COVARIATES_NOTE = """\
Covariates reach :meth:`fit_resample` as the ``covariates`` argument. In a
    pipeline or a search they are routed with scikit-learn's metadata routing:
    ``sklearn.set_config(enable_metadata_routing=True)`` and
    ``sampler.set_fit_resample_request(covariates=True)``, then
    ``search.fit(X, y, covariates=C)``; cross-validation splits ``C`` with the
    rows. The downstream classifier still sees ``y`` only."""

_EARLY_STOPPING_NOTE = """\
**Early stopping.** The validation score is the F1 (harmonic mean) of
    :func:`~sklearn_remgan.metrics.precision_recall`'s precision and recall
    (k=5, fewer on very small validation sets) between the validation rows
    and as many generated rows with the same conditions, drawn from the same
    noise at every score so that scores differ by the weights only. F1
    rather than recall at a precision floor: a collapsed generator (the
    blind spot this library diagnoses) has high precision and low recall, a
    noisy one the reverse, and F1 falls in both cases with no floor to
    choose. Each score is recorded as ``valid_score`` in ``net_.history``."""

_REPRODUCIBILITY_NOTE = """\
The same ``random_state`` gives the same networks and rows, also after a
    pickle round trip; torch is seeded inside :func:`torch.random.fork_rng`,
    so the global numpy and torch generators are left untouched."""


def sampler_docstrings(checkpoint_files):
    """Placeholder name -> text, for ``Substitution(**sampler_docstrings(...))``.

    Parameters
    ----------
    checkpoint_files : dict
        The sampler's ``_checkpoint_files`` (skorch ``f_*`` name -> file
        name), listed under ``checkpoint_dir``.

    Returns
    -------
    docstrings : dict
        ``sampling_strategy`` and ``random_state`` (imbalanced-learn's and
        scikit-learn's text), ``base_parameters`` (every option of
        :class:`BaseGenerativeSampler` after ``random_state`` and
        ``max_epochs``), ``fitted_attributes`` and ``training_attributes``
        (the fitted attributes before and after ``net_``) and the Notes
        paragraphs ``covariates_note``, ``early_stopping_note`` and
        ``reproducibility_note``.
    """
    parameters = [
        _MODE_BALANCE,
        _DEVICE,
        _PRECISION,
        _N_JOBS,
        _VERBOSE,
        _checkpoint_dir(checkpoint_files),
        _RESUME_FROM,
        _ALIGNER,
        _EARLY_STOPPING,
    ]
    return {
        "sampling_strategy": BaseOverSampler._sampling_strategy_docstring,
        "random_state": _random_state_docstring,
        "base_parameters": "\n\n    ".join(parameters),
        "fitted_attributes": _FITTED_ATTRIBUTES,
        "training_attributes": _TRAINING_ATTRIBUTES,
        "covariates_note": _COVARIATES_NOTE,
        "early_stopping_note": _EARLY_STOPPING_NOTE,
        "reproducibility_note": _REPRODUCIBILITY_NOTE,
    }
