"""The study's stages, each a function of one state object.

``STAGES`` lists them in order; the stage count in the log (``[stage i/N]``) is
derived from it. Each stage reads what earlier stages put on the state (a
``sklearn.utils.Bunch``) and adds its own fields:

- ``prepare``: ``X``, ``y``, ``covariates``, ``groups``, ``status``, ``case``,
  ``genes``, ``sample_ids``, ``provenance``, ``train``, ``test``;
- ``standardize``: ``X_train``, ``X_test``, ``y_train``, ``y_test``,
  ``cov_train``, ``cov_test``;
- ``fit``: ``sampler``, ``sampler_name``, ``history``;
- ``diagnose``: ``X_gen``, ``rem``, ``pr``, ``per_sample``, ``tables``,
  ``displays``, ``metrics``;
- ``align``: ``X_aligned`` (None without an aligner), ``aligned_name``;
- ``downstream``: the ``downstream`` table;
- ``judge``: the ``quality`` tables, ``verdict`` and ``warnings``;
- ``write``: the report folder (``_report.write_report``).
"""

import copy
import logging
import sys
import time

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from sklearn_remgan.study import _quality, _verdict
from sklearn_remgan.study._figures import BlindSpotMap

__all__ = ["STAGES", "log_stage", "make_sampler", "run_stages"]

logger = logging.getLogger("sklearn_remgan.study")

#: (name, what it does) of each stage, in order.
STAGES = (
    ("prepare", "load or simulate the data, check it, split train/test"),
    ("standardize", "standardize genes on the training rows"),
    ("fit", "fit the sampler"),
    ("diagnose", "generate, precision/recall, honest REM, blind spots"),
    ("align", "draw OT-aligned rows through the sampler's aligner"),
    ("downstream", "downstream classifiers on real held-out rows"),
    ("judge", "baselines, the paper's findings and the run's health"),
    ("write", "write the report"),
)

SAMPLER_NAMES = {"wgan-gp": "WGANGPSampler", "ddpm": "DDPMSampler"}

#: Per-epoch history entries kept and drawn (the GAN's losses, the diffusion loss).
_CURVES = (
    "critic_loss",
    "generator_loss",
    "gradient_penalty",
    "wasserstein",
    "diffusion_loss",
    "valid_score",
)


def log_stage(name, detail=""):
    """Log ``[stage i/N] what`` for the stage ``name`` of ``STAGES``."""
    names = [s[0] for s in STAGES]
    i = names.index(name)
    logger.info(
        "[stage %d/%d] %s%s", i + 1, len(STAGES), STAGES[i][1], detail and f": {detail}"
    )


def make_sampler(
    name, *, max_epochs, device, random_state, verbose, aligner=None, params=None
):
    """Build the study's sampler; the one place that knows the sampler classes.

    Parameters
    ----------
    name : {'wgan-gp', 'ddpm'}
        Which sampler.
    max_epochs, device, random_state, verbose
        Passed on where the sampler has such a parameter.
    aligner : estimator, default=None
        Passed as ``aligner=`` where the sampler has that option.
    params : dict, default=None
        The sampler's own parameters (the preset's ``sampler_params``).

    Returns
    -------
    sampler : estimator
        An unfitted sampler (``fit``, ``sample``).

    Examples
    --------
    >>> from sklearn_remgan.study._stages import make_sampler
    >>> sampler = make_sampler("ddpm", max_epochs=3, device="cpu", random_state=0,
    ...                        verbose=0, params={"hidden_dim": 16})
    >>> type(sampler).__name__, sampler.hidden_dim, sampler.max_epochs
    ('DDPMSampler', 16, 3)
    """
    if name == "wgan-gp":
        from sklearn_remgan.over_sampling import WGANGPSampler as cls
    elif name == "ddpm":
        from sklearn_remgan.over_sampling._ddpm import DDPMSampler as cls
    else:
        raise ValueError(
            f"sampler must be one of {sorted(SAMPLER_NAMES)}; got {name!r}."
        )
    wanted = {
        "max_epochs": max_epochs,
        "device": device,
        "random_state": random_state,
        "verbose": verbose,
        "aligner": aligner,
    }
    known = cls().get_params()
    kwargs = {k: v for k, v in wanted.items() if k in known and v is not None}
    return cls(**kwargs, **(params or {}))


