"""Decode one user-uploaded image safely, and move it to and from model tensors.

``decode_upload`` turns the bytes (or path) of an uploaded file into a PIL image in mode "RGB", or "L" for a
grayscale image, whatever the file holds:

- Only PNG, JPEG, BMP, GIF, WebP and TIFF are decoded (PIL's rarely used decoders stay away from untrusted files).
- The image dimensions are checked from the file header *before* any pixel is decoded, so a decompression bomb
  (a tiny file declaring 50000×50000 pixels) fails fast without allocating memory.
- Every pixel is decoded inside the function, so a truncated or corrupt file fails here with an ``UploadError``
  rather than later in whatever code first touches the pixels.
- EXIF orientation is applied (phone photos come out upright).
- Transparency is composited on white; palette, CMYK, YCbCr, LAB and HSV become RGB; 1-bit becomes L; 16-bit
  gray is scaled to 8 bits (not clipped); float images are scaled (see ``_float_to_l``).
- Animated GIF / WebP and multi-page TIFF: the first frame.

"Grayscale" is decided by the file's colour mode, not by looking at the pixels: an RGB file whose three
channels happen to be equal stays RGB (as in ``gans.data.folder``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import GansError
from .images import to_pil, to_uint8

# A 4000×3000 photo is 12 MP and a 50 MP camera is the largest common one; beyond that an upload is a mistake or
# an attack, and a 50 MP RGB image already takes 150 MB decoded.
MAX_UPLOAD_PIXELS = 50_000_000
# Decoders PIL may use (same list as gans.data.folder.PIL_FORMATS); the JPEG one also opens multi-picture JPEGs.
UPLOAD_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF")
FORMATS_FOR_HUMANS = "a PNG, JPEG, BMP, GIF, WebP or TIFF file"
WHITE = (255, 255, 255)
SIXTEEN_BIT_GRAY_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N"})
ALPHA_MODES = frozenset({"RGBA", "LA", "PA"})
# ITU-R BT.601 luma, the weights PIL's convert("L") uses too.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


class UploadError(GansError, ValueError):
    """An uploaded file that is not a usable image: empty, not an image, corrupt or too large."""


# ---- decoding ---------------------------------------------------------------------------------------------


def decode_upload(
    data: bytes | str | Path, *, max_pixels: int = MAX_UPLOAD_PIXELS, keep_gray: bool = True
) -> Image.Image:
    """Decode an uploaded image (its bytes, or the path of a file) to a PIL image in mode "RGB" or "L".

    The result is "L" when the file is grayscale and ``keep_gray`` is true, else "RGB". Images with more than
    ``max_pixels`` pixels are refused (PIL itself also refuses anything over twice ``Image.MAX_IMAGE_PIXELS``,
    about 179 MP by default, whatever ``max_pixels`` says). Raises ``UploadError`` with a one-sentence message for
    an empty, unreadable, corrupt or oversized file.
    """
    data, name = _read(data)
    if not data:
        raise UploadError(f"{name} is empty (0 bytes); upload {FORMATS_FOR_HUMANS}")
    try:
        image = Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS)
    except UnidentifiedImageError:
        raise UploadError(f"{name} is not an image PIL can read; upload {FORMATS_FOR_HUMANS}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # PIL refused the header before we could read the size; its message names the pixel count.
        raise UploadError(_too_large_message(name, _pixels_in(error), max_pixels)) from None
    # Anything else PIL raises on a malformed header (OSError, SyntaxError, struct.error, ...) means a broken file.
    except Exception as error:  # noqa: BLE001
        raise UploadError(_corrupt_message(name, error)) from None

    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise UploadError(_too_large_message(name, (width, height), max_pixels))
        try:
            # load() decodes every pixel of the first frame, so truncation and corruption surface here; PIL raises
            # many exception types on malformed data (OSError, SyntaxError, ValueError, EOFError, zlib.error...).
            image.load()
        except MemoryError:
            raise UploadError(
                f"{name} ({width}×{height}) is too large to decode in the memory available; upload a smaller image"
            ) from None
        except Exception as error:  # noqa: BLE001
            raise UploadError(_corrupt_message(name, error)) from None
        image = _upright(image)  # a copy, so it outlives the ``with``

    image = _to_l_or_rgb(image, name)
    if image.mode == "L" and not keep_gray:
        image = image.convert("RGB")
    return image


def _read(data: bytes | str | Path) -> tuple[bytes, str]:
    """The file's bytes, and how to name it in messages ("The upload" for raw bytes, else the file name)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), "The upload"
    if isinstance(data, (str, Path)):
        path = Path(data).expanduser()
        try:
            return path.read_bytes(), path.name
        except FileNotFoundError:
            raise UploadError(f"{path} does not exist; check the path of the image") from None
        except OSError as error:
            raise UploadError(f"{path} could not be read ({error.strerror or error}); check the path") from None
    raise TypeError(f"decode_upload needs bytes or a path, not {type(data).__name__}")


def _upright(image: Image.Image) -> Image.Image:
    """A copy of the (loaded) image turned as its EXIF orientation says.

    Broken EXIF metadata is common in edited photos and says nothing about the pixels, so an orientation that
    cannot be read is ignored rather than refusing an image that decoded fine.
    """
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001
        return image.copy()


def _pixels_in(error: Exception) -> int | None:
    """The pixel count PIL's decompression-bomb message names ("Image size (400000000 pixels) exceeds ...")."""
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else None


