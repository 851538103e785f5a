"""Property tests of the metrics' public entry points (issue 14).

Each test draws random shapes, magnitudes (1e-30 to 1e30), dtypes, NaN/inf
placements and label types, and asserts "a correct result, or a ValueError /
TypeError naming the argument": correct means equal to a brute-force float64
computation (precision/recall, which equals ``prdc``), to scikit-learn's PCA
(REM), or to the same call at scale 1.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from sklearn_remgan.metrics import (
    REM,
    PRScorer,
    REMScorer,
    choose_n_components,
    cross_fitted_rem,
    per_class_report,
    precision_recall,
)

FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

exponents = st.integers(-30, 30)
dtypes = st.sampled_from([np.float32, np.float64])
seeds = st.integers(0, 2**31 - 1)
# NaN/inf placement: none, or one bad value at a drawn position of either set
bad_values = st.sampled_from([None, np.nan, np.inf, -np.inf])
label_kinds = st.sampled_from(["str", "int", "bool", "mixed"])


def _labels(kind, n, rng):
    base = rng.randint(0, 2, size=n)
    base[:2] = [0, 1]  # both labels present
    if kind == "str":
        return np.where(base == 1, "tumour", "normal")
    if kind == "int":
        return base * 7 - 3
    if kind == "bool":
        return base.astype(bool)
    return np.array(["a" if b else 2 for b in base], dtype=object)


def _assert_names(exc, *names):
    message = str(exc)
    assert any(name in message for name in names), message


def _brute_force(real, generated, k):
    real, generated = real.astype(np.float64), generated.astype(np.float64)

    def sq(a, b):
        return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)

    r_real = np.sort(sq(real, real), axis=1)[:, k]
    r_gen = np.sort(sq(generated, generated), axis=1)[:, k]
    d = sq(real, generated)
    inside_real = d < r_real[:, None]  # generated j in the ball of real i
    recalled = (d < r_gen[None, :]).any(axis=1)
    return inside_real.any(axis=0), recalled, inside_real.sum(axis=0)


@FAST
@given(
    n_real=st.integers(2, 25),
    n_gen=st.integers(2, 25),
    d=st.integers(1, 6),
    k=st.integers(1, 4),
    exponent=exponents,
    dtype=dtypes,
    seed=seeds,
    bad=bad_values,
    bad_in_real=st.booleans(),
)
def test_precision_recall_is_exact_or_refuses(
    n_real, n_gen, d, k, exponent, dtype, seed, bad, bad_in_real
):
    rng = np.random.RandomState(seed)
    scale = 10.0**exponent
    real = (rng.normal(size=(n_real, d)) * scale).astype(dtype)
    generated = ((rng.normal(size=(n_gen, d)) + 0.5) * scale).astype(dtype)
    if bad is not None:
        target = real if bad_in_real else generated
        target[rng.randint(target.shape[0]), rng.randint(d)] = bad
    try:
        res = precision_recall(real, generated, k=k)
    except (ValueError, TypeError) as exc:
        if bad is not None:
            _assert_names(exc, "real" if bad_in_real else "generated")
        else:
            assert k >= min(n_real, n_gen)
            _assert_names(exc, "k")
        return
    assert bad is None and k < min(n_real, n_gen)
    precise, recalled, count = _brute_force(real, generated, k)
    np.testing.assert_array_equal(res.generated_precise, precise)
    np.testing.assert_array_equal(res.real_recalled, recalled)
    np.testing.assert_array_equal(res.generated_ball_count, count)


@FAST
@given(n=st.integers(12, 40), d=st.integers(2, 6), exponent=exponents, seed=seeds)
def test_precision_recall_equals_prdc(n, d, exponent, seed):
    from prdc import compute_prdc

    rng = np.random.RandomState(seed)
    scale = 10.0**exponent
    real = rng.normal(size=(n, d)) * scale
    generated = (rng.normal(size=(n, d)) * 1.3 + 0.2) * scale
    res = precision_recall(real, generated, k=3)
    # prdc in float64 at scale 1 (its squared distances overflow at 1e30)
    expected = compute_prdc(real / scale, generated / scale, nearest_k=3)
    for key in ("precision", "recall", "density", "coverage"):
        assert res[key] == pytest.approx(expected[key], abs=1e-12)


@FAST
@given(
    n=st.integers(3, 30),
    d=st.integers(2, 12),
    asked=st.integers(1, 40),
    exponent=exponents,
    dtype=dtypes,
    seed=seeds,
    solver=st.sampled_from(["auto", "gram", "covariance", "full"]),
)
def test_rem_equals_pca_reconstruction_error(
    n, d, asked, exponent, dtype, seed, solver
):
    rng = np.random.RandomState(seed)
    scale = 10.0**exponent
    X = (rng.normal(size=(n, d)) * scale).astype(dtype)
    T = (rng.normal(size=(5, d)) * scale).astype(dtype)
    n_comp = choose_n_components(asked, n, d)
    rem = REM(n_comp, svd_solver=solver).fit(X)
    # scikit-learn's PCA on the data at scale 1 (float64), scaled back
    X1, T1 = X.astype(np.float64) / scale, T.astype(np.float64) / scale
    pca = PCA(rem.n_components_, svd_solver="full").fit(X1)
    residual = T1 - pca.inverse_transform(pca.transform(T1))
    expected = np.sqrt((residual**2).sum(axis=1)) * scale
    np.testing.assert_allclose(rem.score_samples(T), expected, rtol=1e-6, atol=0)


@FAST
@given(
    n=st.integers(0, 12),
    d=st.integers(0, 5),
    bad=bad_values,
    kind=st.sampled_from(["array", "list", "1d", "3d", "strings", "none"]),
)
def test_rem_refuses_bad_input_by_name(n, d, bad, kind):
    X = np.random.RandomState(0).normal(size=(n, d))
    if bad is not None and X.size:
        X[0, 0] = bad
    data = {
        "array": X,
        "list": X.tolist(),
        "1d": X.ravel(),
        "3d": X[None],
        "strings": X.astype(str),
        "none": None,
    }[kind]
    ok = kind in ("array", "list") and n >= 2 and d >= 1 and (bad is None or not X.size)
    if kind == "strings" and n >= 2 and d >= 1 and bad is None:
        ok = True  # numeric strings convert, as in scikit-learn
    try:
        rem = REM(1).fit(data)
    except (ValueError, TypeError) as exc:
        assert not ok, exc
        return
    assert ok
    assert np.isfinite(rem.score_samples(np.asarray(data, dtype=float))).all()


@FAST
@given(
    n=st.integers(4, 30),
    d=st.integers(2, 8),
    cv=st.integers(2, 6),
    exponent=exponents,
    seed=seeds,
    kind=label_kinds,
)
def test_cross_fitted_rem_never_scores_a_row_in_sample(n, d, cv, exponent, seed, kind):
    rng = np.random.RandomState(seed)
    scale = 10.0**exponent
    real = rng.normal(size=(n, d)) * scale
    generated = rng.normal(size=(n // 2 + 1, d)) * scale
    y = _labels(kind, n, rng)
    try:
        res = cross_fitted_rem(real, generated, y=y, cv=cv, random_state=seed)
    except ValueError as exc:
        assert cv > n or n - -(-n // cv) < 2, exc
        _assert_names(exc, "cv", "rows")
        return
    assert res.real.shape == (n,) and res.generated.shape == (n // 2 + 1,)
    assert np.isfinite(res.real).all() and (res.real >= 0).all()
    assert np.isfinite(res.generated).all()
    # each row's REM is that of the PCA fitted without it: not the in-sample 0
    # that n_components = n - 1 would give
    assert res.n_components <= n - -(-n // cv) - 1


@FAST
@given(n=st.integers(6, 30), kind=label_kinds, seed=seeds, exponent=exponents)
def test_per_class_report_label_types(n, kind, seed, exponent):
    rng = np.random.RandomState(seed)
    scale = 10.0**exponent
    real = rng.normal(size=(n, 4)) * scale
    generated = rng.normal(size=(n, 4)) * scale
    y = _labels(kind, n, rng)
    report = per_class_report(real, generated, y, y[::-1], k=1, cv=2)
    labels = report[report["grouping"] == "label"]
    assert labels["n_real"].sum() == n and labels["n_generated"].sum() == n
    assert set(map(str, labels["value"])) == set(map(str, y))
    assert labels[["precision", "recall"]].notna().all().all()


class _Oracle:
    def __init__(self, scale):
        self.scale = scale

    def sample(self, n_samples, y=None, *, random_state=None):
        rng = np.random.default_rng(random_state)
        return self.scale * rng.normal(size=(n_samples, 4)), np.asarray(y)


@FAST
@given(
    n=st.integers(8, 30),
    short=st.integers(0, 2),
    kind=label_kinds,
    seed=seeds,
    holdout=st.booleans(),
)
def test_scorers_score_or_name_y(n, short, kind, seed, holdout):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    y = _labels(kind, n, rng)[: n - short]
    scorer = (
        REMScorer(reference="holdout", average="pooled")
        if holdout
        else PRScorer(k=1, average="pooled")
    )
    try:
        value = scorer(_Oracle(1.0), X, y)
    except ValueError as exc:
        assert short > 0
        _assert_names(exc, "y ")
        return
    assert short == 0 and np.isfinite(value)