def _new_sampler(state, random_state, *, verbose, aligner=None):
    settings = state.settings
    return make_sampler(
        settings["sampler"],
        max_epochs=settings["max_epochs"],
        device=settings["device"],
        random_state=random_state,
        verbose=verbose,
        aligner=aligner,
        params=settings.get("sampler_params"),
    )


def _history_records(sampler):
    net = getattr(sampler, "net_", None)
    history = getattr(net, "history", None) or getattr(sampler, "history_", None)
    if not history:
        return []
    return [{k: e[k] for k in ("epoch", *_CURVES) if k in e} for e in history]


def _without_aligner(sampler):
    """A view of the fitted sampler that draws unaligned rows.

    The sampler aligns a draw only when it holds a fitted ``aligner_``; a shallow
    copy without it shares the trained networks and draws the same rows for the
    same ``random_state``, before alignment.
    """
    plain = copy.copy(sampler)
    vars(plain).pop("aligner_", None)
    plain.aligner = None
    return plain


def _draw(sampler, y, covariates, seed):
    if covariates is None:
        X, y_out = sampler.sample(len(y), y=y, random_state=seed)
    else:
        X, y_out = sampler.sample(len(y), y=y, covariates=covariates, random_state=seed)
    return np.asarray(X, dtype=np.float32), np.asarray(y_out)


# --------------------------------------------------------------------- stages
def standardize(state):
    """Scale genes with the training rows' means and spreads (no test leakage)."""
    from sklearn.preprocessing import StandardScaler

    train, test = state.train, state.test
    scaler = StandardScaler().fit(state.X[train])
    state.X_train = scaler.transform(state.X[train]).astype(np.float32)
    state.X_test = scaler.transform(state.X[test]).astype(np.float32)
    state.y_train, state.y_test = state.y[train], state.y[test]
    cov = state.covariates
    state.cov_train = None if cov is None else cov.iloc[train].reset_index(drop=True)
    state.cov_test = None if cov is None else cov.iloc[test].reset_index(drop=True)


def fit(state):
    """Fit the sampler (with the OT aligner as its ``aligner=`` option)."""
    settings, seeds = state.settings, state.seeds
    aligner = None
    if settings["align"]:
        from sklearn_remgan.alignment import OTAligner
        from sklearn_remgan.metrics import choose_n_components

        # The components of every other REM of the study (a fold's fit).
        n_train = state.X_train.shape[0]
        n_fit = n_train - int(np.ceil(n_train / min(_quality.REM_FOLDS, n_train)))
        aligner = OTAligner(
            n_components=choose_n_components(
                settings["n_components"], n_fit, state.X_train.shape[1]
            ),
            random_state=int(seeds[3]),
        )
    sampler = _new_sampler(state, int(seeds[1]), verbose=state.verbose, aligner=aligner)
    if aligner is not None and "aligner" not in sampler.get_params():
        logger.warning("%s has no aligner option; alignment skipped", sampler)
        settings["align"] = False
    if state.cov_train is None:
        sampler.fit(state.X_train, state.y_train)
    else:
        sampler.fit(state.X_train, state.y_train, covariates=state.cov_train)
    state.sampler = sampler
    state.sampler_name = type(sampler).__name__
    state.aligned_name = f"{state.sampler_name} + OT"
    state.history = _history_records(sampler)
    settings["epochs_run"] = len(state.history) or settings["max_epochs"]
    settings["device_used"] = str(getattr(sampler, "device_", settings["device"]))


