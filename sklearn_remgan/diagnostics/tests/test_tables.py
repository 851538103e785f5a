"""Tests of the blind-spot tables, on a real TCGA slice."""

import numpy as np
import pandas as pd
import pytest

from sklearn_remgan.diagnostics import (
    blind_spot_tables,
    overall_table,
    recall_by_class,
    rem_difference_table,
)
from sklearn_remgan.metrics import REM


@pytest.fixture(scope="module")
def halves(tcga_slice):
    """Two disjoint halves of the slice: a 'perfect' generator draws real samples."""
    X, y, status = tcga_slice["X"], tcga_slice["y"], tcga_slice["status"]
    rng = np.random.RandomState(0)
    order = rng.permutation(len(y))
    a, b = np.sort(order[::2]), np.sort(order[1::2])
    return X[a], y[a], status[a], X[b], y[b], status[b]


def _collapsed(X, y):
    """A mode-collapsed generator: every sample is its class mean plus tiny noise."""
    rng = np.random.RandomState(1)
    out = np.empty_like(X)
    for cls in np.unique(y):
        rows = y == cls
        out[rows] = X[rows].mean(axis=0) + 0.01 * rng.normal(size=(rows.sum(), 1))
    return out


def test_overall_table_identical_sets_are_perfect(halves):
    X = halves[0]
    table = overall_table(X, X.copy(), k=3)
    row = table.iloc[0]
    assert row["n_real"] == row["n_generated"] == X.shape[0]
    assert row["precision"] == row["recall"] == 1.0
    assert row["zero_recall_share"] == 0.0


def test_overall_table_collapsed_generator_has_lower_recall_and_rem(halves):
    X_a, y_a, _, X_b, _, _ = halves
    # rem=None: real REM cross-fitted, never in-sample
    good = overall_table(X_a, X_b, k=3, n_components=20).iloc[0]
    bad = overall_table(X_a, _collapsed(X_a, y_a), k=3, n_components=20).iloc[0]
    assert bad["recall"] < good["recall"]
    assert bad["zero_recall_share"] > good["zero_recall_share"]
    # Class means sit near the principal subspace: REM collapses.
    assert bad["rem_generated_median"] < good["rem_generated_median"]
    assert bad["rem_gap"] > good["rem_gap"]
    assert bad["rem_gap"] > 0
    assert good["rem_real_q25"] <= good["rem_real_median"] <= good["rem_real_q75"]


def test_recall_by_class_counts_other_class_samples_as_missed(halves):
    X_a, y_a, _, X_b, y_b, _ = halves
    # Swap the labels of two tissues in the generated set.
    swapped = y_b.copy()
    swapped[y_b == "kidney"], swapped[y_b == "liver"] = "liver", "kidney"
    honest = recall_by_class(X_a, X_b, y_a, y_b, k=3)
    mixed = recall_by_class(X_a, X_b, y_a, swapped, k=3)
    for tissue in ("kidney", "liver"):
        assert mixed[y_a == tissue].mean() < honest[y_a == tissue].mean()
    thyroid = y_a == "thyroid"
    np.testing.assert_array_equal(mixed[thyroid], honest[thyroid])


def test_recall_by_class_refuses_small_class():
    X = np.random.RandomState(0).normal(size=(12, 3))
    y = np.array(["a"] * 10 + ["b"] * 2)
    with pytest.raises(ValueError, match="class 'b' has 2 real and 2 generated"):
        recall_by_class(X, X, y, y, k=3)


def test_rem_difference_table_by_hand():
    rem = np.array([5.0, 7.0, 2.0, 2.0, 4.0, 3.0, 9.0])
    tissue = np.array(["lung"] * 4 + ["liver"] * 2 + ["colon"])
    status = np.array(["tumor"] * 2 + ["normal"] * 2 + ["tumor", "normal", "tumor"])
    table = rem_difference_table(rem, tissue, status)
    assert table.loc["lung", "rem_real_case"] == 6.0
    assert table.loc["lung", "rem_real_difference"] == 4.0
    assert table.loc["liver", "rem_real_difference"] == 1.0
    # colon has no normal sample: no difference, and it is left out of the mean.
    assert table.loc["colon", "n_control"] == 0
    assert np.isnan(table.loc["colon", "rem_real_difference"])
    assert table.attrs["mean_difference"] == 2.5
    assert table.attrs["case"] == "tumor"


def test_rem_difference_table_reads_numeric_coding_and_generated_columns():
    rem = np.array([3.0, 1.0, 5.0, 1.0])
    tissue = np.array(["a", "a", "b", "b"])
    cancer = np.array([1, 0, 1, 0])
    table = rem_difference_table(
        rem,
        tissue,
        cancer,
        rem_generated=rem / 2,
        y_generated=tissue,
        status_generated=cancer,
    )
    assert table.attrs["case"] == 1
    assert table["rem_real_difference"].tolist() == [2.0, 4.0]
    assert table["rem_generated_difference"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "status, case, match",
    [
        (["x", "y", "x", "y"], None, r"cannot tell which status value is the case"),
        (["tumor", "normal"] * 2, "cancer", r"case='cancer' is not a value"),
    ],
    ids=["unknown-coding", "absent-case"],
)
def test_rem_difference_table_errors(status, case, match):
    with pytest.raises(ValueError, match=match):
        rem_difference_table(np.ones(4), np.array(list("aabb")), status, case=case)


def test_blind_spot_tables_on_real_slice(halves):
    X_a, y_a, s_a, X_b, y_b, s_b = halves
    # A REM fitted on other rows than the real ones (here the other half).
    rem = REM(n_components=20).fit(X_b)
    cov_a = pd.DataFrame({"status": s_a})
    cov_b = pd.DataFrame({"status": s_b})
    tables = blind_spot_tables(
        X_a,
        X_b,
        y_a,
        y_b,
        covariates_real=cov_a,
        covariates_generated=cov_b,
        status="status",
        k=3,
        rem=rem,
    )
    assert tables.overall.shape[0] == 1
    assert set(np.unique(y_a)) <= set(tables.per_class["value"].astype(str))
    assert tables.rem_real.shape == (len(y_a),)
    assert tables.real_recalled.dtype == bool
    # Counting only same-class balls can only lose recalled samples.
    assert not (tables.real_recalled_within_class & ~tables.real_recalled).any()
    label_rows = tables.per_class[tables.per_class["grouping"] == "label"]
    kidney = label_rows.set_index("value").loc["kidney", "zero_recall_share"]
    assert kidney == pytest.approx(1 - tables.real_recalled[y_a == "kidney"].mean())
    diff = tables.rem_difference
    assert sorted(diff.index) == ["kidney", "liver", "thyroid"]
    assert (diff["n_case"] > 0).all() and (diff["n_control"] > 0).all()
    expected = tables.rem_real[(y_a == "liver") & (s_a == "tumor")].mean()
    assert diff.loc["liver", "rem_real_case"] == pytest.approx(expected)


def test_blind_spot_tables_status_must_be_a_covariate(halves):
    X_a, y_a, s_a, X_b, y_b, _ = halves
    rem = REM(n_components=5).fit(X_a)
    with pytest.raises(ValueError, match="status='cancer' is not a column of"):
        blind_spot_tables(
            X_a,
            X_b,
            y_a,
            y_b,
            covariates_real=pd.DataFrame({"status": s_a}),
            covariates_generated=pd.DataFrame({"status": s_a[: len(y_b)]}),
            status="cancer",
            rem=rem,
        )
