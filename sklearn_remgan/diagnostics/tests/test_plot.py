"""Tests of the blind-spot Display figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_remgan.diagnostics import (
    RecallREMDisplay,
    REMDistributionDisplay,
    TrainingCurvesDisplay,
    UMAPDisplay,
    ZeroRecallDisplay,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.RandomState(0)


def test_rem_distribution_draws_on_given_axes_with_counts_in_legend(rng):
    _, ax = plt.subplots()
    disp = REMDistributionDisplay.from_predictions(
        rng.gamma(4, size=120), rng.gamma(2, size=80), ax=ax
    )
    assert disp.ax_ is ax
    assert disp.figure_ is ax.figure
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("real (n=120")
    assert legend[1].startswith("generated (n=80")


def test_rem_distribution_refuses_non_finite(rng):
    disp = REMDistributionDisplay(
        rem_real=np.array([1.0, np.nan]), rem_generated=rng.rand(5)
    )
    with pytest.raises(ValueError, match="rem_real contains 1 NaN and 0 infinite"):
        disp.plot()


def test_umap_display_colours_real_by_rem_and_marks_generated(tcga_slice):
    X = tcga_slice["X"][:80, :30]
    rem = np.linalg.norm(X, axis=1)
    disp = UMAPDisplay.from_predictions(
        X[:50], X[50:], rem_real=rem[:50], reducer=PCA(2)
    )
    assert disp.embedding_real.shape == (50, 2)
    assert disp.embedding_generated.shape == (30, 2)
    real_points = disp.ax_.collections[0]
    np.testing.assert_allclose(real_points.get_array(), rem[:50])
    assert disp.colorbar_.ax.get_ylabel() == "REM of real sample"
    assert disp.ax_.get_xlabel() == "PCA 1"
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == [
        "real (REM)",
        "generated",
    ]


@pytest.mark.slow(reason="imports umap-learn and compiles its numba kernels")
def test_umap_display_default_reducer_is_umap(tcga_slice):
    # One UMAP fit only: numba compilation makes the first one take seconds.
    X = tcga_slice["X"][:60, :20]
    disp = UMAPDisplay.from_predictions(X[:40], X[40:], random_state=0)
    assert disp.method == "UMAP"
    assert disp.colorbar_ is None
    assert np.isfinite(disp.embedding_real).all()
    assert disp.embedding_generated.shape == (20, 2)
    assert disp.ax_.get_xlabel() == "UMAP 1"


class _ThreadGrabbingPCA(PCA):
    """PCA whose fit raises every thread count, as fitting UMAP does."""

    def fit_transform(self, X, y=None):
        torch.set_num_threads(3)
        threadpool_limits(3)
        return super().fit_transform(X, y)


def _thread_counts():
    return torch.get_num_threads(), {
        lib["filepath"]: lib["num_threads"] for lib in threadpool_info()
    }


def test_umap_display_restores_thread_counts(rng):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        with threadpool_limits(1):
            expected = _thread_counts()
            reducer = _ThreadGrabbingPCA(n_components=2)
            UMAPDisplay.from_predictions(
                rng.rand(20, 4), rng.rand(10, 4), reducer=reducer
            )
            assert _thread_counts() == expected
    finally:
        torch.set_num_threads(before)


@pytest.mark.slow
def test_umap_fit_leaves_torch_threads_alone(tcga_slice):
    # Measured without the restore: torch went from 1 to all cores here.
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        X = tcga_slice["X"][:40, :10]
        UMAPDisplay.from_predictions(X[:25], X[25:], random_state=0)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_umap_display_errors(rng):
    with pytest.raises(ValueError, match="same number of features; got 3 and 4"):
        UMAPDisplay.from_predictions(rng.rand(10, 3), rng.rand(10, 4))
    with pytest.raises(TypeError, match="reducer must have a fit_transform"):
        UMAPDisplay.from_predictions(rng.rand(10, 3), rng.rand(10, 3), reducer=1)
    disp = UMAPDisplay(
        embedding_real=rng.rand(5, 2),
        embedding_generated=rng.rand(4, 2),
        rem_real=rng.rand(6),
    )
    with pytest.raises(ValueError, match="rem_real has 6 values"):
        disp.plot()


def test_recall_rem_display_picks_worst_classes_and_splits_by_recall(rng):
    y = np.repeat(["a", "b", "c"], 10)
    recalled = np.r_[np.ones(10), np.r_[np.zeros(8), np.ones(2)], np.zeros(10)]
    rem = np.r_[np.ones(10), np.r_[np.full(8, 5.0), np.full(2, 1.0)], np.full(10, 3)]
    disp = RecallREMDisplay.from_predictions(rem, recalled, y, n_worst=2)
    assert disp.classes_.tolist() == ["c", "b"]
    assert disp.recall_.to_dict() == {"c": 0.0, "b": 0.2, "a": 1.0}
    ticks = [t.get_text() for t in disp.ax_.get_xticklabels()]
    assert ticks == ["c\nrecall 0.00", "b\nrecall 0.20"]
    counts = [t.get_text() for t in disp.ax_.texts]
    # c: 10 missed, 0 covered; b: 8 missed, 2 covered.
    assert counts == ["n=10", "n=0", "n=8", "n=2"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_worst": 0}, "n_worst must be an int >= 1; got 0"),
        ({"real_recalled": np.ones(3)}, "real_recalled must have 4 entries"),
    ],
    ids=["n_worst", "length"],
)
def test_recall_rem_display_errors(kwargs, match):
    params = {
        "rem_real": np.ones(4),
        "real_recalled": np.ones(4),
        "y_real": np.array(list("aabb")),
        **kwargs,
    }
    with pytest.raises(ValueError, match=match):
        RecallREMDisplay(**params)


def test_training_curves_from_history_fills_missing_epochs_with_nan():
    history = [
        {"epoch": 1, "critic_loss": -2.0, "gradient_penalty": 0.5},
        {"epoch": 2, "critic_loss": -1.0, "generator_loss": 0.3},
    ]
    disp = TrainingCurvesDisplay.from_history(history)
    assert list(disp.curves) == ["critic_loss", "generator_loss", "gradient_penalty"]
    np.testing.assert_array_equal(disp.curves["generator_loss"], [np.nan, 0.3])
    np.testing.assert_array_equal(disp.curves["gradient_penalty"], [0.5, np.nan])
    assert [line.get_label() for line in disp.ax_.get_lines()[:3]] == [
        "critic loss",
        "generator loss",
        "gradient penalty",
    ]


def test_training_curves_errors():
    with pytest.raises(ValueError, match="history has no epoch"):
        TrainingCurvesDisplay.from_history([])
    with pytest.raises(ValueError, match=r"keys \['nope'\] were not recorded"):
        TrainingCurvesDisplay.from_history([{"critic_loss": 1.0}], keys=["nope"])
    with pytest.raises(TypeError, match="needs a fitted sampler"):
        TrainingCurvesDisplay.from_estimator(PCA())


def test_zero_recall_display_splits_by_covariate_and_sorts_worst_first():
    y = np.repeat(["a", "b"], 4)
    status = pd.Series(["tumor", "normal"] * 4, name="status")
    recalled = np.array([0, 1, 0, 1, 0, 0, 1, 0], dtype=bool)
    disp = ZeroRecallDisplay.from_predictions(recalled, y, covariate=status)
    table = disp.zero_recall
    assert table.index.tolist() == ["b", "a"]
    assert table.loc["a", "tumor"] == 1.0
    assert table.loc["a", "normal"] == 0.0
    assert table.loc["b", "normal"] == 1.0
    assert table.loc["b", "tumor"] == 0.5
    assert disp.ax_.get_legend().get_title().get_text() == "status"
    # Worst class on top.
    top = max(disp.ax_.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert top.get_text() == "b"


def test_zero_recall_display_without_covariate_has_one_bar_per_class():
    disp = ZeroRecallDisplay.from_predictions(
        np.array([1, 0, 1, 1], dtype=bool), np.array(list("aabb"))
    )
    assert disp.zero_recall["all"].to_dict() == {"a": 0.5, "b": 0.0}
    assert len(disp.ax_.patches) == 2
    assert disp.ax_.get_legend() is None


# --------------------------------------------------------------------------------
# Issue 14: no silently wrong figure, no traceback from inside matplotlib/UMAP


class _Stub:
    """A fitted sampler drawing noise around its training mean; counts draws."""

    def __init__(self, X):
        self.mean = np.asarray(X).mean(axis=0)
        self.random_state_ = np.random.RandomState(0)
        self.seeds = []

    def sample(self, n_samples, y=None, *, random_state=None):
        self.seeds.append(random_state)
        rng = np.random.default_rng(random_state)
        return self.mean + rng.normal(size=(n_samples, self.mean.size)), np.asarray(y)


@pytest.mark.parametrize(
    "flags",
    [
        np.array(["False", "True", "False", "True"]),
        np.array([np.nan, 1.0, 0.0, 1.0]),
        np.array([2, 1, 0, 1]),
    ],
)
def test_recall_flags_must_be_boolean(flags):
    y = np.array(["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="real_recalled must hold booleans"):
        ZeroRecallDisplay.from_predictions(flags, y)
    with pytest.raises(ValueError, match="real_recalled must hold booleans"):
        RecallREMDisplay.from_predictions(np.ones(4), flags, y)


def test_zero_recall_reads_integer_flags_as_booleans():
    y = np.array(["a", "a", "b", "b"])
    disp = ZeroRecallDisplay.from_predictions(np.array([0, 1, 1, 1]), y)
    assert disp.zero_recall.loc["a", "all"] == 0.5


def test_missing_labels_are_refused_not_dropped():
    y = np.array(["a", None, "b", "b"], dtype=object)
    with pytest.raises(ValueError, match="y_real holds 1 missing label"):
        ZeroRecallDisplay.from_predictions(np.ones(4, dtype=bool), y)
    with pytest.raises(ValueError, match="y_real holds 1 missing label"):
        RecallREMDisplay.from_predictions(np.ones(4), np.ones(4, dtype=bool), y)


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="real_recalled is empty"):
        ZeroRecallDisplay.from_predictions(np.array([], dtype=bool), [])
    with pytest.raises(ValueError, match="zero_recall is empty"):
        ZeroRecallDisplay(zero_recall=pd.DataFrame()).plot()
    with pytest.raises(ValueError, match="rem_generated is empty"):
        REMDistributionDisplay.from_predictions(np.ones(3), [])


@pytest.mark.parametrize(
    "bins, error",
    [(0, ValueError), (-3, ValueError), (2.5, ValueError), ("a", TypeError)],
)
def test_bins_must_be_a_positive_int(rng, bins, error):
    with pytest.raises(error, match="bins must be an int >= 1"):
        REMDistributionDisplay.from_predictions(rng.rand(5), rng.rand(5), bins=bins)


@pytest.mark.parametrize("top", [1e308, 1e-310, 5.0])
def test_rem_histogram_at_extreme_magnitudes(top):
    disp = REMDistributionDisplay.from_predictions(
        np.array([top, top / 2, top / 4]), np.array([top / 3, top / 3]), bins=4
    )
    heights = [p.get_height() for p in disp.ax_.patches]
    assert np.isfinite(heights).all() and max(heights) > 0
    # equal values still get a visible bar
    disp = REMDistributionDisplay.from_predictions([top, top], [top], bins=3)
    assert max(p.get_height() for p in disp.ax_.patches) > 0


def test_negative_rem_is_refused():
    with pytest.raises(ValueError, match="rem_real contains 1 negative"):
        REMDistributionDisplay.from_predictions([-1.0, 2.0], [1.0])


def test_umap_on_too_few_rows_is_refused(rng):
    with pytest.raises(ValueError, match="needs at least 4 rows"):
        UMAPDisplay.from_predictions(rng.rand(2, 3), rng.rand(1, 3))


@pytest.mark.parametrize(
    "history, error, match",
    [
        (5, TypeError, "history must be a skorch History or a list"),
        ({"critic_loss": 1.0}, TypeError, "history must be a skorch History"),
        ([1, 2], TypeError, "one dict per epoch; entry 0 is int"),
        ([{"critic_loss": "x"}], TypeError, "'critic_loss' must hold numbers"),
        ([{"epoch": 1}], ValueError, "records none of"),
    ],
)
def test_training_curves_history_errors(history, error, match):
    with pytest.raises(error, match=match):
        TrainingCurvesDisplay.from_history(history)


def test_training_curves_draw_valid_score_on_its_own_axis():
    history = [
        {"critic_loss": -1.0 / e, "generator_loss": 0.5, "valid_score": 0.9 - e / 10}
        for e in range(1, 6)
    ]
    disp = TrainingCurvesDisplay.from_history(history)
    assert disp.ax_valid_ is not None and disp.ax_valid_ is not disp.ax_
    (line,) = disp.ax_valid_.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [0.8, 0.7, 0.6, 0.5, 0.4])
    assert len(disp.ax_.get_legend().get_texts()) == 3
    losses_only = TrainingCurvesDisplay.from_history(history, keys=["critic_loss"])
    assert losses_only.ax_valid_ is None


def test_from_estimator_uses_out_of_sample_rem_and_no_sampler_state(tcga_slice):
    X, y = tcga_slice["X"][:120], tcga_slice["y"][:120]
    stub = _Stub(X)
    before = stub.random_state_.get_state()[1].copy()
    disp = REMDistributionDisplay.from_estimator(stub, X, y, n_components=20)
    # the draw is seeded by the Display's random_state, not the sampler's
    assert stub.seeds[-1] is not None
    np.testing.assert_array_equal(stub.random_state_.get_state()[1], before)
    again = REMDistributionDisplay.from_estimator(stub, X, y, n_components=20)
    np.testing.assert_array_equal(again.rem_real, disp.rem_real)
    np.testing.assert_array_equal(again.rem_generated, disp.rem_generated)
    # real REM is cross-fitted: above the in-sample REM of the same rows
    from sklearn_remgan.metrics import REM

    in_sample = REM(20).fit(X).score_samples(X)
    assert np.mean(disp.rem_real) > 1.05 * in_sample.mean()


def test_from_estimator_refuses_short_y_and_in_sample_rem(tcga_slice):
    from sklearn_remgan.metrics import REM

    X, y = tcga_slice["X"][:60], tcga_slice["y"][:60]
    stub = _Stub(X)
    with pytest.raises(ValueError, match="y must be 1D with one label per row"):
        RecallREMDisplay.from_estimator(stub, X, y[:-1])
    with pytest.raises(ValueError, match="rem was fitted on X itself"):
        UMAPDisplay.from_estimator(stub, X, y, rem=REM(5).fit(X), reducer=PCA(2))
