"""Input checks whose errors name the problem (shape, NaN/inf counts, widths)."""

import numpy as np
from sklearn.utils import check_array


def check_finite_2d(X, *, name="X", dtype=(np.float32, np.float64), min_samples=1):
    """Return ``X`` as a dense 2D float array, refusing NaN/inf with counts.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data to check.
    name : str, default="X"
        How the array is called in error messages.
    dtype : dtype or tuple of dtypes, default=(np.float32, np.float64)
        Accepted dtypes; anything else is converted to the first one.
    min_samples : int, default=1
        Fewest rows accepted.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The validated array (float32 input stays float32).
    """
    arr = np.asarray(X) if not hasattr(X, "iloc") else X
    if getattr(arr, "ndim", 2) != 2:
        raise ValueError(
            f"{name} must be a 2D array of shape (n_samples, n_features); got an "
            f"array with {arr.ndim} dimension(s) and shape {np.shape(arr)}."
        )
    X = check_array(
        X,
        dtype=dtype,
        ensure_all_finite=False,
        ensure_min_samples=min_samples,
        input_name=name,
    )
    # A finite sum proves every entry finite without an n x d mask (as in
    # scikit-learn's own check); only a non-finite sum needs the full count.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(X.sum(dtype=np.float64)):
            return X
    finite = np.isfinite(X)
    if not finite.all():
        n_nan = int(np.isnan(X).sum())
        n_inf = int(np.isinf(X).sum())
        rows = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(
            f"{name} contains {n_nan} NaN and {n_inf} infinite value(s) in "
            f"{rows.size} row(s) (first rows: {rows[:5].tolist()}); impute or drop "
            "them before calling this function."
        )
    return X


def check_same_width(A, B, *, names=("real", "generated")):
    """Raise a ValueError naming both widths when ``A`` and ``B`` differ in columns.

    Parameters
    ----------
    A, B : ndarray of shape (n_samples, n_features)
        The two sets to compare.
    names : tuple of str, default=("real", "generated")
        How ``A`` and ``B`` are called in the error message.
    """
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of features; got "
            f"{A.shape[1]} and {B.shape[1]}."
        )
