import numpy as np
import pytest
import torch

from sklearn_remgan.over_sampling import Critic, Generator, WGANGPNet


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
    return WGANGPNet(Generator, critic=Critic, **params)


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
