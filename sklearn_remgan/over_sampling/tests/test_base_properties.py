"""Property tests of the generative samplers' inputs (issue 14).

Random shapes, magnitudes, dtypes, NaN/inf placement, label types, sampling
strategies and covariates: each fit either gives a correct result or raises a
ValueError/TypeError that names the argument. Tiny networks and one epoch keep
every example fast; the assertions are about the contract, not the model.
"""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _fit_resample(sampler_cls, fast_params, X, y, **kwargs):
    params = {**fast_params, "max_epochs": 1, "random_state": 0}
    strategy = kwargs.pop("sampling_strategy", "auto")
    return sampler_cls(strategy, **params).fit_resample(X, y, **kwargs)


def _check_result(X, y, X_res, y_res, expected_counts):
    assert dict(Counter(np.asarray(y_res).tolist())) == expected_counts
    assert X_res.shape == (sum(expected_counts.values()), X.shape[1])
    assert X_res.dtype == X.dtype
    assert np.isfinite(X_res).all()
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(np.asarray(y_res)[: len(y)], y)


@st.composite
def matrices(draw):
    n_features = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    exponent = draw(st.floats(-30, 30))
    seed = draw(st.integers(0, 2**16))
    X = np.random.RandomState(seed).randn(24, n_features) * 10.0**exponent
    defect = draw(st.sampled_from([None, np.nan, np.inf, -np.inf, 1e300]))
    X = X.astype(np.float64 if defect == 1e300 else dtype)
    if defect is not None:
        X[draw(st.integers(0, 23)), draw(st.integers(0, n_features - 1))] = defect
    return X, defect


@PROPERTY
@given(data=matrices())
def test_any_matrix_gives_rows_or_an_error_naming_X(sampler_cls, fast_params, data):
    X, defect = data
    y = np.array([0] * 16 + [1] * 8)
    if defect is None:
        X_res, y_res = _fit_resample(sampler_cls, fast_params, X, y)
        _check_result(X, y, X_res, y_res, {0: 16, 1: 16})
    else:
        with pytest.raises(ValueError, match=r"\bX\b"):
            _fit_resample(sampler_cls, fast_params, X, y)


LABELS = {
    "str": lambda i: f"class{i}",
    "int": lambda i: i - 1,
    "bool": lambda i: bool(i % 2),
    "float-int": lambda i: float(i),
    "float": lambda i: i + 0.5,
    "mixed": lambda i: f"class{i}" if i % 2 else i,
    "none": lambda i: None if i == 0 else f"class{i}",
}


@PROPERTY
@given(
    kind=st.sampled_from(sorted(LABELS)),
    counts=st.lists(st.integers(1, 12), min_size=1, max_size=4),
)
def test_any_labels_give_rows_or_an_error_naming_y(
    sampler_cls, fast_params, kind, counts
):
    make = LABELS[kind]
    labels = [make(i) for i in range(len(counts))]
    if kind == "bool":
        counts = counts[:2]
        labels = labels[:2]
    y = np.array(
        [lab for lab, n in zip(labels, counts) for _ in range(n)], dtype=object
    )
    if kind in ("str",):
        y = y.astype(str)
    elif kind in ("int", "bool", "float-int", "float"):
        y = np.array(y.tolist())
    X = np.random.RandomState(0).randn(len(y), 3).astype(np.float32)
    error = None
    if kind in ("mixed", "none") and len(counts) > 1:
        error = (TypeError, r"\by\b")
    elif kind == "float":
        error = (ValueError, r"\by\b")
    elif len(counts) == 1:
        error = (ValueError, r"\by\b|class")
    elif min(counts) < sampler_cls._min_class_rows:
        error = (ValueError, r"rows per class")
    if error is not None:
        with pytest.raises(error[0], match=error[1]):
            _fit_resample(sampler_cls, fast_params, X, y)
        return
    X_res, y_res = _fit_resample(sampler_cls, fast_params, X, y)
    expected = {lab: max(counts) for lab in np.unique(y).tolist()}
    _check_result(X, y, X_res, y_res, expected)


