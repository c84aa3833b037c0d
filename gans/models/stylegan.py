"""A StyleGAN2-style generator at small scale (Karras, Laine & Aila 2019; Karras et al. 2020), in plain PyTorch.

Generator::

    z ──pixel norm──► mapping MLP (``mapping_layers``, lr × 0.01) ──► w        (w_avg: a running mean of w)
    learned constant 4×4 ──► [modulated 3×3 conv → + noise·strength → + bias → LeakyReLU] per layer
                               each layer reads its own copy of w ("styles"), upsampling 2× at each new size
    every size: a modulated 1×1 ToRGB (no demodulation); the RGB outputs are upsampled and summed (skips)
    ``squash`` (default): tanh of the sum, so black backgrounds (exactly -1 in Fashion-MNIST) are easy to hit

Modulated conv: the style s = A(w) scales the input channels of the weights, and demodulation rescales each
output channel by 1 / sqrt(Σ_{i,k} (w_ik s_i)²), so unit-variance inputs give unit-variance outputs. It is
computed as StyleGAN2's "non-fused" form (scale the activations, one ordinary conv for the batch, scale the
outputs), which is the same arithmetic and fast on CPUs. All weights use the equalised learning rate (stored
N(0, 1), scaled by 1/sqrt(fan-in) at run time).

Training: non-saturating logistic loss, style-mixing regularisation (with ``mixing_prob`` a sample switches
from one w to another's at a random layer), lazy R1 on real images (γ = ``r1_gamma``, every ``r1_every``
steps, weighted by that interval), Adam(2e-3, β = (0, 0.99)), EMA of G, our DiffAugment default. The
discriminator is StyleGAN2's residual one with a minibatch standard-deviation channel.

Defaults measured for time to quality on a 2-core CPU (README): width 16 (maps of 64/64/32/16 channels at
4/8/16/32 px; twice the steps of width 32 per minute, FD 482 against 609 after 2 minutes), R1 γ = 1 and the
tanh output (FD 295 against 482 after 2 minutes; a linear output, as in StyleGAN2, kept overshooting white).

Inference: ``sample(..., psi=ψ)`` truncates toward the tracked mean w (ψ = 0: the mean image for every seed),
``mix_styles`` swaps coarse / middle / fine styles between seeds, ``noise_seed`` redraws only the noise
inputs (evaluated models otherwise use fixed noise, so a seed always gives the same image).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..registry import register
from .adversarial import AdversarialGAN
from .info import Setting
from .nn import losses
from .noise_to_image import check_common

IMAGE_SIZES = (32, 64)
STYLE_GROUPS = ("coarse", "middle", "fine")
GAIN = math.sqrt(2)  # keeps LeakyReLU activations at unit variance


def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2) * GAIN


class EqualLinear(nn.Module):
    """A linear layer with the equalised learning rate; ``lr_mul`` slows it (the mapping network's 0.01)."""

    def __init__(self, in_features: int, out_features: int, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activation: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lr_mul))
        self.scale, self.lr_mul, self.activation = lr_mul / math.sqrt(in_features), lr_mul, activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        return _act(out) if self.activation else out


class EqualConv2d(nn.Module):
    """A conv with the equalised learning rate."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale, self.padding = 1 / math.sqrt(in_channels * kernel * kernel), kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class ModulatedConv2d(nn.Module):
    """StyleGAN2's modulated (and optionally demodulated) conv; ``upsample`` doubles H and W first (bilinear)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, w_dim: int, demodulate: bool = True,
                 upsample: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # styles start at 1
        self.scale, self.padding = 1 / math.sqrt(in_channels * kernel * kernel), kernel // 2
        self.demodulate, self.upsample = demodulate, upsample

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)  # (N, in)
        weight = self.weight * self.scale
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        out = F.conv2d(x * styles[:, :, None, None].to(x.dtype), weight.to(x.dtype), padding=self.padding)
        if self.demodulate:  # 1 / σ_j with σ_j² = Σ_i s_i² Σ_k w_jik²
            sigma2 = styles.float().pow(2) @ weight.float().pow(2).sum(dim=(2, 3)).t()  # (N, out)
            out = out * torch.rsqrt(sigma2 + 1e-8)[:, :, None, None].to(out.dtype)
        return out


class NoiseInput(nn.Module):
    """Adds per-pixel noise × a learned strength (0 at first). Training draws fresh noise; an evaluated
    generator uses its fixed noise map unless noise is passed in."""

    def __init__(self, size: int):
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(()))
        self.register_buffer("fixed", torch.randn(1, 1, size, size))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        if noise is None:
            noise = torch.randn(x.size(0), 1, *x.shape[2:], device=x.device) if self.training else self.fixed
        return x + self.strength * noise.to(x.dtype)


class StyleLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, w_dim: int, size: int, upsample: bool = False):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim, upsample=upsample)
        self.noise = NoiseInput(size)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.size = size

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        x = self.noise(self.conv(x, w), noise)
        return _act(x + self.bias[None, :, None, None].to(x.dtype))


class ToRGB(nn.Module):
    def __init__(self, in_channels: int, channels: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias[None, :, None, None].to(x.dtype)


def feature_channels(size: int, width: int) -> int:
    """Channels of the maps at ``size``: 4·width at 4 and 8 px, halving with each doubling after (at least 8)."""
    return max(8, width * 4 * 8 // max(8, size))


class StyleGANGenerator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int, mapping_layers: int,
                 mixing_prob: float, squash: bool = False, w_avg_beta: float = 0.995):
        super().__init__()
        self.squash = squash
        self.mapping = nn.Sequential(*[EqualLinear(latent_dim, latent_dim, lr_mul=0.01, activation=True)
                                       for _ in range(mapping_layers)])
        self.register_buffer("w_avg", torch.zeros(latent_dim))
        self.w_avg_beta, self.mixing_prob = w_avg_beta, mixing_prob
        sizes = [4 * 2**index for index in range(int(math.log2(image_size // 4)) + 1)]  # 4, 8, ..., image_size
        self.const = nn.Parameter(torch.randn(1, feature_channels(4, width), 4, 4))
        self.layers, self.to_rgb = nn.ModuleList(), nn.ModuleList()
        self.rgb_after = []  # index of the layer after which each ToRGB reads the maps
        previous = feature_channels(4, width)
        for size in sizes:
            out = feature_channels(size, width)
            if size > 4:
                self.layers.append(StyleLayer(previous, out, latent_dim, size, upsample=True))
            self.layers.append(StyleLayer(out, out, latent_dim, size))
            self.to_rgb.append(ToRGB(out, channels, latent_dim))
            self.rgb_after.append(len(self.layers) - 1)
            previous = out
        # one w per layer, plus one for the last ToRGB (a ToRGB reads the w of the layer after it)
        self.num_ws = len(self.layers) + 1
        self.layer_sizes = [layer.size for layer in self.layers] + [image_size]  # the size each w drives

    def map(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        """w (N, w_dim) for z, truncated toward ``w_avg`` by ψ; training moves ``w_avg`` toward the batch's mean."""
        z = z * torch.rsqrt(z.float().pow(2).mean(dim=1, keepdim=True) + 1e-8).to(z.dtype)
        w = self.mapping(z)
        if self.training:
            with torch.no_grad():
                self.w_avg.lerp_(w.detach().float().mean(dim=0), 1 - self.w_avg_beta)
        if psi != 1.0:
            w = self.w_avg.to(w.dtype) + psi * (w - self.w_avg.to(w.dtype))
        return w

    def synthesize(self, ws: torch.Tensor, noise: list | None = None) -> torch.Tensor:
        """Images from per-layer styles ``ws`` (N, num_ws, w_dim); ``noise``: one map per layer or None."""
        x = self.const.expand(ws.size(0), -1, -1, -1)
        rgb, stage = None, 0
        for index, layer in enumerate(self.layers):
            x = layer(x, ws[:, index], None if noise is None else noise[index])
            if index == self.rgb_after[stage]:
                y = self.to_rgb[stage](x, ws[:, index + 1])
                rgb = y if rgb is None else F.interpolate(rgb, scale_factor=2, mode="bilinear", align_corners=False) + y
                stage += 1
        if self.squash:
            return torch.tanh(rgb)
        return rgb if self.training else rgb.clamp(-1, 1)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, psi: float = 1.0) -> torch.Tensor:
        ws = self.map(z, psi).unsqueeze(1).expand(-1, self.num_ws, -1)
        if self.training and self.mixing_prob > 0:  # style-mixing regularisation, a cut-off per sample
            other = self.map(torch.randn_like(z)).unsqueeze(1).expand(-1, self.num_ws, -1)
            cutoff = torch.randint(1, self.num_ws, (z.size(0), 1), device=z.device)
            cutoff = torch.where(torch.rand(z.size(0), 1, device=z.device) < self.mixing_prob, cutoff, self.num_ws)
            switch = torch.arange(self.num_ws, device=z.device)[None] >= cutoff  # (N, num_ws)
            ws = torch.where(switch[:, :, None], other, ws)
        return self.synthesize(ws)


class MinibatchStd(nn.Module):
    """Appends the mean standard deviation of the features over the batch as one more channel (Karras et al. 2018),
    so D can see a batch that lacks variety."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std = x.float().std(dim=0, unbiased=False).mean().to(x.dtype) if x.size(0) > 1 else x.new_zeros(())
        return torch.cat([x, std.expand(x.size(0), 1, *x.shape[2:])], dim=1)


class ResidualDown(nn.Module):
    """StyleGAN2's residual D block: two 3×3 convs and a 2× average pool, beside a pooled 1×1 skip; /√2."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1, self.conv2 = EqualConv2d(in_channels, in_channels, 3), EqualConv2d(in_channels, out_channels, 3)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = F.avg_pool2d(_act(self.conv2(_act(self.conv1(x)))), 2)
        return (main + self.skip(F.avg_pool2d(x, 2))) / GAIN


class StyleGANDiscriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, width: int):
        super().__init__()
        self.from_rgb = EqualConv2d(channels, feature_channels(image_size, width), 1)
        blocks, size = [], image_size
        while size > 4:
            blocks.append(ResidualDown(feature_channels(size, width), feature_channels(size // 2, width)))
            size //= 2
        self.blocks = nn.Sequential(*blocks)
        last = feature_channels(4, width)
        self.std = MinibatchStd()
        self.conv = EqualConv2d(last + 1, last, 3)
        self.dense = EqualLinear(last * 16, last, activation=True)
        self.score = EqualLinear(last, 1)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.blocks(_act(self.from_rgb(images)))
        x = _act(self.conv(self.std(x)))
        return self.score(self.dense(x.flatten(1))).flatten()  # (N,)


@register("stylegan")
class StyleGAN(AdversarialGAN):
    """StyleGAN2-style (Karras et al. 2020): mapping net, modulated convs, noise, style mixing, lazy R1, ψ"""

    image_sizes = IMAGE_SIZES
    loss_choices = ("bce", "hinge", "ls")
    advanced_settings = (
        Setting("mapping_layers", "Mapping network layers", "int", min_value=1),
        Setting("mixing_prob", "Style-mixing probability", "float", format="%.2f"),
        Setting("r1_gamma", "R1 weight γ (0 = off)", "float", format="%.3f"),
        Setting("squash", "tanh on the output", "bool", help="Off: a linear output, as in StyleGAN2"),
        *(s for s in AdversarialGAN.advanced_settings if s.name in ("loss", "ema_decay", "augment")),
    )

    def __init__(
        self,
        latent_dim: int = 128,
        image_size: int = 32,
        channels: int = 1,
        width: int = 16,
        mapping_layers: int = 4,
        mixing_prob: float = 0.9,
        r1_gamma: float = 1.0,
        r1_every: int = 16,
        squash: bool = True,
        loss: str = "bce",
        optimizer: str = "adam",
        lr: float = 2e-3,
        betas: tuple = (0.0, 0.99),
        ema_decay: float = 0.999,
        augment: str = "translation,cutout",
    ):
        super().__init__()
        check_common(latent_dim, image_size, channels, lr, optimizer, betas)
        if image_size not in IMAGE_SIZES:
            raise ConfigError(f"stylegan generates {' or '.join(map(str, IMAGE_SIZES))} px images (a 4×4 constant "
                              f"doubled), not {image_size}")
        if width < 2:
            raise ConfigError(f"width must be at least 2, got {width}")
        if mapping_layers < 1:
            raise ConfigError(f"mapping_layers must be at least 1, got {mapping_layers}")
        if not 0 <= mixing_prob <= 1:
            raise ConfigError(f"mixing_prob must be in [0, 1], got {mixing_prob}")
        if not 0 <= r1_gamma < math.inf or r1_every < 1:
            raise ConfigError(f"r1_gamma must be >= 0 and r1_every >= 1, got {r1_gamma} and {r1_every}")
        if loss == "wasserstein":
            raise ConfigError("stylegan trains with bce, hinge or ls")
        self.generator = StyleGANGenerator(latent_dim, image_size, channels, width, mapping_layers, mixing_prob,
                                           squash)
        self.discriminator = StyleGANDiscriminator(image_size, channels, width)
        self.r1_gamma, self.r1_every = float(r1_gamma), int(r1_every)
        self._setup_objective(loss, n_critic=1, clip_value=None, gp_weight=0.0, d_norm="none", augment=augment)
        self._setup_ema(ema_decay)

    def graph_unsafe_reason(self) -> str | None:
        return "the lazy R1 update runs on some steps only, so the step's kernels change from step to step"

    def train_step(self, batch, optimizers: dict, step: int) -> dict[str, torch.Tensor]:
        """The standard D and G updates, and every ``r1_every`` steps a lazy R1 update of D on the real batch."""
        stats = super().train_step(batch, optimizers, step)
        if self.r1_gamma > 0 and step % self.r1_every == 0:
            penalty = losses.r1_penalty(self.discriminator, batch.images)
            optimizer = optimizers["discriminator"]
            optimizer.zero_grad(set_to_none=True)
            (self.r1_gamma / 2 * self.r1_every * penalty).backward()
            optimizer.step()
            stats["r1"] = penalty.detach()
        return stats

    # ---- styles at inference ------------------------------------------------------------------------------
    @property
    def num_ws(self) -> int:
        return self.generator.num_ws

    def style_layers(self, group: str) -> range:
        """The w indices of a style group: ``coarse`` (maps up to 8×8: pose, shape), ``middle`` (up to half the
        image size) or ``fine`` (full size: texture, colour)."""
        sizes, full = self.generator.layer_sizes, self._settings["image_size"]
        bounds = {"coarse": (0, 8), "middle": (9, full // 2), "fine": (full // 2 + 1, full)}
        if group not in bounds:
            raise ConfigError(f"unknown style group {group!r}; choose one of {', '.join(STYLE_GROUPS)}")
        low, high = bounds[group]
        chosen = [index for index, size in enumerate(sizes) if low <= size <= high]
        return range(chosen[0], chosen[-1] + 1)

    def noise_maps(self, noise_seed: int, n: int = 1) -> list[torch.Tensor]:
        """Noise inputs of ``noise_seed`` (one (n, 1, S, S) map per layer), the same on every device."""
        generator = torch.Generator().manual_seed(int(noise_seed))
        return [torch.randn(n, 1, layer.size, layer.size, generator=generator).to(self.device)
                for layer in self.generator.layers]

    @torch.no_grad()
    def styles(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        """Per-layer styles (N, num_ws, w_dim) of latents ``z``, truncated by ψ toward the mean w."""
        with self.generating() as generator:  # an evaluated generator leaves w_avg alone
            w = generator.map(z.to(self.device), psi)
        return w.float().unsqueeze(1).expand(-1, self.num_ws, -1)

    @torch.no_grad()
    def synthesize(self, ws: torch.Tensor, noise_seed: int | None = None) -> torch.Tensor:
        """Images (N, C, H, W) in [-1, 1] on the CPU from styles ``ws``; ``noise_seed`` redraws the noise inputs
        (otherwise the generator's fixed noise)."""
        noise = None if noise_seed is None else self.noise_maps(noise_seed, ws.size(0))
        with self.generating() as generator:
            return generator.synthesize(ws.to(self.device), noise).float().cpu()

    def sample(self, n: int, seed: int = 0, labels=None, truncation: float | None = None, psi: float = 1.0,
               noise_seed: int | None = None) -> torch.Tensor:
        """``n`` images of ``seed``; ``psi`` < 1 truncates in w toward the mean (ψ = 0: the mean image),
        ``noise_seed`` redraws the noise inputs only."""
        if psi == 1.0 and noise_seed is None:
            return super().sample(n, seed, labels, truncation)
        if n < 1:
            raise ConfigError(f"number of samples must be at least 1, got {n}")
        self.default_labels(n, labels)  # unconditional: a class is refused with a clear message
        return self.synthesize(self.styles(self.latent(seed, n, truncation), psi), noise_seed)

    def mix_styles(self, seeds_a, seeds_b, group: str = "coarse", psi: float = 1.0) -> torch.Tensor:
        """The style-mixing grid (len(A), len(B), C, H, W): row i is seed A_i with the ``group`` styles of each
        seed B_j (coarse from B: B's pose and shape with A's details; fine from B: A's image in B's texture)."""
        layers = self.style_layers(group)
        a = torch.cat([self.styles(self.latent(seed, 1), psi) for seed in seeds_a])
        b = torch.cat([self.styles(self.latent(seed, 1), psi) for seed in seeds_b])
        mixed = a[:, None].repeat(1, len(b), 1, 1)  # (A, B, num_ws, w_dim)
        mixed[:, :, layers.start:layers.stop] = b[None, :, layers.start:layers.stop]
        images = self.synthesize(mixed.flatten(0, 1))
        return images.view(len(a), len(b), *images.shape[1:])
