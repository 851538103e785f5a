"""Property tests of the diagnostics' public entry points (issue 14).

Random shapes, NaN/inf placement, flag and label types: a correct table or
figure, or a ValueError / TypeError naming the argument.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_remgan.diagnostics import (
    RecallREMDisplay,
    REMDistributionDisplay,
    ZeroRecallDisplay,
    overall_table,
    recall_by_class,
    rem_difference_table,
)
from sklearn_remgan.metrics import precision_recall

FAST = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
seeds = st.integers(0, 2**31 - 1)
bad_values = st.sampled_from([None, np.nan, np.inf, -1.0])
flag_kinds = st.sampled_from(["bool", "int01", "float01", "str", "nan", "int2"])
label_kinds = st.sampled_from(["str", "int", "bool", "mixed", "with_none"])


def _labels(kind, n, rng):
    base = rng.randint(0, 2, size=n)
    base[:2] = [0, 1]
    if kind == "str":
        return np.where(base == 1, "kidney", "liver")
    if kind == "int":
        return base + 10
    if kind == "bool":
        return base.astype(bool)
    labels = np.array(["a" if b else 3 for b in base], dtype=object)
    if kind == "with_none":
        labels[rng.randint(n)] = None
    return labels


def _flags(kind, n, rng):
    base = rng.randint(0, 2, size=n)
    return {
        "bool": base.astype(bool),
        "int01": base,
        "float01": base.astype(float),
        "str": np.where(base == 1, "True", "False"),
        "nan": np.where(base == 1, 1.0, np.nan),
        "int2": base * 2,
    }[kind]


@FAST
@given(
    n=st.integers(2, 30),
    flags=flag_kinds,
    labels=label_kinds,
    seed=seeds,
    bad=bad_values,
)
def test_recall_displays_draw_or_name_the_argument(n, flags, labels, seed, bad):
    rng = np.random.RandomState(seed)
    recalled = _flags(flags, n, rng)
    y = _labels(labels, n, rng)
    rem = rng.gamma(2.0, size=n)
    if bad is not None:
        rem[rng.randint(n)] = bad
    flags_ok = flags in ("bool", "int01", "float01") or (
        flags == "nan" and not np.isnan(recalled).any()
    )
    labels_ok = labels != "with_none"
    try:
        disp = ZeroRecallDisplay.from_predictions(recalled, y)
    except ValueError as exc:
        assert not (flags_ok and labels_ok)
        assert "real_recalled" in str(exc) or "y_real" in str(exc), exc
    else:
        assert flags_ok and labels_ok
        expected = 1 - recalled.astype(bool)
        shares = disp.zero_recall["all"]
        for label in set(y.tolist()):
            assert shares[label] == pytest.approx(expected[y == label].mean())
    try:
        RecallREMDisplay.from_predictions(rem, recalled, y, n_worst=2)
    except ValueError as exc:
        assert not (flags_ok and labels_ok and bad is None)
        assert any(a in str(exc) for a in ("real_recalled", "y_real", "rem_real"))
    else:
        assert flags_ok and labels_ok and bad is None


@FAST
@given(
    n_real=st.integers(0, 20),
    n_gen=st.integers(0, 20),
    exponent=st.integers(-300, 300),
    bins=st.one_of(st.integers(-3, 60), st.floats(0.5, 3.5)),
    seed=seeds,
)
def test_rem_histogram_draws_or_names_the_argument(n_real, n_gen, exponent, bins, seed):
    rng = np.random.RandomState(seed)
    real = rng.gamma(2.0, size=n_real) * 10.0**exponent
    gen = rng.gamma(1.0, size=n_gen) * 10.0**exponent
    ok = n_real > 0 and n_gen > 0 and isinstance(bins, int) and bins >= 1
    try:
        disp = REMDistributionDisplay.from_predictions(real, gen, bins=bins)
    except (ValueError, TypeError) as exc:
        assert not ok
        assert any(a in str(exc) for a in ("bins", "rem_real", "rem_generated"))
        return
    assert ok
    heights = np.array([p.get_height() for p in disp.ax_.patches])
    assert np.isfinite(heights).all() and heights.max() > 0


@FAST
@given(n=st.integers(1, 12), labels=label_kinds, seed=seeds, bad=bad_values)
def test_rem_difference_table_is_right_or_refuses(n, labels, seed, bad):
    rng = np.random.RandomState(seed)
    rem = rng.gamma(2.0, size=2 * n + 2)
    y = _labels(labels, 2 * n + 2, rng)
    status = np.array(["tumor", "normal"] * (n + 1))
    if bad is not None:
        rem[rng.randint(rem.size)] = bad
    try:
        table = rem_difference_table(rem, y, status)
    except ValueError as exc:
        assert bad is not None or labels == "with_none"
        assert "rem_real" in str(exc) or "y_real" in str(exc), exc
        return
    assert bad is None and labels != "with_none"
    frame = pd.DataFrame({"y": y, "rem": rem, "case": status == "tumor"})
    for tissue, row in table.iterrows():
        part = frame[frame["y"] == tissue]
        case, control = part[part["case"]], part[~part["case"]]
        assert row["n_case"] == len(case) and row["n_control"] == len(control)
        if len(case) and len(control):
            assert row["rem_real_difference"] == pytest.approx(
                case["rem"].mean() - control["rem"].mean()
            )


@FAST
@given(
    n_real=st.integers(5, 20),
    n_gen=st.integers(5, 20),
    other_real=st.integers(5, 20),
    other_k=st.integers(1, 3),
    seed=seeds,
)
def test_overall_table_refuses_a_result_of_other_sets(
    n_real, n_gen, other_real, other_k, seed
):
    rng = np.random.RandomState(seed)
    real, gen = rng.normal(size=(n_real, 3)), rng.normal(size=(n_gen, 3))
    other = precision_recall(rng.normal(size=(other_real, 3)), gen, k=other_k)
    try:
        table = overall_table(real, gen, k=2, result=other, rem=False)
    except ValueError as exc:
        assert other_real != n_real or other_k != 2
        assert "result was computed for" in str(exc)
        return
    assert other_real == n_real and other_k == 2
    assert table.loc[0, "recall"] == other.recall


@FAST
@given(n=st.integers(8, 24), labels=label_kinds, seed=seeds)
def test_recall_by_class_label_types(n, labels, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = _labels(labels, n, rng)
    try:
        recalled = recall_by_class(X, X + 1e-3, y, y, k=1)
    except ValueError as exc:
        assert (
            labels == "with_none"
            or min(np.unique(np.asarray(y).astype(str), return_counts=True)[1]) <= 1
        )
        assert "y_real" in str(exc) or "class" in str(exc), exc
        return
    assert recalled.shape == (n,) and recalled.all()
