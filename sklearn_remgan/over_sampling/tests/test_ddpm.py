import pickle
from collections import Counter

import numpy as np
import pytest
import torch

from sklearn_remgan.over_sampling import DDPMSampler
from sklearn_remgan.over_sampling._denoiser import Denoiser, timestep_embedding
from sklearn_remgan.over_sampling._diffusion import (
    DiffusionNet,
    cosine_alpha_bar,
    sampling_timesteps,
)
from sklearn_remgan.over_sampling.tests.conftest import (
    FAST_DDPM,
    SLICE_DDPM,
    split_by_patient,
)

# ---------------------------------------------------------------- schedule


@pytest.mark.parametrize("n_timesteps", [10, 1000])
def test_cosine_schedule_properties(n_timesteps):
    ab = cosine_alpha_bar(n_timesteps)
    assert ab.shape == (n_timesteps,)
    assert np.all(np.diff(ab) < 0)  # strictly less signal at every step
    assert 0.95 < ab[0] < 1 and 0 <= ab[-1] < 1e-3
    betas = 1 - ab / np.concatenate([[1.0], ab[:-1]])
    assert np.all(betas > 0) and np.all(betas <= 0.999 + 1e-12)
    # Nichol & Dhariwal: half the signal variance is gone near the middle.
    assert 0.45 < ab[n_timesteps // 2 - 1] < 0.55  # entry i is step t = i + 1


def test_sampling_timesteps_span_the_chain():
    for n_steps in (1, 2, 7, 50, 1000):
        steps = sampling_timesteps(1000, n_steps)
        assert len(steps) == n_steps
        assert steps[0] == 999
        assert np.all(np.diff(steps) < 0)
        if n_steps > 1:
            assert steps[-1] == 0
    np.testing.assert_array_equal(sampling_timesteps(5, 5), [4, 3, 2, 1, 0])


# ---------------------------------------------------------------- denoiser


def test_timestep_embedding_distinguishes_steps():
    emb = timestep_embedding(torch.tensor([0, 1, 500, 999]), 9)
    assert emb.shape == (4, 9)
    assert torch.all(emb[:, -1] == 0)  # odd width: one zero column
    assert torch.all(emb.abs() <= 1)
    distances = torch.cdist(emb, emb)
    assert (distances + torch.eye(4) > 1e-3).all()


@pytest.mark.parametrize("n_conditions", [0, 3])
def test_denoiser_shapes_and_condition(n_conditions):
    torch.manual_seed(0)
    net = Denoiser(7, n_conditions, hidden_dim=16, n_blocks=2, time_dim=8)
    x, t = torch.randn(5, 7), torch.arange(5)
    cond = torch.eye(3)[torch.tensor([0, 1, 2, 0, 1])] if n_conditions else None
    out = net(x, t, cond)
    assert out.shape == (5, 7) and torch.isfinite(out).all()
    assert net.lower.shape == (7,) and torch.isinf(net.lower).all()
    if n_conditions:
        # The condition and the timestep both change the output.
        assert not torch.allclose(out, net(x, t, torch.zeros_like(cond)))
        assert not torch.allclose(out, net(x, t + 100, cond))
        # No condition means the zero vector (the null condition of guidance).
        torch.testing.assert_close(net(x, t, None), net(x, t, torch.zeros_like(cond)))


# ---------------------------------------------------------------- net


def _toy_data(n=96, n_features=6, seed=0):
    rng = np.random.RandomState(seed)
    labels = np.arange(n) % 2
    X = (rng.randn(n, n_features) * 0.3 + labels[:, None] * 2.0 - 1.0).astype(
        np.float32
    )
    return X, np.eye(2, dtype=np.float32)[labels]


def _net(**params):
    kwargs = {
        "module__n_features": 6,
        "module__n_conditions": 2,
        "module__hidden_dim": 32,
        "module__n_blocks": 2,
        "module__time_dim": 16,
        "n_timesteps": 100,
        "batch_size": 32,
        "lr": 2e-3,
        "max_epochs": 2,
        "seed": 0,
    }
    kwargs.update(params)
    return DiffusionNet(**kwargs)


@pytest.mark.parametrize("prediction", ["x0", "v"])
def test_training_reduces_the_loss_and_tracks_the_average(prediction):
    X, cond = _toy_data()
    torch.manual_seed(0)
    net = _net(prediction=prediction, max_epochs=60, ema_decay=0.9).fit(X, cond)
    losses = net.history[:, "diffusion_loss"]
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:3])
    # Only the trained denoiser has an optimizer; the average follows it.
    assert all(not p.requires_grad for p in net.module_.parameters())
    opt_params = {id(p) for g in net.optimizer_.param_groups for p in g["params"]}
    assert opt_params == {id(p) for p in net.denoiser_.parameters()}
    for avg, trained in zip(net.module_.parameters(), net.denoiser_.parameters()):
        assert not torch.equal(avg, trained)
        assert torch.allclose(avg, trained, atol=0.2)
    # Units and clipping range: the training rows' per-gene mean, spread and
    # range, in both copies.
    for module in (net.module_, net.denoiser_):
        center, scale = module.center.numpy(), module.scale.numpy()
        np.testing.assert_allclose(center, X.mean(0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(scale, X.std(0), rtol=1e-5)
        for bound, expected in ((module.lower, X.min(0)), (module.upper, X.max(0))):
            np.testing.assert_allclose(
                bound.numpy() * scale + center, expected, rtol=1e-5, atol=1e-5
            )


@pytest.fixture(scope="module")
def trained_toy_net():
    X, cond = _toy_data()
    torch.manual_seed(0)
    return _net(max_epochs=60, ema_decay=0.9).fit(X, cond), X, cond


@pytest.mark.parametrize(
    "eta, n_steps", [(0.0, 50), (0.0, 5), (0.0, 1), (1.0, 100), (1.0, 10)]
)
def test_ddim_and_ddpm_sampling(trained_toy_net, eta, n_steps):
    net, X, cond = trained_toy_net
    net.set_params(eta=eta, n_steps=n_steps)
    with torch.no_grad():
        torch.manual_seed(1)
        rows = net.generate(torch.as_tensor(cond)).numpy()
    assert rows.shape == X.shape and rows.dtype == np.float32
    assert np.isfinite(rows).all()
    # Clipped to the training range, and each class near its own mean.
    assert (rows >= X.min(0) - 1e-6).all() and (rows <= X.max(0) + 1e-6).all()
    labels = cond.argmax(1)
    if n_steps != 1:
        for label in (0, 1):
            gap = rows[labels == label].mean(0) - X[labels == label].mean(0)
            assert np.abs(gap).mean() < 0.5


def test_ddim_draws_only_its_start_ddpm_draws_every_step(trained_toy_net):
    net, _X, cond = trained_toy_net
    cond = torch.as_tensor(cond[:8])
    for eta, extra in ((0.0, False), (1.0, True)):
        net.set_params(eta=eta, n_steps=10)
        torch.manual_seed(0)
        with torch.no_grad():
            first = net.generate(cond)
        after_generate = torch.randn(3)
        torch.manual_seed(0)
        torch.randn(8, 6)  # the starting noise only
        after_start = torch.randn(3)
        assert torch.equal(after_generate, after_start) is not extra
        torch.manual_seed(0)
        with torch.no_grad():
            torch.testing.assert_close(net.generate(cond), first)


def test_guidance_runs_both_branches(trained_toy_net):
    net, _X, cond = trained_toy_net
    cond = torch.as_tensor(cond[:8])
    outs = {}
    for w in (1.0, 3.0):
        net.set_params(guidance_scale=w, n_steps=5, eta=0.0)
        torch.manual_seed(0)
        with torch.no_grad():
            outs[w] = net.generate(cond)
    net.set_params(guidance_scale=1.0)
    assert not torch.allclose(outs[1.0], outs[3.0])


def test_net_pickles_with_its_average(trained_toy_net):
    net, _X, cond = trained_toy_net
    net.set_params(n_steps=5, eta=0.0)
    clone = pickle.loads(pickle.dumps(net))
    cond = torch.as_tensor(cond[:6])
    torch.manual_seed(0)
    with torch.no_grad():
        a = net.generate(cond)
    torch.manual_seed(0)
    with torch.no_grad():
        b = clone.generate(cond)
    torch.testing.assert_close(a, b)
    for name in ("center", "scale", "lower", "upper"):
        torch.testing.assert_close(
            getattr(clone.module_, name), getattr(net.module_, name)
        )


@pytest.mark.parametrize("units", [1e-20, 1.0, 1e20])
def test_rows_come_back_in_the_input_units(units):
    X, cond = _toy_data()
    X = (X * units + 3 * units).astype(np.float32)
    torch.manual_seed(0)
    net = _net(max_epochs=30, ema_decay=0.9, n_steps=10).fit(X, cond)
    torch.manual_seed(0)
    with torch.no_grad():
        rows = net.generate(torch.as_tensor(cond)).numpy()
    assert np.isfinite(rows).all()
    labels = cond.argmax(1)
    for label in (0, 1):
        gap = rows[labels == label].mean(0) - X[labels == label].mean(0)
        assert np.abs(gap).mean() < 0.5 * units


def test_divergence_is_reported():
    X, cond = _toy_data()
    torch.manual_seed(0)
    with pytest.raises(
        FloatingPointError, match="DDPM training diverged: the diffusion loss"
    ):
        _net(max_epochs=5, lr=1e30).fit(X, cond)


# ---------------------------------------------------------------- sampler


def test_sampler_counts_modes_and_history(toy):
    X, y, status = toy
    sampler = DDPMSampler({"a": 60}, random_state=0, **FAST_DDPM)
    X_res, y_res = sampler.fit_resample(X, y, covariates=status)
    assert Counter(y_res.tolist()) == {"a": 60, "b": 25, "c": 15}
    np.testing.assert_array_equal(X_res[: len(X)], X)
    assert X_res.dtype == np.float32 and np.isfinite(X_res).all()
    modes = sampler.modes_.set_index(["label", "covariate_0"])
    assert modes.loc[("a", "normal"), "n_generated"] == 20  # water filling
    assert isinstance(sampler.net_, DiffusionNet)
    assert len(sampler.net_.history) == 2
    assert np.isfinite(sampler.net_.history[-1, "diffusion_loss"])
    # Generated rows stay inside the per-gene training range (clipping).
    new = X_res[len(X) :]
    assert (new >= X.min(0) - 1e-5).all() and (new <= X.max(0) + 1e-5).all()


@pytest.mark.parametrize(
    "params",
    [{}, {"sampling": "ddim"}, {"n_steps": 50}, {"prediction": "v"}],
)
def test_sampler_reproducible_and_pickles(toy, params):
    X, y, status = toy
    kwargs = {**FAST_DDPM, **params}
    a = DDPMSampler(random_state=3, **kwargs).fit(X, y, covariates=status)
    b = DDPMSampler(random_state=3, **kwargs).fit(X, y, covariates=status)
    torch.manual_seed(123)
    before = torch.rand(1)
    X_a, y_a = a.sample(10, random_state=0)
    X_b, y_b = b.sample(10, random_state=0)
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)
    # The caller's global torch generator is untouched.
    torch.manual_seed(123)
    assert torch.equal(torch.rand(1), before)
    restored = pickle.loads(pickle.dumps(a))
    X_r, _ = restored.sample(10, random_state=0)
    np.testing.assert_array_equal(X_a, X_r)
    # A different seed gives other rows.
    X_c, _ = DDPMSampler(random_state=4, **kwargs).fit(X, y).sample(10, y="a")
    assert not np.allclose(X_c, a.sample(10, y="a", random_state=0)[0])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_steps": 60}, "n_steps=60 must be at most n_timesteps=50"),
        ({"guidance_scale": 2.0, "condition_dropout": 0.0}, "condition_dropout > 0"),
        ({"prediction": "eps"}, "'prediction' parameter of DDPMSampler"),
        ({"sampling": "euler"}, "'sampling' parameter of DDPMSampler"),
        ({"hidden_dim": 0}, "'hidden_dim' parameter of DDPMSampler"),
        ({"ema_decay": 1.0}, "'ema_decay' parameter of DDPMSampler"),
        ({"condition_dropout": 1.0}, "'condition_dropout' parameter"),
        ({"lr": 0.0}, "'lr' parameter of DDPMSampler"),
        ({"max_epochs": "longer"}, "'max_epochs' parameter of DDPMSampler"),
        ({"max_epochs": 0}, "'max_epochs' parameter of DDPMSampler"),
    ],
)
def test_sampler_parameter_errors(toy, params, match):
    X, y, _ = toy
    sampler = DDPMSampler(random_state=0, **{**FAST_DDPM, **params})
    with pytest.raises(ValueError, match=match):
        sampler.fit(X, y)
    assert not hasattr(sampler, "net_")  # nothing trained


