import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_remgan.utils import check_finite_2d, check_same_width


def test_check_finite_2d_keeps_float32_and_converts_frames():
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = check_finite_2d(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, X)
    out = check_finite_2d(pd.DataFrame(X.astype(np.float64)))
    assert out.dtype == np.float64 and out.shape == (4, 3)


def test_check_finite_2d_counts_nan_and_inf():
    X = np.zeros((5, 3))
    X[1, 0] = np.nan
    X[1, 2] = np.nan
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match=r"2 NaN and 1 infinite value\(s\) in 2 row"):
        check_finite_2d(X, name="real")


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_check_finite_2d_refuses_other_dimensions(shape):
    with pytest.raises(ValueError, match="must be a 2D array"):
        check_finite_2d(np.zeros(shape))


def test_check_finite_2d_refuses_empty():
    with pytest.raises(ValueError, match="0 sample"):
        check_finite_2d(np.zeros((0, 3)))


def test_check_same_width_names_both_widths():
    with pytest.raises(ValueError, match="same number of features; got 3 and 4"):
        check_same_width(np.zeros((2, 3)), np.zeros((2, 4)))


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(
        [
            "float",
            "int",
            "bool",
            "strings",
            "numeric strings",
            "complex",
            "sparse",
            "none",
            "ragged",
            "1d",
            "3d",
            "empty",
            "nan",
            "inf",
            "object",
        ]
    ),
    n=st.integers(1, 6),
    d=st.integers(1, 4),
)
def test_check_finite_2d_property(kind, n, d):
    # issue 14: "a correct array or a ValueError/TypeError naming the argument"
    import scipy.sparse as sp

    X = np.arange(n * d, dtype=float).reshape(n, d)
    data = {
        "float": X,
        "int": X.astype(int),
        "bool": X > 2,
        "strings": np.full((n, d), "a"),
        "numeric strings": X.astype(str),
        "complex": X + 1j,
        "sparse": sp.csr_matrix(X),
        "none": None,
        "ragged": [[1.0] * d, [1.0] * (d + 1)],
        "1d": X.ravel(),
        "3d": X[None],
        "empty": np.empty((0, d)),
        "nan": np.where(X == 0, np.nan, X),
        "inf": np.where(X == 0, np.inf, X),
        "object": X.astype(object),
    }[kind]
    ok = kind in ("float", "int", "bool", "numeric strings", "object")
    try:
        out = check_finite_2d(data, name="held_out")
    except (TypeError, ValueError) as exc:
        assert not ok
        assert "held_out" in str(exc), exc
        return
    assert ok
    assert out.dtype in (np.float32, np.float64) and out.shape == (n, d)
    np.testing.assert_array_equal(out, np.asarray(data, dtype=float))
