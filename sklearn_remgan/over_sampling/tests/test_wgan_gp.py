"""WGAN-GP specific tests; the sampler contract is tested in ``test_base.py``."""

import pickle
from collections import Counter

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from sklearn_remgan.over_sampling import WGANGPSampler
from sklearn_remgan.over_sampling.tests.conftest import FAST


@pytest.fixture
def fast_params():
    return dict(FAST)


def test_history_holds_the_gan_losses(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(random_state=0, **fast_params).fit(X, y, covariates=status)
    for key in ("critic_loss", "generator_loss", "gradient_penalty", "wasserstein"):
        assert np.isfinite(sampler.net_.history[-1, key])


def test_gan_parameter_validation(toy, fast_params):
    X, y, _ = toy
    with pytest.raises(ValueError, match="'n_critic' parameter of WGANGPSampler"):
        WGANGPSampler(n_critic=0).fit(X, y)
    params = {k: v for k, v in fast_params.items() if k != "critic_hidden"}
    with pytest.raises(ValueError, match=r"'critic_hidden' parameter .* positive"):
        WGANGPSampler(critic_hidden=(8, 0), **params).fit(X, y)


def test_one_row_classes_are_refused(toy, fast_params):
    X, y, _ = toy
    y = y.copy()
    y[-1] = "d"
    with pytest.raises(ValueError, match=r"at least 2 rows per class.*batch norm"):
        WGANGPSampler(**fast_params).fit_resample(X, y)


def test_verbose_shows_the_losses(toy, fast_params, capsys):
    X, y, _ = toy
    sampler = WGANGPSampler(verbose=1, **fast_params).fit(X, y)
    captured = capsys.readouterr()
    assert "WGAN-GP" in captured.err and "wasserstein=" in captured.err
    pickle.loads(pickle.dumps(sampler))
    WGANGPSampler(verbose=2, **fast_params).fit(X, y)
    captured = capsys.readouterr()
    assert "critic_loss" in captured.out and "wasserstein" in captured.out


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


@pytest.mark.parametrize(
    "param, value, match",
    [
        ("betas", ("a", "b"), r"'betas' parameter of WGANGPSampler must be two floats"),
        ("betas", (0.5,), r"'betas' parameter"),
        ("generator_hidden", (8, "x"), r"'generator_hidden' parameter"),
        ("generator_hidden", (), r"'generator_hidden' parameter"),
    ],
)
def test_bad_net_params_fail_before_training_and_keep_the_fit(
    toy, fast_params, param, value, match
):
    X, y, _ = toy
    sampler = WGANGPSampler(random_state=0, **fast_params).fit(X, y)
    net = sampler.net_
    sampler.set_params(**{param: value})
    with pytest.raises(ValueError, match=match):
        sampler.fit(X[:, :3], y)
    assert sampler.net_ is net and sampler.n_features_in_ == 6
    assert sampler.sample(3)[0].shape == (3, 6)
