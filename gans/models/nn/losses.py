"""GAN objectives. Each takes raw discriminator outputs (logits / critic scores), never probabilities.

Conventions: ``discriminator_loss(real_scores, fake_scores)`` and ``generator_loss(fake_scores)`` return scalar
tensors to *minimise*.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ...errors import ConfigError

LOSSES = ("bce", "ls", "wasserstein", "hinge")


def _check(loss: str) -> None:
    if loss not in LOSSES:
        raise ConfigError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")


def discriminator_loss(loss: str, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Discriminator (critic) loss for the objective named ``loss``.

    - ``bce``: Goodfellow et al. 2014, -log D(x) - log(1 - D(G(z))) written with softplus on logits.
    - ``ls``: Mao et al. 2017 (LSGAN, a=0, b=1): ½(D(x) - 1)² + ½D(G(z))².
    - ``wasserstein``: Arjovsky et al. 2017: D(G(z)) - D(x) (the negative Wasserstein estimate).
    - ``hinge``: Lim & Ye 2017 / Miyato et al. 2018: relu(1 - D(x)) + relu(1 + D(G(z))).
    """
    _check(loss)
    if loss == "bce":
        return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
    if loss == "ls":
        return 0.5 * ((real_scores - 1) ** 2).mean() + 0.5 * (fake_scores**2).mean()
    if loss == "wasserstein":
        return fake_scores.mean() - real_scores.mean()
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def generator_loss(loss: str, fake_scores: torch.Tensor) -> torch.Tensor:
    """Generator loss: non-saturating -log D(G(z)) for ``bce``, ½(D(G(z)) - 1)² for ``ls``, -D(G(z)) otherwise."""
    _check(loss)
    if loss == "bce":
        return F.softplus(-fake_scores).mean()
    if loss == "ls":
        return 0.5 * ((fake_scores - 1) ** 2).mean()
    return -fake_scores.mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, *critic_args, generator=None) -> torch.Tensor:
    """WGAN-GP penalty (Gulrajani et al. 2017): E[(‖∇ D(x̂)‖₂ - 1)²] on x̂ = εx + (1-ε)x̃, ε ~ U[0, 1].

    Returns the penalty without its weight λ; the caller multiplies. ``critic_args`` (e.g. class labels) are
    passed to the critic after the images. Computed in fp32 even inside bf16 autocast: a gradient norm of bf16
    gradients is too coarse for a penalty on its distance from 1.
    """
    with torch.autocast(device_type=real.device.type, enabled=False):
        real, fake = real.detach().float(), fake.detach().float()
        epsilon = torch.rand(real.size(0), *([1] * (real.dim() - 1)), device=real.device, generator=generator)
        mixed = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
        scores = critic(mixed, *critic_args).float()
        (gradients,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
        norms = gradients.flatten(1).norm(2, dim=1)
        return ((norms - 1) ** 2).mean()


def r1_penalty(critic, real: torch.Tensor, *critic_args) -> torch.Tensor:
    """R1 penalty (Mescheder et al. 2018): E[‖∇ D(x)‖²] on real data, without the γ/2 factor."""
    real = real.detach().requires_grad_(True)
    scores = critic(real, *critic_args)
    (gradients,) = torch.autograd.grad(scores.sum(), real, create_graph=True)
    return gradients.flatten(1).pow(2).sum(1).mean()