@pytest.mark.parametrize(
    "n_train, batch_size, expected",
    [
        (962, 128, 1200),  # 7 steps an epoch: 8,400 steps in 1,200 epochs
        (5000, 128, 1200),  # more steps than the floor already
        (560, 128, 2100),  # 4 steps an epoch
        (50, 128, 8400),  # one step an epoch (the batch is capped at 50)
        (50, 16, 2800),  # 3 steps an epoch
    ],
)
def test_auto_epochs_give_every_data_size_enough_steps(n_train, batch_size, expected):
    sampler = DDPMSampler(batch_size=batch_size)
    assert sampler.max_epochs == "auto"
    assert sampler._max_epochs_for(n_train) == expected
    assert DDPMSampler(max_epochs=7)._max_epochs_for(n_train) == 7


def test_auto_epochs_reach_the_net_and_the_time_limit_still_stops(toy):
    X, y, _ = toy  # 80 rows, batches of 16: 5 steps an epoch -> 1,680 epochs
    params = {**FAST_DDPM, "max_epochs": "auto", "max_time": 1.0}
    sampler = DDPMSampler(random_state=0, **params).fit(X, y)
    assert sampler.net_.max_epochs == 1680
    assert 0 < sampler.n_iter_ < 1680
    assert sampler.get_params()["max_epochs"] == "auto"  # not overwritten


