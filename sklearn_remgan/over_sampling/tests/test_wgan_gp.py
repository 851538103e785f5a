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

from sklearn_remgan.over_sampling import WGANGPSampler
from sklearn_remgan.over_sampling._wgan_gp import (
    CHECKPOINT_FILES,
    _largest_remainder,
    _water_fill,
)

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
def test_sampling_strategy_counts(toy, fast_params, strategy, expected):
    X, y, _ = toy
    sampler = WGANGPSampler(strategy, random_state=0, **fast_params)
    X_res, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res.tolist())) == expected
    np.testing.assert_array_equal(X_res[: len(X)], X)  # original rows first
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert X_res.dtype == np.float32
    assert np.isfinite(X_res).all()
    # generated rows appended class by class
    new = y_res[len(y) :].tolist()
    assert new == sorted(new)


def test_float_strategy_binary(fast_params):
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 4), np.array([0] * 40 + [1] * 10)
    X_res, y_res = WGANGPSampler(0.5, random_state=0, **fast_params).fit_resample(
        X, y
    )
    assert Counter(y_res.tolist()) == {0: 40, 1: 20}
    assert X_res.dtype == np.float64


def test_pandas_in_pandas_out(toy, fast_params):
    X, y, _ = toy
    df = pd.DataFrame(X, columns=[f"g{i}" for i in range(X.shape[1])])
    sampler = WGANGPSampler(random_state=0, **fast_params)
    X_res, y_res = sampler.fit_resample(df, pd.Series(y, name="tissue"))
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(df.columns) and y_res.name == "tissue"
    assert (X_res.dtypes == np.float32).all()
    X_new, y_new = sampler.sample(4, y="c")
    assert isinstance(X_new, pd.DataFrame) and list(X_new.columns) == list(df.columns)
    assert y_new.tolist() == ["c"] * 4


