"""Building blocks shared by the models: normalisation choice, spectral norm, conv blocks, weight init."""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError

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


def down_block(in_channels: int, out_channels: int, norm: str = "batch",
               use_spectral_norm: bool = False) -> nn.Sequential:
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
    elif (isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d, nn.GroupNorm, nn.InstanceNorm2d))
          and module.weight is not None):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


# ---- image-to-image networks (Pix2Pix, CycleGAN, the colorizer) ---------------------------------------------


class UNetGenerator(nn.Module):
    """Pix2Pix's U-Net (Isola et al. 2017): an encoder of 4×4 stride-2 convs (C64-C128-C256-C512-C512...) and a
    mirrored decoder whose every block also sees the encoder's output at the same size (skip connections).

    ``depth`` down-samplings: input sides must be multiples of 2**depth. Dropout (the paper's noise source) is
    used in the innermost decoder blocks while training; in eval mode it is off, so a translation is
    deterministic. Normalisation is by name (``layers.normalization``); batch norm in eval mode uses running
    statistics, so each output pixel depends only on its neighbourhood and tiled inference matches untiled.
    """

    def __init__(self, in_channels: int, out_channels: int, width: int = 64, depth: int = 6, norm: str = "batch",
                 dropout: float = 0.5, tanh: bool = True, output_stride: int = 1):
        super().__init__()
        if depth < 2:
            raise ConfigError(f"the U-Net needs a depth of at least 2, got {depth}")
        stop = int(math.log2(output_stride)) if output_stride >= 1 else -1
        if 2**stop != output_stride or stop >= depth:
            raise ConfigError(f"output_stride must be a power of 2 below 2**depth, got {output_stride}")
        if not 0 <= dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1), got {dropout}")
        channels = [width * min(2**level, 8) for level in range(depth)]  # 64, 128, 256, 512, 512, ...
        self.encoder = nn.ModuleList()
        previous = in_channels
        for level, out in enumerate(channels):
            innermost, outermost = level == depth - 1, level == 0
            # No norm on the first block (as in the paper) nor on the innermost, which may be 1×1.
            block_norm = "none" if outermost or innermost else norm
            self.encoder.append(nn.Sequential(
                nn.LeakyReLU(0.2) if not outermost else nn.Identity(),
                nn.Conv2d(previous, out, 4, stride=2, padding=1, bias=block_norm != "batch"),
                normalization(block_norm, out),
            ))
            previous = out
        dropout_blocks = min(3, depth // 2)
        self.decoder = nn.ModuleList()
        for level in reversed(range(stop, depth)):  # innermost first
            inner = channels[level] * (1 if level == depth - 1 else 2)  # skip connections double the input
            outermost = level == 0
            out = out_channels if outermost else channels[level - 1]
            layers = [nn.ReLU(),
                      nn.ConvTranspose2d(inner, out, 4, stride=2, padding=1, bias=outermost or norm != "batch")]
            if outermost and tanh:  # without it the output is unbounded (logits, e.g. over colour bins)
                layers.append(nn.Tanh())
            else:
                layers.append(normalization(norm, out))
                if depth - 1 - level < dropout_blocks and dropout > 0:
                    layers.append(nn.Dropout(dropout))
            self.decoder.append(nn.Sequential(*layers))
        # output_stride > 1: the decoder stops that many times smaller and a 1×1 conv head gives the output there
        # (a dense per-pixel classifier is cheap at a quarter of the size, as Zhang et al. 2016 predict colour)
        self.head = None if stop == 0 else nn.Sequential(nn.ReLU(), nn.Conv2d(2 * channels[stop - 1], out_channels, 1))
        self.output_stride = output_stride
        self.multiple = 2**depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.encoder:  # (N, C, H, W) → (N, 512, H / 2**depth, W / 2**depth)
            x = block(x)
            skips.append(x)
        skips.pop()  # the innermost output feeds the decoder directly
        for block in self.decoder:
            x = block(x)
            if skips:
                x = torch.cat([x, skips.pop()], dim=1)
        if self.head is not None:
            with torch.autocast(x.device.type, enabled=False):  # fp32: a bf16 logit keeps only ~3 digits
                x = self.head(x.float())  # (N, out_channels, H / output_stride, W / output_stride)
        return x  # (N, out_channels, H, W), in [-1, 1] with the tanh


class PatchDiscriminator(nn.Module):
    """PatchGAN (Isola et al. 2017): classifies each overlapping patch as real or fake. With ``layers`` = 3 the
    receptive field of one output is 70×70 pixels: C64-C128-C256 (stride 2), C512 (stride 1), then 1 channel.
    Returns logits of shape (N, 1, H', W')."""

    def __init__(self, in_channels: int, width: int = 64, layers: int = 3, norm: str = "batch"):
        super().__init__()
        if layers < 1:
            raise ConfigError(f"the PatchGAN needs at least 1 layer, got {layers}")
        blocks: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        channels = width
        for index in range(1, layers + 1):
            out = width * min(2**index, 8)
            stride = 2 if index < layers else 1
            blocks += [nn.Conv2d(channels, out, 4, stride=stride, padding=1, bias=norm != "batch"),
                       normalization(norm, out), nn.LeakyReLU(0.2, True)]
            channels = out
        blocks.append(nn.Conv2d(channels, 1, 4, stride=1, padding=1))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ResidualBlock(nn.Module):
    """Two 3×3 convs with reflection padding and a skip: x + F(x) (He et al. 2016, as used by CycleGAN)."""

    def __init__(self, channels: int, norm: str):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=norm != "batch"),
            normalization(norm, channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=norm != "batch"),
            normalization(norm, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator (Zhu et al. 2017, after Johnson et al. 2016): c7s1-64, d128, d256, ``blocks``
    residual blocks R256, u128, u64, c7s1-C with tanh. Input sides must be multiples of 8: two stride-2 convs
    need multiples of 4, and the residual blocks' reflection padding needs at least 2×2 at a quarter size."""

    multiple = 8

    def __init__(self, in_channels: int, out_channels: int, width: int = 64, blocks: int = 9, norm: str = "batch"):
        super().__init__()
        if blocks < 0:
            raise ConfigError(f"the number of residual blocks must be >= 0, got {blocks}")
        use_bias = norm != "batch"
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width, 7, bias=use_bias),
                                   normalization(norm, width), nn.ReLU(True)]
        for factor in (1, 2):  # (N, 64, H, W) → (N, 256, H/4, W/4)
            layers += [nn.Conv2d(width * factor, width * factor * 2, 3, stride=2, padding=1, bias=use_bias),
                       normalization(norm, width * factor * 2), nn.ReLU(True)]
        layers += [ResidualBlock(width * 4, norm) for _ in range(blocks)]
        for factor in (4, 2):  # back to (N, 64, H, W)
            layers += [nn.ConvTranspose2d(width * factor, width * factor // 2, 3, stride=2, padding=1,
                                          output_padding=1, bias=use_bias),
                       normalization(norm, width * factor // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
