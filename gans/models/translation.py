"""Image-to-image GANs between two image domains (Pix2Pix, CycleGAN): ``TranslationGAN``.

They train on paired or unpaired data (``gans.data.pairs``): a ``Batch`` whose ``images`` are domain A and
whose ``targets`` are domain B. ``translate``, tiling and the preview grid come from ``ImageToImageGAN``; this
base adds the paired/unpaired data hooks and runs the generator of a direction (``_generator_for``).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from .base import check_optimizer
from .image_to_image import ImageToImageGAN
from .info import Setting

TRANSLATION_IMAGE_SIZES = (32, 64, 128, 256)
#: the adversarial losses of the image-to-image models and the colorizer (no Wasserstein critic)
TRANSLATION_LOSSES = ("bce", "ls", "hinge")
# Advanced settings the image-to-image models and the colorizer share (gans.models.info)
L1_WEIGHT = Setting("l1_weight", "L1 weight λ (output vs target)", "float")
ADVERSARIAL_LOSS = Setting("loss", "Adversarial loss", "choice", choices_from="losses")
#: at most 128: Pix2Pix at 128 has 36 M parameters (64: 8.9 M); at 256 it had 143 M and took 2.6 GB in 25 s
WIDTH = Setting("width", "Width (base channels of G and D)", "int", min_value=1, max_value=128, step=8)
DIRECTIONS = {"a2b": "A → B", "b2a": "B → A"}


def check_translation_settings(image_size: int, channels: tuple[int, ...], lr: float, optimizer: str, betas) -> None:
    """Validate what every image-to-image model shares; raise ``ConfigError`` with what to do."""
    if image_size not in TRANSLATION_IMAGE_SIZES:
        raise ConfigError(f"image size {image_size} is not supported for image-to-image models; choose one of "
                          f"{', '.join(map(str, TRANSLATION_IMAGE_SIZES))}")
    for count in channels:
        if count not in (1, 3):
            raise ConfigError(f"channels must be 1 (grayscale) or 3 (RGB), got {count}")
    check_optimizer(lr, optimizer, betas)


def default_unet_depth(image_size: int) -> int:
    """Down-samplings of a U-Net for ``image_size``: down to a 4×4 bottleneck (at most 8, the paper's 256 → 1).

    The paper goes down to 1×1; a 4×4 bottleneck keeps the innermost layers seeing real content rather than
    mostly padding, which matters when the trained network later runs on much larger images.
    """
    return max(2, min(8, int(math.log2(image_size)) - 2))


class TranslationGAN(ImageToImageGAN):
    """Image-to-image GANs on paired or unpaired data. Subclasses set ``directions`` and ``data_kind`` and
    implement ``_generator_for``, ``input_multiple``, ``channels`` and ``_preview_rows``."""

    # ---- what a form needs to know before building one (gans.models.info; read by gans.registry.model_info)
    image_sizes = TRANSLATION_IMAGE_SIZES
    loss_choices = TRANSLATION_LOSSES
    # U-Net / ResNet generators at 64 px are larger per image than the noise models: fewer steps, smaller batches
    default_steps, default_batch_size = 1000, 16
    default_metric_every = 0  # FD is measured for noise → image models only
    advanced_settings = (
        L1_WEIGHT,
        ADVERSARIAL_LOSS,
        Setting("cycle_weight", "Cycle weight λ (A → B → A and B → A → B)", "float"),
        Setting("identity_weight", "Identity weight (× cycle weight; 0 = off)", "float",
                help="Needs both domains to have the same colours (gray or RGB)"),
        Setting("pool_size", "History pool size (0 = off)", "int", help="D also sees up to this many earlier fakes"),
        WIDTH,
    )

    def _generator_for(self, direction: str) -> nn.Module:
        """The generator that translates ``direction``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _generator_for")

    def _translate(self, images: torch.Tensor, direction: str) -> torch.Tensor:
        return self._run_network(self._generator_for(direction), images)

    # ---- Trainer hooks
    def data_size_hint(self) -> int:
        from ..data.pairs import jitter_load_size

        cfg = self._settings
        return jitter_load_size(cfg["image_size"]) if cfg.get("jitter", True) else cfg["image_size"]

    def prepare_data(self, data):
        cfg = self._settings
        a_channels, b_channels = self.channels("a2b")
        return data.prepare(cfg["image_size"], a_channels, b_channels, jitter=cfg.get("jitter", True))

    def check_data(self, data) -> None:
        kind = getattr(data, "kind", "images")
        if kind != self.data_kind:
            raise ConfigError(f"{self.architecture} trains on {self.data_kind} image sets (domain A and domain B), "
                              f"not on {kind} data; choose a {self.data_kind} dataset")
        size = self._settings["image_size"]
        a_channels, b_channels = self.channels("a2b")
        if data.crop_size != size and not (data.crop_size is None and data.a.shape[2:] == (size, size)):
            raise ConfigError(f"the data is cropped to {data.crop_size} but the model trains at {size}; "
                              "prepare the data at the model's size")
        if data.channels_a != a_channels or data.channels_b != b_channels:
            raise ConfigError(f"the data has {data.channels_a} → {data.channels_b} channels but the model "
                              f"translates {a_channels} → {b_channels}")


def set_lr_factor(optimizers: dict, factor: float) -> None:
    """Scale every optimizer's learning rate to ``factor`` × its initial value (for linear decay schedules)."""
    for optimizer in optimizers.values():
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor
