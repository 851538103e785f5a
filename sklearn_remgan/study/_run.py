"""The blind-spot study as a library function: data in, tables, figures, metrics out.

The study is a list of stages over one state object (``_stages.STAGES``): prepare
(load or simulate, check, split), standardize, fit the sampler, diagnose, align,
downstream, judge (baselines, the paper's findings, run health) and write (in
``_report``). Everything that can be checked is checked before the sampler is trained.
"""

import logging
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

from sklearn_remgan.study._layout import GLOSSARY, sections
from sklearn_remgan.study._presets import PRESETS, SAMPLER_PRESETS, SAMPLERS
from sklearn_remgan.study._stages import run_stages
from sklearn_remgan.utils import (
    check_finite_2d,
    check_matplotlib_support,
    import_optional,
)

__all__ = ["PRESETS", "StudyInputError", "check_study_inputs", "run_study"]

logger = logging.getLogger("sklearn_remgan.study")


class StudyInputError(ValueError):
    """The study's input is unusable; raised before any training starts.

    Examples
    --------
    >>> from sklearn_remgan.study import StudyInputError
    >>> issubclass(StudyInputError, ValueError)
    True
    """


def _label_counts(y):
    values, counts = np.unique(np.asarray(y), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def check_study_inputs(X, y, *, covariates=None, groups=None, k=3, test_size=0.25):
    """Check the study's inputs before anything is trained.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Expression matrix (no NaN or infinite values).
    y : array-like of shape (n_samples,)
        Labels (e.g. tissue).
    covariates : DataFrame of shape (n_samples, n_covariates), default=None
        Covariates used as sampler modes (e.g. cancer status); no missing values.
    groups : array-like of shape (n_samples,), default=None
        Group of each sample (e.g. patient) for a grouped split.
    k : int, default=3
        Neighbours of the k-NN balls.
    test_size : float, default=0.25
        Share of samples held out.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The validated float matrix.

    Raises
    ------
    ValueError
        Naming the problem: NaN/inf counts, mismatched lengths, missing covariate
        values, or a label with too few samples for ``k`` neighbours after the split.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.study import check_study_inputs
    >>> X = np.zeros((12, 3)); y = np.array(["a"] * 10 + ["b"] * 2)
    >>> check_study_inputs(X, y, k=3)
    Traceback (most recent call last):
    ...
    ValueError: label 'b' has 2 sample(s); k=3 neighbours ...
    """
    if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be an int >= 1; got {k!r}.")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be in (0, 1); got {test_size!r}.")
    X = check_finite_2d(X, name="X")
    y = np.asarray(y)
    n = X.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y must hold one label per row of X ({n}); got {y.shape}.")
    if pd.isna(pd.Series(y)).any():
        raise ValueError(
            f"y has {int(pd.isna(pd.Series(y)).sum())} missing label(s); drop those "
            "samples or fill the label column."
        )
    if covariates is not None:
        if len(covariates) != n:
            raise ValueError(
                f"covariates must have one row per sample ({n}); got {len(covariates)}."
            )
        missing = covariates.isna().sum()
        missing = missing[missing > 0]
        if len(missing):
            raise ValueError(
                "covariates have missing values: "
                + ", ".join(f"{col!r}: {cnt}" for col, cnt in missing.items())
                + "; drop those samples or fill the column."
            )
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(
                f"groups must hold one group per row of X ({n}); got {groups.shape}."
            )
        if pd.isna(pd.Series(groups)).any():
            raise ValueError("groups has missing values; every sample needs a group.")
    # Training keeps about (1 - test_size) of each label; every label needs more
    # than k training samples for its k-NN balls.
    need = int(np.ceil((k + 1) / (1.0 - float(test_size)))) + 1
    for label, count in _label_counts(y).items():
        if count < need:
            raise ValueError(
                f"label {label!r} has {count} sample(s); k={k} neighbours with "
                f"test_size={test_size} need at least {need} per label. Drop the "
                "label, merge it, or lower k."
            )
    return X


def _split(y, groups, test_size, random_state):
    from sklearn.model_selection import GroupShuffleSplit, StratifiedShuffleSplit

    idx = np.arange(len(y))
    if groups is None:
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=test_size, random_state=random_state
        )
        train, test = next(splitter.split(idx, y))
    else:
        splitter = GroupShuffleSplit(
            n_splits=1, test_size=test_size, random_state=random_state
        )
        train, test = next(splitter.split(idx, y, groups))
    return np.sort(train), np.sort(test)


def _check_int(settings, key, low=1):
    val = settings[key]
    if not isinstance(val, Integral) or isinstance(val, bool) or val < low:
        raise ValueError(f"{key} must be an int >= {low}; got {val!r}.")


