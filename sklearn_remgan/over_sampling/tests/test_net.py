from typing import ClassVar

import numpy as np
import pytest
import torch

from sklearn_remgan.over_sampling._modules import Critic, Generator
from sklearn_remgan.over_sampling._net import WGANGPNet


def make_net(**kwargs):
    params = {
        "latent_dim": 4,
        "max_epochs": 3,
        "batch_size": 10,
        "seed": 0,
        "verbose": 0,
        "module__n_features": 5,
        "module__n_conditions": 2,
        "module__latent_dim": 4,
        "module__hidden": (8,),
        "critic__n_features": 5,
        "critic__n_conditions": 2,
        "critic__hidden": (8,),
        "critic_optimizer__lr": 5e-4,
    }
    params.update(kwargs)
    params.setdefault("critic", Critic)
    return WGANGPNet(Generator, **params)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 5).astype(np.float32)
    cond = np.eye(2, dtype=np.float32)[np.arange(40) % 2]
    return X, cond


def test_history_holds_losses_and_generator_schedule(data):
    # 40 rows / batch 10 = 4 batches per epoch, 3 epochs = 12 critic steps;
    # n_critic=5 gives generator steps after global batches 5 and 10.
    net = make_net(n_critic=5).fit(*data)
    batches = [b for epoch in net.history for b in epoch["batches"]]
    assert len(batches) == 12
    with_gen = [i for i, b in enumerate(batches) if "generator_loss" in b]
    assert with_gen == [4, 9]
    assert all("critic_loss" in b and "gradient_penalty" in b for b in batches)
    assert "generator_loss" not in net.history[0]  # epoch 1 had no generator step
    for key in ("critic_loss", "gradient_penalty", "wasserstein", "generator_loss"):
        assert np.isfinite(net.history[-1, key])


def test_each_optimizer_moves_its_own_module(data):
    net = make_net(n_critic=1000, max_epochs=1).initialize()
    gen0 = [p.detach().clone() for p in net.module_.parameters()]
    critic0 = [p.detach().clone() for p in net.critic_.parameters()]
    net.partial_fit(*data)  # critic steps only: the generator never steps
    assert all(torch.equal(a, b) for a, b in zip(gen0, net.module_.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(critic0, net.critic_.parameters()))
    assert {id(p) for g in net.optimizer_.param_groups for p in g["params"]} == {
        id(p) for p in net.module_.parameters()
    }
    assert {id(p) for g in net.critic_optimizer_.param_groups for p in g["params"]} == {
        id(p) for p in net.critic_.parameters()
    }


def test_learning_rates_belong_to_their_optimizer():
    net = make_net(lr=1e-3, critic_optimizer__lr=5e-4).initialize()
    assert net.optimizer_.param_groups[0]["lr"] == 1e-3
    assert net.critic_optimizer_.param_groups[0]["lr"] == 5e-4
    net.set_params(critic_optimizer__lr=1e-2)
    assert net.critic_optimizer_.param_groups[0]["lr"] == 1e-2
    assert net.optimizer_.param_groups[0]["lr"] == 1e-3


def test_critic_params_settable_with_prefix():
    net = make_net(critic__hidden=(3, 2)).initialize()
    assert net.critic_.input_x.out_features == 3


def test_divergence_names_epoch(data):
    X, cond = data
    X = X.copy()
    X[3, 0] = np.nan
    with pytest.raises(FloatingPointError, match=r"diverged.*at epoch 1\. Try lower"):
        make_net().fit(X, cond)


def test_no_batch_of_one_reaches_batch_norm(data):
    # 21 rows with batch size 10: the last batch (1 row) is dropped.
    X, cond = data
    net = make_net(max_epochs=1).fit(X[:21], cond[:21])
    assert net.history[-1, "batches", :, "train_batch_size"] == [10, 10]


def test_same_seed_same_training(data):
    torch.manual_seed(1)
    a = make_net().fit(*data)
    torch.manual_seed(1)
    b = make_net().fit(*data)
    for p, q in zip(a.module_.parameters(), b.module_.parameters()):
        assert torch.equal(p, q)


def test_adam_uses_the_fused_kernel_unless_the_user_chooses():
    net = make_net().initialize()
    assert net.optimizer_.defaults["fused"] is True
    assert net.critic_optimizer_.defaults["fused"] is True
    # A user's choice of implementation is kept, for each optimizer separately.
    net = make_net(critic_optimizer__foreach=False).initialize()
    assert not net.critic_optimizer_.defaults["fused"]
    assert net.critic_optimizer_.defaults["foreach"] is False
    assert net.optimizer_.defaults["fused"] is True
    # Other optimizers get no such argument.
    net = make_net(critic_optimizer=torch.optim.SGD, critic_optimizer__lr=0.1)
    assert (
        "fused" not in net.initialize().critic_optimizer_.defaults
        or not (net.critic_optimizer_.defaults["fused"])
    )


def test_whole_data_batches_with_batch_size_minus_one(data):
    net = make_net(batch_size=-1, n_critic=1).fit(*data)
    assert [e["train_batch_count"] for e in net.history] == [1, 1, 1]


class PlainCritic(Critic):
    """The same function as Critic, without its fused layout guarantee."""

    def forward(self, x, condition=None):
        return self.head(self.input_x(x) + self.condition_term(condition))


def test_custom_critic_gets_the_plain_penalty_with_the_same_objective(data):
    def run(critic):
        with torch.random.fork_rng():
            torch.manual_seed(0)
            net = make_net(critic=critic, n_critic=2, max_epochs=2).fit(*data)
        return net.history

    fused, plain = run(Critic), run(PlainCritic)
    for key in ("critic_loss", "gradient_penalty", "wasserstein"):
        a, b = fused[:, "batches", :, key], plain[:, "batches", :, key]
        # Same first step; then float rounding differs, amplified by Adam.
        np.testing.assert_allclose(a[0][0], b[0][0], rtol=1e-5)
        np.testing.assert_allclose(a, b, rtol=1e-2, atol=1e-4)
    np.testing.assert_allclose(
        fused[:, "generator_loss"], plain[:, "generator_loss"], rtol=1e-2
    )


class DoubledLoss(torch.nn.Module):
    """Twice the Wasserstein loss; counts its calls per number of arguments."""

    calls: ClassVar[dict] = {}

    def forward(self, score_fake, score_real=None):
        n = 1 if score_real is None else 2
        DoubledLoss.calls[n] = DoubledLoss.calls.get(n, 0) + 1
        if score_real is None:
            return -2 * score_fake.mean()
        return 2 * (score_fake.mean() - score_real.mean())


@pytest.mark.parametrize("critic", [Critic, PlainCritic], ids=["fused", "plain"])
def test_criterion_gives_both_losses(data, critic):
    DoubledLoss.calls = {}
    net = make_net(criterion=DoubledLoss, critic=critic, n_critic=1, max_epochs=1)
    net.fit(*data)
    assert DoubledLoss.calls == {1: 4, 2: 4}  # 4 batches, one update of each
    for batch in net.history[-1, "batches"]:
        expected = -2 * batch["wasserstein"] + 10.0 * batch["gradient_penalty"]
        assert batch["critic_loss"] == pytest.approx(expected, rel=1e-5, abs=1e-6)
