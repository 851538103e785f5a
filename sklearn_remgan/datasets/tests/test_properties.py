"""Property-based tests of the simulator and the matrix reader (hypothesis).

Each property says: for any input of the family, the result is correct or the
call raises a ValueError/TypeError that names the argument or the file.
"""

import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_remgan.datasets import make_expression, read_matrix

# Fast enough for CI: small inputs, a bounded number of examples, no deadline
# (the first call imports torch).
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ------------------------------------------------------------ make_expression


@st.composite
def simulator_params(draw):
    n_tissues = draw(st.integers(1, 7))
    return {
        "n_samples": draw(st.integers(n_tissues, 60)),
        "n_genes": draw(st.integers(1, 40)),
        "n_tissues": n_tissues,
        "cancer_fraction": draw(st.floats(0, 1)),
        "n_cancer_subtypes": draw(st.integers(1, 4)),
        "noise": draw(st.floats(0, 100)),
        "cancer_spread": draw(st.floats(1e-6, 100)),
        "cancer_noise": draw(st.floats(1e-6, 100)),
        "module_fraction": draw(st.floats(0, 1)),
        "floor": draw(st.none() | st.floats(-1000, 1000)),
        "block_size": draw(st.integers(1, 70)),
        "random_state": draw(st.integers(0, 2**32 - 1)),
    }


@FAST
@given(params=simulator_params())
def test_make_expression_valid_parameters_give_finite_data(params):
    X, y, cov = make_expression(**params, return_covariates=True)
    n, g = params["n_samples"], params["n_genes"]
    assert X.shape == (n, g) and X.dtype == np.float32
    assert np.isfinite(X).all()
    if params["floor"] is not None:
        assert X.min() >= np.float32(params["floor"])
    # Every tissue has a sample; cancer counts follow the fraction per tissue.
    counts = pd.Series(y).value_counts()
    assert counts.size == params["n_tissues"] and counts.sum() == n
    per_tissue = cov.groupby("tissue")["cancer"].agg(["sum", "size"])
    expected = (per_tissue["size"] * params["cancer_fraction"]).round()
    assert (per_tissue["sum"] - expected).abs().max() <= 1
    # Same seed, same data, whatever the block size.
    X2, _ = make_expression(**{**params, "block_size": 1 + params["block_size"] % 7})
    np.testing.assert_array_equal(X, X2)


_BOUNDED = {
    "noise": (0.0, 100.0),
    "cancer_spread": (0.0, 100.0),
    "cancer_noise": (0.0, 100.0),
    "cancer_fraction": (0.0, 1.0),
    "module_fraction": (0.0, 1.0),
    "floor": (-1000.0, 1000.0),
}


@st.composite
def out_of_range(draw):
    name = draw(st.sampled_from(sorted(_BOUNDED)))
    low, high = _BOUNDED[name]
    bad = st.floats(allow_nan=True, allow_infinity=True).filter(
        lambda v: not (low <= v <= high)
    )
    if name in ("cancer_spread", "cancer_noise"):
        bad = bad | st.just(0.0)
    return name, draw(bad | st.sampled_from([np.nan, np.inf, -np.inf]))


@FAST
@given(case=out_of_range())
def test_make_expression_out_of_range_values_are_refused(case):
    name, value = case
    with pytest.raises(ValueError, match=f"'{name}' parameter of make_expression"):
        make_expression(20, 10, **{name: value}, random_state=0)


@FAST
@given(
    name=st.sampled_from(["n_samples", "n_genes", "n_tissues", "n_cancer_subtypes"]),
    value=st.integers(max_value=0)
    | st.floats(allow_nan=True)
    | st.text(max_size=3)
    | st.booleans(),
)
def test_make_expression_bad_counts_are_refused(name, value):
    with pytest.raises((ValueError, TypeError), match=f"'{name}' parameter"):
        make_expression(**{"n_samples": 20, "n_genes": 10, name: value})


# ---------------------------------------------------------------- read_matrix

# Ids that cannot be mistaken for numbers, separators or quotes.
_ID = st.text(string.ascii_letters + string.digits + "_-.", min_size=1, max_size=8)
_NICE_ID = st.builds(lambda a, b: a + b, st.sampled_from(string.ascii_letters), _ID)
_VALUE = st.floats(width=32, allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw):
    n = draw(st.integers(1, 6))
    g = draw(st.integers(1, 6))
    samples = draw(st.lists(_NICE_ID, min_size=n, max_size=n, unique=True))
    genes = draw(st.lists(_NICE_ID, min_size=g, max_size=g, unique=True))
    values = draw(st.lists(_VALUE, min_size=n * g, max_size=n * g))
    scale = draw(st.sampled_from([1.0, 1e-30, 1e-10, 1e10, 1e30]))
    X = np.array(values, dtype=np.float64).reshape(n, g) * scale
    X[np.abs(X) > np.finfo(np.float32).max] = 0.0  # beyond float32 after scaling
    return pd.DataFrame(X.astype(np.float32), index=samples, columns=genes)


@FAST
@given(
    table=tables(),
    fmt=st.sampled_from(["csv", "tsv", "csv.gz", "txt", "parquet"]),
    genes_as_rows=st.booleans(),
)
def test_read_matrix_round_trips_random_tables(table, fmt, genes_as_rows):
    orientation = "genes_as_rows" if genes_as_rows else "samples_as_rows"
    written = table.T if genes_as_rows else table
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"m.{fmt}"
        if fmt == "parquet":
            written.to_parquet(path)
        else:
            written.to_csv(path, sep="," if fmt.startswith("csv") else "\t")
        X = read_matrix(path, orientation=orientation)
        # Never a silent transpose: "auto" refuses a table.
        with pytest.raises(ValueError, match=rf"'m\.{fmt}' are samples or genes"):
            read_matrix(path)
    assert X.index.tolist() == table.index.tolist()
    assert X.columns.tolist() == table.columns.tolist()
    assert X.dtypes.eq(np.float32).all()
    np.testing.assert_array_equal(X.to_numpy(), table.to_numpy())


_CELL = st.one_of(
    _ID,
    _VALUE.map(repr),
    st.sampled_from(["", "NA", "nan", "inf", "-inf", '"', '"a,b"', "1e999", " "]),
)


@FAST
@given(
    rows=st.lists(st.lists(_CELL, min_size=0, max_size=5), min_size=0, max_size=6),
    sep=st.sampled_from([",", "\t", ";"]),
    orientation=st.sampled_from(["samples_as_rows", "genes_as_rows"]),
)
def test_read_matrix_any_text_gives_a_matrix_or_names_the_file(rows, sep, orientation):
    text = "\n".join(sep.join(row) for row in rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "any.csv"
        path.write_text(text)
        try:
            X = read_matrix(path, orientation=orientation, sep=sep)
        except ValueError as exc:
            message = str(exc)
            assert "'any.csv'" in message, message
            assert "\n" not in message, message
            return
    # Accepted: a real matrix, never NaN/inf or repeated ids.
    assert X.shape[0] >= 1 and X.shape[1] >= 1
    assert np.isfinite(X.to_numpy()).all()
    assert X.index.is_unique and X.columns.is_unique
    assert X.dtypes.eq(np.float32).all()
