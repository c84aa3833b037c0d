"""Base of image-to-image models (Pix2Pix, CycleGAN): ``translate(images, direction)`` instead of ``sample``.

They train on paired or unpaired data (``gans.data.pairs``): a ``Batch`` whose ``images`` are domain A and
whose ``targets`` are domain B. Their generators are fully convolutional, so they run on any image whose
sides are multiples of ``input_multiple``; ``gans.translate`` pads, tiles and crops to handle any size.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from ..precision import inference_autocast
from .base import GAN, check_optimizer

TRANSLATION_IMAGE_SIZES = (32, 64, 128, 256)
DIRECTIONS = {"a2b": "A → B", "b2a": "B → A"}
PREVIEW_COLUMNS = 8


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


class TranslationGAN(GAN):
    """Shared parts of image-to-image models. Subclasses set ``directions`` and implement ``_generator_for``."""

    task = "translate"
    #: the directions ``translate`` accepts: ("a2b",) for Pix2Pix, ("a2b", "b2a") for CycleGAN
    directions: tuple[str, ...] = ("a2b",)

    def __init__(self):
        super().__init__()
        self.generator_ema = None  # no EMA for image-to-image models

    # ---- what a caller needs to know
    @property
    def input_multiple(self) -> int:
        """Input height and width must be multiples of this (``gans.translate`` pads to it)."""
        raise NotImplementedError

    def channels(self, direction: str = "a2b") -> tuple[int, int]:
        """(input channels, output channels) of ``direction``."""
        raise NotImplementedError

    def _generator_for(self, direction: str) -> nn.Module:
        raise NotImplementedError

    def check_direction(self, direction: str) -> str:
        direction = str(direction).lower().replace("→", "2").replace("-", "").replace("_", "")
        if direction not in self.directions:
            names = " or ".join(self.directions)
            raise ConfigError(f"{self.architecture} translates {names}; there is no direction {direction!r}")
        return direction

    # ---- translation
    @torch.no_grad()
    def translate(self, images: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
        """Translate (N, C, H, W) images in [-1, 1] (H, W multiples of ``input_multiple``); returns them on the
        CPU in [-1, 1]. Runs in eval mode: dropout off, batch norm with running statistics (deterministic)."""
        direction = self.check_direction(direction)
        generator = self._generator_for(direction)
        in_channels = self.channels(direction)[0]
        if images.dim() != 4 or images.size(1) != in_channels:
            raise ConfigError(f"expected images of shape (N, {in_channels}, H, W), got {tuple(images.shape)}")
        height, width = images.shape[2:]
        if height % self.input_multiple or width % self.input_multiple:
            raise ConfigError(f"height and width must be multiples of {self.input_multiple}, got {height}×{width}; "
                              "gans.translate.translate_image pads any size")
        was_training = generator.training
        generator.eval()
        try:
            with inference_autocast(self.device):  # bf16 where the device computes it faster (gans.precision)
                return generator(images.to(self.device)).float().cpu()
        finally:
            generator.train(was_training)

    def sample(self, n: int, seed: int = 0, labels=None, truncation=None):
        raise ConfigError(f"{self.architecture} translates images and has no latent space: use translate()")

    def generate(self, z, labels=None):
        raise ConfigError(f"{self.architecture} translates images and has no latent space: use translate()")

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
        if data.a.shape[1] != a_channels or data.b.shape[1] != b_channels:
            raise ConfigError(f"the data has {data.a.shape[1]} → {data.b.shape[1]} channels but the model "
                              f"translates {a_channels} → {b_channels}")

    def preview_inputs(self, data, seed: int, n: int):
        """The first examples of the data (center crops), fixed for the whole run."""
        return data.examples(min(n, PREVIEW_COLUMNS))

    def _preview_rows(self, batch) -> list[torch.Tensor]:
        raise NotImplementedError

    def preview_grid(self, inputs):
        """One column per example; rows as ``_preview_rows`` says (e.g. input, output, target)."""
        from ..images import grid_image

        rows = self._preview_rows(inputs)
        if len({row.size(1) for row in rows}) > 1:  # gray and RGB rows in one grid: show all as RGB
            rows = [row.expand(-1, 3, -1, -1) if row.size(1) == 1 else row for row in rows]
        return grid_image(torch.cat(rows), nrow=rows[0].size(0))


def set_lr_factor(optimizers: dict, factor: float) -> None:
    """Scale every optimizer's learning rate to ``factor`` × its initial value (for linear decay schedules)."""
    for optimizer in optimizers.values():
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor
