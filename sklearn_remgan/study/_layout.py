"""The report's layout in one place: findings, section titles and text, glossary.

``_report`` renders what is listed here; the stages only produce tables and figures
under the names used below.
"""

__all__ = [
    "FIGURE_TITLES",
    "FINDINGS",
    "GLOSSARY",
    "PAPER",
    "PAPER_NUMBERS",
    "TABLE_TITLES",
    "sections",
]

#: The paper whose findings the verdict tests.
PAPER = (
    'Alsamadi, Lacan, Hanczar, Sebag, "Identifying GANs Blind Spots in '
    'Transcriptomic Data Generation" (E-MTAB-3732, 32,043 genes, WGAN-GP)'
)

#: The paper's numbers, as fractions where the verdict states fractions.
PAPER_NUMBERS = {
    "precision": 0.933,  # best model
    "recall": 0.698,
    "zero_recall_cancer": 0.435,  # share of cancerous samples with recall 0
    "zero_recall_healthy": 0.237,
    "rem_status_difference": 4.6,  # cancerous minus healthy REM, mean per tissue
}

_P = PAPER_NUMBERS

#: (name, claim, what the paper reports) per finding of the paper; the verdict
#: tests each claim's direction on this run and shows the paper's numbers beside
#: this run's, in the same units.
FINDINGS = (
    (
        "precision_recall",
        "Precision is high, recall lower: generated rows are plausible but part of "
        "the real data is never reproduced",
        f"precision {_P['precision']:.3f} vs recall {_P['recall']:.3f} for the best "
        "WGAN-GP",
    ),
    (
        "zero_recall_status",
        "The recall-0 share is higher for cancer than for healthy rows",
        f"recall-0 share cancerous {_P['zero_recall_cancer']:.3f} vs healthy "
        f"{_P['zero_recall_healthy']:.3f}",
    ),
    (
        "collapse",
        "Generated REM is below real REM (generated rows collapse toward the main "
        "axes of the real data)",
        "generated REM much lower than real REM, a sign of mode collapse; no number "
        "given",
    ),
    (
        "rem_status",
        "Cancer REM is above healthy REM within each tissue",
        f"cancerous minus healthy REM {_P['rem_status_difference']:+.1f} on average "
        "per tissue",
    ),
    (
        "recall_rem",
        "Low recall goes with high REM: the rows the generator misses lie far from "
        "the main axes",
        "real rows with recall 0 have higher REM; no number given",
    ),
)

FIGURE_TITLES = {
    "rem_distribution": "A. REM of held-out real rows and of generated rows",
    "embedding": "B. Training rows coloured by (cross-fitted) REM, generated rows "
    "marked",
    "blind_spot_map": "Blind-spot map: real training rows recalled (dots) or never "
    "recalled (red rings), coloured by label and by covariate",
    "recall_rem": "C. REM of the worst-recalled classes, split by recall",
    "zero_recall": "Share of real training rows with recall 0 per class",
    "training_curves": "Training curves",
    "alignment": "REM of held-out real rows and of OT-aligned generated rows",
}

TABLE_TITLES = {
    "verdict": "Paper findings in this run",
    "quality": "Quality against the baselines (same reference rows, same size)",
    "per_class_quality": "Per class and covariate value, against the baselines",
    "per_class": "The judged generator per class and per covariate value",
    "rem_difference": "Case minus control REM per tissue",
    "blind_spots": "Real training rows never recalled (blind spots)",
    "downstream": "Downstream accuracy on real held-out rows",
    "glossary": "Glossary",
}