def test_sampler_guidance_changes_rows(toy):
    X, y, _ = toy
    kwargs = {**FAST_DDPM, "max_epochs": 5}
    plain = DDPMSampler(random_state=0, **kwargs).fit(X, y)
    guided = DDPMSampler(random_state=0, guidance_scale=3.0, **kwargs).fit(X, y)
    # Same training (same seed), only the sampling differs.
    for p, q in zip(plain.net_.module_.parameters(), guided.net_.module_.parameters()):
        assert torch.equal(p, q)
    X_p, _ = plain.sample(8, y="c", random_state=0)
    X_g, _ = guided.sample(8, y="c", random_state=0)
    assert np.isfinite(X_g).all() and not np.allclose(X_p, X_g)


def test_sampler_checkpoint_and_resume(toy, tmp_path):
    X, y, status = toy
    first = DDPMSampler(random_state=0, checkpoint_dir=tmp_path / "a", **FAST_DDPM)
    first.fit(X, y, covariates=status)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["average.pt", "denoiser.pt", "history.json", "optimizer.pt"]
    resumed = DDPMSampler(
        random_state=0, resume_from=tmp_path / "a", **{**FAST_DDPM, "max_epochs": 4}
    ).fit(X, y, covariates=status)
    assert len(resumed.net_.history) == 4
    # The weight average resumes its warm-up where the checkpoint stopped.
    steps = sum(e["train_batch_count"] for e in resumed.net_.history)
    assert resumed.net_.ema_steps_ == steps
    with pytest.raises(ValueError, match="already holds"):
        DDPMSampler(checkpoint_dir=tmp_path / "a", **FAST_DDPM).fit(X, y)


