"""Building blocks shared by the models: normalisation choice, spectral norm, conv blocks, weight init."""

from __future__ import annotations

import torch
from torch import nn

from .errors import ConfigError

NORMS = ("batch", "layer", "instance", "none")


def normalization(kind: str, channels: int, dims: int = 2) -> nn.Module:
    """A normalisation layer by name. ``layer`` normalises over (C, H, W) per sample, as WGAN-GP's critic needs
    (batch norm couples the samples of a batch, which breaks the per-sample gradient penalty)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels) if dims == 2 else nn.BatchNorm1d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels) if dims == 2 else nn.LayerNorm(channels)
    if kind == "instance":
        if dims != 2:
            raise ConfigError("instance norm is only defined for convolutional layers")
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "none":
        return nn.Identity()
    raise ConfigError(f"unknown norm {kind!r}; choose one of {', '.join(NORMS)}")


def spectral(module: nn.Module, enabled: bool) -> nn.Module:
    """Wrap ``module`` in spectral normalisation (Miyato et al. 2018) when ``enabled``."""
    return nn.utils.parametrizations.spectral_norm(module) if enabled else module


def up_block(in_channels: int, out_channels: int, norm: str = "batch") -> nn.Sequential:
    """DCGAN generator block: 4×4 transposed conv, stride 2 (doubles H and W), norm, ReLU."""
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=norm == "none"),
        normalization(norm, out_channels),
        nn.ReLU(inplace=True),
    )


def down_block(in_channels: int, out_channels: int, norm: str = "batch", use_spectral_norm: bool = False) -> nn.Sequential:
    """DCGAN discriminator block: 4×4 conv, stride 2 (halves H and W), norm, LeakyReLU(0.2)."""
    return nn.Sequential(
        spectral(nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1, bias=norm == "none"), use_spectral_norm),
        normalization(norm, out_channels),
        nn.LeakyReLU(0.2, inplace=True),
    )


@torch.no_grad()
def dcgan_init(module: nn.Module) -> None:
    """Radford et al. 2015: conv weights ~ N(0, 0.02), norm scales ~ N(1, 0.02), biases 0. Use with ``apply``."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        weight = module.parametrizations.weight.original if hasattr(module, "parametrizations") else module.weight
        nn.init.normal_(weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d, nn.GroupNorm, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
