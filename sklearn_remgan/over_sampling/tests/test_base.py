"""Contract tests of every generative sampler (parametrized over ``SAMPLERS``)."""

import inspect
import pickle
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_remgan.over_sampling._base import _largest_remainder, _water_fill

# ---------------------------------------------------------------- allocation


@pytest.mark.parametrize(
    "total, real, expected",
    [
        (5, [1, 4, 10], [4, 1, 0]),
        (3, [2, 2], [2, 1]),
        (0, [3, 1], [0, 0]),
        (7, [5], [7]),
        (10, [10, 10, 0], [0, 0, 10]),
        (13, [10, 10, 0], [1, 1, 11]),
    ],
)
def test_water_fill_exact_and_balanced(total, real, expected):
    counts = _water_fill(total, real)
    assert counts.tolist() == expected
    final = np.asarray(real) + counts
    filled = counts > 0
    # modes that received rows end within one row of each other
    assert counts.sum() == total
    assert np.ptp(final[filled]) <= 1 if filled.any() else True


def test_largest_remainder_exact():
    assert _largest_remainder(20, [30, 10]).tolist() == [15, 5]
    assert _largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert _largest_remainder(7, [0, 0]).tolist() == [0, 0]


# ---------------------------------------------------------------- sampler core


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {"a": 40, "b": 40, "c": 40}),
        ("minority", {"a": 40, "b": 25, "c": 40}),
        ("not minority", {"a": 40, "b": 40, "c": 15}),
        ("all", {"a": 40, "b": 40, "c": 40}),
        ({"b": 30, "c": 50}, {"a": 40, "b": 30, "c": 50}),
        (lambda y: {"c": 20}, {"a": 40, "b": 25, "c": 20}),
    ],
    ids=["auto", "minority", "not-minority", "all", "dict", "callable"],
)
def test_sampling_strategy_counts(toy, sampler_cls, fast_params, strategy, expected):
    X, y, _ = toy
    sampler = sampler_cls(strategy, random_state=0, **fast_params)
    X_res, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res.tolist())) == expected
    np.testing.assert_array_equal(X_res[: len(X)], X)  # original rows first
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert X_res.dtype == np.float32
    assert np.isfinite(X_res).all()
    # generated rows appended class by class
    new = y_res[len(y) :].tolist()
    assert new == sorted(new)


def test_float_strategy_binary(sampler_cls, fast_params):
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 4), np.array([0] * 40 + [1] * 10)
    X_res, y_res = sampler_cls(0.5, random_state=0, **fast_params).fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 40, 1: 20}
    assert X_res.dtype == np.float64


def test_pandas_in_pandas_out(toy, sampler_cls, fast_params):
    X, y, _ = toy
    df = pd.DataFrame(X, columns=[f"g{i}" for i in range(X.shape[1])])
    sampler = sampler_cls(random_state=0, **fast_params)
    X_res, y_res = sampler.fit_resample(df, pd.Series(y, name="tissue"))
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(df.columns) and y_res.name == "tissue"
    assert (X_res.dtypes == np.float32).all()
    X_new, y_new = sampler.sample(4, y="c")
    assert isinstance(X_new, pd.DataFrame) and list(X_new.columns) == list(df.columns)
    assert y_new.tolist() == ["c"] * 4


