"""Tests of the skorch net base shared by the samplers' nets."""

import pytest
import torch

from sklearn_remgan.over_sampling._diffusion import DiffusionNet
from sklearn_remgan.over_sampling._modules import Critic, Generator
from sklearn_remgan.over_sampling._net import WGANGPNet
from sklearn_remgan.over_sampling._net_base import GenerativeNet


def _wgan(**kwargs):
    return WGANGPNet(Generator, critic=Critic, **kwargs)


def _diffusion(**kwargs):
    return DiffusionNet(**kwargs)


NETS = [_wgan, _diffusion]


@pytest.mark.parametrize("make", NETS)
def test_nets_share_the_base(make):
    net = make()
    assert isinstance(net, GenerativeNet)
    assert net.history_keys and net.progress_desc
    # Every recorded loss is averaged per epoch by its own scoring callback.
    names = {name for name, _ in net._default_callbacks}
    assert set(net.history_keys) <= names


@pytest.mark.parametrize("make", NETS)
def test_seeded_shuffle_is_fresh_per_fit_and_yields_to_a_given_generator(make):
    net = make(seed=3)
    first = net.get_params_for("iterator_train")["generator"]
    second = net.get_params_for("iterator_train")["generator"]
    assert first is not second
    assert torch.equal(torch.rand(4, generator=first), torch.rand(4, generator=second))
    given = torch.Generator()
    net = make(seed=3, iterator_train__generator=given)
    assert net.get_params_for("iterator_train")["generator"] is given
    assert "generator" not in make().get_params_for("iterator_train")


@pytest.mark.parametrize("make", NETS)
def test_divergence_and_validation_errors_name_the_net(make):
    net = make().initialize_history()
    with pytest.raises(
        FloatingPointError,
        match=f"{net.progress_desc} training diverged: the loss is nan at epoch 0",
    ):
        net._check_finite("loss", torch.tensor(float("nan")))
    net._check_finite("loss", torch.tensor(1.0))  # finite: no error
    with pytest.raises(NotImplementedError, match=type(net).__name__):
        net.validation_step(None)


@pytest.mark.parametrize("make", NETS)
def test_bfloat16_runs_the_forward_pass_under_autocast(make):
    layer = torch.nn.Linear(3, 2)
    x = torch.randn(4, 3)
    with make(precision="bfloat16")._autocast():
        assert layer(x).dtype == torch.bfloat16
    with make()._autocast():
        assert layer(x).dtype == torch.float32