def _group_masks(per_class, y, cov):
    """Row masks of each (grouping, value) row of a per_class_report table."""
    keys = _quality.group_keys(y, cov)
    return [keys[g] == v for g, v in zip(per_class["grouping"], per_class["value"])]


def _per_class(state, pr):
    """The per-class table of the metrics package from the study's honest REM.

    Real rows carry their cross-fitted REM, generated rows the REM of the PCA
    of all training rows (as everywhere in the study); held-out rows add
    ``rem_heldout_mean``.
    """
    from sklearn_remgan.metrics._report import report_from_values

    table = report_from_values(
        state.y_train,
        state.y_train,
        pr,
        state.rem.train,
        state.rem.generated,
        covariates_real=state.cov_train,
        covariates_generated=state.cov_train,
    )
    test_masks = _group_masks(table, state.y_test, state.cov_test)
    held = state.rem.heldout
    table["rem_heldout_mean"] = [
        held[m].mean() if m.any() else np.nan for m in test_masks
    ]
    drop = [c for c in table if c.startswith("rem_real_q")]
    return table.drop(columns=drop)


def _per_sample(state, pr, within):
    from sklearn.neighbors import NearestNeighbors

    dist, _ = NearestNeighbors(n_neighbors=1).fit(state.X_gen).kneighbors(state.X_train)
    frame = pd.DataFrame(
        {"sample_id": state.sample_ids[state.train], "label": state.y_train}
    )
    if state.cov_train is not None:
        for col in state.cov_train.columns:
            frame[str(col)] = state.cov_train[col].to_numpy()
    frame["recalled"] = np.asarray(pr.real_recalled, dtype=bool)
    frame["recalled_within_class"] = within
    frame["rem"] = state.rem.train
    frame["nearest_generated_distance"] = dist[:, 0]
    frame["real_radius"] = pr.real_radii
    return frame


def _displays(state):
    from sklearn.decomposition import PCA

    from sklearn_remgan.diagnostics import (
        RecallREMDisplay,
        REMDistributionDisplay,
        TrainingCurvesDisplay,
        UMAPDisplay,
        ZeroRecallDisplay,
    )

    seed = int(state.seeds[2])
    reducer = (
        None if state.settings["embedding"] == "umap" else PCA(2, random_state=seed)
    )
    recalled = state.per_sample["recalled"].to_numpy()
    status = state.status
    embedding = UMAPDisplay.from_predictions(
        state.X_train,
        state.X_gen,
        rem_real=state.rem.train,
        reducer=reducer,
        random_state=seed,
    )
    colourings = {"label": state.y_train}
    if state.cov_train is not None:
        for col in state.cov_train.columns:
            colourings[str(col)] = state.cov_train[col].to_numpy()
    displays = {
        "rem_distribution": REMDistributionDisplay(
            rem_real=state.rem.heldout, rem_generated=state.rem.generated
        ).plot(),
        "embedding": embedding,
        "blind_spot_map": BlindSpotMap(
            embedding.embedding_real,
            embedding.embedding_generated,
            recalled,
            colourings,
            method=embedding.method,
        ).plot(),
        "recall_rem": RecallREMDisplay(
            rem_real=state.rem.train,
            real_recalled=recalled,
            y_real=state.y_train,
            n_worst=min(3, len(np.unique(state.y_train))),
        ).plot(),
        "zero_recall": ZeroRecallDisplay.from_predictions(
            recalled,
            state.y_train,
            covariate=None
            if status is None
            else state.cov_train[status].rename(status),
        ),
    }
    if state.history:
        keys = [k for k in _CURVES if any(k in e for e in state.history)]
        if keys:
            displays["training_curves"] = TrainingCurvesDisplay.from_history(
                state.history, keys=keys
            )
    return displays