def test_fitted_attributes(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(random_state=0, device="auto", **fast_params).fit(
        X, y, covariates=status
    )
    assert sampler.classes_.tolist() == ["a", "b", "c"]
    assert sampler.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    assert sampler.n_features_in_ == 6
    assert sampler.sampling_strategy_ == {"b": 15, "c": 25}
    assert sampler.covariate_names_ == ["covariate_0"]
    assert len(sampler.net_.history) == fast_params["max_epochs"]
    for key in ("critic_loss", "generator_loss", "gradient_penalty", "wasserstein"):
        assert np.isfinite(sampler.net_.history[-1, key])
    assert sampler.modes_["n_real"].sum() == len(y)
    assert sampler.modes_["n_generated"].sum() == 40


# ---------------------------------------------------------------- modes


def test_modes_balanced_by_water_filling(toy, fast_params):
    X, y, status = toy
    # class a: 30 tumor + 10 normal; 20 new rows all go to normal
    sampler = WGANGPSampler({"a": 60, "b": 25, "c": 15}, random_state=0, **fast_params)
    _X_res, y_res = sampler.fit_resample(X, y, covariates=status)
    modes = sampler.modes_.set_index(["label", "covariate_0"])
    assert modes.loc[("a", "normal"), "n_generated"] == 20
    assert modes.loc[("a", "tumor"), "n_generated"] == 0
    assert modes["n_generated"].sum() == 20 == len(y_res) - len(y)


def test_modes_balanced_splits_remainder(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler({"a": 75}, random_state=0, **fast_params)
    sampler.fit(X, y, covariates=pd.Series(status, name="status"))
    modes = sampler.modes_.set_index(["label", "status"])
    # 35 new rows: 20 lift normal to 30, then 15 split 8/7 -> 38 and 37
    assert modes.loc[("a", "normal"), "n_generated"] == 28
    assert modes.loc[("a", "tumor"), "n_generated"] == 7


def test_modes_proportional(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(
        {"a": 60}, mode_balance="proportional", random_state=0, **fast_params
    )
    sampler.fit(X, y, covariates=status)
    modes = sampler.modes_.set_index(["label", "covariate_0"])
    assert modes.loc[("a", "tumor"), "n_generated"] == 15
    assert modes.loc[("a", "normal"), "n_generated"] == 5


def test_modes_dict_exact_and_checked(toy, fast_params):
    X, y, status = toy
    frame = pd.DataFrame({"status": status})
    balance = {("a", "tumor"): 12, ("a", "normal"): 8}
    sampler = WGANGPSampler(
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


def test_pipeline_gridsearch_routes_covariates(tcga_slice):
    from imblearn.pipeline import make_pipeline

    X, y, status = tcga_slice["X"][:, :40], tcga_slice["y"], tcga_slice["status"]
    with config_context(enable_metadata_routing=True):
        sampler = WGANGPSampler(
            latent_dim=8,
            generator_hidden=(32,),
            critic_hidden=(32,),
            max_epochs=2,
            random_state=0,
        ).set_fit_resample_request(covariates=True)
        pipe = make_pipeline(sampler, LogisticRegression(max_iter=200))
        search = GridSearchCV(
            pipe,
            {"wgangpsampler__n_critic": [1, 3]},
            cv=StratifiedKFold(2, shuffle=True, random_state=0),
            scoring="balanced_accuracy",
        )
        search.fit(X, y, covariates=status)
    fitted = search.best_estimator_.named_steps["wgangpsampler"]
    modes = fitted.modes_
    # refit on all rows: every tissue x status mode, exact counts
    assert len(modes) == 6 and modes["n_real"].sum() == len(y)
    assert set(modes["covariate_0"]) == {"normal", "tumor"}
    target = Counter(y.tolist()).most_common(1)[0][1]
    per_class = modes.groupby("label")[["n_real", "n_generated"]].sum().sum(axis=1)
    assert (per_class == target).all()
    assert search.best_score_ > 0.8


# ---------------------------------------------------------------- sample


def test_sample_label_forms(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(random_state=0, **fast_params).fit(X, y, covariates=status)
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


def test_sample_returns_the_mode_of_each_row(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(random_state=0, **fast_params).fit(
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
    plain = WGANGPSampler(random_state=0, **fast_params).fit(X, y)
    _, _, cov = plain.sample(4, return_covariates=True)
    assert cov.shape == (4, 0)


def test_sample_errors(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(random_state=0, **fast_params).fit(X, y, covariates=status)
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
        WGANGPSampler().sample(2)


# ---------------------------------------------------------------- reproducibility


def test_same_random_state_same_rows_and_rng_untouched(toy, fast_params):
    X, y, _status = toy
    np.random.seed(123)
    torch.manual_seed(123)
    np_state, torch_state = np.random.get_state(), torch.get_rng_state()
    a = WGANGPSampler(random_state=7, **fast_params).fit_resample(X, y)[0]
    b = WGANGPSampler(random_state=7, **fast_params).fit_resample(X, y)[0]
    c = WGANGPSampler(random_state=8, **fast_params).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state[1])
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_pickle_round_trip_same_samples(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(random_state=0, **fast_params).fit(X, y, covariates=status)
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


def test_bfloat16_precision_runs(toy, fast_params):
    X, y, _ = toy
    X_res, _ = WGANGPSampler(
        precision="bfloat16", random_state=0, **fast_params
    ).fit_resample(X, y)
    assert X_res.dtype == np.float32 and np.isfinite(X_res).all()


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "value, match",
    [(np.nan, r"contains 1 NaN and 0 infinite"), (np.inf, r"0 NaN and 1 infinite")],
    ids=["nan", "inf"],
)
def test_refuses_non_finite(toy, fast_params, value, match):
    X, y, _ = toy
    X = X.copy()
    X[5, 2] = value
    with pytest.raises(ValueError, match=match):
        WGANGPSampler(**fast_params).fit_resample(X, y)


def test_input_errors(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(**fast_params)
    with pytest.raises(ValueError, match="Expected 2D array"):
        sampler.fit_resample(X[:, 0], y)
    y_small = y.copy()
    y_small[-1] = "d"
    with pytest.raises(ValueError, match=r"at least 2 rows per class.*\['d'\]"):
        sampler.fit_resample(X, y_small)
    with pytest.raises(ValueError, match="greater or equal to the original"):
        WGANGPSampler({"a": 10}, **fast_params).fit_resample(X, y)
    with pytest.raises(ValueError, match="one row per sample: 80 rows expected"):
        sampler.fit_resample(X, y, covariates=status[:10])
    bad = status.astype(object)
    bad[0] = None
    with pytest.raises(ValueError, match="'covariate_0' has 1 missing"):
        sampler.fit_resample(X, y, covariates=bad)
    with pytest.raises(ValueError, match=r"'critic_hidden' parameter .* positive"):
        WGANGPSampler(critic_hidden=(8, 0), **{
            k: v for k, v in fast_params.items() if k != "critic_hidden"
        }).fit(X, y)


def test_cuda_requested_without_cuda(toy, fast_params, monkeypatch):
    # this machine may have a GPU; pretend it has none
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y, _ = toy
    with pytest.raises(ValueError, match="device='cuda' was requested but no CUDA"):
        WGANGPSampler(device="cuda", **fast_params).fit(X, y)


def test_parameter_validation(toy):
    X, y, _ = toy
    with pytest.raises(ValueError, match="'n_critic' parameter of WGANGPSampler"):
        WGANGPSampler(n_critic=0).fit(X, y)
    with pytest.raises(ValueError, match="'precision' parameter"):
        WGANGPSampler(precision="float16").fit(X, y)


# ---------------------------------------------------------------- checkpoints


def test_checkpoint_and_resume(toy, fast_params, tmp_path):
    X, y, _ = toy
    first = tmp_path / "run1"
    sampler = WGANGPSampler(random_state=0, checkpoint_dir=first, **fast_params)
    sampler.fit(X, y)
    assert sorted(p.name for p in first.iterdir()) == sorted(CHECKPOINT_FILES.values())

    # never over existing files
    with pytest.raises(ValueError, match=r"already holds .*never overwrite"):
        sampler.fit(X, y)

    params = {**fast_params, "max_epochs": 5}
    resumed = WGANGPSampler(random_state=0, resume_from=first, **params).fit(X, y)
    history = resumed.net_.history
    assert len(history) == 5
    assert history[:2, "critic_loss"] == sampler.net_.history[:, "critic_loss"]

    with pytest.raises(ValueError, match="lacks the checkpoint files"):
        WGANGPSampler(resume_from=tmp_path / "none", **params).fit(X, y)
    with pytest.raises(ValueError, match="does not match"):
        WGANGPSampler(resume_from=first, **params).fit(X[:, :3], y)


def test_checkpoint_never_in_working_directory(toy, fast_params, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y, _ = toy
    with pytest.raises(ValueError, match="must not be the working directory"):
        WGANGPSampler(checkpoint_dir=".", **fast_params).fit(X, y)
    assert list(tmp_path.iterdir()) == []


def test_verbose(toy, fast_params, capsys):
    X, y, _ = toy
    WGANGPSampler(verbose=0, **fast_params).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    sampler = WGANGPSampler(verbose=1, **fast_params).fit(X, y)
    captured = capsys.readouterr()
    # One bar over the epochs (tqdm writes to stderr), the losses in its postfix.
    assert "WGAN-GP" in captured.err and "wasserstein=" in captured.err
    assert f"{fast_params['max_epochs']}/{fast_params['max_epochs']}" in captured.err
    pickle.loads(pickle.dumps(sampler))  # the closed bar is not kept
    WGANGPSampler(verbose=2, **fast_params).fit(X, y)
    captured = capsys.readouterr()
    assert "critic_loss" in captured.out and "wasserstein" in captured.out


# ---------------------------------------------------------------- aligner hook


class MeanShiftAligner(TransformerMixin, BaseEstimator):
    """Moves generated rows so each class mean matches the real class mean."""

    def fit(self, X, y=None, *, X_real, y_real=None):
        self.shift_ = {
            c: X_real[y_real == c].mean(0) - X[y == c].mean(0) for c in np.unique(y)
        }
        return self

    def transform(self, X, y=None):
        return X + np.stack([self.shift_[c] for c in y])


def test_aligner_hook(toy, fast_params):
    X, y, _ = toy
    sampler = WGANGPSampler(
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


# ---------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def trained_on_tcga(tcga_slice):
    torch.set_num_threads(1)
    X, y, status = tcga_slice["X"], tcga_slice["y"], tcga_slice["status"]
    sampler = WGANGPSampler(
        "all",
        latent_dim=32,
        generator_hidden=(64, 128),
        critic_hidden=(128, 64),
        batch_size=32,
        max_epochs=100,
        n_critic=5,
        random_state=0,
    )
    X_res, y_res = sampler.fit_resample(X, y, covariates=status)
    return sampler, X, y, status, X_res[len(X) :], y_res[len(y) :]


@pytest.mark.slow
def test_real_data_generated_rows_look_like_their_class(trained_on_tcga):
    _sampler, X, y, _status, X_gen, y_gen = trained_on_tcga
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    for label in np.unique(y_gen):
        rows = X_gen[y_gen == label]
        assert (clf.predict(rows) == label).mean() > 0.8, label
        real = X[y == label]
        # per-gene marginals, in units of the standardized genes
        assert np.abs(rows.mean(0) - real.mean(0)).mean() < 0.35, label
        ratio = rows.std(0) / real.std(0)
        assert 0.6 < np.median(ratio) < 1.5, label


@pytest.mark.slow
def test_real_data_per_mode_counts_exact(trained_on_tcga):
    sampler, _X, y, status, _X_gen, y_gen = trained_on_tcga
    # "all": every tissue ends at the majority size (kidney, 208 rows); within
    # a tissue, tumour and normal are matched pairs, so the split is even.
    modes = sampler.modes_.set_index(["label", "covariate_0"])
    for label, n in Counter(y.tolist()).items():
        target = 208 - n
        got = modes.loc[label, "n_generated"]
        assert got.sum() == target == (y_gen == label).sum()
        assert abs(got["tumor"] - got["normal"]) <= 1
        real = modes.loc[label, "n_real"]
        assert real["tumor"] == (status[y == label] == "tumor").sum()


def test_keep_training_data(toy, fast_params):
    X, y, _ = toy
    sampler = WGANGPSampler(random_state=0, **fast_params).fit(X, y)
    np.testing.assert_array_equal(sampler.X_fit_, X)
    np.testing.assert_array_equal(sampler.y_fit_, y)
    # Refitting without it drops the rows kept by the earlier fit.
    sampler.set_params(keep_training_data=False).fit(X, y)
    assert not hasattr(sampler, "X_fit_") and not hasattr(sampler, "y_fit_")
