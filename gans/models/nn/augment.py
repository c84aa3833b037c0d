"""Differentiable Augmentation (Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable Augmentation for Data-Efficient
GAN Training").

The same random, differentiable transformations are applied to every image the discriminator sees, real and
fake, in both D's and G's updates. D then cannot memorise the (few) training images, and because each
transformation is differentiable, G still receives gradients through it. Policies (comma-separated):

- ``color``: brightness ± 0.5, saturation × U(0, 2), contrast × U(0.5, 1.5), each drawn per image;
- ``translation``: a shift of up to 1/8 of the image side per image, the uncovered border filled with 0 (grey);
- ``cutout``: a square of half the image side set to 0 at a random place per image.

Random numbers come from torch's global generator, which the Trainer saves and restores: exact resume holds.
"""

from __future__ import annotations

import torch

from ...errors import ConfigError

AUGMENTATIONS = ("color", "translation", "cutout")


def parse_policy(policy: str) -> tuple[str, ...]:
    """``"color,translation"`` → ("color", "translation"); "" or "none" → (). Raises ``ConfigError``."""
    if not isinstance(policy, str):
        raise ConfigError(f"augment must be a text such as 'translation,cutout', got {policy!r}")
    names = tuple(part.strip() for part in policy.split(",") if part.strip() and part.strip() != "none")
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown:
        raise ConfigError(f"unknown augmentation {unknown[0]!r}; choose from {', '.join(AUGMENTATIONS)} "
                          f"(comma-separated), or 'none'")
    return names


def diff_augment(images: torch.Tensor, policy: tuple[str, ...]) -> torch.Tensor:
    """``images`` (N, C, H, W) in [-1, 1] with the augmentations of ``policy`` applied, in its order."""
    for name in policy:
        images = _AUGMENT[name](images)
    return images


def _per_image(images: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """One uniform number in [low, high) per image, shaped (N, 1, 1, 1)."""
    return torch.rand(images.size(0), 1, 1, 1, device=images.device, dtype=images.dtype) * (high - low) + low


def color(images: torch.Tensor) -> torch.Tensor:
    images = images + _per_image(images, -0.5, 0.5)  # brightness
    mean = images.mean(dim=1, keepdim=True)  # saturation: scale the distance from the pixel's grey
    images = (images - mean) * _per_image(images, 0.0, 2.0) + mean
    mean = images.mean(dim=(1, 2, 3), keepdim=True)  # contrast: scale the distance from the image's mean
    return (images - mean) * _per_image(images, 0.5, 1.5) + mean


def translation(images: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    n, _, height, width = images.shape
    shift_y, shift_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dy = torch.randint(-shift_y, shift_y + 1, (n, 1, 1), device=images.device)
    dx = torch.randint(-shift_x, shift_x + 1, (n, 1, 1), device=images.device)
    # Row / column of the padded image that each output pixel reads: out[y, x] = image[y - dy, x - dx].
    rows = (torch.arange(height, device=images.device).view(1, height, 1) - dy + 1).clamp(0, height + 1)
    cols = (torch.arange(width, device=images.device).view(1, 1, width) - dx + 1).clamp(0, width + 1)
    padded = torch.nn.functional.pad(images, (1, 1, 1, 1))  # a zero border: reads that fall outside land on it
    batch = torch.arange(n, device=images.device).view(n, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)  # (N, C, H, W)


def cutout(images: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    n, _, height, width = images.shape
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    top = torch.randint(0, height + 1 - size_y % 2, (n, 1, 1), device=images.device) - size_y // 2
    left = torch.randint(0, width + 1 - size_x % 2, (n, 1, 1), device=images.device) - size_x // 2
    y = torch.arange(height, device=images.device).view(1, height, 1)
    x = torch.arange(width, device=images.device).view(1, 1, width)
    inside = (y >= top) & (y < top + size_y) & (x >= left) & (x < left + size_x)  # (N, H, W)
    return images * (~inside).unsqueeze(1).to(images.dtype)


_AUGMENT = {"color": color, "translation": translation, "cutout": cutout}
