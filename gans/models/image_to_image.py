"""Base of image-to-image models (Pix2Pix, CycleGAN, the colorizer): ``translate(images, direction)``.

An image-to-image model has no latent space: it maps images of one domain to another. Its networks are fully
convolutional, so it runs on any image whose sides are multiples of ``input_multiple``; ``translate_tiled``
reflect-pads any size to that multiple and crops back, and tiles large images (``gans.ops.tiling``). Its progress
grids show example images from the data, one column each, in rows the model chooses (input, output, target).
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from ..ops.precision import inference_autocast
from ..ops.tiling import DEFAULT_MAX_UNTILED_PIXELS, DEFAULT_OVERLAP, TileReport, translate_image
from ..registry import Task
from .base import GAN

PREVIEW_COLUMNS = 8


def check_photo_crops(data, crop_size: int, trains_on: str) -> None:
    """``ConfigError`` unless ``data`` is photos (``gans.data.photos.PhotoData``) prepared for ``crop_size`` crops:
    the check of every model that trains on random crops of photos. ``trains_on`` starts the message ("srgan trains
    on photos")."""
    kind = getattr(data, "kind", "images")
    if kind != "photos":
        raise ConfigError(f"{trains_on} (photo-folder, offline-photos), not on {kind} data")
    if data.crop_size != crop_size:
        raise ConfigError(f"the photos are cropped to {data.crop_size} but the model trains at {crop_size}; prepare "
                          "the data at the model's size")


class ImageToImageGAN(GAN):
    """Base of models that map images to images. Subclasses set ``directions`` and implement ``input_multiple``,
    ``channels``, ``_translate`` (the network on a checked batch) and ``_preview_rows``."""

    task = Task.TRANSLATE
    #: the directions ``translate`` accepts: ("a2b",) for Pix2Pix and the colorizer, ("a2b", "b2a") for CycleGAN
    directions: tuple[str, ...] = ("a2b",)

    def __init__(self):
        super().__init__()
        self.generator_ema = None  # no EMA for image-to-image models

    # ---- what a caller needs to know
    @property
    def output_scale(self) -> int:
        """The output's height and width over the input's: 1 for translators, 2 or 4 for an upscaler."""
        return 1

    @property
    def input_multiple(self) -> int:
        """Input height and width must be multiples of this (``translate_tiled`` pads to it)."""
        raise NotImplementedError(f"{type(self).__name__} must define input_multiple")

    def channels(self, direction: str = "a2b") -> tuple[int, int]:
        """(input channels, output channels) of ``direction``."""
        raise NotImplementedError(f"{type(self).__name__} must define channels")

    def check_direction(self, direction: str) -> str:
        """``direction`` as one of ``directions`` ("A → B", "a-2-b" and "A2B" read as "a2b"), or ``ConfigError``."""
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
        in_channels = self.channels(direction)[0]
        if images.dim() != 4 or images.size(1) != in_channels:
            raise ConfigError(f"expected images of shape (N, {in_channels}, H, W), got {tuple(images.shape)}")
        height, width = images.shape[2:]
        if height % self.input_multiple or width % self.input_multiple:
            raise ConfigError(f"height and width must be multiples of {self.input_multiple}, got {height}×{width}; "
                              "translate_tiled pads any size")
        return self._translate(images, direction)

    def _translate(self, images: torch.Tensor, direction: str) -> torch.Tensor:
        """The network on checked ``images``: (N, C_out, H, W) in [-1, 1] on the CPU."""
        raise NotImplementedError(f"{type(self).__name__} must implement _translate")

    def _run_network(self, network: nn.Module, images: torch.Tensor) -> torch.Tensor:
        """``network(images)`` in eval mode on the model's device (bf16 where faster), back on the CPU in fp32;
        the network's mode is restored."""
        was_training = network.training
        network.eval()
        try:
            with inference_autocast(self.device):  # bf16 where the device computes it faster (gans.ops.precision)
                return network(images.to(self.device)).float().cpu()
        finally:
            network.train(was_training)

    def translate_tiled(self, image: torch.Tensor, direction: str = "a2b", tile: int | None = None,
                        overlap: int = DEFAULT_OVERLAP,
                        max_untiled_pixels: int = DEFAULT_MAX_UNTILED_PIXELS) -> tuple[torch.Tensor, TileReport]:
        """Translate one image (1, C, H, W) in [-1, 1] of any size; the output keeps H×W (times ``output_scale``).
        Reflect-padded to ``input_multiple`` and cropped back; over ``max_untiled_pixels`` (or with ``tile``) it runs in
        overlapping tiles, blended, and the ``TileReport`` says so (never a silent down-scale)."""
        direction = self.check_direction(direction)
        return translate_image(lambda t: self.translate(t, direction), image, self.input_multiple,
                               tile=tile, overlap=overlap, max_untiled_pixels=max_untiled_pixels,
                               scale=self.output_scale)

    # ---- Trainer hooks: previews of example images
    def preview_inputs(self, data, seed: int, n: int):
        """The first examples of the data (center crops), fixed for the whole run."""
        return data.examples(min(n, PREVIEW_COLUMNS))

    def _preview_rows(self, batch) -> list[torch.Tensor]:
        """The rows of the progress grid for the example ``batch`` (e.g. input, output, target)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _preview_rows")

    def preview_grid(self, inputs):
        """One column per example; rows as ``_preview_rows`` says (e.g. input, output, target)."""
        from ..io.images import grid_image

        rows = self._preview_rows(inputs)
        if len({row.size(1) for row in rows}) > 1:  # gray and RGB rows in one grid: show all as RGB
            rows = [row.expand(-1, 3, -1, -1) if row.size(1) == 1 else row for row in rows]
        return grid_image(torch.cat(rows), nrow=rows[0].size(0))
