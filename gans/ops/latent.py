"""Walking the latent space: linear and spherical interpolation between two latent vectors."""

from __future__ import annotations

import torch

from ..errors import ConfigError

MODES = ("slerp", "lerp")


def lerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    return a + (b - a) * t


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985; White 2016 for GAN latents): follows the great circle between
    ``a`` and ``b``, which keeps Gaussian latents at a typical norm. Falls back to lerp for (anti)parallel vectors."""
    a_unit, b_unit = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    cosine = (a_unit * b_unit).sum(-1, keepdim=True).clamp(-1.0, 1.0)
    omega = torch.acos(cosine)
    sin_omega = torch.sin(omega)
    if bool((sin_omega.abs() < 1e-6).any()):
        return lerp(a, b, t)
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / sin_omega


def interpolate(a: torch.Tensor, b: torch.Tensor, frames: int, mode: str = "slerp") -> torch.Tensor:
    """``frames`` latents from ``a`` to ``b`` inclusive, shape (frames, latent_dim); the ends are exactly a and b."""
    if mode not in MODES:
        raise ConfigError(f"unknown interpolation mode {mode!r}; choose slerp or lerp")
    if frames < 2:
        raise ConfigError(f"an interpolation needs at least 2 frames, got {frames}")
    step = slerp if mode == "slerp" else lerp
    inner = [step(a, b, i / (frames - 1)) for i in range(1, frames - 1)]
    return torch.cat([a, *inner, b], dim=0)
