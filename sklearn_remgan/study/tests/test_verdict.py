"""Tests of the verdict, the run health checks and the quality helpers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from sklearn_remgan.metrics import REM, choose_n_components, cross_fitted_rem
from sklearn_remgan.study._layout import FINDINGS, PAPER, PAPER_NUMBERS
from sklearn_remgan.study._quality import bootstrap_interval, study_rem
from sklearn_remgan.study._verdict import (
    finding_statistics,
    quality_position,
    run_health,
    verdict,
)


def _data(n=200, seed=0, *, collapse=True):
    """Per-row arrays where every paper finding holds clearly."""
    rng = np.random.RandomState(seed)
    tissue = np.arange(n) % 4
    is_case = (np.arange(n) // 4) % 2 == 1
    rem_train = rng.normal(10, 1, n) + 3 * is_case
    # Cancer rows and high-REM rows are the missed ones.
    recalled = ~is_case | (rng.uniform(size=n) < 0.2)
    return Bunch(
        real_recalled=recalled,
        generated_precise=rng.uniform(size=n) < 0.9,
        rem_train=rem_train,
        rem_heldout=rng.normal(11, 1, n // 2),
        rem_generated=rng.normal(8 if collapse else 14, 1, n),
        tissue=tissue,
        n_tissues=4,
        is_case=is_case,
        case_name="tumor",
        control_name="normal",
        generated_status_difference=0.5,
    )


def test_every_finding_holds_on_data_built_to_hold():
    table = verdict(_data(), n_boot=200)
    assert table["verdict"].tolist() == ["holds"] * 5
    assert (table["ci_low"] > 0).all()
    assert table["confidence"].str.contains("excludes 0").all()
    assert "tumor" in table.set_index("finding").loc["zero_recall_status", "numbers"]
    assert "4 of 4 tissues" in table.set_index("finding").loc["rem_status", "numbers"]


def test_finding_that_does_not_hold_and_one_that_cannot_be_tested():
    data = _data(collapse=False)
    data.is_case = None
    table = verdict(data, n_boot=100).set_index("finding")
    assert table.loc["collapse", "verdict"] == "does not hold"
    assert table.loc["collapse", "estimate"] < 0
    assert table.loc["rem_status", "verdict"] == "cannot be tested"
    assert table.loc["zero_recall_status", "numbers"] == "no status covariate"


def test_confidence_over_seeds_replaces_the_bootstrap():
    runs = [finding_statistics(_data(seed=s)) for s in range(3)]
    table = verdict(_data(), per_seed=runs).set_index("finding")
    assert table.loc["collapse", "confidence"].startswith("over 3 seeds: 3 of 3 hold")
    values = [r["collapse"] for r in runs]
    assert table.loc["collapse", "ci_low"] == pytest.approx(min(values))


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_rows():
    rng = np.random.RandomState(0)
    small, large = rng.normal(size=50), rng.normal(size=5000)
    lo_s, hi_s = bootstrap_interval(lambda i: small[i].mean(), (50,), n_boot=200)
    lo_l, hi_l = bootstrap_interval(lambda i: large[i].mean(), (5000,), n_boot=200)
    assert lo_s < small.mean() < hi_s
    assert hi_l - lo_l < (hi_s - lo_s) / 4


def test_study_rem_scores_no_row_in_sample():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 60))
    y = np.repeat(["a", "b"], 15)
    rem = study_rem(X[:30], X[30:], X[:5], n_components=50, y_train=y, seed=0)
    # 30 training rows: folds fit 24 rows, so at most 23 components everywhere.
    assert rem.n_components == 23 == choose_n_components(50, 24, 60)
    assert rem.model.n_components_ == 23 and rem.n_components_asked == 50
    assert rem.train.shape == (30,) and rem.heldout.shape == (10,)
    # The package's one cross-fitting path, not a copy of it.
    expected = cross_fitted_rem(X[:30], y=y, n_components=50, cv=5, random_state=0)
    np.testing.assert_array_equal(rem.train, expected.real)
    full = REM(23).fit(X[:30])
    np.testing.assert_allclose(rem.generated, full.score_samples(X[:5]), rtol=1e-6)
    # Out-of-sample REM of i.i.d. rows is alike for training and held-out rows,
    # and well above the in-sample REM of the training rows.
    assert rem.train.mean() == pytest.approx(rem.heldout.mean(), rel=0.15)
    assert rem.train_in_sample.mean() < 0.8 * rem.train.mean()


def test_paper_numbers_are_beside_each_finding():
    assert "E-MTAB-3732" in PAPER and "WGAN-GP" in PAPER and "Alsamadi" in PAPER
    assert PAPER_NUMBERS == {
        "precision": 0.933,
        "recall": 0.698,
        "zero_recall_cancer": 0.435,
        "zero_recall_healthy": 0.237,
        "rem_status_difference": 4.6,
    }
    paper = verdict(_data(), n_boot=50).set_index("finding")["paper"]
    assert paper.to_dict() == {name: text for name, _, text in FINDINGS}
    assert "precision 0.933 vs recall 0.698" in paper["precision_recall"]
    assert "cancerous 0.435 vs healthy 0.237" in paper["zero_recall_status"]
    assert "+4.6 on average per tissue" in paper["rem_status"]
    assert "mode collapse" in paper["collapse"]


def _state(history, *, recalled, aligned_recall=0.5):
    quality = pd.DataFrame(
        {
            "method": ["real", "SMOTE", "G", "G + OT"],
            "role": ["ceiling", "floor", "judged", "judged"],
            "precision": [0.9, 0.95, 0.5, 0.5],
            "recall": [0.9, 0.7, 0.5, aligned_recall],
            "coverage": [0.9, 0.9, 0.5, 0.5],
        }
    )
    return Bunch(
        history=history,
        settings={"max_epochs": len(history)},
        per_sample=pd.DataFrame({"recalled": recalled}),
        y_train=np.repeat(["a", "b"], len(recalled) // 2),
        rem=Bunch(n_components=50, n_components_asked=50),
        X_train=np.zeros((len(recalled), 3)),
        tables={"quality": quality},
        metrics={},
        sampler_name="G",
        aligned_name="G + OT",
    )


def test_run_health_flags_each_problem():
    settled = [{"wasserstein": 1.0, "gradient_penalty": 0.1}] * 40
    healthy = _state(settled, recalled=np.ones(10, bool))
    assert run_health(healthy) == []

    moving = [
        {"wasserstein": float(w), "gradient_penalty": 25.0}
        for w in np.linspace(600, 100, 40)
    ]
    state = _state(moving, recalled=np.zeros(10, bool), aligned_recall=0.1)
    state.rem = Bunch(n_components=12, n_components_asked=50)
    text = " | ".join(run_health(state))
    assert "Wasserstein estimate is still moving" in text
    assert "gradient penalty is large at the last epoch (25;" in text
    assert "Total collapse" in text
    assert "REM uses 12 principal components instead of 50" in text
    assert "OT alignment lowers recall from 0.500 to 0.100" in text

    short = run_health(_state(settled[:1], recalled=np.r_[np.ones(5), np.zeros(5)]))
    assert any("Training ran 1 epoch(s)" in w for w in short)
    assert any("label(s) b is recalled" in w for w in short)


def test_quality_position_names_both_baselines():
    table = pd.DataFrame(
        {
            "method": ["real", "SMOTE", "G"],
            "role": ["ceiling", "floor", "judged"],
            "precision": [0.88, 0.96, 0.5],
            "recall": [0.92, 0.73, 0.8],
            "coverage": [0.9, 0.9, 0.95],
        }
    )
    line = quality_position(table, "G")
    assert "recall 0.800 is between the baselines (SMOTE 0.730, real held-out " in line
    assert "precision 0.500 is below both baselines" in line
    assert "coverage 0.950 is above both baselines" in line


def test_run_health_of_a_diffusion_history_warns_nothing(recwarn):
    # A DDPM history records its diffusion loss, not a Wasserstein estimate:
    # no convergence verdict on it, and no "mean of empty slice" warning.
    diffusion = [{"train_loss": float(v)} for v in np.linspace(1.0, 0.2, 40)]
    assert run_health(_state(diffusion, recalled=np.ones(10, bool))) == []
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
