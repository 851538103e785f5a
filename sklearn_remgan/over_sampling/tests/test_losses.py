import pytest
import torch

from sklearn_remgan.over_sampling._losses import (
    WassersteinLoss,
    fused_critic_backward,
    fused_critic_loss,
    gradient_penalty,
    interpolate,
)
from sklearn_remgan.over_sampling._modules import Critic


def test_interpolate_uses_one_weight_per_row():
    real, fake = torch.ones(4, 3), torch.zeros(4, 3)
    alpha = torch.tensor([[0.0], [0.25], [0.5], [1.0]])
    x_hat = interpolate(real, fake, alpha)
    assert x_hat.shape == (4, 3)
    # every entry of a row shares the row's mixing weight
    assert torch.equal(x_hat, alpha.expand(4, 3))


@pytest.mark.parametrize("shape", [(4,), (4, 3), (1, 1), (2, 1)], ids=str)
def test_interpolate_refuses_other_alpha_shapes(shape):
    with pytest.raises(ValueError, match=r"shape \(batch, 1\) = \(4, 1\)"):
        interpolate(torch.ones(4, 3), torch.zeros(4, 3), torch.rand(*shape))


def test_wasserstein_loss_signs():
    loss = WassersteinLoss()
    fake, real = torch.tensor([1.0, 2.0]), torch.tensor([5.0, 7.0])
    assert loss(fake, real).item() == pytest.approx(1.5 - 6.0)
    assert loss(fake).item() == pytest.approx(-1.5)


@pytest.mark.parametrize("n_conditions", [0, 3])
def test_fused_critic_loss_matches_plain_wgan_gp(n_conditions):
    torch.manual_seed(0)
    critic = Critic(7, n_conditions, hidden=(5, 4))
    real, fake = torch.randn(6, 7), torch.randn(6, 7)
    cond = torch.eye(3)[torch.tensor([0, 1, 2, 0, 1, 2])] if n_conditions else None
    alpha = torch.rand(6, 1)

    loss, wasserstein, penalty = fused_critic_loss(
        critic, real, fake, cond, alpha, 10.0
    )
    grads = torch.autograd.grad(loss, list(critic.parameters()))

    plain_gp = gradient_penalty(critic, real, fake, cond, alpha=alpha)
    plain = WassersteinLoss()(critic(fake, cond), critic(real, cond)) + 10.0 * plain_gp
    plain_grads = torch.autograd.grad(plain, list(critic.parameters()))

    assert penalty.item() == pytest.approx(plain_gp.item(), rel=1e-5)
    assert loss.item() == pytest.approx(plain.item(), rel=1e-5)
    assert wasserstein.item() == pytest.approx(
        (critic(real, cond).mean() - critic(fake, cond).mean()).item(), rel=1e-5
    )
    for g, p in zip(grads, plain_grads):
        torch.testing.assert_close(g, p, rtol=1e-4, atol=1e-6)


def test_gradient_penalty_zero_for_unit_gradient():
    critic = torch.nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        critic.weight.fill_(0.5)  # ||w|| = 1 everywhere
    gp = gradient_penalty(
        lambda x, c: critic(x),
        torch.randn(8, 4),
        torch.randn(8, 4),
        alpha=torch.rand(8, 1),
    )
    assert gp.item() == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("n_conditions", [0, 3])
def test_fused_critic_backward_sets_the_plain_gradients(n_conditions):
    torch.manual_seed(0)
    critic = Critic(7, n_conditions, hidden=(5, 4))
    real, fake = torch.randn(6, 7), torch.randn(6, 7)
    cond = torch.eye(3)[torch.tensor([0, 1, 2, 0, 1, 2])] if n_conditions else None
    alpha = torch.rand(6, 1)
    plain_gp = gradient_penalty(critic, real, fake, cond, alpha=alpha)
    plain = WassersteinLoss()(critic(fake, cond), critic(real, cond)) + 10.0 * plain_gp
    plain_grads = torch.autograd.grad(plain, list(critic.parameters()))

    # stale gradients everywhere: they must be replaced, not accumulated
    for p in critic.parameters():
        p.grad = torch.full_like(p, 3.0)
    buffer = critic.input_x.weight.grad
    for _ in range(2):
        loss, wasserstein, penalty = fused_critic_backward(
            critic, real, fake, cond, alpha, 10.0
        )
        assert loss.item() == pytest.approx(plain.item(), rel=1e-5)
        assert penalty.item() == pytest.approx(plain_gp.item(), rel=1e-5)
        assert wasserstein.item() == pytest.approx(
            (critic(real, cond).mean() - critic(fake, cond).mean()).item(), rel=1e-5
        )
        for p, expected in zip(critic.parameters(), plain_grads):
            torch.testing.assert_close(p.grad, expected, rtol=1e-4, atol=1e-6)
    # the widest gradient is written into the tensor that was already there
    assert critic.input_x.weight.grad is buffer


def test_fused_critic_backward_under_bfloat16_autocast():
    torch.manual_seed(0)
    critic = Critic(64, 2, hidden=(16, 8))
    real, fake = torch.randn(8, 64), torch.randn(8, 64)
    cond, alpha = torch.eye(2)[torch.arange(8) % 2], torch.rand(8, 1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, _, _ = fused_critic_loss(critic, real, fake, cond, alpha, 10.0)
    expected = torch.autograd.grad(loss, list(critic.parameters()))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss_b, _, _ = fused_critic_backward(critic, real, fake, cond, alpha, 10.0)
    assert loss_b.item() == pytest.approx(loss.item(), rel=2e-2)
    for p, e in zip(critic.parameters(), expected):
        assert p.grad.dtype == torch.float32
        # both run the wide products in bfloat16: agree to its precision
        assert torch.linalg.norm(p.grad - e) <= 3e-2 * torch.linalg.norm(e) + 1e-4