def test_sampler_verbose_bar(toy, capsys):
    X, y, _ = toy
    DDPMSampler(random_state=0, verbose=1, **FAST_DDPM).fit(X, y)
    err = capsys.readouterr().err
    assert "diffusion_loss" in err
    DDPMSampler(random_state=0, verbose=0, **FAST_DDPM).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# ---------------------------------------------------------------- real data


def test_real_data_recall_beats_a_collapsed_generator(tcga_slice):
    from sklearn_remgan.metrics import precision_recall

    X, y, status = tcga_slice["X"], tcga_slice["y"], tcga_slice["status"]
    train, test = split_by_patient(tcga_slice)
    sampler = DDPMSampler(
        **SLICE_DDPM,
        random_state=0,
    ).fit(X[train], y[train], covariates=status[train])
    generated, _ = sampler.sample(
        len(test), y=y[test], covariates=status[test], random_state=0
    )
    fresh = precision_recall(X[test], generated, k=5)
    # A collapsed generator: every row of a mode is that mode's training mean.
    collapsed = np.empty_like(generated)
    for label in np.unique(y[test]):
        for value in ("tumor", "normal"):
            rows = (y[test] == label) & (status[test] == value)
            mask = (y[train] == label) & (status[train] == value)
            collapsed[rows] = X[train][mask].mean(0)
    mean_only = precision_recall(X[test], collapsed, k=5)
    assert fresh.recall > mean_only.recall + 0.25
    assert fresh.precision > 0.8
