"""Input checks whose errors name the problem (shape, NaN/inf counts, widths)."""

import numpy as np
import pandas as pd
from scipy import sparse
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

    Raises
    ------
    TypeError
        For sparse matrices, None, and data that are not numbers.
    ValueError
        For other shapes than 2D, too few rows, no column, NaN or inf; the
        message names ``name``.
    """
    if X is None or isinstance(X, str | bytes | dict):
        raise TypeError(
            f"{name} must be a 2D array-like of numbers of shape (n_samples, "
            f"n_features); got {type(X).__name__}."
        )
    if sparse.issparse(X):
        raise TypeError(
            f"{name} is a scipy sparse {type(X).__name__}; dense data are required. "
            f"Use {name}.toarray() to convert it."
        )
    arr = X
    if not (isinstance(X, np.ndarray) or hasattr(X, "iloc")):
        try:
            arr = np.asarray(X)
        except ValueError:  # ragged nested lists
            arr = np.asarray(X, dtype=object)
    if getattr(arr, "ndim", 2) != 2:
        raise ValueError(
            f"{name} must be a 2D array of shape (n_samples, n_features); got an "
            f"array with {arr.ndim} dimension(s) and shape {np.shape(arr)}."
        )
    try:
        X = check_array(
            X,
            dtype=dtype,
            ensure_all_finite=False,
            ensure_min_samples=min_samples,
            input_name=name,
        )
    except (TypeError, ValueError) as exc:
        msg = str(exc)
        if "convert" in msg or "Complex" in msg or "dtype" in msg:
            raise TypeError(
                f"{name} must hold real numbers (int or float); {msg}"
            ) from exc
        raise type(exc)(f"{name}: {msg}" if name not in msg else msg) from exc
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


def check_labels(y, n_samples, *, name="y", allow_none=False):
    """Return ``y`` as a 1D array of ``n_samples`` labels without missing values.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or None
        Labels (str, int, bool or any hashable values).
    n_samples : int
        Number of rows the labels belong to.
    name : str, default="y"
        How the labels are called in error messages.
    allow_none : bool, default=False
        Whether ``y=None`` is accepted (and returned as None).

    Returns
    -------
    y : ndarray of shape (n_samples,) or None
        The labels (their own dtype, object for mixed types).

    Raises
    ------
    ValueError
        When ``y`` is not 1D, its length is not ``n_samples`` or it holds
        missing values (None or NaN), which group-by operations would drop.

    Examples
    --------
    >>> from sklearn_remgan.utils import check_labels
    >>> check_labels(["a", "b"], 2).tolist()
    ['a', 'b']
    """
    if y is None:
        if allow_none:
            return None
        raise ValueError(f"{name} is required (one label per row); got None.")
    if sparse.issparse(y):
        raise TypeError(f"{name} must be a dense 1D array of labels; got sparse.")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(
                f"{name} must be 1D with one label per row ({n_samples}); got a "
                f"DataFrame of shape {y.shape}."
            )
        y = y.iloc[:, 0]
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} must be 1D with one label per row ({n_samples}); got shape "
            f"{arr.shape}."
        )
    missing = pd.isna(pd.Series(arr, dtype=object)).to_numpy()
    if missing.any():
        raise ValueError(
            f"{name} holds {int(missing.sum())} missing label(s) (None or NaN) at "
            f"rows {np.flatnonzero(missing)[:5].tolist()}; every row needs a label."
        )
    return arr


def sorted_unique(values):
    """Distinct values, sorted (by ``repr`` when of mixed types, e.g. str and int).

    ``np.unique`` raises a TypeError from inside numpy on mixed labels.

    Examples
    --------
    >>> from sklearn_remgan.utils._validation import sorted_unique
    >>> sorted_unique(["b", 2, "b", 1])
    ['b', 1, 2]
    """
    uniq = list(dict.fromkeys(np.asarray(values, dtype=object).tolist()))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=repr)
