"""Tests of precision_recall: prdc equality, invariants and errors on real data."""

import contextlib
import io

import numpy as np
import pytest
from prdc import compute_prdc

from sklearn_remgan.metrics import precision_recall


@pytest.fixture(scope="module")
def real_and_generated(tcga_slice):
    X = tcga_slice["X"].astype(np.float64)
    rng = np.random.RandomState(0)
    idx = rng.permutation(X.shape[0])
    real = X[idx[:220]]
    generated = X[idx[220:]] + rng.normal(scale=0.4, size=X[idx[220:]].shape)
    return real, generated


@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_equals_prdc(real_and_generated, k):
    real, generated = real_and_generated
    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints sizes
        expected = compute_prdc(real, generated, k)
    result = precision_recall(real, generated, k=k)
    for name in ("precision", "recall", "density", "coverage"):
        assert result[name] == pytest.approx(expected[name], abs=1e-6), name


def test_per_sample_arrays_give_scalars(real_and_generated):
    real, generated = real_and_generated
    r = precision_recall(real, generated, k=3)
    assert r.precision == r.generated_precise.mean()
    assert r.recall == r.real_recalled.mean()
    assert r.coverage == r.real_covered.mean()
    assert r.density == pytest.approx(r.generated_ball_count.mean() / 3)
    assert r.f1 == pytest.approx(2 * r.precision * r.recall / (r.precision + r.recall))
    assert r.real_radii.shape == (real.shape[0],)
    assert r.generated_radii.shape == (generated.shape[0],)
    assert r.generated_ball_count.dtype == np.int64
    assert 0 < r.precision < 1 and 0 < r.recall < 1


def test_identical_sets(tcga_slice):
    X = tcga_slice["X"]
    r = precision_recall(X, X.copy(), k=3)
    assert r.precision == r.recall == r.coverage == 1.0
    assert r.f1 == 1.0


def test_float32_and_float64_agree(tcga_slice):
    X = tcga_slice["X"]
    real, generated = X[::2], X[1::2]
    r32 = precision_recall(real, generated, k=4)
    r64 = precision_recall(real.astype(np.float64), generated.astype(np.float64), k=4)
    np.testing.assert_array_equal(r32.real_recalled, r64.real_recalled)
    np.testing.assert_array_equal(r32.generated_ball_count, r64.generated_ball_count)


def test_working_memory_does_not_change_results(real_and_generated):
    real, generated = real_and_generated
    a = precision_recall(real, generated, k=3)
    b = precision_recall(real, generated, k=3, working_memory=0.1)
    np.testing.assert_array_equal(a.generated_ball_count, b.generated_ball_count)
    np.testing.assert_array_equal(a.real_recalled, b.real_recalled)
    np.testing.assert_array_equal(a.real_radii, b.real_radii)


def test_collapsed_generator_has_low_recall(tcga_slice):
    X = tcga_slice["X"]
    rng = np.random.RandomState(1)
    collapsed = X[:3][rng.randint(3, size=300)]
    collapsed = collapsed + rng.normal(scale=0.01, size=collapsed.shape)
    r = precision_recall(X, collapsed, k=3)
    assert r.recall < 0.05
    assert r.precision > 0.9


def test_strict_boundary_with_duplicates(tcga_slice):
    X = tcga_slice["X"][:40]
    generated = np.repeat(X[:2], 5, axis=0)  # radius 0 balls
    r = precision_recall(X, generated, k=3)
    assert np.all(r.generated_radii == 0)
    assert not r.real_recalled.any()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"k": 0}, ValueError, r"'k' parameter .* range \[1, inf\)\. Got 0"),
        ({"k": True}, TypeError, "k must be an int; got True"),
        ({"k": 10}, ValueError, "k=10 with 10 generated"),
    ],
)
def test_parameter_errors(tcga_slice, kwargs, error, match):
    X = tcga_slice["X"]
    with pytest.raises(error, match=match):
        precision_recall(X[:50], X[50:60], **kwargs)


