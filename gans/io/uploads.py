"""Decode one user-uploaded image safely, and move it to and from model tensors.

``decode_upload`` turns the bytes (or path) of an uploaded file into a PIL image in mode "RGB", or "L" for a
grayscale image, with the rules of the library's one image decoder (``gans.io.decode``: formats, EXIF orientation,
transparency, 16-bit and float gray, CMYK...) and a size limit meant for uploads (``MAX_UPLOAD_PIXELS``).

Every upload is decoded inside the server's heavy-call limit (``gans.ops.budget.heavy_call``, re-entrant: a caller
that already holds it counts once), so at most ``GANS_MAX_HEAVY_CALLS`` decoded uploads exist at once in the
process, whichever page or command decodes them; a caller that decodes several decodes them one at a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

from ..errors import ImageError
from ..ops import budget
from .decode import decode_image, to_l_or_rgb
from .images import to_pil, to_uint8

# A 4000×3000 photo is 12 MP and a 50 MP camera is the largest common one; beyond that an upload is a mistake or
# an attack, and a 50 MP RGB image already takes 150 MB decoded.
MAX_UPLOAD_PIXELS = 50_000_000
#: a tensor becomes a picture this many pixels at a time (``tensor_to_image``)
BAND_PIXELS = 1_000_000
# ITU-R BT.601 luma, the weights PIL's convert("L") uses too.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)

#: An uploaded file that is not a usable image (the decoder's error, under the name the upload API uses).
UploadError = ImageError


def decode_upload(
    data: bytes | str | Path, *, max_pixels: int = MAX_UPLOAD_PIXELS, keep_gray: bool = True,
    check_size: Callable[[int, int], None] | None = None,
) -> Image.Image:
    """Decode an uploaded image (its bytes, or the path of a file) to a PIL image in mode "RGB" or "L".

    The result is "L" when the file is grayscale and ``keep_gray`` is true, else "RGB". Images with more than
    ``max_pixels`` pixels are refused. Raises ``UploadError`` with a one-sentence message for an empty,
    unreadable, corrupt or oversized file. ``check_size(width, height)``, when given, is called with the size
    the file's header declares before any pixel is decoded, and may raise (``gans.ops.budget.check_pixels``).
    Decoded inside ``gans.ops.budget.heavy_call()`` (``ServerBusyError`` when the server stays busy).
    """
    name = "The upload" if isinstance(data, (bytes, bytearray, memoryview)) else None
    with budget.heavy_call():
        return decode_image(data, None if keep_gray else "RGB", max_pixels=max_pixels, name=name,
                            draft_size=None if check_size is None else _full_size_after(check_size))


def _full_size_after(check_size: Callable[[int, int], None]) -> Callable[[tuple[int, int]], tuple[int, int]]:
    """A ``decode_image`` draft-size hook that runs ``check_size`` on the header's size and asks for every pixel
    (no reduced JPEG draft): the decoder calls it after reading the header, before decoding."""

    def full_size(size: tuple[int, int]) -> tuple[int, int]:
        check_size(*size)
        return size

    return full_size


# ---- tensors ----------------------------------------------------------------------------------------------


def image_to_tensor(image: Image.Image, channels: int) -> torch.Tensor:
    """A PIL image → (1, channels, H, W) float32 in [-1, 1] for a model with ``channels`` = 1 or 3 inputs.

    Gray images are repeated to 3 channels; RGB images become 1 channel by ITU-R 601 luma (0.299 R + 0.587 G +
    0.114 B, computed in float, not rounded). Any other mode is first normalised as ``decode_upload`` would.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if image.mode not in ("L", "RGB"):
        image = to_l_or_rgb(image)
    pixels = torch.from_numpy(np.array(image, dtype=np.uint8))
    pixels = pixels[None] if image.mode == "L" else pixels.permute(2, 0, 1)  # (C, H, W), 0..255
    if channels == 3 and pixels.shape[0] == 1:
        pixels = pixels.expand(3, -1, -1)
    # One float copy, written in (C, H, W) order and scaled in place: a 25-megapixel picture takes 300 MB once.
    array = torch.empty(pixels.shape, dtype=torch.float32).copy_(pixels)
    if channels == 1 and array.shape[0] == 3:
        weights = torch.tensor(LUMA_WEIGHTS, dtype=torch.float32).view(3, 1, 1)
        array = (array * weights).sum(dim=0, keepdim=True)
    return array.div_(127.5).sub_(1.0).unsqueeze(0)


def tensor_to_image(tensor: torch.Tensor) -> Image.Image:
    """A (1, C, H, W) or (C, H, W) tensor in [-1, 1] with C = 1 or 3 → PIL image in mode "L" or "RGB".

    Values outside [-1, 1] are clipped and rounded to the nearest of 256 levels, as ``gans.io.images.to_uint8`` does.
    """
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4 or tensor.shape[0] != 1 or tensor.shape[1] not in (1, 3):
        raise ValueError(f"expected a (1, C, H, W) or (C, H, W) tensor with C = 1 or 3, got {tuple(tensor.shape)}")
    _, channels, height, width = tensor.shape
    pixels = np.empty((height, width, channels), dtype=np.uint8)
    band = max(1, BAND_PIXELS // max(1, width))  # in bands: a large result's float temporaries stay small
    for top in range(0, height, band):
        pixels[top:top + band] = to_uint8(tensor[..., top:top + band, :])[0]
    return to_pil(pixels)
