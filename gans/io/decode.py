"""The one image decoder: uploads, folder and archive datasets, image pairs and photos all read images here.

``decode_image`` turns the bytes (or path) of an image file into a PIL image in mode "RGB", or "L" for a
grayscale file, whatever the file holds:

- Only PNG, JPEG, BMP, GIF, WebP and TIFF are decoded (PIL's rarely used decoders stay away from untrusted files;
  the JPEG decoder also opens cameras' multi-picture JPEGs).
- The image dimensions are checked from the file header *before* any pixel is decoded, so a decompression bomb
  (a tiny file declaring 50000×50000 pixels) fails fast without allocating memory.
- Every pixel is decoded inside the function, so a truncated or corrupt file fails here with an ``ImageError``
  rather than later in whatever code first touches the pixels.
- EXIF orientation is applied (phone photos come out upright); unreadable EXIF metadata is ignored.
- Transparency is composited on white; palette, CMYK, YCbCr, LAB and HSV become RGB; 1-bit becomes L; 16-bit
  gray is scaled to 8 bits (not clipped); float images are scaled (see ``_float_to_l``).
- Animated GIF / WebP and multi-page TIFF: the first frame.

"Grayscale" is decided by the file's colour mode, not by looking at the pixels: an RGB file whose three
channels happen to be equal stays RGB.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageError

# Decoders PIL may use; the JPEG one also opens multi-picture JPEGs.
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF")
FORMATS_FOR_HUMANS = "a PNG, JPEG, BMP, GIF, WebP or TIFF file"
WHITE = (255, 255, 255)
SIXTEEN_BIT_GRAY_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N"})
ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "La", "RGBa"})
COMPOSITE_BAND_PIXELS = 1_000_000  # transparency is blended onto white this many pixels at a time

#: Given the file's (width, height), the smallest (width, height) the caller needs (see ``decode_image``).
DraftSize = Callable[[tuple[int, int]], tuple[int, int]]


def decode_image(
    source: bytes | str | Path,
    mode: str | None = None,
    *,
    max_pixels: int | None = None,
    draft_size: DraftSize | None = None,
    name: str | None = None,
) -> Image.Image:
    """Decode an image file (its bytes, or its path) to a PIL image (see the module docstring for the rules).

    ``mode``: "RGB" or "L" to always get that mode; None (the default) gives "L" for a grayscale file and "RGB"
    for any other. Images with more than ``max_pixels`` pixels are refused; None means PIL's decompression-bomb
    limit ``Image.MAX_IMAGE_PIXELS`` as it is at the time of the call (PIL itself also refuses anything over
    twice that, whatever ``max_pixels`` says). ``draft_size``, when given, lets a JPEG be decoded at 1/2, 1/4 or
    1/8 scale as long as the result is at least the size it returns (much faster for large photos). ``name``
    names the image in messages (default: the file name, or "The image" for bytes).

    Raises ``ImageError`` with a one-sentence message for an empty, unreadable, corrupt or oversized file.
    """
    if mode not in (None, "RGB", "L"):
        raise ValueError(f"mode must be 'RGB', 'L' or None, got {mode!r}")
    data, file_name = _read(source)
    name = name or file_name
    limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    if not data:
        raise ImageError(f"{name} is empty (0 bytes); upload {FORMATS_FOR_HUMANS}")
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except UnidentifiedImageError:
        raise ImageError(f"{name} is not an image that can be opened; upload {FORMATS_FOR_HUMANS}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # PIL refused the header before we could read the size; its message names the pixel count.
        raise ImageError(_too_large_message(name, _pixels_in(error), limit)) from None
    # Anything else PIL raises on a malformed header (OSError, SyntaxError, struct.error, ...) means a broken file.
    except Exception as error:  # noqa: BLE001
        raise ImageError(_corrupt_message(name, error)) from None

    # No ``with``: closing would free the pixels, and a copy to outlive it would double the peak memory of a large
    # picture. The file is in memory (``io.BytesIO``), so nothing is left open.
    width, height = image.size
    if limit and width * height > limit:
        raise ImageError(_too_large_message(name, (width, height), limit))
    if draft_size is not None:
        image.draft(None, draft_size((width, height)))  # JPEG only; other formats ignore it
    try:
        # load() decodes every pixel of the first frame, so truncation and corruption surface here; PIL raises
        # many exception types on malformed data (OSError, SyntaxError, ValueError, EOFError, zlib.error...).
        image.load()
    except MemoryError:
        raise ImageError(
            f"{name} ({width}×{height}) is too large to decode in the memory available; upload a smaller image"
        ) from None
    except Exception as error:  # noqa: BLE001
        raise ImageError(_corrupt_message(name, error)) from None
    _turn_upright(image)

    image = to_l_or_rgb(image, name)
    return image if mode is None or image.mode == mode else image.convert(mode)


def gif_frames(source: bytes | str | Path) -> list[np.ndarray]:
    """Every frame of an animated GIF (bytes or a path) as RGB uint8 arrays; a damaged file raises ImageError."""
    data, name = _read(source)
    frames = []
    try:
        with Image.open(io.BytesIO(data), formats=["GIF"]) as gif:
            for index in range(getattr(gif, "n_frames", 1)):
                gif.seek(index)
                frames.append(np.asarray(gif.convert("RGB")))
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageError(_corrupt_message(name, error)) from None
    return frames


def _read(source: bytes | str | Path) -> tuple[bytes, str]:
    """The file's bytes, and how to name it in messages ("The image" for raw bytes, else the file name)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "The image"
    if isinstance(source, (str, Path)):
        path = Path(source).expanduser()
        if path.exists() and not path.is_file():  # a folder or a device such as /dev/zero (read forever)
            raise ImageError(f"{path} is not an image file; give the path of a PNG, JPEG or other image")
        try:
            return path.read_bytes(), path.name
        except FileNotFoundError:
            raise ImageError(f"{path} does not exist; check the path of the image") from None
        except OSError as error:
            raise ImageError(f"{path} could not be read ({error.strerror or error}); check the path") from None
    raise TypeError(f"decode_image needs bytes or a path, not {type(source).__name__}")