def _resolve_settings(preset, overrides):
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}; got {preset!r}.")
    sampler = overrides.get("sampler")
    if sampler is None:
        sampler = PRESETS[preset]["sampler"]
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {list(SAMPLERS)}; got {sampler!r}.")
    settings = dict(PRESETS[preset])
    # The sampler's own preset first, then what the user asked.
    settings.update(SAMPLER_PRESETS[preset][sampler])
    settings["sampler_params"] = dict(settings["sampler_params"])
    settings.update({k: v for k, v in overrides.items() if v is not None})
    settings["preset"] = preset
    settings["align"] = overrides.get("align")
    if settings["embedding"] not in ("umap", "pca"):
        raise ValueError(
            f"embedding must be 'umap' or 'pca'; got {settings['embedding']!r}."
        )
    if settings["sampler"] == "ddpm":
        import importlib.util

        if importlib.util.find_spec("sklearn_remgan.over_sampling._ddpm") is None:
            raise ValueError(
                "sampler='ddpm' needs sklearn_remgan.over_sampling.DDPMSampler, "
                "which this installation lacks; use sampler='wgan-gp'."
            )
    device = str(settings["device"])
    if device not in ("cpu", "auto") and not device.startswith("cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto'; got {device!r}.")
    if device.startswith("cuda"):
        import torch

        # Checked here so that the error comes before any training.
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was asked but no CUDA device is available; use "
                "device='cpu' or 'auto'."
            )
    # Optional dependencies are checked before hours of training.
    check_matplotlib_support("run_study")
    if settings["embedding"] == "umap":
        import_optional("umap", "run_study with embedding='umap' (or use 'pca')")
    if settings["align"] is None:
        import importlib.util

        settings["align"] = importlib.util.find_spec("ot") is not None
    elif settings["align"]:
        import_optional("ot", "run_study with align=True (or pass align=False)")
    for key in ("n_samples", "n_genes", "max_epochs", "n_components", "k", "seeds"):
        _check_int(settings, key)
    return settings


def _simulate(state):
    from sklearn_remgan.datasets import make_expression

    settings = state.settings
    X, y, cov = make_expression(
        settings["n_samples"],
        settings["n_genes"],
        return_covariates=True,
        random_state=settings["random_state"],
    )
    if state.status is None and "status" in cov:
        state.status = "status"
    # The simulator's `tissue` repeats y and `cancer` repeats status.
    state.covariates = cov[[state.status]] if state.status else None
    state.X, state.y = X, y
    state.provenance = {
        "source": "simulated (sklearn_remgan.datasets.make_expression)",
        "n_samples": settings["n_samples"],
        "n_genes": settings["n_genes"],
        "random_state": settings["random_state"],
        **(state.provenance or {}),
    }


def _check_status(state):
    """The status covariate must name a case (cancer) value; checked before training."""
    from sklearn_remgan.diagnostics import rem_difference_table

    if state.status is None:
        return
    cov = state.covariates
    if cov is None or state.status not in cov:
        have = [] if cov is None else list(cov.columns)
        raise ValueError(
            f"status={state.status!r} is not a covariate column; covariates are {have}."
        )
    values = cov[state.status].to_numpy()
    if state.case is not None and state.case not in set(values.tolist()):
        # A command-line value is a string: match it to the column's values.
        same = [v for v in pd.unique(values) if str(v) == str(state.case)]
        state.case = same[0] if len(same) == 1 else state.case
    try:
        rem_difference_table(np.zeros(len(values)), state.y, values, case=state.case)
    except ValueError as exc:
        found = sorted(map(str, pd.unique(values)))
        raise ValueError(
            f"status={state.status!r} has the values {found}: the cancer-vs-healthy "
            "REM difference needs to know the case (cancer) value; pass case=<value> "
            "(--case VALUE), every other value being the control, or choose another "
            f"status column. ({exc})"
        ) from None