@PROPERTY
@given(
    requests=st.dictionaries(
        st.sampled_from(["a", "b", "c", "z"]),
        st.one_of(
            st.integers(-5, 60),
            st.floats(0, 60, allow_nan=False),
            st.booleans(),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_sampling_dict_gives_exact_counts_or_an_error(
    sampler_cls, fast_params, requests
):
    y = np.array(["a"] * 20 + ["b"] * 10 + ["c"] * 6)
    X = np.random.RandomState(0).randn(len(y), 3).astype(np.float32)
    real = Counter(y.tolist())
    valid = all(
        key in real
        and isinstance(n, int)
        and not isinstance(n, bool)
        and n >= real[key]
        for key, n in requests.items()
    )
    if not valid:
        with pytest.raises(ValueError, match="sampling_strategy"):
            _fit_resample(sampler_cls, fast_params, X, y, sampling_strategy=requests)
        return
    X_res, y_res = _fit_resample(
        sampler_cls, fast_params, X, y, sampling_strategy=requests
    )
    _check_result(X, y, X_res, y_res, {**real, **requests})


@PROPERTY
@given(
    strategy=st.one_of(
        st.floats(-1, 2, allow_nan=False),
        st.sampled_from(["auto", "minority", "all", "majority", "bogus"]),
        st.just(lambda y: 3),
        st.just(lambda y: {"b": 12.5}),
    )
)
def test_any_other_strategy_gives_rows_or_an_error(sampler_cls, fast_params, strategy):
    y = np.array(["a"] * 20 + ["b"] * 10)
    X = np.random.RandomState(0).randn(len(y), 3)
    try:
        X_res, y_res = _fit_resample(
            sampler_cls, fast_params, X, y, sampling_strategy=strategy
        )
    except ValueError as exc:
        assert "sampling_strategy" in str(exc)
        return
    counts = Counter(y_res.tolist())
    assert counts["a"] == 20 and counts["b"] >= 10
    if isinstance(strategy, float):
        assert counts["b"] == int(strategy * 20)
    _check_result(X, y, X_res, y_res, dict(counts))


@example(values=["t", 0], length=30, as_frame=False)
@example(values=["t", None], length=30, as_frame=True)
@PROPERTY
@given(
    values=st.lists(
        st.one_of(st.sampled_from(["t", "n"]), st.integers(0, 2), st.none()),
        min_size=1,
        max_size=3,
    ),
    length=st.sampled_from([30, 29]),
    as_frame=st.booleans(),
)
def test_any_covariates_give_modes_or_an_error_naming_them(
    sampler_cls, fast_params, values, length, as_frame
):
    y = np.array(["a"] * 20 + ["b"] * 10)
    X = np.random.RandomState(0).randn(len(y), 3).astype(np.float32)
    column = np.array([values[i % len(values)] for i in range(length)], dtype=object)
    covariates = pd.DataFrame({"status": column}) if as_frame else column
    missing = any(v is None for v in column)
    mixed = len({isinstance(v, str) for v in column}) > 1
    if length != len(y) or missing or mixed:
        error = TypeError if length == len(y) and not missing else ValueError
        with pytest.raises(error, match="covariate"):
            _fit_resample(sampler_cls, fast_params, X, y, covariates=covariates)
        return
    sampler_params = {**fast_params, "max_epochs": 1, "random_state": 0}
    sampler = sampler_cls(**sampler_params)
    X_res, y_res = sampler.fit_resample(X, y, covariates=covariates)
    _check_result(X, y, X_res, y_res, {"a": 20, "b": 20})
    modes = sampler.modes_
    assert modes["n_real"].sum() == 30 and modes["n_generated"].sum() == 10
    assert len(modes) == len({(lab, v) for lab, v in zip(y, column)})


@pytest.fixture
def fitted(sampler_cls, fast_params):
    y = np.array(["a"] * 20 + ["b"] * 10)
    X = np.random.RandomState(0).randn(len(y), 3)
    status = np.array(["t", "n"] * 15)
    params = {**fast_params, "max_epochs": 1, "random_state": 0}
    return sampler_cls(**params).fit(X, y, covariates=status)


@PROPERTY
@given(
    n_samples=st.one_of(
        st.integers(-3, 40), st.floats(-1, 5), st.just("3"), st.none(), st.booleans()
    ),
    labels=st.one_of(
        st.none(),
        st.sampled_from(["a", "b", "z", 0]),
        st.lists(st.sampled_from(["a", "b", "z"]), max_size=6),
    ),
    random_state=st.one_of(st.none(), st.integers(0, 5), st.just("seed")),
)
def test_any_sample_request_gives_rows_or_an_error_naming_it(
    fitted, n_samples, labels, random_state
):
    ok_n = isinstance(n_samples, int) and not isinstance(n_samples, bool)
    if ok_n and n_samples >= 0:
        ok_y = (
            labels is None
            or labels in ("a", "b")
            or (
                isinstance(labels, list)
                and len(labels) == n_samples
                and "z" not in labels
            )
        )
    else:
        ok_y = True
    try:
        X_new, y_new = fitted.sample(n_samples, labels, random_state=random_state)
    except TypeError as exc:
        assert not ok_n and "n_samples" in str(exc)
        return
    except ValueError as exc:
        message = str(exc)
        assert (
            (ok_n and n_samples < 0 and "n_samples" in message)
            or (not ok_y and ("y " in message or "y must" in message))
            or (random_state == "seed" and "random_state" in message)
        ), message
        return
    assert ok_n and ok_y and random_state != "seed"
    assert X_new.shape == (n_samples, 3) and np.isfinite(X_new).all()
    assert len(y_new) == n_samples and set(y_new.tolist()) <= {"a", "b"}
    if isinstance(labels, str):
        assert set(y_new.tolist()) <= {labels}