def _turn_upright(image: Image.Image) -> None:
    """Turn the (loaded) image in place as its EXIF orientation says (no copy when it is already upright).

    Broken EXIF metadata is common in edited photos and says nothing about the pixels, so an orientation that
    cannot be read is ignored rather than refusing an image that decoded fine.
    """
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # noqa: BLE001, S110
        pass


def _pixels_in(error: Exception) -> int | None:
    """The pixel count PIL's decompression-bomb message names ("Image size (400000000 pixels) exceeds ...")."""
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else None


def _too_large_message(name: str, size: tuple[int, int] | int | None, max_pixels: int | None) -> str:
    if isinstance(size, tuple):
        width, height = size
        described = f"{width}×{height} = {width * height / 1e6:.1f} megapixels"
    elif size is not None:
        described = f"{size / 1e6:.1f} megapixels"
    else:
        described = "too many pixels"
    limit = f"; the limit is {max_pixels / 1e6:g} megapixels" if max_pixels else ""
    return f"{name} is too large ({described}{limit}); resize it and upload again"


def _corrupt_message(name: str, error: Exception) -> str:
    detail = _plain_detail(error)
    detail = f" ({detail})" if detail else ""
    return f"{name} is truncated or corrupt{detail}; re-save it as a PNG or JPEG and upload again"


# Words that name the decoding libraries, not the file: a message for people never shows them.
LIBRARY_WORDS = re.compile(r"\b(PIL|[Pp]illow|lib[a-z]+|zlib|_imaging\w*|ImageFile|Image\.[A-Z]\w*)\b")


def _plain_detail(error: Exception) -> str:
    """What the decoder said about a broken file, in words a person can use ("image file is truncated (3 bytes
    not processed)"), or "" when it only names the decoder's internals (a library, an object's repr, a class)."""
    detail = re.sub(r"<[^>]*>", "", str(error)).strip(" :")
    if not detail or LIBRARY_WORDS.search(detail) or not re.search(r"[a-z]{3}", detail):
        return ""
    return detail


# ---- colour modes -----------------------------------------------------------------------------------------


def to_l_or_rgb(image: Image.Image, name: str = "The image") -> Image.Image:
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
        raise ImageError(
            f"{name} uses the colour mode {mode}, which cannot be converted to RGB; re-save it as RGB"
        ) from None


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    """16-bit (and 32-bit integer) gray → 8-bit L, scaling 0..65535 to 0..255.

    PIL's convert("L") would clip at 255, turning nearly every 16-bit image white. Mode "I" holding values outside
    0..65535 (a 32-bit TIFF) is stretched from its min..max instead, since no fixed scale fits it.
    """
    values = np.asarray(image)  # uint16 or int32: no 8-byte float copy of a large picture
    if values.size and (values.min() < 0 or values.max() > 65535):
        return _stretch_to_l(values.astype(np.float64))
    # round(value / 257) in whole numbers, in place (value / 257 is never exactly halfway between two levels)
    levels = values.astype(np.uint32)
    levels *= 2
    levels += 257
    levels //= 514
    return Image.fromarray(levels.astype(np.uint8), "L")


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
    is_gray = image.mode in ("L", "LA", "La")
    result = Image.new("L" if is_gray else "RGB", image.size)
    # In bands of about a megapixel: a large picture is never held four times over as RGBA copies.
    band = max(1, COMPOSITE_BAND_PIXELS // max(1, image.width))
    for top in range(0, image.height, band):
        part = image.crop((0, top, image.width, min(image.height, top + band))).convert("RGBA")
        composited = Image.alpha_composite(Image.new("RGBA", part.size, WHITE + (255,)), part).convert("RGB")
        # R = G = B for a gray image, and PIL's luma weights sum exactly to 1, so L loses nothing.
        result.paste(composited.convert("L") if is_gray else composited, (0, top))
    return result
