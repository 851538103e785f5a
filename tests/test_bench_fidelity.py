"""Smoke tests of the fidelity and low-data benchmark helpers (tiny data)."""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import _fidelity_common as fc  # noqa: E402
import bench_downstream  # noqa: E402
import bench_fidelity  # noqa: E402


def _tiny(seed=0, n=120, d=12):
    """Two labels x two covariate values, well separated; 3/4 train."""
    rng = np.random.RandomState(seed)
    y = np.array(["a", "b"] * (n // 2), dtype=object)
    cov = np.array(["t", "t", "n", "n"] * (n // 4), dtype=object)
    centre = (y == "b") * 6.0 + (cov == "n") * 3.0
    X = (rng.normal(size=(n, d)) + centre[:, None]).astype(np.float32)
    train, test = np.arange(n) < 3 * n // 4, np.arange(n) >= 3 * n // 4
    return {
        "X_train": X[train],
        "X_test": X[test],
        "y_train": y[train],
        "y_test": y[test],
        "c_train": cov[train],
        "c_test": cov[test],
        "covariate": "status",
    }


def test_split_by_group_keeps_patients_together():
    y = np.repeat(["a", "b"], 50).astype(object)
    groups = np.repeat(np.arange(50), 2)
    train, test = fc.split(y, None, groups)
    assert not set(groups[train]) & set(groups[test])
    assert len(test) == 20


def test_split_stratified_keeps_every_mode_in_both_parts():
    y = np.array(["a"] * 80 + ["b"] * 20, dtype=object)
    cov = np.array(["t", "n"] * 50, dtype=object)
    train, test = fc.split(y, cov, None)
    keys = fc.mode_keys(y, cov)
    assert set(keys[train]) == set(keys[test]) == set(keys)


def test_scorer_on_the_held_out_rows_themselves():
    data = _tiny()
    scorer = fc.Scorer(data, n_components=5)
    out = scorer.score(data["X_test"])
    assert out["precision"] == out["recall"] == out["coverage"] == 1.0
    assert out["zero_recall"] == out["zero_recall_max"] == 0.0
    assert out["rem_w1"] == pytest.approx(0.0, abs=1e-6)
    assert out["spread_ratio"] == pytest.approx(1.0)
    assert out["label_agreement"] == pytest.approx(scorer.label_acc_real)
    assert set(out["zero_recall_per_covariate"]) == {"n", "t"}


def test_scorer_sees_a_collapsed_generator():
    data = _tiny()
    scorer = fc.Scorer(data, n_components=5)
    # Every generated row is the mean of its mode: precise, no spread.
    keys = fc.mode_keys(data["y_test"], data["c_test"])
    means = {k: data["X_test"][keys == k].mean(axis=0) for k in np.unique(keys)}
    collapsed = np.stack([means[k] for k in keys])
    out = scorer.score(collapsed)
    assert out["recall"] < 0.2
    assert out["spread_ratio"] < 0.1
    assert out["rem_w1"] > 0.5
    with pytest.raises(ValueError, match="held-out shape"):
        scorer.score(collapsed[:-1])


@pytest.mark.parametrize(
    "generate",
    [fc.generate_copies, fc.generate_smote, fc.generate_gaussian],
    ids=["copies", "smote", "gaussian"],
)
def test_baselines_draw_rows_of_the_held_out_modes(generate):
    data = _tiny()
    X = generate(data, 0)
    assert X.shape == data["X_test"].shape
    # Rows land in the right mode: nearest training mode mean is theirs.
    keys_tr = fc.mode_keys(data["y_train"], data["c_train"])
    names = np.unique(keys_tr)
    means = np.stack([data["X_train"][keys_tr == k].mean(axis=0) for k in names])
    nearest = names[((X[:, None, :] - means[None]) ** 2).sum(-1).argmin(axis=1)]
    assert (nearest == fc.mode_keys(data["y_test"], data["c_test"])).mean() > 0.95
    np.testing.assert_array_equal(X, generate(data, 0))


def test_copies_are_training_rows_and_noise_moves_them():
    data = _tiny()
    copies = fc.generate_copies(data, 1)
    train = {row.tobytes() for row in data["X_train"]}
    assert all(row.tobytes() in train for row in copies)
    noisy = fc.generate_copies(data, 1, noise=0.5)
    assert not np.allclose(noisy, copies)


def test_mean_metrics_averages_scalars_and_dicts():
    out = fc.mean_metrics([{"r": 0.2, "m": {"x": 0.0}}, {"r": 0.4, "m": {"x": 1.0}}])
    assert out["r"] == pytest.approx(0.3)
    assert out["r_std"] == pytest.approx(0.1)
    assert out["m"] == {"x": 0.5}


def test_draw_rows_gives_every_class_two_rows():
    y = np.array(["a"] * 100 + ["b"] * 30 + ["c"] * 3, dtype=object)
    rows = bench_downstream.draw_rows(y, 20, np.random.RandomState(0))
    assert len(rows) == len(set(rows)) == 20
    labels, counts = np.unique(y[rows], return_counts=True)
    assert labels.tolist() == ["a", "b", "c"] and counts.min() >= 2
    with pytest.raises(ValueError, match="cannot draw"):
        bench_downstream.draw_rows(y, 5, np.random.RandomState(0))


def test_balanced_labels_split_equally():
    labels = bench_downstream.balanced_labels(["a", "b", "c"], 10)
    _, counts = np.unique(labels, return_counts=True)
    assert counts.sum() == 10 and counts.max() - counts.min() <= 1


def test_fidelity_rows_are_discovered_and_selected():
    args = bench_fidelity.parse([])
    specs = bench_fidelity.row_specs(args)
    for name in bench_fidelity.DEFAULT_ROWS:
        assert name in specs
    assert bench_fidelity.select(specs, ["wgan-lr*"]) == [
        n for n in specs if n.startswith("wgan-lr")
    ]
    with pytest.raises(SystemExit, match="matches no row"):
        bench_fidelity.select(specs, ["nothing-like-this"])
