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


# ---------------------------------------------------------------- coverage options


def test_paper_preset_is_reachable():
    from sklearn_remgan.over_sampling._wgan_gp import PAPER_SETTINGS

    sampler = WGANGPSampler.paper(max_epochs=7, random_state=1)
    params = sampler.get_params()
    assert {k: params[k] for k in PAPER_SETTINGS} == PAPER_SETTINGS
    assert params["max_epochs"] == 7 and params["random_state"] == 1
    with pytest.raises(ValueError, match=r"fixes \['pac'\]"):
        WGANGPSampler.paper(pac=10)


def test_pacgan_packs_rows_for_the_critic(toy, fast_params):
    X, y, status = toy
    sampler = WGANGPSampler(pac=3, random_state=0, **fast_params)
    X_res, _ = sampler.fit_resample(X, y, covariates=status)
    critic = sampler.net_.critic_
    assert critic.input_x.in_features == 3 * X.shape[1]
    assert critic.input_c.in_features == 3 * (3 + 2)  # classes + statuses
    # 80 rows, batch 16 -> 5 batches of 15 packed rows (5 packs) per epoch.
    assert np.isfinite(X_res).all()
    assert sampler.net_.history[-1, "train_batch_count"] == 5
    with pytest.raises(ValueError, match=r"pac=32 rows .* batch_size=16"):
        WGANGPSampler(pac=32, **fast_params).fit(X, y)


def test_ema_generates_from_the_averaged_weights(toy, fast_params, monkeypatch):
    from sklearn_remgan.over_sampling._net import WGANGPNet

    X, y, _ = toy
    averaged = {}
    end = WGANGPNet.on_train_end

    def spy(self, net, **kwargs):
        averaged.update({k: v.clone() for k, v in self._ema_state.items()})
        raw = {k: v.clone() for k, v in self.module_.state_dict().items()}
        end(self, net, **kwargs)
        averaged["raw"] = raw

    monkeypatch.setattr(WGANGPNet, "on_train_end", spy)
    params = {**fast_params, "max_epochs": 4}
    sampler = WGANGPSampler(ema_decay=0.9, random_state=0, **params).fit(X, y)
    final = sampler.net_.module_.state_dict()
    raw = averaged.pop("raw")
    for key, value in averaged.items():
        assert torch.equal(final[key], value), key
    weight = next(k for k in final if k.endswith("weight"))
    assert not torch.equal(final[weight], raw[weight])  # an average, not the last
    assert sampler.net_._ema_state is None  # not carried by the fitted net
    again = WGANGPSampler(ema_decay=0.9, random_state=0, **params).fit(X, y)
    np.testing.assert_array_equal(
        sampler.sample(5, random_state=0)[0], again.sample(5, random_state=0)[0]
    )


def test_ema_with_early_stopping_scores_the_average(toy, fast_params):
    X, y, status = toy
    params = {**fast_params, "max_epochs": 4}
    sampler = WGANGPSampler(
        ema_decay=0.5,
        early_stopping=True,
        validation_interval=1,
        n_iter_no_change=10,
        random_state=0,
        **params,
    ).fit(X, y, covariates=status)
    scores = sampler.net_.history[:, "valid_score"]
    assert len(scores) == 4
    assert sampler.best_validation_score_ == max(scores)


@pytest.mark.slow
def test_real_data_early_stopping_beats_a_collapsed_generator(tcga_slice):
    from sklearn.model_selection import GroupShuffleSplit

    from sklearn_remgan.metrics import precision_recall

    torch.set_num_threads(1)
    X, y, status = tcga_slice["X"], tcga_slice["y"], tcga_slice["status"]
    train, test = next(
        GroupShuffleSplit(1, test_size=0.25, random_state=0).split(
            X, y, tcga_slice["patient"]
        )
    )
    sampler = WGANGPSampler(
        latent_dim=32,
        generator_hidden=(64, 128),
        critic_hidden=(128, 64),
        batch_size=32,
        max_epochs=150,
        early_stopping=True,
        validation_interval=10,
        n_iter_no_change=4,
        random_state=0,
    ).fit(X[train], y[train], covariates=status[train])
    scores = sampler.net_.history[:, "valid_score"]
    assert sampler.best_validation_score_ == max(scores) > scores[0]
    assert sampler.n_iter_ <= 150
    # One generated row per held-out row, same tissue and status.
    X_gen, _ = sampler.sample(len(test), y[test], covariates=status[test])
    gan = precision_recall(X[test], X_gen, k=5)
    # A collapsed generator: each mode's mean, barely perturbed.
    rng = np.random.RandomState(0)
    means = {
        key: X[train][(y[train] == key[0]) & (status[train] == key[1])].mean(0)
        for key in set(zip(y[train], status[train]))
    }
    collapsed = np.stack([means[key] for key in zip(y[test], status[test])])
    collapsed = collapsed + 0.01 * rng.randn(*collapsed.shape)
    baseline = precision_recall(X[test], collapsed, k=5)
    assert gan.recall > baseline.recall + 0.2, (gan.recall, baseline.recall)
    assert gan.precision > 0.5