def prepare(state):
    """Load or simulate, check every input, split. Raises before any training."""
    settings = state.settings
    if state.X is None:
        if state.y is not None or state.covariates is not None:
            raise ValueError("y and covariates need X (the expression matrix).")
        _simulate(state)
    elif state.y is None:
        raise ValueError("y is required when X is given.")
    else:
        state.provenance = dict(state.provenance or {"source": "arrays passed in"})
        for key in ("n_samples", "n_genes"):
            # The simulator's sizes mean nothing for given data: show what ran.
            settings.pop(key, None)
    X = state.X
    frame = isinstance(X, pd.DataFrame)
    state.genes = (
        np.asarray(X.columns, dtype=str)
        if frame
        else np.array([f"gene_{i}" for i in range(np.shape(X)[1])])
    )
    state.sample_ids = (
        np.asarray(X.index, dtype=str)
        if frame
        else np.array([f"row_{i}" for i in range(np.shape(X)[0])])
    )
    state.y = np.asarray(state.y)
    if state.covariates is not None:
        state.covariates = pd.DataFrame(state.covariates).reset_index(drop=True)
    state.X = check_study_inputs(
        X,
        state.y,
        covariates=state.covariates,
        groups=state.groups,
        k=settings["k"],
        test_size=settings["test_size"],
    ).astype(np.float32)
    _check_status(state)
    settings["n_samples_used"], settings["n_genes_used"] = state.X.shape
    state.provenance.update(
        {
            "n_samples_used": int(state.X.shape[0]),
            "n_genes_used": int(state.X.shape[1]),
            "labels": {str(a): b for a, b in _label_counts(state.y).items()},
        }
    )
    state.train, state.test = _split(
        state.y, state.groups, settings["test_size"], int(state.seeds[0])
    )
    k, counts = settings["k"], _label_counts(state.y[state.train])
    short = {lab: c for lab, c in counts.items() if c <= k}
    lost = sorted(set(np.unique(state.y).tolist()) - set(counts))
    missing_test = sorted(set(np.unique(state.y).tolist()) - set(state.y[state.test]))
    if short or lost or missing_test:
        raise ValueError(
            f"after the split, labels {sorted(map(str, lost))} have no training row, "
            f"{sorted(map(str, missing_test))} no held-out row and {short} at most "
            f"k={k} training rows; lower k, change test_size or the groups."
        )
    logger.info(
        "data: %d samples x %d genes, %d labels, covariates %s; train %d, test %d",
        *state.X.shape,
        len(counts),
        [] if state.covariates is None else list(state.covariates.columns),
        state.train.size,
        state.test.size,
    )


