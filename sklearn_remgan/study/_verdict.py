"""The verdict: does each finding of the paper hold in this run, and can it be trusted?

Each finding is one statistic whose sign says whether it holds (positive: as in the
paper). Its confidence comes from a percentile bootstrap over rows (training,
generated and held-out rows resampled independently; the k-NN balls are held
fixed), or, when the study ran several seeds, from the spread over seeds. Run health
checks (training that did not settle, total collapse, a capped REM, an alignment
that costs recall) are returned as warning sentences.
"""

import numpy as np
import pandas as pd

from sklearn_remgan.study._layout import FINDINGS
from sklearn_remgan.study._quality import bootstrap_interval

__all__ = ["finding_statistics", "quality_position", "run_health", "verdict"]


def _group_means(values, codes, n_codes):
    sums = np.bincount(codes, weights=values, minlength=n_codes)
    counts = np.bincount(codes, minlength=n_codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


def _status_difference(values, tissue_codes, is_case, n_tissues):
    """Mean over tissues with both groups of (case mean - control mean)."""
    codes = tissue_codes * 2 + is_case.astype(int)
    means = _group_means(values, codes, 2 * n_tissues).reshape(n_tissues, 2)
    diffs = means[:, 1] - means[:, 0]
    diffs = diffs[np.isfinite(diffs)]
    return diffs


def finding_statistics(data, it=None, ig=None, ih=None):
    """Each finding's statistic on (resampled) rows; positive means "holds".

    Parameters
    ----------
    data : Bunch
        Per-row arrays: ``real_recalled``, ``rem_train`` and ``tissue`` (codes)
        and ``is_case`` (or None) of the training rows; ``generated_precise`` and
        ``rem_generated`` of the generated rows; ``rem_heldout``.
    it, ig, ih : ndarray of int, default=None
        Row indices of the training, generated and held-out rows (all when None).

    Returns
    -------
    stats : dict
        Finding name -> float (NaN where it cannot be computed).
    """
    it = slice(None) if it is None else it
    ig = slice(None) if ig is None else ig
    ih = slice(None) if ih is None else ih
    recalled = data.real_recalled[it]
    rem_train = data.rem_train[it]
    stats = {
        "precision_recall": data.generated_precise[ig].mean() - recalled.mean(),
        "collapse": data.rem_heldout[ih].mean() - data.rem_generated[ig].mean(),
        "recall_rem": (
            rem_train[~recalled].mean() - rem_train[recalled].mean()
            if 0 < recalled.sum() < recalled.size
            else np.nan
        ),
    }
    if data.is_case is None:
        stats["zero_recall_status"] = stats["rem_status"] = np.nan
        return stats
    is_case = data.is_case[it]
    if is_case.all() or not is_case.any():
        stats["zero_recall_status"] = stats["rem_status"] = np.nan
        return stats
    missed = ~recalled
    stats["zero_recall_status"] = missed[is_case].mean() - missed[~is_case].mean()
    diffs = _status_difference(rem_train, data.tissue[it], is_case, data.n_tissues)
    stats["rem_status"] = diffs.mean() if diffs.size else np.nan
    return stats


def _numbers(name, data):
    """The finding's numbers in words (on all rows)."""
    if name == "precision_recall":
        p, r = data.generated_precise.mean(), data.real_recalled.mean()
        return f"precision {p:.3f} vs recall {r:.3f}"
    if name == "collapse":
        return (
            f"mean REM of generated rows {data.rem_generated.mean():.3g} vs held-out "
            f"real rows {data.rem_heldout.mean():.3g}"
        )
    if name == "recall_rem":
        rec = data.real_recalled
        if not 0 < rec.sum() < rec.size:
            return f"{int(rec.sum())} of {rec.size} real rows recalled"
        return (
            f"mean REM of never-recalled real rows {data.rem_train[~rec].mean():.3g}"
            f" vs recalled {data.rem_train[rec].mean():.3g}"
        )
    if data.is_case is None:
        return "no status covariate"
    case, control = data.case_name, data.control_name
    if name == "zero_recall_status":
        missed = ~data.real_recalled
        return (
            f"recall-0 share {case} {missed[data.is_case].mean():.3f} vs "
            f"{control} {missed[~data.is_case].mean():.3f}"
        )
    diffs = _status_difference(
        data.rem_train, data.tissue, data.is_case, data.n_tissues
    )
    gen = data.generated_status_difference
    text = (
        f"real {case} minus {control} REM {diffs.mean():+.3g} on average, higher in "
        f"{int((diffs > 0).sum())} of {diffs.size} tissues"
    )
    if gen is not None and np.isfinite(gen):
        text += f"; generated {gen:+.3g}"
    return text


def _confidence(estimate, low, high, per_seed):
    if per_seed is not None:
        values = np.asarray(per_seed, dtype=float)
        values = values[np.isfinite(values)]
        if values.size < 2:
            return "too few seeds with a value to judge", np.nan, np.nan
        low, high = float(values.min()), float(values.max())
        n_hold = int((values > 0).sum())
        return (
            f"over {values.size} seeds: {n_hold} of {values.size} hold, range "
            f"[{low:+.3g}, {high:+.3g}]",
            low,
            high,
        )
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no bootstrap interval (too few rows in a group)", low, high
    if low > 0 or high < 0:
        word = "excludes 0: a clear"
    else:
        word = "includes 0: not distinguishable from no"
    return (
        f"95% bootstrap interval over rows [{low:+.3g}, {high:+.3g}] {word} difference",
        low,
        high,
    )


def verdict(data, *, seed=0, n_boot=500, per_seed=None):
    """One line per paper finding: holds or not, numbers, paper value, confidence.

    Parameters
    ----------
    data : Bunch
        See :func:`finding_statistics`, plus ``case_name``, ``control_name``,
        ``n_tissues`` and ``generated_status_difference``.
    seed : int, default=0
        Seed of the bootstrap.
    n_boot : int, default=500
        Bootstrap resamples.
    per_seed : list of dict, default=None
        :func:`finding_statistics` of each seed's run; the confidence is then
        the spread over seeds instead of the bootstrap.

    Returns
    -------
    table : DataFrame
        One row per finding: ``finding``, ``claim``, ``verdict`` ("holds",
        "does not hold" or "cannot be tested"), ``numbers``, ``paper``,
        ``estimate``, ``ci_low``, ``ci_high``, ``confidence``.
    """
    estimates = finding_statistics(data)
    sizes = (data.real_recalled.size, data.rem_generated.size, data.rem_heldout.size)
    rows = []
    for name, claim, paper in FINDINGS:
        estimate = float(estimates[name])
        if not np.isfinite(estimate):
            rows.append(
                {
                    "finding": name,
                    "claim": claim,
                    "verdict": "cannot be tested",
                    "numbers": _numbers(name, data),
                    "paper": paper,
                    "estimate": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "confidence": "",
                }
            )
            continue
        low = high = np.nan
        if per_seed is None:
            low, high = bootstrap_interval(
                lambda it, ig, ih, name=name: finding_statistics(data, it, ig, ih)[
                    name
                ],
                sizes,
                n_boot=n_boot,
                seed=seed,
            )
        seeds = None if per_seed is None else [s[name] for s in per_seed]
        text, low, high = _confidence(estimate, low, high, seeds)
        rows.append(
            {
                "finding": name,
                "claim": claim,
                "verdict": "holds" if estimate > 0 else "does not hold",
                "numbers": _numbers(name, data),
                "paper": paper,
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "confidence": text,
            }
        )
    return pd.DataFrame(rows)


def quality_position(quality, generator):
    """Where the judged generator falls between the SMOTE floor and the ceiling.

    Parameters
    ----------
    quality : DataFrame
        The study's quality table (``method``, ``role``, ``precision``,
        ``recall`` and their intervals).
    generator : str
        The judged method's name in ``quality``.

    Returns
    -------
    line : str
        One sentence per metric, with the baselines' values.
    """
    table = quality.set_index("method")
    ceiling = table[table["role"] == "ceiling"].iloc[0]
    floor = table[table["role"] == "floor"].iloc[0]
    gen = table.loc[generator]
    parts = []
    for metric in ("recall", "precision", "coverage"):
        value = gen[metric]
        lo_name, hi_name = sorted(
            [("SMOTE", floor[metric]), ("real held-out", ceiling[metric])],
            key=lambda item: item[1],
        )
        if value < lo_name[1]:
            where = "below both baselines"
        elif value > hi_name[1]:
            where = "above both baselines"
        else:
            where = "between the baselines"
        parts.append(
            f"{metric} {value:.3f} is {where} (SMOTE {floor[metric]:.3f}, real "
            f"held-out {ceiling[metric]:.3f})"
        )
    return "; ".join(parts)


def _history_warnings(history, max_epochs):
    out = []
    n = len(history)
    if n == 0:
        return out
    if n < 20:
        out.append(
            f"Training ran {n} epoch(s): too few for the losses (the Wasserstein "
            "estimate, the diffusion loss) to settle; the generator has not "
            "converged. Raise --max-epochs."
        )
        return out
    w = np.array([h.get("wasserstein", np.nan) for h in history], dtype=float)
    quarter = max(2, n // 4)
    last_w, before_w = w[-quarter:], w[-2 * quarter : -quarter]
    # A diffusion history has no Wasserstein estimate: nothing to judge (and
    # nanmean of an all-NaN slice would warn).
    if np.isnan(last_w).all() or np.isnan(before_w).all():
        last = before = np.nan
    else:
        last, before = np.nanmean(last_w), np.nanmean(before_w)
    if np.isfinite(last) and np.isfinite(before):
        change = abs(last - before) / max(abs(before), 1e-12)
        if change > 0.25 and abs(last - before) > 0.05:
            out.append(
                f"The Wasserstein estimate is still moving at the end of training "
                f"({before:.3g} -> {last:.3g} over the last {2 * quarter} epochs): "
                "not converged; train longer."
            )
    gp = history[-1].get("gradient_penalty")
    if gp is not None and np.isfinite(gp) and gp > 1.0:
        out.append(
            f"The gradient penalty is large at the last epoch ({gp:.3g}; a trained "
            "critic keeps it well below 1): the critic is far from 1-Lipschitz and "
            "the losses cannot be read as distances."
        )
    return out


def _alignment_warnings(state):
    """Alignment that lowers recall or coverage, at full or at equal size."""
    comparisons = []
    aligned = state.metrics.get("aligned")
    if aligned is not None:
        comparisons.append(("all training rows", state.metrics["overall"], aligned))
    quality = state.tables.get("quality")
    if quality is not None and state.aligned_name in set(quality["method"]):
        table = quality.set_index("method")
        comparisons.append(
            (
                "the baseline comparison",
                table.loc[state.sampler_name],
                table.loc[state.aligned_name],
            )
        )
    out = []
    for where, before, after in comparisons:
        lowered = [
            f"{metric} from {before[metric]:.3f} to {after[metric]:.3f}"
            for metric in ("recall", "coverage")
            if after[metric] < before[metric] - 0.02
        ]
        if lowered:
            out.append(
                f"OT alignment lowers {' and '.join(lowered)} ({where}): it moves "
                "generated rows onto fewer real rows. Do not use the aligned rows "
                "for augmentation on this evidence."
            )
    return out


def run_health(state):
    """Warnings about the run itself, as sentences (empty when healthy).

    Parameters
    ----------
    state : Bunch
        The study's state after the diagnose and align stages.

    Returns
    -------
    warnings : list of str
    """
    out = _history_warnings(state.history, state.settings["max_epochs"])
    recalled = state.per_sample["recalled"].to_numpy()
    if not recalled.any():
        out.append(
            "Total collapse: no real training row is recalled (recall 0 "
            "everywhere); every per-class number below describes a failed generator."
        )
    else:
        by_label = pd.Series(recalled).groupby(state.y_train).mean()
        dead = [str(lab) for lab, v in by_label.items() if v == 0]
        if dead:
            out.append(f"No real row of label(s) {', '.join(dead)} is recalled.")
    rem = state.rem
    if rem.n_components < rem.n_components_asked:
        out.append(
            f"REM uses {rem.n_components} principal components instead of "
            f"{rem.n_components_asked}: capped by the {state.X_train.shape[0]} "
            f"training rows and {state.X_train.shape[1]} genes (a PCA fit needs "
            "more rows than components). REM values are not comparable with a run "
            "that used more components."
        )
    out += _alignment_warnings(state)
    return out