def test_fitted_attributes(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(random_state=0, device="auto", **fast_params).fit(
        X, y, covariates=status
    )
    assert sampler.classes_.tolist() == ["a", "b", "c"]
    assert sampler.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    assert sampler.n_features_in_ == 6
    assert sampler.sampling_strategy_ == {"b": 15, "c": 25}
    assert sampler.covariate_names_ == ["covariate_0"]
    assert len(sampler.net_.history) == fast_params["max_epochs"]
    assert sampler.dtype_ == np.float32
    assert sampler.modes_["n_real"].sum() == len(y)
    assert sampler.modes_["n_generated"].sum() == 40


# ---------------------------------------------------------------- modes


def test_modes_balanced_by_water_filling(toy, sampler_cls, fast_params):
    X, y, status = toy
    # class a: 30 tumor + 10 normal; 20 new rows all go to normal
    sampler = sampler_cls({"a": 60, "b": 25, "c": 15}, random_state=0, **fast_params)
    _X_res, y_res = sampler.fit_resample(X, y, covariates=status)
    modes = sampler.modes_.set_index(["label", "covariate_0"])
    assert modes.loc[("a", "normal"), "n_generated"] == 20
    assert modes.loc[("a", "tumor"), "n_generated"] == 0
    assert modes["n_generated"].sum() == 20 == len(y_res) - len(y)


def test_modes_balanced_splits_remainder(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls({"a": 75}, random_state=0, **fast_params)
    sampler.fit(X, y, covariates=pd.Series(status, name="status"))
    modes = sampler.modes_.set_index(["label", "status"])
    # 35 new rows: 20 lift normal to 30, then 15 split 8/7 -> 38 and 37
    assert modes.loc[("a", "normal"), "n_generated"] == 28
    assert modes.loc[("a", "tumor"), "n_generated"] == 7


def test_modes_proportional(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(
        {"a": 60}, mode_balance="proportional", random_state=0, **fast_params
    )
    sampler.fit(X, y, covariates=status)
    modes = sampler.modes_.set_index(["label", "covariate_0"])
    assert modes.loc[("a", "tumor"), "n_generated"] == 15
    assert modes.loc[("a", "normal"), "n_generated"] == 5


def test_modes_dict_exact_and_checked(toy, sampler_cls, fast_params):
    X, y, status = toy
    frame = pd.DataFrame({"status": status})
    balance = {("a", "tumor"): 12, ("a", "normal"): 8}
    sampler = sampler_cls(
        {"a": 60, "c": 20}, mode_balance=balance, random_state=0, **fast_params
    )
    _X_res, y_res = sampler.fit_resample(X, y, covariates=frame)
    modes = sampler.modes_.set_index(["label", "status"])
    assert modes.loc[("a", "tumor"), "n_generated"] == 12
    assert modes.loc[("a", "normal"), "n_generated"] == 8
    assert Counter(y_res[len(y) :].tolist()) == {"a": 20, "c": 5}

    bad_sum = sampler.set_params(mode_balance={("a", "tumor"): 3})
    with pytest.raises(ValueError, match=r"asks 3 new rows .* class 'a'.* asks 20"):
        bad_sum.fit(X, y, covariates=frame)
    unknown = sampler.set_params(mode_balance={("a", "healthy"): 20})
    with pytest.raises(ValueError, match=r"\('a', 'healthy'\) is not a mode seen"):
        unknown.fit(X, y, covariates=frame)


def test_pipeline_gridsearch_routes_covariates(tcga_slice, sampler_cls, fast_params):
    from imblearn.pipeline import make_pipeline

    X, y, status = tcga_slice["X"][:, :40], tcga_slice["y"], tcga_slice["status"]
    with config_context(enable_metadata_routing=True):
        sampler = sampler_cls(
            **{**fast_params, "max_epochs": 2}
        ).set_fit_resample_request(covariates=True)
        pipe = make_pipeline(sampler, LogisticRegression(max_iter=200))
        step = pipe.steps[0][0]
        search = GridSearchCV(
            pipe,
            {f"{step}__random_state": [0, 1]},
            cv=StratifiedKFold(2, shuffle=True, random_state=0),
            scoring="balanced_accuracy",
        )
        search.fit(X, y, covariates=status)
    fitted = search.best_estimator_.named_steps[step]
    modes = fitted.modes_
    # refit on all rows: every tissue x status mode, exact counts
    assert len(modes) == 6 and modes["n_real"].sum() == len(y)
    assert set(modes["covariate_0"]) == {"normal", "tumor"}
    target = Counter(y.tolist()).most_common(1)[0][1]
    per_class = modes.groupby("label")[["n_real", "n_generated"]].sum().sum(axis=1)
    assert (per_class == target).all()
    assert search.best_score_ > 0.8


# ---------------------------------------------------------------- sample


def test_sample_label_forms(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(random_state=0, **fast_params).fit(X, y, covariates=status)
    _, y_none = sampler.sample(16)
    assert y_none.tolist() == ["a"] * 8 + ["b"] * 5 + ["c"] * 3
    X_one, y_one = sampler.sample(3, "b")
    assert X_one.shape == (3, 6) and X_one.dtype == np.float32
    assert y_one.tolist() == ["b"] * 3
    labels = np.array(["c", "a", "c"])
    _, y_arr = sampler.sample(3, labels, covariates=["tumor", "normal", "tumor"])
    assert y_arr.tolist() == labels.tolist()
    X_zero, y_zero = sampler.sample(0)
    assert X_zero.shape == (0, 6) and y_zero.shape == (0,)


def test_sample_returns_the_mode_of_each_row(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(random_state=0, **fast_params).fit(
        X, y, covariates=pd.Series(status, name="status")
    )
    _, y_new, cov = sampler.sample(60, return_covariates=True)
    assert list(cov.columns) == ["status"] and len(cov) == len(y_new) == 60
    # Rows drawn with covariates=None keep to the modes seen with their label.
    seen = set(zip(y, status))
    assert set(zip(y_new, cov["status"])) <= seen
    given = ["normal", "tumor", "normal"]
    _, _, cov = sampler.sample(3, "a", covariates=given, return_covariates=True)
    assert cov["status"].tolist() == given
    plain = sampler_cls(random_state=0, **fast_params).fit(X, y)
    _, _, cov = plain.sample(4, return_covariates=True)
    assert cov.shape == (4, 0)


def test_sample_errors(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(random_state=0, **fast_params).fit(X, y, covariates=status)
    with pytest.raises(ValueError, match=r"labels not seen at fit: \['z'\]"):
        sampler.sample(2, "z")
    with pytest.raises(ValueError, match="1-D array of n_samples=3 labels"):
        sampler.sample(3, ["a", "b"])
    with pytest.raises(ValueError, match=r"'covariate_0' has values not seen"):
        sampler.sample(2, "a", covariates=["tumor", "healthy"])
    with pytest.raises(TypeError, match="n_samples must be a non-negative int"):
        sampler.sample(2.5)
    with pytest.raises(ValueError, match="non-negative int; got -1"):
        sampler.sample(-1)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        sampler_cls().sample(2)


# ---------------------------------------------------------------- reproducibility


def test_same_random_state_same_rows_and_rng_untouched(toy, sampler_cls, fast_params):
    X, y, _status = toy
    np.random.seed(123)
    torch.manual_seed(123)
    np_state, torch_state = np.random.get_state(), torch.get_rng_state()
    a = sampler_cls(random_state=7, **fast_params).fit_resample(X, y)[0]
    b = sampler_cls(random_state=7, **fast_params).fit_resample(X, y)[0]
    c = sampler_cls(random_state=8, **fast_params).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state[1])
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_pickle_round_trip_same_samples(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(random_state=0, **fast_params).fit(X, y, covariates=status)
    restored = pickle.loads(pickle.dumps(sampler))
    X1, y1 = sampler.sample(10)
    X2, y2 = restored.sample(10)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    # explicit random_state: repeatable draws
    np.testing.assert_array_equal(
        sampler.sample(5, random_state=3)[0], restored.sample(5, random_state=3)[0]
    )
    cloned = clone(sampler)
    assert cloned.get_params() == sampler.get_params()
    assert not hasattr(cloned, "net_")


def test_bfloat16_precision_runs(toy, sampler_cls, fast_params):
    X, y, _ = toy
    X_res, _ = sampler_cls(
        precision="bfloat16", random_state=0, **fast_params
    ).fit_resample(X, y)
    assert X_res.dtype == np.float32 and np.isfinite(X_res).all()


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "value, match",
    [(np.nan, r"contains 1 NaN and 0 infinite"), (np.inf, r"0 NaN and 1 infinite")],
    ids=["nan", "inf"],
)
def test_refuses_non_finite(toy, sampler_cls, fast_params, value, match):
    X, y, _ = toy
    X = X.copy()
    X[5, 2] = value
    with pytest.raises(ValueError, match=match):
        sampler_cls(**fast_params).fit_resample(X, y)


def test_input_errors(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(**fast_params)
    with pytest.raises(ValueError, match="Expected 2D array"):
        sampler.fit_resample(X[:, 0], y)
    y_small = y.copy()
    y_small[-1] = "d"
    if sampler_cls._min_class_rows > 1:
        with pytest.raises(ValueError, match=r"rows per class.*\['d'\]"):
            sampler.fit_resample(X, y_small)
    with pytest.raises(ValueError, match="greater or equal to the original"):
        sampler_cls({"a": 10}, **fast_params).fit_resample(X, y)
    with pytest.raises(ValueError, match="one row per sample: 80 rows expected"):
        sampler.fit_resample(X, y, covariates=status[:10])
    bad = status.astype(object)
    bad[0] = None
    with pytest.raises(ValueError, match="'covariate_0' has 1 missing"):
        sampler.fit_resample(X, y, covariates=bad)


def test_cuda_requested_without_cuda(toy, sampler_cls, fast_params, monkeypatch):
    # this machine may have a GPU; pretend it has none
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y, _ = toy
    with pytest.raises(ValueError, match="device='cuda' was requested but no CUDA"):
        sampler_cls(device="cuda", **fast_params).fit(X, y)


def test_parameter_validation(toy, sampler_cls):
    X, y, _ = toy
    name = sampler_cls.__name__
    with pytest.raises(ValueError, match=f"'max_epochs' parameter of {name}"):
        sampler_cls(max_epochs=0).fit(X, y)
    with pytest.raises(ValueError, match="'precision' parameter"):
        sampler_cls(precision="float16").fit(X, y)


# ---------------------------------------------------------------- checkpoints


def test_checkpoint_and_resume(toy, sampler_cls, fast_params, tmp_path):
    X, y, _ = toy
    first = tmp_path / "run1"
    sampler = sampler_cls(random_state=0, checkpoint_dir=first, **fast_params)
    sampler.fit(X, y)
    assert sorted(p.name for p in first.iterdir()) == sorted(
        sampler_cls._checkpoint_files.values()
    )

    # never over existing files
    with pytest.raises(ValueError, match=r"already holds .*never overwrite"):
        sampler.fit(X, y)

    params = {**fast_params, "max_epochs": 5}
    resumed = sampler_cls(random_state=0, resume_from=first, **params).fit(X, y)
    history = resumed.net_.history
    assert len(history) == 5
    key = sampler.net_.history_keys[0]  # the first loss each net records
    assert history[:2, key] == sampler.net_.history[:, key]

    with pytest.raises(ValueError, match="lacks the checkpoint files"):
        sampler_cls(resume_from=tmp_path / "none", **params).fit(X, y)
    with pytest.raises(ValueError, match="does not match"):
        sampler_cls(resume_from=first, **params).fit(X[:, :3], y)


def test_checkpoint_never_in_working_directory(
    toy, sampler_cls, fast_params, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    X, y, _ = toy
    with pytest.raises(ValueError, match="must not be the working directory"):
        sampler_cls(checkpoint_dir=".", **fast_params).fit(X, y)
    assert list(tmp_path.iterdir()) == []


def test_verbose(toy, sampler_cls, fast_params, capsys):
    X, y, _ = toy
    sampler_cls(verbose=0, **fast_params).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    sampler = sampler_cls(verbose=1, **fast_params).fit(X, y)
    captured = capsys.readouterr()
    # One bar over the epochs (tqdm writes to stderr).
    assert f"{fast_params['max_epochs']}/{fast_params['max_epochs']}" in captured.err
    pickle.loads(pickle.dumps(sampler))  # the closed bar is not kept


# ---------------------------------------------------------------- aligner hook


class MeanShiftAligner(TransformerMixin, BaseEstimator):
    """Moves generated rows so each class mean matches the real class mean."""

    def fit(
        self, X, y=None, *, X_real, y_real=None, covariates=None, covariates_real=None
    ):
        self.shift_ = {
            c: X_real[y_real == c].mean(0) - X[y == c].mean(0) for c in np.unique(y)
        }
        return self

    def transform(self, X, y=None, *, covariates=None):
        return X + np.stack([self.shift_[c] for c in y])


def test_aligner_hook(toy, sampler_cls, fast_params):
    X, y, _ = toy
    sampler = sampler_cls(
        {"b": 400}, aligner=MeanShiftAligner(), random_state=0, **fast_params
    )
    X_res, _y_res = sampler.fit_resample(X, y)
    assert isinstance(sampler.aligner_, MeanShiftAligner)
    assert sampler.aligner is not sampler.aligner_  # cloned
    gen_mean = X_res[len(X) :].mean(0)
    # 400 aligned rows centre on the real class-b mean (2.0 + noise)
    np.testing.assert_allclose(gen_mean, X[y == "b"].mean(0), atol=0.35)
    X_s, _y_s = sampler.sample(400, "b")
    np.testing.assert_allclose(X_s.mean(0), X[y == "b"].mean(0), atol=0.35)


# ---------------------------------------------------------------- residual noise


def test_residual_noise_adds_the_missing_variance_off_the_axes(
    toy, sampler_cls, fast_params
):
    X, y, status = toy
    sampler = sampler_cls(
        residual_noise=True, residual_components=2, random_state=0, **fast_params
    ).fit(X, y, covariates=status)
    model = sampler.residual_model_
    assert model.components_.shape == (2, X.shape[1])
    missing = model.real_residual_variance_ - model.generated_residual_variance_

    noisy, labels = sampler.sample(
        3000, "a", covariates=["tumor"] * 3000, random_state=1
    )
    plain_sampler = pickle.loads(pickle.dumps(sampler))
    del plain_sampler.residual_model_
    plain, _ = plain_sampler.sample(
        3000, "a", covariates=["tumor"] * 3000, random_state=1
    )
    noise = noisy - plain
    assert (labels == "a").all() and np.abs(noise).max() > 0
    # Off the axes: the rows' scores on the training rows' leading axes stay.
    np.testing.assert_allclose(noise @ model.components_.T, 0, atol=1e-4)
    # Its covariance is the projection of diag(scale**2) off those axes.
    P = model.components_.astype(np.float64)
    Q = np.eye(X.shape[1]) - P.T @ P
    expected = Q @ np.diag(model.scale_.astype(np.float64) ** 2) @ Q
    np.testing.assert_allclose(np.cov(noise.T), expected, atol=0.1 * expected.max())
    # ... whose diagonal is the residual variance the generated rows lack.
    np.testing.assert_allclose(
        np.diag(expected), np.maximum(missing, 0), rtol=0.01, atol=1e-6
    )


def test_residual_noise_is_reproducible_and_pickles(toy, sampler_cls, fast_params):
    X, y, _ = toy
    params = dict(residual_noise=True, residual_components=3, **fast_params)
    first = sampler_cls(random_state=0, **params).fit(X, y)
    second = sampler_cls(random_state=0, **params).fit(X, y)
    a, _ = first.sample(50, random_state=3)
    np.testing.assert_array_equal(a, second.sample(50, random_state=3)[0])
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(a, restored.sample(50, random_state=3)[0])
    # Without the option the rows are those of a sampler that never had it.
    off = sampler_cls(random_state=0, **fast_params).fit(X, y)
    assert not hasattr(off, "residual_model_")
    b, _ = off.sample(50, random_state=3)
    assert not np.array_equal(a, b)
    P = first.residual_model_.components_
    np.testing.assert_allclose((a - b) @ P.T, 0, atol=1e-4)  # same rows on the axes
    X_res, _ = sampler_cls({"c": 40}, random_state=0, **params).fit_resample(X, y)
    assert X_res.shape == (len(X) + 25, X.shape[1]) and np.isfinite(X_res).all()


def test_residual_components_follow_the_package_rule(toy, sampler_cls, fast_params):
    X, y, _ = toy  # 80 rows x 6 features: at most 5 axes
    sampler = sampler_cls(residual_noise=True, random_state=0, **fast_params)
    assert sampler.fit(X, y).residual_model_.n_components_ == 2  # min(50, 5 // 2)
    sampler.set_params(residual_components=7)
    assert sampler.fit(X, y).residual_model_.n_components_ == 5  # capped
    sampler.set_params(residual_noise="cross-fitted", residual_components=None)
    model = sampler.fit(X, y).residual_model_
    assert model.n_components_ == 2
    # Honest residual: above the in-sample one of the same rows.
    in_sample = sampler_cls(residual_noise=True, random_state=0, **fast_params)
    in_sample = in_sample.fit(X, y).residual_model_
    assert model.real_residual_variance_.sum() > in_sample.real_residual_variance_.sum()


@pytest.mark.parametrize(
    "residual_noise, rows, features, match",
    [
        (True, 6, 1, r"needs at least 2 training rows and 2 features .* 1 feature"),
        ("cross-fitted", 2, 6, r"needs at least 3 training rows .* got 2 row"),
    ],
)
def test_residual_noise_without_enough_data_is_refused_before_training(
    sampler_cls, fast_params, residual_noise, rows, features, match
):
    rng = np.random.RandomState(0)
    X = rng.randn(rows, features).astype(np.float32)
    y = np.array(["a", "b"] * rows)[:rows]
    sampler = sampler_cls(residual_noise=residual_noise, random_state=0, **fast_params)
    with pytest.raises(ValueError, match=match):
        sampler.fit(X, y)
    assert not hasattr(sampler, "net_")  # refused before any training


def test_keep_training_data(toy, sampler_cls, fast_params):
    X, y, _ = toy
    sampler = sampler_cls(random_state=0, **fast_params).fit(X, y)
    np.testing.assert_array_equal(sampler.X_fit_, X)
    np.testing.assert_array_equal(sampler.y_fit_, y)
    # Refitting without it drops the rows kept by the earlier fit.
    sampler.set_params(keep_training_data=False).fit(X, y)
    assert not hasattr(sampler, "X_fit_") and not hasattr(sampler, "y_fit_")


# ---------------------------------------------------------------- bad input
# Issue 14: every bad input fails before training with a message naming it,
# and a failed refit leaves the earlier fit usable.


@pytest.mark.parametrize(
    "strategy, match",
    [
        ({"b": 20.5}, r"sampling_strategy must give an integer .* 20\.5 for class 'b'"),
        (lambda y: 3, r"callable sampling_strategy must return a dict .* int 3"),
        ({"b": True}, r"sampling_strategy must give an integer"),
    ],
    ids=["float-count", "callable-int", "bool-count"],
)
def test_bad_sampling_strategy_fails_before_training(
    toy, sampler_cls, fast_params, strategy, match, monkeypatch
):
    X, y, _ = toy
    sampler = sampler_cls(strategy, **fast_params)
    monkeypatch.setattr(
        sampler_cls, "_build_net", lambda *a: pytest.fail("training started")
    )
    with pytest.raises(ValueError, match=match):
        sampler.fit_resample(X, y)


def test_mixed_label_types_are_refused(toy, sampler_cls, fast_params):
    X, _, _ = toy
    y = np.array(["a", 1] * 40, dtype=object)
    with pytest.raises(TypeError, match=r"y must hold values of one type.*'a'"):
        sampler_cls(**fast_params).fit_resample(X, y)


def test_values_beyond_float32_are_refused(toy, sampler_cls, fast_params):
    X, y, _ = toy
    X = X.astype(np.float64)
    X[0, 0] = 1e300
    with pytest.raises(ValueError, match=r"X has values up to 1e\+300 .* float32"):
        sampler_cls(**fast_params).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_one_hot_y_comes_back_one_hot(sampler_cls, fast_params, n_classes):
    rng = np.random.RandomState(0)
    labels = np.repeat(np.arange(n_classes), [30] + [10] * (n_classes - 1))
    y = np.eye(n_classes, dtype=int)[labels]
    X = rng.randn(len(labels), 4)
    _, y_res = sampler_cls(random_state=0, **fast_params).fit_resample(X, y)
    assert y_res.shape == (30 * n_classes, n_classes)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert (y_res.sum(1) == 1).all() and (y_res.sum(0) == 30).all()


def test_failed_refit_keeps_the_earlier_fit(toy, sampler_cls, fast_params):
    X, y, status = toy
    sampler = sampler_cls(random_state=0, **fast_params).fit(X, y, covariates=status)
    before = dict(sampler.__dict__)
    expected = sampler.sample(5, random_state=0)[0]
    sampler.set_params(sampling_strategy={"b": 20.5})
    with pytest.raises(ValueError, match="sampling_strategy"):
        sampler.fit(X[:, :3], y[::-1])
    assert sampler.__dict__.keys() - {"sampling_strategy"} == before.keys() - {
        "sampling_strategy"
    }
    assert sampler.n_features_in_ == 6 and sampler.classes_.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(sampler.sample(5, random_state=0)[0], expected)


# ---------------------------------------------------------------- early stopping


def _scored_epochs(sampler):
    history = sampler.net_.history
    return [row["epoch"] for row in history if "valid_score" in row]


def test_validation_score_recorded_every_interval(toy, sampler_cls, fast_params):
    X, y, status = toy
    params = {**fast_params, "max_epochs": 5}
    sampler = sampler_cls(
        early_stopping=True,
        validation_interval=2,
        n_iter_no_change=10,
        random_state=0,
        **params,
    ).fit(X, y, covariates=status)
    assert _scored_epochs(sampler) == [2, 4, 5]  # the last epoch is always scored
    scores = sampler.net_.history[:, "valid_score"]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert sampler.n_iter_ == 5
    assert sampler.best_validation_score_ == max(scores)
    assert sampler.best_epoch_ == [2, 4, 5][int(np.argmax(scores))]


def test_early_stopping_stops(toy, sampler_cls, fast_params):
    X, y, _ = toy
    params = {**fast_params, "max_epochs": 50}
    # tol=1: no score can count as progress, so one score after the first stops.
    sampler = sampler_cls(
        early_stopping=True,
        validation_interval=1,
        n_iter_no_change=1,
        tol=1.0,
        random_state=0,
        **params,
    ).fit(X, y)
    assert sampler.n_iter_ == 2 == len(sampler.net_.history)
    assert _scored_epochs(sampler) == [1, 2]


def test_early_stopping_restores_the_best_weights(
    toy, sampler_cls, fast_params, monkeypatch
):
    from sklearn_remgan.over_sampling._callbacks import ValidationScore

    states = {}
    original = ValidationScore.on_epoch_end

    def record(self, net, **kwargs):
        epoch = len(net.history)
        states[epoch] = {k: v.clone() for k, v in net.module_.state_dict().items()}
        return original(self, net, **kwargs)

    monkeypatch.setattr(ValidationScore, "on_epoch_end", record)
    X, y, status = toy
    params = {**fast_params, "max_epochs": 6}
    sampler = sampler_cls(
        early_stopping=True,
        validation_interval=1,
        n_iter_no_change=10,
        random_state=0,
        **params,
    ).fit(X, y, covariates=status)
    scores = sampler.net_.history[:, "valid_score"]
    best = int(np.argmax(scores)) + 1
    assert sampler.best_epoch_ == best
    final = sampler.net_.module_.state_dict()
    for key, value in states[best].items():
        assert torch.equal(final[key], value), key
    if best != 6:  # the last epoch's weights were replaced
        assert any(not torch.equal(final[k], v) for k, v in states[6].items())


def test_max_time_ends_training(toy, sampler_cls, fast_params):
    X, y, _ = toy
    params = {**fast_params, "max_epochs": 50}
    sampler = sampler_cls(max_time=1e-6, random_state=0, **params).fit(X, y)
    assert sampler.n_iter_ == 1 == sampler.best_epoch_
    assert sampler.best_validation_score_ is None
    stopped = sampler_cls(
        max_time=1e-6, early_stopping=True, validation_interval=1, **params
    ).fit(X, y)
    assert stopped.n_iter_ == 1 and _scored_epochs(stopped) == [1]


def test_early_stopping_reproducible_and_pickles(toy, sampler_cls, fast_params):
    X, y, status = toy
    params = {
        **fast_params,
        "max_epochs": 4,
        "early_stopping": True,
        "validation_interval": 1,
        "n_iter_no_change": 2,
        "random_state": 3,
    }
    a = sampler_cls(**params).fit(X, y, covariates=status)
    b = sampler_cls(**params).fit(X, y, covariates=status)
    assert a.net_.history[:, "valid_score"] == b.net_.history[:, "valid_score"]
    assert a.best_epoch_ == b.best_epoch_
    restored = pickle.loads(pickle.dumps(a))
    X1, _ = a.sample(8, random_state=0)
    np.testing.assert_array_equal(X1, b.sample(8, random_state=0)[0])
    np.testing.assert_array_equal(X1, restored.sample(8, random_state=0)[0])
    # The validation rows are not carried by the fitted net.
    scorer = dict(a.net_.callbacks_)["validation_score"]
    assert scorer._X is None and scorer._best_state is None


def test_early_stopping_refuses_tiny_modes(toy, sampler_cls, fast_params):
    X, y, status = toy
    status = status.copy()
    status[40] = "rare"  # class b: one row of mode ("b", "rare")
    sampler = sampler_cls(early_stopping=True, **fast_params)
    with pytest.raises(ValueError, match=r"validation_fraction=0.1 .*\('b', 'rare'\)"):
        sampler.fit(X, y, covariates=status)
    # Without early stopping the same data train.
    sampler.set_params(early_stopping=False).fit(X, y, covariates=status)


def test_public_names_are_the_samplers():
    import sklearn_remgan.over_sampling as over_sampling
    from sklearn_remgan.over_sampling._base import BaseGenerativeSampler

    assert over_sampling.__all__
    for name in over_sampling.__all__:
        assert issubclass(getattr(over_sampling, name), BaseGenerativeSampler), name
    public = {
        n
        for n in dir(over_sampling)
        if not n.startswith("_") and not inspect.ismodule(getattr(over_sampling, n))
    }
    assert public == set(over_sampling.__all__)


# ---------------------------------------------------------------- threads, precision


def test_n_jobs_sets_torch_threads_for_the_fit_and_sample(
    toy, sampler_cls, fast_params, monkeypatch
):
    X, y, _ = toy
    calls = []
    set_threads = torch.set_num_threads
    monkeypatch.setattr(
        torch, "set_num_threads", lambda n: (calls.append(n), set_threads(n))
    )
    before = torch.get_num_threads()
    sampler = sampler_cls(n_jobs=before + 1, random_state=0, **fast_params).fit(X, y)
    assert calls == [before + 1, before]  # set for training, then restored
    sampler.sample(3)
    assert calls[2:] == [before + 1, before]
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        sampler_cls(n_jobs=0, **fast_params).fit(X, y)


@pytest.mark.parametrize("has_bf16, expected", [(True, "bfloat16"), (False, "float32")])
def test_auto_precision(toy, sampler_cls, fast_params, monkeypatch, has_bf16, expected):
    from sklearn_remgan.utils import _threads

    monkeypatch.setattr(_threads, "cpu_has_bf16_units", lambda: has_bf16)
    X, y, _ = toy
    sampler = sampler_cls(precision="auto", random_state=0, **fast_params).fit(X, y)
    assert sampler.precision_ == expected == sampler.net_.precision
    assert sampler_cls(**fast_params).fit(X, y).precision_ == "float32"


def test_checkpoint_dir_that_is_a_file_is_refused(
    toy, sampler_cls, fast_params, tmp_path
):
    X, y, _ = toy
    path = tmp_path / "file"
    path.write_text("not a directory")
    with pytest.raises(ValueError, match=r"checkpoint_dir .* cannot be used"):
        sampler_cls(checkpoint_dir=path / "run", **fast_params).fit(X, y)
