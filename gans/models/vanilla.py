"""The original GAN (Goodfellow et al. 2014): fully connected generator and discriminator on flattened images.

G: z → 256 → 512 → 1024 → C·H·W with ReLU and Tanh at the output. D: C·H·W → 1024 → 512 → 256 → 1 with
LeakyReLU(0.2) and dropout 0.3 (the paper's maxout units replaced by the now-usual LeakyReLU).
``batchnorm=True`` gives the popular variant with LeakyReLU + BatchNorm1d in G. ``r1_gamma`` > 0 adds the R1
penalty on real images to D's loss (Mescheder et al. 2018: without it the original objective need not converge).
``minibatch_std=True`` gives D the batch's spread of its last features as one more input (Karras et al. 2018's
minibatch standard deviation, a simpler form of Salimans et al. 2016's minibatch discrimination against collapse).
``pack=m`` > 1 makes D score m images at a time, side by side in one input (PacGAN, Lin et al. 2018): a packed set
of fakes from a G that covers few modes looks unlike a set of real images, so D punishes the collapse. With pack,
``r1_gamma`` stays a penalty per image (the mean of each image's squared gradient norm, not per packed set), and
``minibatch_std`` measures the spread over the packed sets.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from ..registry import register
from .adversarial import AdversarialGAN
from .nn.layers import spectral
from .noise_to_image import check_common


class MLPGenerator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, hidden: int, batchnorm: bool):
        super().__init__()
        self.shape = (channels, image_size, image_size)
        layers, width = [], latent_dim
        for out in (hidden, hidden * 2, hidden * 4):
            layers.append(nn.Linear(width, out))
            if batchnorm:
                layers += [nn.BatchNorm1d(out), nn.LeakyReLU(0.2, inplace=True)]
            else:
                layers.append(nn.ReLU(inplace=True))
            width = out
        layers += [nn.Linear(width, channels * image_size * image_size), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z).view(-1, *self.shape)  # (N, C, H, W)


class MLPDiscriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, hidden: int, use_spectral_norm: bool,
                 minibatch_std: bool = False, pack: int = 1):
        super().__init__()
        layers, width = [nn.Flatten()], pack * channels * image_size * image_size  # Flatten: kept for the saved keys
        for out in (hidden * 4, hidden * 2, hidden):
            layers += [spectral(nn.Linear(width, out), use_spectral_norm), nn.LeakyReLU(0.2, inplace=True),
                       nn.Dropout(0.3)]
            width = out
        layers.append(spectral(nn.Linear(width + int(minibatch_std), 1), use_spectral_norm))
        self.net = nn.Sequential(*layers)
        self.minibatch_std = minibatch_std
        self.pack = pack

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """One score per image, or with ``pack`` m > 1 one per m images in a row (N/m scores, rounded up: a
        batch that does not divide is filled up with its own first images)."""
        flat = images.flatten(1)  # (N, C·H·W)
        if self.pack > 1:
            short = -flat.size(0) % self.pack
            if short:  # the first images again, cycling when the batch is smaller than the gap
                flat = torch.cat([flat, flat[torch.arange(short, device=flat.device) % flat.size(0)]])
            flat = flat.reshape(-1, self.pack * flat.size(1))  # (N/m, m·C·H·W)
        features = self.net[:-1](flat)
        if self.minibatch_std:  # one more feature: how much the batch varies (a collapsed G's batch hardly does)
            # sqrt(var + ε), not std: std's gradient (R1 takes a second one) is NaN where the batch does not vary
            spread = (features.float().var(dim=0, unbiased=False) + 1e-8).sqrt().mean().to(features.dtype)
            features = torch.cat([features, spread.expand(features.size(0), 1)], dim=1)
        return self.net[-1](features).flatten()  # (N,)


@register("vanilla")
class VanillaGAN(AdversarialGAN):
    """The original MLP GAN (Goodfellow et al. 2014), non-saturating loss; batchnorm=True for the BN variant"""

    graph_safe_step = True  # read for CUDA graphs (gans.training.graphs)

    channels_last = False  # fully connected: no convolution gains from NHWC

    def __init__(
        self,
        latent_dim: int = 100,
        image_size: int = 28,
        channels: int = 1,
        hidden: int = 256,
        batchnorm: bool = False,
        loss: str = "bce",
        spectral_norm: bool = False,
        optimizer: str = "adam",
        lr: float = 2e-4,
        betas: tuple = (0.5, 0.999),
        ema_decay: float = 0.9999,  # a long average smooths the MLP's speckle (docs/RESULTS.md, the fifth session)
        augment: str = "",
        mode_seeking: float = 0.0,
        r1_gamma: float = 0.0,
        minibatch_std: bool = False,
        pack: int = 1,
    ):
        super().__init__()
        check_common(latent_dim, image_size, channels, lr, optimizer, betas)
        if hidden < 1:
            raise ConfigError(f"hidden must be at least 1, got {hidden}")
        if isinstance(pack, bool) or not isinstance(pack, int) or not 1 <= pack <= 8:
            raise ConfigError(f"pack must be from 1 to 8 images, got {pack}")
        if not 0 <= r1_gamma < math.inf:  # NaN fails both comparisons
            raise ConfigError(f"r1_gamma must be >= 0 and finite, got {r1_gamma}")
        self.step_r1_gamma = float(r1_gamma)
        self.generator = MLPGenerator(latent_dim, image_size, channels, hidden, batchnorm)
        self.discriminator = MLPDiscriminator(image_size, channels, hidden, spectral_norm, minibatch_std, pack)
        self._setup_objective(loss, n_critic=1, clip_value=None, gp_weight=0.0, d_norm="none", augment=augment)
        # MSGAN's mode-seeking term for G (as DCGAN's): two latents should give images as far apart as they are
        self._setup_condition_terms(0.0, False, mode_seeking, matching_aware=False)
        self._setup_ema(ema_decay)
