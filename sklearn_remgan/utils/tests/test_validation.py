import numpy as np
import pandas as pd
import pytest

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
