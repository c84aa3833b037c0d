"""Each objective and penalty against values computed by hand."""

import math

import pytest
import torch

from gans.errors import ConfigError
from gans.models.nn import losses

REAL = torch.tensor([2.0, 0.0])
FAKE = torch.tensor([-1.0, 1.0])


def softplus(x):
    return math.log1p(math.exp(x))


def test_bce_discriminator_and_generator():
    # -log σ(r) = softplus(-r); -log(1 - σ(f)) = softplus(f)
    expected_d = (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(1)) / 2
    assert losses.discriminator_loss("bce", REAL, FAKE).item() == pytest.approx(expected_d, rel=1e-6)
    expected_g = (softplus(1) + softplus(-1)) / 2  # non-saturating: -log σ(f)
    assert losses.generator_loss("bce", FAKE).item() == pytest.approx(expected_g, rel=1e-6)


def test_least_squares():
    # ½·mean((r-1)²) + ½·mean(f²) = ½·(1+1)/2 + ½·(1+1)/2 = 1.0
    assert losses.discriminator_loss("ls", REAL, FAKE).item() == pytest.approx(1.0)
    # ½·mean((f-1)²) = ½·(4+0)/2 = 1.0
    assert losses.generator_loss("ls", FAKE).item() == pytest.approx(1.0)


def test_wasserstein():
    # mean(f) - mean(r) = 0 - 1 = -1
    assert losses.discriminator_loss("wasserstein", REAL, FAKE).item() == pytest.approx(-1.0)
    assert losses.generator_loss("wasserstein", torch.tensor([0.5, 1.5])).item() == pytest.approx(-1.0)


def test_hinge():
    # mean(relu(1-r)) = (0 + 1)/2; mean(relu(1+f)) = (0 + 2)/2 → 0.5 + 1.0
    assert losses.discriminator_loss("hinge", REAL, FAKE).item() == pytest.approx(1.5)
    assert losses.generator_loss("hinge", FAKE).item() == pytest.approx(0.0)


def test_unknown_loss_is_a_clear_error():
    with pytest.raises(ConfigError, match="choose one of"):
        losses.discriminator_loss("kl", REAL, FAKE)


def test_gradient_penalty_of_a_linear_critic():
    # D(x) = w·x has ∇D = w everywhere, so the penalty is (‖w‖ - 1)² whatever the samples are.
    weight = torch.tensor([3.0, 4.0, 0.0, 0.0])  # ‖w‖ = 5 → (5 - 1)² = 16

    def critic(x):
        return x.flatten(1) @ weight

    real, fake = torch.randn(8, 1, 2, 2), torch.randn(8, 1, 2, 2)
    assert losses.gradient_penalty(critic, real, fake).item() == pytest.approx(16.0, rel=1e-5)


def test_gradient_penalty_of_a_quadratic_critic_uses_the_interpolates():
    # D(x) = ½‖x‖² has ∇D(x̂) = x̂. With real = fake = x, x̂ = x whatever ε, so the penalty is (‖x‖ - 1)².
    def critic(x):
        return 0.5 * x.flatten(1).pow(2).sum(1)

    x = torch.tensor([[[[3.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 0.5]]]])  # norms 3 and 0.5
    expected = ((3 - 1) ** 2 + (0.5 - 1) ** 2) / 2
    assert losses.gradient_penalty(critic, x, x.clone()).item() == pytest.approx(expected, rel=1e-6)


def test_gradient_penalty_is_differentiable_in_the_critic_weights():
    weight = torch.tensor([3.0, 4.0], requires_grad=True)
    penalty = losses.gradient_penalty(lambda x: x.flatten(1) @ weight, torch.randn(4, 2), torch.randn(4, 2))
    penalty.backward()
    # d/dw (‖w‖ - 1)² = 2(‖w‖ - 1)·w/‖w‖ = 2·4·(0.6, 0.8)
    assert torch.allclose(weight.grad, torch.tensor([4.8, 6.4]), atol=1e-5)


def test_r1_penalty():
    def critic(x):
        return 0.5 * x.flatten(1).pow(2).sum(1)  # ∇D(x) = x

    x = torch.tensor([[1.0, 2.0], [0.0, 3.0]])  # ‖x‖² = 5 and 9
    assert losses.r1_penalty(critic, x).item() == pytest.approx(7.0)
