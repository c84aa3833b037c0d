"""Colour a photo of any size with a colorizer checkpoint, at full resolution.

The network runs at a render size (the longer side, keeping the aspect ratio; never above the photo's own
size); its predicted a*b* chroma is upsampled to the full size and combined with the photo's own full-resolution
lightness L*, so output size = input size and no detail is lost (the trick of Zhang et al. 2016 and DeOldify).
Colour uploads are converted to gray first, so the result can be compared with the original: ``metrics`` then
holds PSNR, SSIM and colourfulness beside two baselines (zero chroma, the training photos' mean chroma).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from .color import denormalize_ab, l_to_gray, lab_to_rgb, normalize_l, rgb_to_l
from .errors import ConfigError
from .tiling import run_padded
from .uploads import decode_upload, image_to_tensor, tensor_to_image

DEFAULT_RENDER_SIZE = 256
MIN_RENDER_SIZE, MAX_RENDER_SIZE = 32, 2048
METRICS_MAX_SIDE = 1024
# An RGB image whose channels never differ by more than this is gray in colour clothing (no metrics for it).
GRAY_TOLERANCE = 2 / 255


@dataclass
class Colorization:
    """The coloured photo (``output``, same size as the input), the gray version the model saw, the render size
    used, and — when the upload was in colour — metrics against the original."""

    output: Image.Image
    gray: Image.Image
    original: Image.Image
    render_size: tuple[int, int]  # (width, height) the network ran at
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def was_colour(self) -> bool:
        return bool(self.metrics)


def render_dimensions(width: int, height: int, render_size: int) -> tuple[int, int]:
    """(width, height) with the longer side ``render_size`` (aspect kept), never larger than the photo."""
    scale = min(1.0, render_size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def colorize_picture(model, image: Image.Image, render_size: int = DEFAULT_RENDER_SIZE,
                     with_metrics: bool = True) -> Colorization:
    """Colour a decoded PIL image (mode L or RGB) with a colorizer ``model``."""
    if getattr(model, "task", None) != "colorize":
        raise ConfigError(f"{model.architecture} is not a colorizer; pick a colorizer checkpoint")
    if not MIN_RENDER_SIZE <= int(render_size) <= MAX_RENDER_SIZE:
        raise ConfigError(f"render size must be between {MIN_RENDER_SIZE} and {MAX_RENDER_SIZE} px, got {render_size}")
    original = (image_to_tensor(image, 3) + 1) / 2  # (1, 3, H, W) in [0, 1]
    height, width = original.shape[2:]
    lightness = rgb_to_l(original)  # (1, 1, H, W) in [0, 100]: the full-resolution detail we keep

    render_width, render_height = render_dimensions(width, height, int(render_size))
    small = lightness
    if (render_height, render_width) != (height, width):
        small = F.interpolate(lightness, size=(render_height, render_width), mode="bilinear", antialias=True,
                              align_corners=False)
    ab = run_padded(model.predict_ab, normalize_l(small), model.input_multiple)  # (1, 2, h, w) normalised
    if ab.shape[2:] != (height, width):
        ab = F.interpolate(ab, size=(height, width), mode="bilinear", align_corners=False)
    colour = lab_to_rgb(torch.cat([lightness, denormalize_ab(ab)], 1))

    gray = l_to_gray(lightness)  # (1, 1, H, W): what the network saw, at full size
    result = Colorization(output=tensor_to_image(colour * 2 - 1), gray=tensor_to_image(gray * 2 - 1),
                          original=image, render_size=(render_width, render_height))
    is_colour = image.mode == "RGB" and (original.amax(1) - original.amin(1)).max().item() > GRAY_TOLERANCE
    if with_metrics and is_colour:
        mean = model.mean_ab.view(1, 2, 1, 1).expand(1, 2, height, width)
        mean_colour = lab_to_rgb(torch.cat([lightness, mean], 1))
        result.metrics = compare(original, {"colorizer": colour, "zero chroma (gray)": gray.expand(1, 3, -1, -1),
                                            "mean training chroma": mean_colour})
    return result


def compare(original: torch.Tensor, candidates: dict[str, torch.Tensor]) -> dict[str, dict[str, float]]:
    """PSNR (dB), SSIM and colourfulness of each candidate against ``original`` (all (1, 3, H, W) in [0, 1]);
    the original's own colourfulness is the last row. Photos larger than ``METRICS_MAX_SIDE`` are scored on
    copies scaled down to it (all alike), which keeps SSIM's windowed statistics to a fraction of a second."""
    from .metrics import colorfulness, psnr, ssim

    height, width = original.shape[2:]
    if max(height, width) > METRICS_MAX_SIDE:
        size = render_dimensions(width, height, METRICS_MAX_SIDE)[::-1]
        shrink = lambda image: F.interpolate(image, size=size, mode="bilinear", antialias=True, align_corners=False)  # noqa: E731
        original = shrink(original)
        candidates = {name: shrink(image).clamp(0, 1) for name, image in candidates.items()}

    rows = {name: {"psnr": psnr(image, original).item(), "ssim": ssim(image, original).item(),
                   "colorfulness": colorfulness(image).item()} for name, image in candidates.items()}
    rows["original"] = {"colorfulness": colorfulness(original).item()}
    return rows


def colorize_file(model, data: bytes | str | Path, render_size: int = DEFAULT_RENDER_SIZE,
                  with_metrics: bool = True) -> Colorization:
    """Decode ``data`` (upload bytes or a path) and colour it; bad files raise ``UploadError``."""
    return colorize_picture(model, decode_upload(data), render_size, with_metrics)