def run_study(
    X=None,
    y=None,
    *,
    covariates=None,
    groups=None,
    status=None,
    case=None,
    preset="quick",
    sampler=None,
    n_samples=None,
    n_genes=None,
    max_epochs=None,
    n_components=None,
    k=None,
    embedding=None,
    test_size=None,
    device=None,
    align=None,
    seeds=1,
    random_state=0,
    verbose=1,
    provenance=None,
):
    """Run the blind-spot study on given data or on the embedded simulator.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features), default=None
        Expression matrix (a DataFrame's index gives the sample ids); when None
        the embedded simulator (``sklearn_remgan.datasets.make_expression``)
        makes one.
    y : array-like of shape (n_samples,), default=None
        Labels (e.g. tissue); required with ``X``.
    covariates : DataFrame of shape (n_samples, n_covariates), default=None
        Covariates used as sampler modes and table groupings (e.g. cancer status).
    groups : array-like of shape (n_samples,), default=None
        Group of each sample (e.g. patient): the split keeps a group on one side.
    status : str, default=None
        Covariate column with cancer/healthy status for the REM-difference table
        and the status findings; with simulated data ``"status"``.
    case : object, default=None
        The status value of the case (cancer) rows; None reads it from known
        codings (tumor/normal, cancer/healthy, 1/0).
    preset : {'quick', 'paper'}, default='quick'
        Base settings (see ``PRESETS``; ``paper`` is the paper's setting); the
        arguments below override them.
    sampler : {'wgan-gp', 'ddpm'}, default=None
        The generator judged: ``WGANGPSampler`` or ``DDPMSampler``; None takes
        the preset's (``quick``: ``'ddpm'``, the package's most faithful
        generator; ``paper``: ``'wgan-gp'``, the paper's). The preset has
        settings per sampler (``SAMPLER_PRESETS``), shown in the result's
        ``settings``.
    n_samples, n_genes : int, default=None
        Size of the simulated data (ignored with ``X``).
    max_epochs : int, default=None
        Training epochs of the sampler (default: the preset's for the sampler).
    n_components : int, default=None
        Principal components of REM, capped by one policy for every REM of the
        study (fewer than the rows of the smallest PCA fit and than the genes).
    k : int, default=None
        Neighbours of the k-NN balls.
    embedding : {'umap', 'pca'}, default=None
        Two-dimensional embedding of the figures.
    test_size : float, default=None
        Share of samples held out (baselines, held-out REM, downstream).
    device : str, default=None
        Torch device of the sampler ("cpu", "cuda", "auto").
    align : bool, default=None
        Fit the sampler with an ``OTAligner`` as its ``aligner=`` option and
        judge the aligned rows beside the plain ones. None: when POT is installed.
    seeds : int, default=1
        Sampler runs (seeds) behind the verdict: with more than one, each
        finding's confidence is its spread over the runs (the paper averages
        five) instead of a bootstrap over rows. Tables and figures show the first.
    random_state : int, default=0
        Seed of the simulation, split, sampler and embedding.
    verbose : int, default=1
        0: silent; 1: a progress bar while training.
    provenance : dict, default=None
        Where the data came from (file names, columns), copied into the result.

    Returns
    -------
    result : Bunch
        ``settings`` (what actually ran), ``provenance``, ``tables`` (name ->
        DataFrame: ``verdict``, ``quality``, ``per_class_quality``,
        ``per_class``, ``blind_spots``, ``downstream``, ``per_sample`` and
        ``rem_difference`` with a status), ``displays`` (name -> drawn figure),
        ``metrics`` (JSON-ready dict), ``warnings`` (run health sentences),
        ``position`` (where the generator falls between the baselines),
        ``sections`` (the report's ordered sections), ``glossary``, ``history``
        (per-epoch losses), ``timings`` (seconds per stage), ``split`` (``train``
        and ``test`` row indices), ``genes``, ``sampler_name`` and the fitted
        ``sampler``.

    Raises
    ------
    StudyInputError
        For any input problem, before the sampler is trained.

    Examples
    --------
    >>> from sklearn_remgan.study import run_study
    >>> result = run_study(n_samples=300, n_genes=10, max_epochs=1, n_components=3,
    ...                    embedding="pca", align=False, verbose=0)
    >>> result.tables["verdict"]["verdict"].isin(
    ...     ["holds", "does not hold", "cannot be tested"]).all()
    np.True_
    >>> result.tables["downstream"]["augmentation"].tolist()
    ['none', 'RandomOverSampler', 'SMOTE', 'DDPMSampler']
    """
    overrides = {
        "n_samples": n_samples,
        "n_genes": n_genes,
        "max_epochs": max_epochs,
        "n_components": n_components,
        "k": k,
        "embedding": embedding,
        "test_size": test_size,
        "device": device,
    }
    try:
        settings = _resolve_settings(
            preset, {**overrides, "sampler": sampler, "seeds": seeds, "align": align}
        )
    except (ValueError, ImportError) as exc:
        raise StudyInputError(str(exc)) from exc
    settings["random_state"] = random_state
    state = Bunch(
        settings=settings,
        seeds=check_random_state(random_state).randint(np.iinfo(np.int32).max, size=4),
        verbose=verbose,
        X=X,
        y=y,
        covariates=covariates,
        groups=groups,
        status=status,
        case=case,
        provenance=provenance,
    )

    def _checked_prepare(state):
        try:
            prepare(state)
        except (ValueError, TypeError) as exc:
            raise StudyInputError(str(exc)) from exc

    run_stages(state, _checked_prepare)
    state.tables["per_sample"] = state.per_sample
    logger.info("%s: %s", state.sampler_name, state.position)
    return Bunch(
        settings=settings,
        provenance=state.provenance,
        tables=state.tables,
        displays=state.displays,
        metrics=_metrics(state),
        warnings=state.warnings,
        position=state.position,
        sections=sections(
            state.tables, state.displays, state.status, state.sampler_name
        ),
        glossary=GLOSSARY,
        history=state.history,
        timings=state.timings,
        split=Bunch(train=state.train, test=state.test),
        genes=state.genes,
        sampler_name=state.sampler_name,
        sampler=state.sampler,
    )


def _records(frame):
    return frame.replace({np.nan: None}).to_dict(orient="records")


def _metrics(state):
    metrics = dict(state.metrics)
    tables = state.tables
    for name in ("verdict", "quality", "per_class_quality", "per_class", "downstream"):
        metrics[name] = _records(tables[name])
    metrics["warnings"] = list(state.warnings)
    metrics["position"] = state.position
    metrics["sampler"] = state.sampler_name
    if state.status is not None:
        status = state.cov_train[state.status].to_numpy()
        missed = ~state.per_sample["recalled"]
        metrics["zero_recall_share_by_status"] = {
            str(k): float(v) for k, v in missed.groupby(status).mean().items()
        }
        diff = tables["rem_difference"]
        metrics["rem_difference"] = {
            "case": getattr(state.case, "item", lambda: state.case)(),
            "mean_difference_real": float(diff["rem_real_difference"].mean()),
            "mean_difference_generated": float(diff["rem_generated_difference"].mean()),
            "per_tissue": _records(diff),
        }
    return metrics
