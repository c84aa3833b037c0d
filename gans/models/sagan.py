"""Self-Attention GAN (Zhang, Goodfellow, Metaxas & Odena 2019) at small scale.

Convolutions see a few pixels at a time; a self-attention block lets every position of a feature map draw on
every other (a shirt's two sleeves, a shoe's toe and heel). At one resolution (``attention_size``, default
16×16) in both networks::

    f = W_q x,  g = pool(W_k x),  h = pool(W_v x)   1×1 convs (queries and keys: C/8 channels, values: C/2);
                                                     keys and values max-pooled 2×2 as in the authors' code
    β[j, i] = softmax_i(f_j · g_i)                   how much output position j attends to (pooled) place i
    o_j = W_o Σ_i β[j, i] h_i ;   y = γ·o + x        γ is learned and starts at 0: the block starts as identity

G: z → linear → a 4×4 map (7×7 for 28 px), then (nearest 2× upsample, 3×3 conv, batch norm, ReLU) blocks that
halve the channels, a 3×3 conv and tanh. D: the mirror image with 4×4 stride-2 convs and LeakyReLU(0.2), a
linear layer on the last map. The paper's recipe: spectral norm in G and D, hinge loss, two time-scale learning
rates (D faster than G; Adam β = (0, 0.9)), an EMA of G; plus our DiffAugment default. The rates are G 4e-4 and
D 1e-3 rather than the paper's 1e-4 and 4e-4: raced on a 2-core CPU, they reached FD 135 after 3 minutes against
230 (README: Time to quality); ``--lr 1e-4 --lr-d 4e-4`` trains with the paper's.

``model.attention(seed)`` returns samples with their generator's attention maps, for the Explore page's view of
where a pixel looks.
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
from .nn.layers import spectral
from .noise_to_image import check_common


class SelfAttention(nn.Module):
    """SAGAN's self-attention block over a (N, C, H, W) map; returns y = x + γ·o (and β when asked).

    As in the authors' released code, keys and values are max-pooled 2×2 (a query looks at a quarter as many
    places, each summarising 2×2 pixels) and values have C/2 channels, brought back to C by the output conv."""

    def __init__(self, channels: int, use_spectral_norm: bool = True):
        super().__init__()
        inner, values = max(1, channels // 8), max(1, channels // 2)
        self.query = spectral(nn.Conv2d(channels, inner, 1, bias=False), use_spectral_norm)
        self.key = spectral(nn.Conv2d(channels, inner, 1, bias=False), use_spectral_norm)
        self.value = spectral(nn.Conv2d(channels, values, 1, bias=False), use_spectral_norm)
        self.out = spectral(nn.Conv2d(values, channels, 1, bias=False), use_spectral_norm)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor, with_attention: bool = False):
        n, _, h, w = x.shape
        query = self.query(x).flatten(2)  # (N, C/8, HW)
        key = F.max_pool2d(self.key(x), 2).flatten(2)  # (N, C/8, HW/4)
        attention = torch.softmax(query.transpose(1, 2) @ key, dim=-1)  # (N, HW queries, HW/4 keys), rows sum to 1
        value = F.max_pool2d(self.value(x), 2).flatten(2)  # (N, C/2, HW/4)
        attended = (value @ attention.transpose(1, 2)).view(n, -1, h, w).to(x.dtype)  # (N, C/2, H, W)
        y = x + self.gamma * self.out(attended)
        return (y, attention) if with_attention else y


def _start_size(image_size: int) -> int:
    return 7 if image_size == 28 else 4


class SAGANGenerator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int, attention_size: int):
        super().__init__()
        start = _start_size(image_size)
        n_up = int(math.log2(image_size // start))  # 28 → 2, 32 → 3, 64 → 4
        hidden = width * 2 ** (n_up - 1)
        self.start, self.hidden = start, hidden
        self.project = spectral(nn.Linear(latent_dim, hidden * start * start), True)
        self.blocks = nn.ModuleList()
        self.attention_after = None  # index of the block whose output the attention block reads
        size, features = start, hidden
        for index in range(n_up):
            out = max(width // 2, hidden // 2 ** (index + 1))
            self.blocks.append(nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                spectral(nn.Conv2d(features, out, 3, padding=1, bias=False), True),
                nn.BatchNorm2d(out), nn.ReLU(inplace=True),
            ))
            size, features = size * 2, out
            if size == attention_size:
                self.attention_after, self.attention = index, SelfAttention(out)
        self.to_image = nn.Sequential(spectral(nn.Conv2d(features, channels, 3, padding=1), True), nn.Tanh())
        self.first = nn.Sequential(nn.BatchNorm2d(hidden), nn.ReLU(inplace=True))

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, with_attention: bool = False):
        x = self.first(self.project(z).view(-1, self.hidden, self.start, self.start))
        attention = None
        for index, block in enumerate(self.blocks):
            x = block(x)
            if index == self.attention_after:
                x, attention = self.attention(x, with_attention=True)
        images = self.to_image(x)
        return (images, attention) if with_attention else images


class SAGANDiscriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, width: int, attention_size: int):
        super().__init__()
        start = _start_size(image_size)
        n_down = int(math.log2(image_size // start))
        layers: list[nn.Module] = []
        size, features = image_size, channels
        for index in range(n_down):
            out = width * 2**index
            layers += [spectral(nn.Conv2d(features, out, 4, stride=2, padding=1), True),
                       nn.LeakyReLU(0.2, inplace=True)]
            size, features = size // 2, out
            if size == attention_size:
                layers.append(SelfAttention(out))
        self.features = nn.Sequential(*layers)
        self.score = spectral(nn.Linear(features * start * start, 1), True)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.score(self.features(images).flatten(1)).flatten()  # (N,)


def attention_sizes(image_size: int) -> tuple[int, ...]:
    """The map sizes a SAGAN of ``image_size`` has in both G and D: where its attention block can go."""
    start = _start_size(image_size)
    return tuple(start * 2**index for index in range(1, int(math.log2(image_size // start))))


@register("sagan")
class SAGAN(AdversarialGAN):
    """Self-Attention GAN (Zhang et al. 2019): attention at 16×16 in G and D, spectral norm, hinge, two rates"""

    graph_safe_step = True  # read for CUDA graphs (gans.training.graphs)

    image_sizes = (32, 64)  # 28 px has one inner map size (14), so no default 16×16 attention
    loss_choices = ("hinge", "bce", "ls")
    advanced_settings = (
        Setting("loss", "Loss", "choice", choices_from="losses"),
        Setting("attention_size", "Attention at (px)", "choice", choices=(8, 16, 32),
                help="The feature-map size of the self-attention block in G and D"),
        *(s for s in AdversarialGAN.advanced_settings if s.name in ("ema_decay", "augment")),
    )

    def __init__(
        self,
        latent_dim: int = 128,
        image_size: int = 32,
        channels: int = 1,
        width: int = 32,
        attention_size: int = 16,
        loss: str = "hinge",
        optimizer: str = "adam",
        lr: float = 4e-4,
        lr_d: float = 1e-3,
        betas: tuple = (0.0, 0.9),
        ema_decay: float = 0.999,
        augment: str = "translation,cutout",
    ):
        super().__init__()
        check_common(latent_dim, image_size, channels, lr, optimizer, betas)
        if width < 2:
            raise ConfigError(f"width must be at least 2, got {width}")
        if not lr_d > 0:
            raise ConfigError(f"the discriminator's learning rate must be > 0, got {lr_d}")
        if image_size not in self.image_sizes:
            raise ConfigError(f"sagan generates 32 or 64 px images, not {image_size}")
        sizes = attention_sizes(image_size)
        if attention_size not in sizes:
            raise ConfigError(f"attention_size {attention_size} is not a feature-map size of a {image_size} px SAGAN; "
                              f"choose one of {', '.join(map(str, sizes))}")
        if loss == "wasserstein":
            raise ConfigError("SAGAN trains with hinge, bce or ls; a Wasserstein critic needs a gradient penalty "
                              "(wgan-gp)")
        self.generator = SAGANGenerator(latent_dim, image_size, channels, width, attention_size)
        self.discriminator = SAGANDiscriminator(image_size, channels, width, attention_size)
        self._setup_objective(loss, n_critic=1, clip_value=None, gp_weight=0.0, d_norm="none", augment=augment)
        self._setup_ema(ema_decay)

    def configure_optimizers(self, train_cfg) -> dict[str, torch.optim.Optimizer]:
        """Two time-scale update rule (Heusel et al. 2017): D learns faster than G unless the run sets its own."""
        lr_g = train_cfg.lr if train_cfg.lr is not None else self._settings["lr"]
        lr_d = train_cfg.lr_d if train_cfg.lr_d is not None else self._settings["lr_d"]
        return {"generator": self.make_optimizer(self.generator.parameters(), lr_g),
                "discriminator": self.make_optimizer(self.discriminator.parameters(), lr_d)}

    @torch.no_grad()
    def attention(self, seed: int = 0, n: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` samples of ``seed`` (the images ``sample(n, seed)`` gives) and the generator's attention maps:
        (images (n, C, H, W) in [-1, 1], attention (n, S·S, S·S/4) with S = ``attention_size``). Row j of a map
        is where output position j (row-major on the S×S grid) attends on the (S/2)×(S/2) grid of pooled keys;
        each row sums to 1. Changes nothing."""
        z = self.latent(seed, n).to(self.device)
        with self.generating() as generator:  # as ``sample`` draws, so the images are the same
            images, attention = generator(z, with_attention=True)
        return images.float().cpu(), attention.float().cpu()
