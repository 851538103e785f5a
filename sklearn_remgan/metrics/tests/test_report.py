"""Tests of per_class_report on real data: blind spots show where they are."""

import numpy as np
import pandas as pd
import pytest

from sklearn_remgan.metrics import REM, per_class_report, precision_recall


@pytest.fixture(scope="module")
def data(tcga_slice):
    return tcga_slice["X"], tcga_slice["y"], pd.DataFrame(
        {"status": tcga_slice["status"]}
    )


def test_identical_sets(data):
    X, y, cov = data
    report = per_class_report(
        X, X.copy(), y, y, covariates_real=cov, covariates_generated=cov,
        n_components=20,
    )
    assert set(report["grouping"]) == {"label", "status", "label x status"}
    assert len(report) == 3 + 2 + 6
    assert (report["precision"] == 1).all() and (report["recall"] == 1).all()
    assert (report["zero_recall_share"] == 0).all()
    # Copies of real rows are in-sample for the fold PCAs that saw their twin,
    # so honest real REM sits above theirs: a copier looks collapsed.
    assert (report.loc[report["grouping"] == "label", "rem_gap"] > 0).all()
    indexed = report.set_index(["grouping", "value"])
    row = indexed.loc[("label x status", "liver | tumor")]
    assert row["n_real"] == row["n_generated"] == 50


def test_collapsed_class_is_a_blind_spot(data):
    X, y, _ = data
    rng = np.random.RandomState(0)
    parts, labels = [], []
    for label in np.unique(y):
        Xc = X[y == label]
        if label == "kidney":  # collapsed onto the class centre
            gen = Xc.mean(axis=0) + rng.normal(scale=0.05, size=Xc.shape)
        else:
            gen = Xc + rng.normal(scale=0.3, size=Xc.shape)
        parts.append(gen.astype(np.float32))
        labels.append(np.full(len(Xc), label))
    generated, y_gen = np.vstack(parts), np.concatenate(labels)
    report = per_class_report(X, generated, y, y_gen, n_components=20)
    by_label = report.set_index("value")
    assert by_label.loc["kidney", "zero_recall_share"] > 0.9
    assert by_label.loc[["liver", "thyroid"], "zero_recall_share"].max() < 0.3
    kidney = by_label.loc["kidney"]
    assert kidney["rem_generated_median"] < kidney["rem_real_median"]
    assert kidney["rem_gap"] > 0


def test_reuses_result_and_rem(data):
    X, y, _ = data
    generated = X[::-1] + 0.1
    result = precision_recall(X, generated, k=3)
    # A REM fitted on other rows (here noisy copies) scores both sets.
    other = X + np.random.RandomState(0).normal(scale=0.5, size=X.shape)
    rem = REM(15).fit(other)
    a = per_class_report(X, generated, y, y[::-1], result=result, rem=rem)
    b = per_class_report(X, generated, y, y[::-1], rem=rem)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "rem_real_q25"] <= a.loc[0, "rem_real_median"]


def test_missing_generated_covariates_give_nan(data):
    X, y, cov = data
    report = per_class_report(X, X, y, y, covariates_real=cov, n_components=5)
    status_rows = report[report["grouping"] == "status"]
    assert (status_rows["n_generated"] == 0).all()
    assert status_rows["precision"].isna().all()
    assert status_rows["recall"].notna().all()


def test_errors(data):
    X, y, cov = data
    with pytest.raises(ValueError, match="y_generated must be 1D with one label"):
        per_class_report(X, X, y, y[:10])
    with pytest.raises(ValueError, match="rem was fitted on real itself"):
        per_class_report(X, X, y, y, rem=REM(5).fit(X))
    with pytest.raises(ValueError, match="'n_components' parameter"):
        per_class_report(X, X, y, y, n_components=0)
    y_nan = y.astype(object)
    y_nan[3] = np.nan
    with pytest.raises(ValueError, match=r"y_real holds 1 missing label"):
        per_class_report(X, X, y_nan, y)
    with pytest.raises(ValueError, match="same columns"):
        per_class_report(
            X, X, y, y, covariates_real=cov,
            covariates_generated=cov.rename(columns={"status": "s"}),
        )
    with pytest.raises(TypeError, match="covariates_real must be a pandas"):
        per_class_report(X, X, y, y, covariates_real=np.zeros(len(y)))
    result = precision_recall(X[:100], X[:100])
    with pytest.raises(ValueError, match="result was computed for 100 real"):
        per_class_report(X, X, y, y, result=result)
    with pytest.raises(ValueError, match=r"with k=3; these sets .* with k=5"):
        per_class_report(X, X, y, y, result=precision_recall(X, X), k=5)
