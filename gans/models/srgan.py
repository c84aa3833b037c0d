"""SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
Network"): a photo made ``scale`` (2 or 4) times larger.

- Generator (SRResNet): a 9×9 head convolution, ``blocks`` residual blocks (conv-PReLU-conv + skip), a long
  skip over them, then one sub-pixel upsampling stage per factor 2 (conv to 4× the channels, pixel shuffle,
  PReLU; Shi et al. 2016) and an output convolution.
  Documented departures from the paper, each for a CPU-sized model:
  - no batch norm in the residual blocks (Lim et al. 2017, EDSR: it costs speed and PSNR in super-resolution);
  - a global bicubic skip: the network predicts the difference to the bicubic upscale, so training starts at
    bicubic quality and every step is spent on detail (Kim et al. 2016, VDSR);
  - a 3×3 output convolution instead of 9×9 (at the output's size a 9×9 one would cost almost as much as the
    whole residual body), and each upsampling stage halves the channels (the paper keeps 64 at 2× and 4× the
    input's size, which costs more than the residual body on a CPU);
  - ICNR initialisation of the sub-pixel convolutions (Aitken et al. 2017): no checkerboard at the start.
- Discriminator: the paper's stack of 3×3 convolutions, stride 2 every second layer and doubling channels,
  LeakyReLU 0.2; spectral norm (Miyato et al. 2018) instead of batch norm and global average pooling instead of
  the dense layers, so it scores crops of any size.
- Training: the first ``pretrain_steps`` steps minimise the pixel MSE alone (that model alone is the SRResNet
  baseline). Then G's loss is  MSE + ``feature_weight`` · content + ``adversarial_weight`` · adversarial, with the
  non-saturating BCE adversarial loss (λ = 1e-3 as in the paper). The paper's content loss is the distance
  between VGG-19 features; VGG weights cannot be downloaded here, so the content loss is the L1 distance between
  the *discriminator's* features of the output and of the original at each of its stages (the feature-matching
  loss of Wang et al. 2018, pix2pixHD), a feature space trained on exactly these photos. MSE stays in G's loss
  (ESRGAN keeps a pixel term too): it keeps the GAN model's PSNR above bicubic while the two other terms sharpen.
- Data: random crops of any photo set (``photo-folder``, ``offline-photos``); the low-resolution input is the
  crop downscaled by bicubic interpolation with antialiasing, made in ``train_step`` (``downscale``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..registry import Task, register
from .base import Batch, check_optimizer
from .image_to_image import ImageToImageGAN, check_photo_crops
from .info import Setting
from .nn import losses

SCALES = (2, 4)
#: the high-resolution training crop sides (the low-resolution input is this divided by the scale)
CROP_SIZES = (32, 48, 64, 96, 128)


def downscale(images: torch.Tensor, scale: int) -> torch.Tensor:
    """(N, C, H, W) → (N, C, H / scale, W / scale) by antialiased bicubic interpolation: the low-resolution
    inputs of training and of every evaluation (a camera's own downscaling is smoother than plain bicubic)."""
    height, width = images.shape[-2:]
    return F.interpolate(images.float(), size=(height // scale, width // scale), mode="bicubic", antialias=True,
                         align_corners=False)


def upscale_bicubic(images: torch.Tensor, scale: int) -> torch.Tensor:
    """(N, C, h, w) → (N, C, h·scale, w·scale) by bicubic interpolation: the baseline every upscaler must beat."""
    return F.interpolate(images.float(), scale_factor=scale, mode="bicubic", align_corners=False)


class ResidualBlock(nn.Module):
    """conv 3×3 → PReLU → conv 3×3, plus the input (no batch norm: EDSR)."""

    def __init__(self, width: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.PReLU(width),
                                  nn.Conv2d(width, width, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SubPixelUpsample(nn.Module):
    """×2: conv to 4× the output channels, pixel shuffle (Shi et al. 2016), PReLU. ICNR init: the four sub-pixels
    of a channel start with the same kernel, so the first output is a smooth nearest-neighbour upscale."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 4 * out_channels, 3, padding=1)
        with torch.no_grad():
            kernel = torch.empty(out_channels, in_channels, 3, 3)
            nn.init.kaiming_normal_(kernel, a=0.25)
            self.conv.weight.copy_(kernel.repeat_interleave(4, dim=0))
            self.conv.bias.zero_()
        self.shuffle, self.act = nn.PixelShuffle(2), nn.PReLU(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.shuffle(self.conv(x)))  # (N, out, 2h, 2w)


class SRResNet(nn.Module):
    """(N, 3, h, w) in [-1, 1] → (N, 3, h·scale, w·scale): bicubic upscale + the predicted detail."""

    def __init__(self, scale: int, width: int, blocks: int):
        super().__init__()
        self.scale = scale
        self.head = nn.Sequential(nn.Conv2d(3, width, 9, padding=4), nn.PReLU(width))
        self.body = nn.Sequential(*(ResidualBlock(width) for _ in range(blocks)),
                                  nn.Conv2d(width, width, 3, padding=1))
        # Each ×2 stage halves the channels: the work per output pixel stays small at 2× and 4× the input size.
        stages = int(math.log2(scale))
        self.upsample = nn.Sequential(*(SubPixelUpsample(max(1, width >> stage), max(1, width >> (stage + 1)))
                                        for stage in range(stages)))
        self.tail = nn.Conv2d(max(1, width >> stages), 3, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # the untrained network is exactly the bicubic upscale
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.head(x)  # (N, W, h, w)
        features = features + self.body(features)  # the long skip
        detail = self.tail(self.upsample(features))  # (N, 3, h·s, w·s)
        return upscale_bicubic(x, self.scale) + detail


class FeatureDiscriminator(nn.Module):
    """Scores a high-resolution image real or upscaled; ``forward`` also returns the activations of each of its
    stages (the content loss's feature space)."""

    def __init__(self, width: int):
        super().__init__()
        norm = nn.utils.spectral_norm
        channels = [width, width, 2 * width, 2 * width, 4 * width, 4 * width, 8 * width, 8 * width]
        layers = [norm(nn.Conv2d(3, width, 3, padding=1))]
        for index in range(1, len(channels)):
            stride = 2 if index % 2 else 1  # stride 2 every second layer, as in the paper
            layers.append(norm(nn.Conv2d(channels[index - 1], channels[index], 3, stride=stride, padding=1)))
        self.convs = nn.ModuleList(layers)
        self.score = norm(nn.Linear(channels[-1], 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for index, conv in enumerate(self.convs):
            x = F.leaky_relu(conv(x), 0.2)
            if index % 2 == 0 and index > 0:  # after each resolution's second convolution
                features.append(x)
        features.append(x)
        return self.score(x.mean(dim=(2, 3))), features  # (N, 1) logits


@register("srgan")
class SRGAN(ImageToImageGAN):
    """SRGAN (Ledig et al. 2017): photos upscaled ×2 or ×4 by an SRResNet; MSE, then adversarial + content loss"""

    task = Task.UPSCALE
    data_kind = "photos"
    default_dataset = "offline-photos"  # where installed; else the form falls back to photo-folder
    image_sizes = CROP_SIZES  # the high-resolution training crop
    loss_choices = ("bce",)
    default_steps, default_batch_size = 2000, 16
    default_metric_every = 0
    advanced_settings = (
        Setting("scale", "Upscaling factor", "choice", choices=SCALES),
        Setting("pretrain_steps", "MSE-only pre-training steps", "int", min_value=0, step=100,
                help="G learns from the pixel MSE alone for this many steps (the SRResNet baseline) before the "
                     "discriminator's content and adversarial losses join in"),
        Setting("adversarial_weight", "Adversarial weight", "float", min_value=0.0, step=1e-3, format="%.4f"),
        Setting("feature_weight", "Content (D-feature) weight", "float", min_value=0.0, step=0.01, format="%.3f"),
        Setting("width", "Generator width", "int", min_value=4, max_value=256, step=4),
        Setting("blocks", "Residual blocks", "int", min_value=1, max_value=32),  # the paper: 16
    )

    def __init__(
        self,
        scale: int = 4,
        image_size: int = 96,
        width: int = 32,
        blocks: int = 8,
        d_width: int = 32,
        pretrain_steps: int = 1000,
        adversarial_weight: float = 1e-3,
        feature_weight: float = 0.01,
        loss: str = "bce",
        lr: float = 2e-4,
        betas: tuple[float, float] = (0.9, 0.999),
        optimizer: str = "adam",
    ):
        super().__init__()
        if scale not in SCALES:
            raise ConfigError(f"scale must be one of {', '.join(map(str, SCALES))}, got {scale!r}")
        if image_size not in CROP_SIZES:
            raise ConfigError(f"image size {image_size} is not supported; choose one of "
                              f"{', '.join(map(str, CROP_SIZES))} (the high-resolution training crop)")
        check_optimizer(lr, optimizer, betas)
        if width < 1 or blocks < 1 or d_width < 1:
            raise ConfigError("width, blocks and d_width must be at least 1")
        if pretrain_steps < 0 or adversarial_weight < 0 or feature_weight < 0:
            raise ConfigError("pretrain_steps, adversarial_weight and feature_weight must be >= 0")
        if loss != "bce":
            raise ConfigError(f"srgan trains with the non-saturating bce loss, got {loss!r}")
        self.generator = SRResNet(scale, width, blocks)
        self.discriminator = FeatureDiscriminator(d_width)
        self.pretrain_steps = pretrain_steps
        self.adversarial_weight, self.feature_weight = adversarial_weight, feature_weight

    # ---- facts
    @property
    def scale(self) -> int:
        """How many times larger the output is than the input, on each side."""
        return self.generator.scale

    @property
    def output_scale(self) -> int:
        return self.generator.scale

    @property
    def input_multiple(self) -> int:
        return 1  # no downsampling in the generator: any size runs

    def channels(self, direction: str = "a2b") -> tuple[int, int]:
        self.check_direction(direction)
        return 3, 3

    def _translate(self, images: torch.Tensor, direction: str) -> torch.Tensor:
        """(N, 3, h, w) → (N, 3, h·scale, w·scale) in [-1, 1]. The input goes in channels-last (NHWC) order:
        oneDNN's convolutions then run 1.3-1.7× faster on a CPU (measured on a 384² tile, fp32 and bf16)."""
        return self._run_network(self.generator, images.contiguous(memory_format=torch.channels_last)).clamp(-1, 1)

    # ---- training
    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        """MSE-only generator steps during pre-training; then a D step (real crops vs upscaled ones) and a G step
        (MSE + content on D's features + adversarial)."""
        opt_g, opt_d = optimizers["generator"], optimizers["discriminator"]
        original = batch.images  # (N, 3, S, S) high-resolution crops
        with torch.no_grad():
            small = downscale(original, self.scale)  # (N, 3, S/scale, S/scale)
        upscaled = self.generator(small)
        mse = F.mse_loss(upscaled.float(), original.float())
        stats: dict[str, float] = {}
        if step < self.pretrain_steps:
            loss_g = mse
            stats.update(loss_d=0.0, adversarial=0.0, content=0.0)
        else:
            real_scores, real_features = self.discriminator(original)
            fake_scores, _ = self.discriminator(upscaled.detach())
            loss_d = losses.discriminator_loss("bce", real_scores.float(), fake_scores.float())
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            scores, features = self.discriminator(upscaled)
            adversarial = losses.generator_loss("bce", scores.float())
            content = sum(F.l1_loss(fake.float(), real.detach().float())
                          for fake, real in zip(features, real_features)) / len(features)
            loss_g = mse + self.feature_weight * content + self.adversarial_weight * adversarial
            stats.update(loss_d=loss_d.item(), adversarial=adversarial.item(), content=content.item())
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        stats.update(loss_g=loss_g.item(), mse=mse.item())
        return stats

    # ---- Trainer hooks
    def prepare_data(self, data):
        return data.prepare(self._settings["image_size"])

    def check_data(self, data) -> None:
        check_photo_crops(data, self._settings["image_size"], "srgan trains on photos")

    def _preview_rows(self, batch: Batch) -> list[torch.Tensor]:
        """Bicubic upscale of the small input, the model's upscale, the original crop."""
        small = downscale(batch.images, self.scale)
        return [upscale_bicubic(small, self.scale).clamp(-1, 1), self.translate(small), batch.images.float()]
