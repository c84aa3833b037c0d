"""Translate one image of any size with an image-to-image model (Pix2Pix, CycleGAN).

Decoding (``gans.uploads``): any format PIL reads safely, EXIF orientation, gray / RGBA / palette / CMYK /
16-bit converted. Running (``gans.tiling``): reflect-padded to the network's multiple and cropped back, so the
output has the input's size; images over ``max_untiled_pixels`` are processed in overlapping tiles, blended,
and the report says so (never a silent down-scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .errors import ConfigError
from .tiling import DEFAULT_MAX_UNTILED_PIXELS, DEFAULT_OVERLAP, TileReport, translate_image
from .uploads import decode_upload, image_to_tensor, tensor_to_image


@dataclass
class Translation:
    """The result of translating one image: the output (same size as the input), the decoded input, and how it
    was processed (``report.message`` is a sentence to show the user when it was tiled, else "")."""

    output: Image.Image
    input: Image.Image
    report: TileReport
    direction: str


def translate_picture(model, image: Image.Image, direction: str = "a2b", tile: int | None = None,
                      overlap: int = DEFAULT_OVERLAP,
                      max_untiled_pixels: int = DEFAULT_MAX_UNTILED_PIXELS) -> Translation:
    """Translate a decoded PIL image (mode L or RGB) with ``model`` in ``direction``."""
    if getattr(model, "task", "generate") != "translate":
        raise ConfigError(f"{model.architecture} generates images from noise; pick an image-to-image model "
                          "(pix2pix or cyclegan) to translate a picture")
    direction = model.check_direction(direction)
    in_channels, _ = model.channels(direction)
    x = image_to_tensor(image, in_channels)  # (1, C, H, W) in [-1, 1]
    out, report = translate_image(lambda t: model.translate(t, direction), x, model.input_multiple,
                                  tile=tile, overlap=overlap, max_untiled_pixels=max_untiled_pixels)
    return Translation(tensor_to_image(out), image, report, direction)


def translate_file(model, data: bytes | str | Path, direction: str = "a2b", tile: int | None = None,
                   overlap: int = DEFAULT_OVERLAP,
                   max_untiled_pixels: int = DEFAULT_MAX_UNTILED_PIXELS) -> Translation:
    """Decode ``data`` (bytes of an upload, or a path) and translate it; bad files raise ``UploadError``."""
    return translate_picture(model, decode_upload(data), direction, tile, overlap, max_untiled_pixels)