#: Every column of every table and every metric, defined once.
GLOSSARY = {
    "method": "Which set of candidate rows is compared with the real training rows.",
    "role": "ceiling: real held-out rows (what a perfect generator reaches); floor: "
    "SMOTE (what a user gets without a generator); judged: the generator.",
    "n_reference": "Real training rows used as the reference of the k-NN balls.",
    "n_candidates": "Candidate rows compared with the reference (the held-out rows' "
    "size and labels for every method).",
    "precision": "Share of candidate (generated) rows inside the k-NN ball of some "
    "real row: how plausible the generated rows are.",
    "recall": "Share of real rows inside the k-NN ball of some generated row: how "
    "much of the real data the generator reproduces.",
    "precision_ci_low": "Lower end of the 95% bootstrap interval of precision over "
    "rows (balls fixed).",
    "precision_ci_high": "Upper end of that interval.",
    "recall_ci_low": "Lower end of the 95% bootstrap interval of recall over rows.",
    "recall_ci_high": "Upper end of that interval.",
    "f1": "Harmonic mean of precision and recall.",
    "density": "Mean number of real k-NN balls containing a generated row, over k "
    "(about 1 for a generator matching the real density; above 1: rows piled in "
    "dense regions).",
    "coverage": "Share of real rows whose own k-NN ball contains a generated row. "
    "It differs from recall: recall uses the generated rows' balls, which are "
    "large where generated rows are sparse, so a class can have low recall and "
    "high coverage when its generated rows sit in the middle of its real rows.",
    "zero_recall_share": "Share of real rows with recall 0 (outside every generated "
    "ball): the blind spots.",
    "zero_recall_share_within_class": "The same share when each class is compared "
    "only with the generated rows of its own class, balls computed within the "
    "class (metrics.json). Not always stricter: a class's own generated rows are "
    "sparser, so their balls are larger.",
    "rem_mean": "Mean REM of the candidate rows (PCA of the training rows).",
    "rem_median": "Median REM of the candidate rows.",
    "REM": "Reconstruction error ||x - P P^T x|| of a centred row from the first "
    "principal components P of the real training rows; never scored by a PCA fitted "
    "on the same row.",
    "cross-fitted REM": "REM of a training row from a PCA fitted on the other "
    "training folds (5 folds).",
    "label": "Class of the row (e.g. tissue).",
    "grouping": "What a per_class row groups by: the label, a covariate, or label "
    "x covariate.",
    "value": "The group's value.",
    "n_real": "Real training rows in the group.",
    "n_generated": "Generated rows in the group (or added by an augmentation).",
    "rem_real_mean": "Mean cross-fitted REM of the group's real training rows.",
    "rem_real_median": "Median cross-fitted REM of the group's real training rows.",
    "rem_heldout_mean": "Mean REM of the group's real held-out rows.",
    "rem_generated_mean": "Mean REM of the group's generated rows.",
    "rem_generated_median": "Median REM of the group's generated rows.",
    "rem_generated_q25": "First quartile of the REM of the group's generated rows.",
    "rem_generated_q75": "Third quartile of the REM of the group's generated rows.",
    "rem_gap": "rem_real_mean - rem_generated_mean: positive when generated rows sit "
    "closer to the real principal subspace than real ones (collapse).",
    "tissue": "The label (tissue) of the REM difference row.",
    "n_case": "Real training rows with the case status (cancer).",
    "n_control": "Real training rows with any other status (healthy).",
    "rem_real_case": "Mean cross-fitted REM of the case rows.",
    "rem_real_control": "Mean cross-fitted REM of the control rows.",
    "rem_real_difference": "rem_real_case - rem_real_control.",
    "n_generated_case": "Generated rows with the case status.",
    "n_generated_control": "Generated rows with another status.",
    "rem_generated_case": "Mean REM of generated case rows.",
    "rem_generated_control": "Mean REM of generated control rows.",
    "rem_generated_difference": "rem_generated_case - rem_generated_control.",
    "sample_id": "Id of the real row (from the data; row_<i> when there is none).",
    "recalled": "Whether the real row is inside some generated k-NN ball.",
    "recalled_within_class": "Whether it is inside a ball of a generated row of its "
    "own class.",
    "rem": "Cross-fitted REM of the real training row.",
    "nearest_generated_distance": "Euclidean distance (standardized genes) from "
    "the real row to the nearest generated row.",
    "real_radius": "Distance from the real row to its k-th nearest real neighbour "
    "(its own k-NN ball).",
    "augmentation": "Training set of the downstream classifier: real rows alone or "
    "with the added rows of a sampler.",
    "n_train": "Rows the classifier was trained on.",
    "accuracy": "Accuracy on the real held-out rows.",
    "accuracy_ci_low": "Lower end of the 95% bootstrap interval of the accuracy "
    "over held-out rows: augmentations whose intervals overlap are not told apart.",
    "accuracy_ci_high": "Upper end of that interval.",
    "balanced_accuracy": "Mean per-class recall of the classifier on the held-out "
    "rows.",
    "fit_seconds": "Seconds to fit the classifier.",
    "sampler_params": "Settings: the sampler's own parameters set by the preset "
    "(the rest are the sampler's defaults).",
    "finding": "Short name of the paper's finding.",
    "claim": "What the paper found.",
    "verdict": "Whether the finding holds in this run (the statistic has the "
    "paper's sign) or cannot be tested (e.g. no status covariate).",
    "numbers": "The numbers behind the verdict.",
    "paper": "What the paper reports, in the units of this run's numbers (REM "
    "values depend on the data and the number of components, so only the sign "
    "of a REM difference carries over).",
    "estimate": "The finding's statistic (positive: holds).",
    "ci_low": "Lower end of its interval (bootstrap over rows, or min over seeds).",
    "ci_high": "Upper end of its interval.",
    "confidence": "Whether the interval excludes no difference.",
}


def sections(tables, displays, status, sampler_name):
    """The report's sections in order: title, text, figure and table names.

    Parameters
    ----------
    tables, displays : dict
        What the study produced (names as in ``TABLE_TITLES``/``FIGURE_TITLES``).
    status : str or None
        Covariate holding cancer/healthy status.
    sampler_name : str
        Name of the judged generator.

    Returns
    -------
    sections : list of dict
    """
    out = [
        {
            "title": "Quality against the baselines",
            "text": (
                f"{sampler_name} judged against two baselines on the same rows: "
                "real held-out rows against the training rows (the ceiling a "
                "generator can reach with this many rows) and SMOTE (the floor a "
                "user would otherwise pick), with and without OT alignment. Every "
                "candidate set has the held-out rows' size and labels; k-NN balls "
                "use the same k. REM: PCA of the training rows, never the scored "
                "rows' own."
            ),
            "figures": ["rem_distribution"],
            "tables": ["quality", "per_class_quality"],
        },
        {
            "title": "Where the generator fails",
            "text": (
                "One generated row per training row (same label and covariates). "
                "Real rows outside every generated k-NN ball have recall 0: the "
                "blind spots, listed with their ids in blind_spots.csv. REM of "
                "training rows is cross-fitted."
            ),
            "figures": ["blind_spot_map", "embedding", "zero_recall", "recall_rem"],
            "tables": ["per_class", "blind_spots"],
        },
    ]
    if "rem_difference" in tables:
        out.append(
            {
                "title": f"REM by {status}",
                "text": "Mean REM of case (cancer) minus control (healthy) rows per "
                "tissue, real (cross-fitted) and generated.",
                "figures": [],
                "tables": ["rem_difference"],
            }
        )
    if "alignment" in displays:
        out.append(
            {
                "title": "OT alignment",
                "text": "The sampler's aligner (OTAligner) moves collapsed generated "
                "rows toward the real rows of their mode; its quality is in the "
                "baseline table above.",
                "figures": ["alignment"],
                "tables": [],
            }
        )
    out.append(
        {
            "title": "Downstream classification",
            "text": "Logistic regression trained on the real training rows, alone "
            "or augmented, scored on real held-out rows, with 95% bootstrap "
            "intervals over those rows: overlapping intervals mean no augmentation "
            "is shown to be better.",
            "figures": [],
            "tables": ["downstream"],
        }
    )
    if "training_curves" in displays:
        out.append(
            {
                "title": "Training",
                "text": "Per-epoch means of the losses.",
                "figures": ["training_curves"],
                "tables": [],
            }
        )
    return out