def _too_large_message(name: str, size: tuple[int, int] | int | None, max_pixels: int) -> str:
    if isinstance(size, tuple):
        width, height = size
        described = f"{width}×{height} = {width * height / 1e6:.1f} megapixels"
    elif size is not None:
        described = f"{size / 1e6:.1f} megapixels"
    else:
        described = "too many pixels"
    return (
        f"{name} is too large ({described}; the limit is {max_pixels / 1e6:g} megapixels); "
        "resize it and upload again"
    )


def _corrupt_message(name: str, error: Exception) -> str:
    detail = str(error) or type(error).__name__
    return f"{name} is truncated or corrupt ({detail}); re-save it as a PNG or JPEG and upload again"


# ---- colour modes -----------------------------------------------------------------------------------------


def _to_l_or_rgb(image: Image.Image, name: str = "The image") -> Image.Image:
    """Mode "L" for grayscale images, "RGB" for everything else (see the module docstring for the rules)."""
    mode = image.mode
    if mode in SIXTEEN_BIT_GRAY_MODES or mode == "I":
        image = _sixteen_bit_to_l(image)
    elif mode == "F":
        image = _float_to_l(image)
    elif mode == "1":
        image = image.convert("L")
    elif mode == "P" and "transparency" not in image.info:
        image = image.convert("RGB")

    if image.mode in ALPHA_MODES or "transparency" in image.info:
        return _composite_on_white(image)
    if image.mode in ("L", "RGB"):
        return image
    try:  # CMYK, YCbCr, LAB, HSV, RGBX...
        return image.convert("RGB")
    except ValueError:
        raise UploadError(
            f"{name} uses the colour mode {mode}, which cannot be converted to RGB; re-save it as RGB"
        ) from None


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    """16-bit (and 32-bit integer) gray → 8-bit L, scaling 0..65535 to 0..255.

    PIL's convert("L") would clip at 255, turning nearly every 16-bit image white. Mode "I" holding values outside
    0..65535 (a 32-bit TIFF) is stretched from its min..max instead, since no fixed scale fits it.
    """
    values = np.asarray(image, dtype=np.float64)
    if values.size and (values.min() < 0 or values.max() > 65535):
        return _stretch_to_l(values)
    return Image.fromarray((values / 257.0).round().clip(0, 255).astype(np.uint8), "L")


def _float_to_l(image: Image.Image) -> Image.Image:
    """32-bit float gray → 8-bit L.

    Values within 0..1 (the usual convention for float images) are scaled by 255; values within 0..255 are kept;
    anything else is stretched from its min..max to 0..255. NaN and infinities become black.
    """
    values = np.asarray(image, dtype=np.float64)
    finite = np.isfinite(values)
    values = np.where(finite, values, 0.0)
    low, high = (values[finite].min(), values[finite].max()) if finite.any() else (0.0, 0.0)
    if low >= 0 and high <= 1:
        values = values * 255
    elif low < 0 or high > 255:
        return _stretch_to_l(np.where(finite, values, low))
    return Image.fromarray(values.round().clip(0, 255).astype(np.uint8), "L")


def _stretch_to_l(values: np.ndarray) -> Image.Image:
    """Map min..max linearly to 0..255 (a constant image becomes black)."""
    low, high = values.min(), values.max()
    scaled = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
    return Image.fromarray(scaled.round().clip(0, 255).astype(np.uint8), "L")


def _composite_on_white(image: Image.Image) -> Image.Image:
    """Blend transparent pixels onto white: "L" stays gray (LA, gray PNG with tRNS), everything else → "RGB"."""
    is_gray = image.mode in ("L", "LA")
    background = Image.new("RGBA", image.size, WHITE + (255,))
    composited = Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    # R = G = B for a gray image, and PIL's luma weights sum exactly to 1, so L loses nothing.
    return composited.convert("L") if is_gray else composited


# ---- tensors ----------------------------------------------------------------------------------------------


def image_to_tensor(image: Image.Image, channels: int) -> torch.Tensor:
    """A PIL image → (1, channels, H, W) float32 in [-1, 1] for a model with ``channels`` = 1 or 3 inputs.

    Gray images are repeated to 3 channels; RGB images become 1 channel by ITU-R 601 luma (0.299 R + 0.587 G +
    0.114 B, computed in float, not rounded). Any other mode is first normalised as ``decode_upload`` would.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if image.mode not in ("L", "RGB"):
        image = _to_l_or_rgb(image)
    array = torch.from_numpy(np.asarray(image, dtype=np.float32).copy())
    array = array[None] if image.mode == "L" else array.permute(2, 0, 1)  # (C, H, W), 0..255
    if channels == 3 and array.shape[0] == 1:
        array = array.repeat(3, 1, 1)
    elif channels == 1 and array.shape[0] == 3:
        weights = torch.tensor(LUMA_WEIGHTS, dtype=torch.float32).view(3, 1, 1)
        array = (array * weights).sum(dim=0, keepdim=True)
    return (array / 127.5 - 1.0).unsqueeze(0).contiguous()


def tensor_to_image(tensor: torch.Tensor) -> Image.Image:
    """A (1, C, H, W) or (C, H, W) tensor in [-1, 1] with C = 1 or 3 → PIL image in mode "L" or "RGB".

    Values outside [-1, 1] are clipped and rounded to the nearest of 256 levels, as ``gans.images.to_uint8`` does.
    """
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4 or tensor.shape[0] != 1 or tensor.shape[1] not in (1, 3):
        raise ValueError(f"expected a (1, C, H, W) or (C, H, W) tensor with C = 1 or 3, got {tuple(tensor.shape)}")
    return to_pil(to_uint8(tensor)[0])
