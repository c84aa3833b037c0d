"""DCGAN (Radford, Metz & Chintala 2015) and the objectives that reuse its networks.

Generator: project z (+ class embedding) to a 4×4 (7×7 for 28 px) map, then stride-2 transposed convs with
batch norm and ReLU, doubling the size and halving the channels, Tanh at the output. Discriminator: the mirror
image, stride-2 convs with LeakyReLU(0.2), no norm on the first layer, a final conv over the whole map.

Presets (same networks, another objective; Gulrajani et al. 2017 and Mao et al. 2017 train DCGAN-like nets):
- ``dcgan``: non-saturating BCE, Adam(1e-3, β=(0.5, 0.999)), width 32, DiffAugment (translation, cutout): the
  fast recipe, each part measured (README: Time to quality; Radford et al.'s 2e-4 and width 64 reach a given FD
  several times more slowly on a CPU). Every preset inherits it.
- ``wgan``: Wasserstein critic with weight clipping 0.01, RMSprop(5e-5), n_critic 5 (Arjovsky et al. 2017).
- ``wgan-gp``: Wasserstein + gradient penalty λ=10, layer norm in the critic, Adam(1e-4, β=(0, 0.9)), n_critic 5.
- ``lsgan``: least squares, Adam(1e-3, β=(0.5, 0.999)).
- ``cgan``: class-conditional DCGAN (Mirza & Osindero 2014): label embedding concatenated to z in G; in D an extra
  label channel concatenated to the image (default) or a projection discriminator (Miyato & Koyama 2018,
  ``conditioning="projection"``). On full Fashion-MNIST with these small networks the projection D let G collapse
  within each class (recall ≈ 0), with or without spectral norm; the label channel kept the variety (README).
  ``conditioning="auxiliary"`` is AC-GAN (Odena, Olah & Shlens 2017): D sees no label but predicts it with a
  linear head on its features; D learns it on real images (cross-entropy × ``class_weight``), G is trained to make
  its fakes classified as the class asked for.
  ``mismatch_weight`` > 0 (label-plane or projection D): Reed et al. 2016's matching-aware discriminator (GAN-CLS):
  real images shown with a wrong label are scored as fake too, with this share of D's fake term (theirs: 0.5), so D
  has to check that image and label agree. ``mismatch_hard``: half the wrong labels are hard negatives, drawn from
  the classes D currently scores highest for that image's class.
  ``mode_seeking`` > 0 (Mao et al. 2019, MSGAN): G also minimises, × this weight, the distance between two latents
  of one label over the distance between their images, which counters collapse within a class.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from ..registry import register
from .adversarial import AdversarialGAN
from .nn.layers import dcgan_init, down_block, normalization, spectral, up_block
from .noise_to_image import check_common

CONDITIONINGS = ("projection", "concat", "auxiliary")


def _start_size(image_size: int) -> int:
    """Spatial size of the first generator map: 28 px images start at 7×7, powers of two at 4×4."""
    return 7 if image_size == 28 else 4


class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int, num_classes: int, embed_dim: int):
        super().__init__()
        start = _start_size(image_size)
        n_up = int(math.log2(image_size // start))  # 28 → 2, 32 → 3, 64 → 4
        self.embedding = nn.Embedding(num_classes, embed_dim) if num_classes else None
        in_features = latent_dim + (embed_dim if num_classes else 0)
        hidden = width * 2 ** (n_up - 1)
        layers = [
            # (N, in_features, 1, 1) → (N, hidden, start, start)
            nn.ConvTranspose2d(in_features, hidden, start, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
        ]
        for _ in range(n_up - 1):  # each block: (N, c, s, s) → (N, c/2, 2s, 2s)
            layers.append(up_block(hidden, hidden // 2))
            hidden //= 2
        # (N, width, S/2, S/2) → (N, channels, S, S)
        layers += [nn.ConvTranspose2d(hidden, channels, 4, stride=2, padding=1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embedding is not None:
            z = torch.cat([z, self.embedding(labels)], dim=1)
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, width: int, norm: str, use_spectral_norm: bool,
                 num_classes: int, conditioning: str):
        super().__init__()
        start = _start_size(image_size)
        n_down = int(math.log2(image_size // start))
        self.image_size = image_size
        self.conditioning = conditioning if num_classes else None
        in_channels = channels + (1 if self.conditioning == "concat" else 0)
        if self.conditioning == "concat":
            # One extra input plane per class: the label as a learned image-sized map.
            self.label_plane = nn.Embedding(num_classes, image_size * image_size)
        layers = [  # (N, C, S, S) → (N, width, S/2, S/2); no norm on the input layer (Radford et al.)
            spectral(nn.Conv2d(in_channels, width, 4, stride=2, padding=1), use_spectral_norm),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        hidden = width
        for _ in range(n_down - 1):  # (N, c, s, s) → (N, 2c, s/2, s/2)
            layers.append(down_block(hidden, hidden * 2, norm, use_spectral_norm))
            hidden *= 2
        self.features = nn.Sequential(*layers)  # (N, hidden, start, start)
        self.head = spectral(nn.Conv2d(hidden, 1, start, stride=1, padding=0), use_spectral_norm)  # (N, 1, 1, 1)
        if self.conditioning == "projection":
            self.class_embedding = spectral(nn.Embedding(num_classes, hidden), use_spectral_norm)
        if self.conditioning == "auxiliary":  # AC-GAN: D does not see the label; it predicts it
            self.class_head = nn.Linear(hidden * start * start, num_classes)

    @torch.no_grad()
    def init_projection(self) -> None:
        """Small class embeddings (N(0, 0.02) like the convs): with PyTorch's N(0, 1) default and sum pooling
        the projection term would dwarf the unconditional score at the start of training."""
        if self.conditioning == "projection":
            embedding = self.class_embedding
            weight = (embedding.parametrizations.weight.original if hasattr(embedding, "parametrizations")
                      else embedding.weight)
            nn.init.normal_(weight, 0.0, 0.02)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.scores_and_classes(images, labels)[0]

    def scores_and_classes(self, images: torch.Tensor, labels: torch.Tensor | None = None):
        """(real/fake scores (N,), class logits (N, classes) for ``auxiliary`` conditioning, else None)."""
        if self.conditioning == "concat":
            plane = self.label_plane(labels).view(-1, 1, self.image_size, self.image_size)
            images = torch.cat([images, plane.to(images.dtype)], dim=1)
        features = self.features(images)
        scores = self.head(features).flatten()  # (N,)
        if self.conditioning == "projection":
            pooled = features.sum(dim=(2, 3))  # (N, hidden)
            scores = scores + (self.class_embedding(labels) * pooled).sum(dim=1)
        if self.conditioning == "auxiliary":
            return scores, self.class_head(features.flatten(1))  # (N, classes)
        return scores, None


@register("dcgan")
class DCGAN(AdversarialGAN):
    """Deep convolutional GAN (Radford et al. 2015), non-saturating BCE, Adam(1e-3, 0.5, 0.999), width 32

    Every preset in this file (wgan, wgan-gp, lsgan, cgan) is this class with other defaults.
    """

    graph_safe_step = True  # read for CUDA graphs (gans.training.graphs)

    def __init__(
        self,
        latent_dim: int = 100,
        image_size: int = 32,
        channels: int = 1,
        width: int = 32,
        num_classes: int = 0,
        embed_dim: int = 50,
        conditioning: str = "projection",
        class_weight: float = 1.0,
        loss: str = "bce",
        d_norm: str = "batch",
        spectral_norm: bool = False,
        n_critic: int = 1,
        clip_value: float | None = None,
        gp_weight: float = 0.0,
        optimizer: str = "adam",
        lr: float = 1e-3,
        betas: tuple = (0.5, 0.999),
        ema_decay: float = 0.999,
        augment: str = "translation,cutout",
        mismatch_weight: float = 0.0,
        mismatch_hard: bool = False,
        mode_seeking: float = 0.0,
    ):
        super().__init__()
        check_common(latent_dim, image_size, channels, lr, optimizer, betas)
        if width < 1:
            raise ConfigError(f"width must be at least 1, got {width}")
        if num_classes < 0:
            raise ConfigError(f"num_classes must be >= 0, got {num_classes}")
        if num_classes and conditioning not in CONDITIONINGS:
            raise ConfigError(f"unknown conditioning {conditioning!r}; choose one of {', '.join(CONDITIONINGS)}")
        if class_weight < 0:
            raise ConfigError(f"class_weight must be >= 0, got {class_weight}")
        normalization(d_norm, 1)  # validates the name
        self.generator = DCGANGenerator(latent_dim, image_size, channels, width, num_classes, embed_dim)
        self.discriminator = DCGANDiscriminator(
            image_size, channels, width, d_norm, spectral_norm, num_classes, conditioning
        )
        self.apply(dcgan_init)
        self.discriminator.init_projection()
        self.class_weight = class_weight if num_classes and conditioning == "auxiliary" else 0.0
        self._setup_condition_terms(mismatch_weight, mismatch_hard, mode_seeking,
                                    matching_aware=bool(num_classes) and conditioning != "auxiliary")
        if self.mismatch_hard:
            self.register_buffer("confusion", torch.zeros(num_classes, num_classes))
        self._setup_objective(loss, n_critic, clip_value, gp_weight, d_norm, augment)
        self._setup_ema(ema_decay)


def _preset(name: str, doc: str, **defaults):
    """Register ``name`` as DCGAN with other default arguments (any of them can still be overridden)."""

    def factory(**kwargs) -> DCGAN:
        return DCGAN(**{**defaults, **kwargs})

    factory.__doc__ = doc
    factory.defaults = defaults
    factory.model_class = DCGAN
    register(name)(factory)
    return factory


wgan = _preset("wgan", "Wasserstein GAN (Arjovsky et al. 2017): weight clipping 0.01, RMSprop 5e-5, 5 critic steps",
               loss="wasserstein", clip_value=0.01, n_critic=5, optimizer="rmsprop", lr=5e-5)
wgan_gp = _preset("wgan-gp", "WGAN-GP (Gulrajani et al. 2017): gradient penalty 10, Adam(1e-4, 0, 0.9), 5 critic steps",
                  loss="wasserstein", gp_weight=10.0, n_critic=5, d_norm="layer", lr=1e-4, betas=(0.0, 0.9))
lsgan = _preset("lsgan", "Least Squares GAN (Mao et al. 2017) on DCGAN networks", loss="ls")
cgan = _preset("cgan", "Class-conditional DCGAN (Mirza & Osindero 2014), the label as an extra input channel of D",
               num_classes=10, conditioning="concat")