def diagnose(state):
    """Generate one row per training row; precision/recall, honest REM, tables."""
    from sklearn_remgan.diagnostics import recall_by_class, rem_difference_table
    from sklearn_remgan.metrics import precision_recall

    k = state.settings["k"]
    plain = _without_aligner(state.sampler)
    state.X_gen, _ = _draw(plain, state.y_train, state.cov_train, int(state.seeds[2]))
    state.rem = _quality.study_rem(
        state.X_train,
        state.X_test,
        state.X_gen,
        n_components=state.settings["n_components"],
        y_train=state.y_train,
        seed=int(state.seeds[0]),
    )
    state.settings["n_components_used"] = state.rem.n_components
    pr = state.pr = precision_recall(state.X_train, state.X_gen, k=k)
    within = recall_by_class(
        state.X_train, state.X_gen, state.y_train, state.y_train, k=k
    )
    state.per_sample = _per_sample(state, pr, within)
    state.tables = {
        "per_class": _per_class(state, pr),
        "blind_spots": state.per_sample[~state.per_sample["recalled"]].reset_index(
            drop=True
        ),
    }
    if state.status is not None:
        status = state.cov_train[state.status].to_numpy()
        diff = rem_difference_table(
            state.rem.train,
            state.y_train,
            status,
            case=state.case,
            rem_generated=state.rem.generated,
            y_generated=state.y_train,
            status_generated=status,
        )
        state.case = diff.attrs["case"]
        state.tables["rem_difference"] = diff.reset_index()
    state.displays = _displays(state)
    state.metrics = {"overall": _overall(state, pr, within)}


def _overall(state, pr, within):
    rem = state.rem
    return {
        "n_real": int(state.X_train.shape[0]),
        "n_generated": int(state.X_gen.shape[0]),
        "precision": float(pr.precision),
        "recall": float(pr.recall),
        "f1": float(pr.f1),
        "density": float(pr.density),
        "coverage": float(pr.coverage),
        "zero_recall_share": float(1.0 - np.mean(pr.real_recalled)),
        "zero_recall_share_within_class": float(1.0 - within.mean()),
        "rem_n_components": rem.n_components,
        "rem_heldout_mean": float(rem.heldout.mean()),
        "rem_train_crossfit_mean": float(rem.train.mean()),
        "rem_generated_mean": float(rem.generated.mean()),
        "rem_train_in_sample_mean": float(rem.train_in_sample.mean()),
    }


def align(state):
    """Rows drawn through the sampler's fitted aligner, same noise as the plain ones."""
    from sklearn_remgan.diagnostics import REMDistributionDisplay
    from sklearn_remgan.metrics import precision_recall

    state.X_aligned = None
    if getattr(state.sampler, "aligner_", None) is None:
        return
    state.X_aligned, _ = _draw(
        state.sampler, state.y_train, state.cov_train, int(state.seeds[2])
    )
    rem_aligned = state.rem.model.score_samples(state.X_aligned)
    state.displays["alignment"] = REMDistributionDisplay(
        rem_real=state.rem.heldout,
        rem_generated=rem_aligned,
        generated_label="generated + OT",
    ).plot()
    pr = precision_recall(state.X_train, state.X_aligned, k=state.settings["k"])
    state.metrics["aligned"] = {
        "precision": float(pr.precision),
        "recall": float(pr.recall),
        "coverage": float(pr.coverage),
        "zero_recall_share": float(1.0 - np.mean(pr.real_recalled)),
        "rem_generated_mean": float(rem_aligned.mean()),
    }


def _augmentation(sampler, seed):
    """The rows the sampler adds to balance the training set (mode by mode)."""
    modes = getattr(sampler, "modes_", None)
    if modes is None:
        strategy = sampler.sampling_strategy_
        y = np.repeat(list(strategy), list(strategy.values()))
        return _draw(sampler, y, None, seed)
    modes = modes[modes["n_generated"] > 0]
    reps = modes["n_generated"].to_numpy()
    y = np.repeat(modes["label"].to_numpy(), reps)
    names = [c for c in modes.columns if c not in ("label", "n_real", "n_generated")]
    cov = None
    if names:
        cov = pd.DataFrame({c: np.repeat(modes[c].to_numpy(), reps) for c in names})
    return _draw(sampler, y, cov, seed)


def downstream(state):
    """Accuracy on real held-out rows of a classifier trained on each augmentation."""
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    X_tr, y_tr, seed = state.X_train, state.y_train, int(state.seeds[3])
    smallest = int(pd.Series(y_tr).value_counts().min())
    sets = {
        "none": lambda: (X_tr, y_tr),
        "RandomOverSampler": lambda: RandomOverSampler(random_state=seed).fit_resample(
            X_tr, y_tr
        ),
        "SMOTE": lambda: SMOTE(
            k_neighbors=max(1, min(5, smallest - 1)), random_state=seed
        ).fit_resample(X_tr, y_tr),
    }
    plain = _without_aligner(state.sampler)
    for name, sampler in ((state.sampler_name, plain), (state.aligned_name, None)):
        if name == state.aligned_name and state.X_aligned is None:
            continue
        sampler = sampler or state.sampler

        def _augment(sampler=sampler):
            X_new, y_new = _augmentation(sampler, seed)
            return np.vstack([X_tr, X_new]), np.concatenate([y_tr, y_new])

        sets[name] = _augment
    rows = []
    for name, make in sets.items():
        Xa, ya = make()
        clf = LogisticRegression(max_iter=2000)
        start = time.perf_counter()
        pred = clf.fit(Xa, ya).predict(state.X_test)
        hits = (pred == state.y_test).astype(float)
        low, high = _quality.bootstrap_interval(
            lambda i, hits=hits: hits[i].mean(), (hits.size,), seed=seed
        )
        rows.append(
            {
                "augmentation": name,
                "n_train": len(ya),
                "n_generated": len(ya) - len(y_tr),
                "accuracy": accuracy_score(state.y_test, pred),
                "accuracy_ci_low": low,
                "accuracy_ci_high": high,
                "balanced_accuracy": balanced_accuracy_score(state.y_test, pred),
                "fit_seconds": time.perf_counter() - start,
            }
        )
    state.tables["downstream"] = pd.DataFrame(rows)


def _finding_data(state, recalled, precise, rem_generated, gen_status_diff=None):
    codes, tissues = pd.factorize(pd.Series(state.y_train))
    data = Bunch(
        real_recalled=np.asarray(recalled, dtype=bool),
        generated_precise=np.asarray(precise, dtype=float),
        rem_train=state.rem.train,
        rem_heldout=state.rem.heldout,
        rem_generated=rem_generated,
        tissue=codes,
        n_tissues=len(tissues),
        is_case=None,
        case_name=None,
        control_name=None,
        generated_status_difference=gen_status_diff,
    )
    if state.status is not None:
        status = state.cov_train[state.status].to_numpy()
        data.is_case = status == state.case
        others = sorted({str(v) for v in status[~data.is_case]})
        data.case_name, data.control_name = str(state.case), "/".join(others)
    return data


def _extra_seed_statistics(state):
    """Finding statistics of the extra seeds' runs (None for one seed)."""
    from sklearn_remgan.metrics import precision_recall

    if state.settings["seeds"] < 2:
        return None
    per_seed = [_verdict.finding_statistics(state.finding_data)]
    for j in range(1, state.settings["seeds"]):
        logger.info("seed %d of %d: fit and draw", j + 1, state.settings["seeds"])
        sampler = _new_sampler(state, int(state.seeds[1]) + j, verbose=0)
        if state.cov_train is None:
            sampler.fit(state.X_train, state.y_train)
        else:
            sampler.fit(state.X_train, state.y_train, covariates=state.cov_train)
        X_gen, _ = _draw(sampler, state.y_train, state.cov_train, int(state.seeds[2]))
        pr = precision_recall(state.X_train, X_gen, k=state.settings["k"])
        data = _finding_data(
            state,
            pr.real_recalled,
            pr.generated_precise,
            state.rem.model.score_samples(X_gen),
        )
        per_seed.append(_verdict.finding_statistics(data))
    return per_seed


