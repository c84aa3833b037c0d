"""A commented template for a new GAN. Copy this file to ``gans/models/my_gan.py``, rename, and add one line
``from . import my_gan`` to ``gans/models/__init__.py``. The test suite then checks your model automatically
(shapes, one training step, save → load), because it is parametrised over ``gans.list_models()``.

This template is a complete, working model (a tiny MLP GAN) and is not registered: its decorator is commented.
"""

from __future__ import annotations

import torch
from torch import nn

from .adversarial import AdversarialGAN
from .noise_to_image import check_common

# from ..registry import register


# 1. Networks: plain nn.Modules. G takes (z, labels) and returns images in [-1, 1]; D takes (images, labels) and
#    returns one raw score per image, shape (N,). Unconditional models simply ignore ``labels``.
class TemplateGenerator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, hidden: int):
        super().__init__()
        self.shape = (channels, image_size, image_size)
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(inplace=True),  # (N, hidden)
            nn.Linear(hidden, channels * image_size * image_size), nn.Tanh(),  # (N, C·H·W)
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z).view(-1, *self.shape)  # (N, C, H, W)


class TemplateDiscriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * image_size * image_size, hidden), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(hidden, 1),
        )

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(images).flatten()  # (N,)


# 2. The model: its __init__ keyword arguments are its whole config (saved to config.json and used by
#    gans.load), so keep them plain JSON values with defaults. Subclassing AdversarialGAN gives you the standard
#    noise → image training step with a choice of objective; override ``train_step`` for anything else
#    (image-to-image models do), returning a dict of floats with at least loss_d and loss_g.
# @register("my-gan")
class TemplateGAN(AdversarialGAN):
    """One line that says what this model is (shown by `python -m gans list`)."""

    def __init__(
        self,
        latent_dim: int = 64,
        image_size: int = 28,
        channels: int = 1,
        hidden: int = 128,
        loss: str = "bce",
        optimizer: str = "adam",
        lr: float = 2e-4,
        betas: tuple = (0.5, 0.999),
        ema_decay: float = 0.0,
    ):
        super().__init__()
        check_common(latent_dim, image_size, channels, lr, optimizer, betas)  # clear errors for bad values
        self.generator = TemplateGenerator(latent_dim, image_size, channels, hidden)
        self.discriminator = TemplateDiscriminator(image_size, channels, hidden)
        self._setup_objective(loss, n_critic=1, clip_value=None, gp_weight=0.0, d_norm="none")
        self._setup_ema(ema_decay)
