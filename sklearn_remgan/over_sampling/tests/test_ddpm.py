import pickle

import numpy as np
import pytest
import torch

from sklearn_remgan.over_sampling._denoiser import Denoiser, timestep_embedding
from sklearn_remgan.over_sampling._diffusion import (
    DiffusionNet,
    cosine_alpha_bar,
    sampling_timesteps,
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
    # Clipping range: the training rows' per-gene range, in both copies.
    for module in (net.module_, net.denoiser_):
        np.testing.assert_allclose(module.lower.numpy(), X.min(0))
        np.testing.assert_allclose(module.upper.numpy(), X.max(0))


@pytest.fixture(scope="module")
def trained_toy_net():
    X, cond = _toy_data()
    torch.manual_seed(0)
    return _net(max_epochs=60, ema_decay=0.9).fit(X, cond), X, cond


@pytest.mark.parametrize(
    "eta, n_steps", [(0.0, None), (0.0, 5), (0.0, 1), (1.0, None), (1.0, 10)]
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
    torch.testing.assert_close(clone.module_.upper, net.module_.upper)


def test_divergence_is_reported():
    X, cond = _toy_data()
    X[0, 0] = np.inf
    with pytest.raises(FloatingPointError, match="Diffusion training diverged"):
        _net(max_epochs=1).fit(X, cond)
