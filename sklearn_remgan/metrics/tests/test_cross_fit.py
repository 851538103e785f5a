"""Honest REM: the n_components rule and cross-fitted REM (issue 14, item 1)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

from sklearn_remgan.metrics import (
    REM,
    choose_n_components,
    cross_fitted_rem,
    per_class_report,
)


@pytest.mark.parametrize(
    "n_components, n_samples, n_features, expected",
    [
        (None, 962, 2000, 50),  # the study's quick preset
        (None, 30, 100, 14),  # half of min(29, 99)
        (None, 3, 100, 1),
        (2000, 962, 2000, 961),  # capped at n_samples - 1
        (2000, 962, 200, 199),  # a residual must remain
        (7, 962, 2000, 7),
    ],
)
def test_choose_n_components_policy(n_components, n_samples, n_features, expected):
    assert choose_n_components(n_components, n_samples, n_features) == expected


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((None, 1, 10), ValueError, "at least 2 rows and 2 features"),
        ((None, 10, 1), ValueError, "at least 2 rows and 2 features"),
        ((0, 10, 10), ValueError, "'n_components' parameter"),
        (("5", 10, 10), TypeError, "'n_components' parameter"),
    ],
)
def test_choose_n_components_errors(args, error, match):
    with pytest.raises(error, match=match):
        choose_n_components(*args)


def test_few_rows_no_longer_give_zero_real_rem():
    # 30 x 100 (issue 14): real REM was 1.6e-14 (in-sample, 29 components),
    # generated 8.45. Cross-fitted real REM is of the generated rows' order.
    rng = np.random.RandomState(0)
    real, generated = rng.normal(size=(30, 100)), rng.normal(size=(30, 100))
    y = np.repeat(["a", "b"], 15)
    report = per_class_report(
        real, generated, y, y, n_components=50, in_sample_rem=True
    )
    assert (report["rem_real_in_sample_mean"] < 1e-6).all()
    assert (report["rem_real_mean"] > 0.8 * report["rem_generated_mean"]).all()
    assert (report["rem_real_mean"] > 5).all()
    # the default report has no in-sample column
    assert "rem_real_in_sample_mean" not in per_class_report(real, generated, y, y)


def test_held_out_and_cross_fitted_rem_agree_and_exceed_in_sample(tcga_slice):
    X, patient = tcga_slice["X"], tcga_slice["patient"]
    split = GroupShuffleSplit(1, test_size=0.25, random_state=0)
    train, test = next(split.split(X, groups=patient))
    n_comp = 30
    in_sample = REM(n_comp).fit(X[train]).score_samples(X[train]).mean()
    held_out = REM(n_comp).fit(X[train]).score_samples(X[test]).mean()
    # cross-fitted on the training rows only, folds by patient
    crossed = cross_fitted_rem(
        X[train],
        n_components=n_comp,
        cv=GroupKFold(4),
        groups=patient[train],
    ).real.mean()
    assert held_out > 1.1 * in_sample
    assert crossed > 1.1 * in_sample
    assert abs(crossed - held_out) < 0.1 * held_out


def test_generated_rows_are_scored_by_the_fold_pcas():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(40, 60))
    fresh = rng.normal(size=(40, 60))
    res = cross_fitted_rem(real, fresh, n_components=10, cv=4)
    assert res.n_components == 10 and res.n_splits == 4
    assert res.real.shape == (40,) and res.generated.shape == (40,)
    # fresh rows of the same distribution: both sides alike
    assert abs(res.real.mean() - res.generated.mean()) < 0.1 * res.real.mean()
    # copies of real rows are in-sample for 3 of 4 folds: lower REM
    copies = cross_fitted_rem(real, real.copy(), n_components=10, cv=4)
    assert copies.generated.mean() < 0.95 * copies.real.mean()
    again = cross_fitted_rem(real, fresh, n_components=10, cv=4)
    np.testing.assert_array_equal(again.real, res.real)
    np.testing.assert_array_equal(again.generated, res.generated)


def test_each_real_row_is_scored_without_its_fold():
    rng = np.random.RandomState(1)
    real = rng.normal(size=(12, 30))
    res = cross_fitted_rem(
        real, n_components=3, cv=GroupKFold(3), groups=np.arange(12) % 3
    )
    for g in range(3):
        rows = np.arange(12) % 3 == g
        expected = REM(3).fit(real[~rows]).score_samples(real[rows])
        np.testing.assert_allclose(res.real[rows], expected)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cv": 1}, ValueError, "'cv' parameter"),
        ({"cv": 11}, ValueError, "cv=11 folds need at least 11 real rows"),
        ({"cv": "x"}, ValueError, "'cv' parameter"),
        ({"generated": np.zeros((3, 4))}, ValueError, "same number of features"),
        ({"y": np.arange(3)}, ValueError, "y must be 1D with one label per row"),
    ],
)
def test_cross_fitted_rem_errors(kwargs, error, match):
    real = np.random.RandomState(0).normal(size=(10, 5))
    with pytest.raises(error, match=match):
        cross_fitted_rem(real, **kwargs)


def test_rem_fitted_on_the_real_rows_is_refused():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(40, 10))
    y = np.repeat(["a", "b"], 20)
    with pytest.raises(ValueError, match="rem was fitted on real itself"):
        per_class_report(real, real + 1, y, y, rem=REM(3).fit(real))
    with pytest.raises(ValueError, match="rem was fitted on real itself"):
        per_class_report(
            real, real + 1, y, y, rem=REM(3).fit(pd.DataFrame(real.copy()))
        )
