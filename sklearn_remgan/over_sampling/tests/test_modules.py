import pytest
import torch

from sklearn_remgan.over_sampling._modules import Critic, Generator


def test_batch_norm_in_generator_only():
    gen = Generator(10, 2, latent_dim=4, hidden=(8, 6))
    critic = Critic(10, 2, hidden=(8, 6))
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in gen.modules()) == 2
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in critic.modules())


def test_critic_split_first_layer_equals_concatenated_linear():
    torch.manual_seed(0)
    critic = Critic(5, 3, hidden=(4,))
    x, c = torch.randn(6, 5), torch.eye(3)[[0, 1, 2, 0, 1, 2]]
    full = torch.nn.Linear(8, 4)
    with torch.no_grad():
        full.weight.copy_(torch.cat([critic.input_x.weight, critic.input_c.weight], 1))
        full.bias.copy_(critic.input_x.bias)
    expected = critic.head(full(torch.cat([x, c], 1)))
    torch.testing.assert_close(critic(x, c), expected)


def test_generator_condition_changes_output():
    torch.manual_seed(0)
    gen = Generator(5, 2, latent_dim=3, hidden=(8,)).eval()
    z = torch.randn(4, 3)
    a = gen(z, torch.eye(2)[[0, 0, 0, 0]])
    b = gen(z, torch.eye(2)[[1, 1, 1, 1]])
    assert a.shape == (4, 5)
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("hidden", [(), (0,), (4, -1)], ids=str)
def test_hidden_widths_validated(hidden):
    with pytest.raises(ValueError, match="generator_hidden must be a non-empty"):
        Generator(5, 2, hidden=hidden)
    with pytest.raises(ValueError, match="critic_hidden must be a non-empty"):
        Critic(5, 2, hidden=hidden)