def test_input_errors(tcga_slice):
    X = tcga_slice["X"]
    with pytest.raises(ValueError, match="same number of features; got 200 and 199"):
        precision_recall(X[:20], X[20:40, :199])
    bad = X[:20].copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="generated contains 1 NaN"):
        precision_recall(X[:20], bad)
    with pytest.raises(ValueError, match="0 sample"):
        precision_recall(X[:0], X[:20])
    with pytest.raises(ValueError, match="k=3 with 3 real"):
        precision_recall(X[:3], X[:20], k=3)


@pytest.mark.parametrize("scale", [1.0, 1e19, 1e20, 1e-25, 2.0**200, 1e-300, 1e300])
def test_results_do_not_change_with_scale(scale):
    # issue 14: recall was 0.92, 0.48, 0.0, 0.0 at scales 1, 1e19, 1e20, 1e-25
    # and 2**200 raised an IndexError; distances are scale-equivariant.
    rng = np.random.RandomState(0)
    real = rng.normal(size=(60, 10))
    generated = 1.2 * rng.normal(size=(60, 10)) + 0.3
    base = precision_recall(real, generated, k=3)
    scaled = precision_recall(real * scale, generated * scale, k=3)
    for key in ("precision", "recall", "density", "coverage"):
        assert scaled[key] == base[key]
    np.testing.assert_array_equal(scaled.real_recalled, base.real_recalled)
    np.testing.assert_allclose(scaled.real_radii / scale, base.real_radii, rtol=1e-12)


def test_pr_scorer_at_extreme_scale():
    from sklearn_remgan.metrics import PRScorer

    class Scaled:
        def __init__(self, scale):
            self.scale = scale

        def sample(self, n_samples, y=None, *, random_state=None):
            rng = np.random.default_rng(random_state)
            return self.scale * rng.normal(size=(n_samples, 5)), np.asarray(y)

    X = np.random.RandomState(1).normal(size=(40, 5))
    y = np.repeat([0, 1], 20)
    base = PRScorer(metric="recall")(Scaled(1.0), X, y)
    assert PRScorer(metric="recall")(Scaled(2.0**200), X * 2.0**200, y) == base


def test_tiny_rows_next_to_large_ones_are_decided_exactly():
    # A row 1e-30 times smaller than the others: its float32 products could
    # underflow, so all pairs are decided in float64 (compared with prdc-like
    # brute force here).
    rng = np.random.RandomState(2)
    real, generated = rng.normal(size=(30, 4)), rng.normal(size=(30, 4))
    real[:3] *= 1e-30
    generated[:2] *= 1e-30
    res = precision_recall(real, generated, k=2)
    d_rr = ((real[:, None] - real[None]) ** 2).sum(-1)
    d_gg = ((generated[:, None] - generated[None]) ** 2).sum(-1)
    d_rg = ((real[:, None] - generated[None]) ** 2).sum(-1)
    r_real = np.sort(d_rr, axis=1)[:, 2]
    r_gen = np.sort(d_gg, axis=1)[:, 2]
    np.testing.assert_array_equal(res.real_recalled, (d_rg < r_gen[None]).any(1))
    np.testing.assert_array_equal(
        res.generated_precise, (d_rg < r_real[:, None]).any(0)
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"device": "mps"}, ValueError, "device must be 'cpu' or a CUDA device"),
        ({"device": "meta"}, ValueError, "device must be 'cpu' or a CUDA device"),
        ({"device": "nonsense"}, ValueError, "device must be 'cpu' or a CUDA"),
        ({"device": 3}, TypeError, "'device' parameter"),
        ({"working_memory": "x"}, TypeError, "'working_memory' parameter"),
        ({"working_memory": 0}, ValueError, "'working_memory' parameter"),
        ({"k": 2.5}, TypeError, "'k' parameter"),
    ],
)
def test_parameter_errors_name_the_parameter(kwargs, error, match):
    X = np.random.RandomState(0).normal(size=(10, 3))
    with pytest.raises(error, match=match):
        precision_recall(X, X, **kwargs)


def test_sparse_input_is_named():
    import scipy.sparse as sp

    X = np.random.RandomState(0).normal(size=(10, 3))
    with pytest.raises(TypeError, match=r"real is a scipy sparse .*toarray"):
        precision_recall(sp.csr_matrix(X), X)