def judge(state):
    """Baselines on the same rows, the paper's findings, the run's health."""
    seed = int(state.seeds[1]) + 7
    cov_test = state.cov_test
    if cov_test is not None and not all(
        set(cov_test[c]) <= set(state.cov_train[c]) for c in cov_test
    ):
        cov_test = None  # a status value unseen at fit: draw modes at random
    candidates = {
        state.sampler_name: (
            "judged",
            *_draw(_without_aligner(state.sampler), state.y_test, cov_test, seed),
            cov_test,
        )
    }
    if state.X_aligned is not None:
        candidates[state.aligned_name] = (
            "judged",
            *_draw(state.sampler, state.y_test, cov_test, seed),
            cov_test,
        )
    quality, per_class_quality = _quality.quality_tables(state, candidates)
    state.tables["quality"] = quality
    state.tables["per_class_quality"] = per_class_quality
    gen_diff = None
    if "rem_difference" in state.tables:
        diffs = state.tables["rem_difference"]["rem_generated_difference"].dropna()
        gen_diff = float(diffs.mean()) if len(diffs) else None
    state.finding_data = _finding_data(
        state,
        state.pr.real_recalled,
        state.pr.generated_precise,
        state.rem.generated,
        gen_diff,
    )
    per_seed = _extra_seed_statistics(state)
    state.tables["verdict"] = _verdict.verdict(
        state.finding_data, seed=int(state.seeds[0]), per_seed=per_seed
    )
    for row in state.tables["verdict"].itertuples():
        logger.info(
            "finding %s: %s (%s; paper: %s)",
            row.finding,
            row.verdict,
            row.numbers,
            row.paper,
        )
    state.position = _verdict.quality_position(quality, state.sampler_name)
    state.warnings = _verdict.run_health(state)
    for text in state.warnings:
        logger.warning("warning: %s", text)


def _keeping_torch_threads(stage, state):
    """Run ``stage(state)``; put torch's thread count back as it was before.

    UMAP (numba's OpenMP layer) raises the process's OpenMP thread count, which
    is torch's too: every later draw of a diffusion sampler (50 denoising
    passes) then ran on 2 threads on a loaded 2-core machine, 7 times slower.
    """
    torch = sys.modules.get("torch")
    threads = None if torch is None else torch.get_num_threads()
    try:
        stage(state)
    finally:
        if threads is not None and torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def run_stages(state, prepare):
    """Run every stage but ``write`` on ``state``; time each one.

    Parameters
    ----------
    state : Bunch
        Holds ``settings``, ``seeds``, ``verbose`` and the inputs.
    prepare : callable
        The ``prepare`` stage (it lives with the input checks).

    Returns
    -------
    state : Bunch
        With every stage's fields and ``timings`` (seconds per stage).
    """
    functions = {
        "prepare": prepare,
        "standardize": standardize,
        "fit": fit,
        "diagnose": diagnose,
        "align": align,
        "downstream": downstream,
        "judge": judge,
    }
    state.timings = {}
    for name, _ in STAGES:
        if name not in functions:
            continue
        detail = ""
        if name == "fit":
            detail = (
                f"{SAMPLER_NAMES[state.settings['sampler']]}, "
                f"{state.settings['max_epochs']} epochs, device "
                f"{state.settings['device']}"
            )
        log_stage(name, detail)
        start = time.perf_counter()
        _keeping_torch_threads(functions[name], state)
        state.timings[name] = round(time.perf_counter() - start, 3)
    return state
