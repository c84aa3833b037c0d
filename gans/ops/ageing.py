"""Synthetic ageing of photos: the inputs a photo-restoration model learns to undo.

Old family photos are faded, tinted, soft, grainy, compressed and scratched. Pairs for a paired image-to-image
model can be made from any clean photo by ageing it (Wan et al. 2020, "Bringing Old Photos Back to Life", which
mixes such synthetic degradations with real old photos). Each degradation here has a strength in [0, 1] (0 leaves
the photo as it is); ``random_ageing`` draws a fresh mix for every photo of every batch, so a model never sees the
same ageing twice.

- **fade**: contrast lowered toward the photo's mean and the blacks lifted (a washed-out print);
- **cast**: a yellow-brown colour cast, the commonest in old prints;
- **blur**: a Gaussian blur (a soft lens, a slightly moved camera);
- **grain**: film grain, mostly the same in the three channels (silver grain is colourless);
- **jpeg**: 8×8 block DCT quantisation, as JPEG compression at a low quality leaves blocks and ringing;
- **scratches**: thin, long, near-vertical bright lines (a scratched print or negative);
- **dust**: small bright and dark spots;
- **creases**: one or two long soft bright bands across the photo (a folded print).

Images are (N, 3, H, W) float tensors in [0, 1]; outputs have the same shape and range. Randomness comes from the
``generator`` given, else torch's global CPU RNG (which the Trainer seeds and checkpoints, so a resumed run draws
the same ageing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..errors import ConfigError

SEPIA = (0.12, 0.03, -0.14)  # per-channel gain at full cast strength: red up, blue down (yellow-brown)


@dataclass(frozen=True)
class Ageing:
    """How strong each degradation is, each in [0, 1] (0: not applied)."""

    fade: float = 0.0
    cast: float = 0.0
    blur: float = 0.0
    grain: float = 0.0
    jpeg: float = 0.0
    scratches: float = 0.0
    dust: float = 0.0
    creases: float = 0.0

    def __post_init__(self):
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"ageing strength {item.name} must be a number in [0, 1], got {value!r}")


#: Fixed mixes the restoration benchmark and the studio's examples age held-out photos with. Training draws every
#: degradation on its own (present half the time, at a strength uniform in [0.2, 1]), so it never draws these mixes.
HELD_OUT_AGEINGS = {
    "faded sepia print": Ageing(fade=0.8, cast=0.9, grain=0.3, dust=0.4),
    "grainy soft snapshot": Ageing(blur=0.6, grain=0.9, jpeg=0.25),
    "scratched, creased print": Ageing(fade=0.4, scratches=0.9, dust=0.7, creases=0.8),
    "compressed scan": Ageing(fade=0.3, cast=0.5, blur=0.3, jpeg=1.0),
}


def random_ageing(generator: torch.Generator | None = None, presence: float = 0.5) -> Ageing:
    """A random mix: each degradation present with probability ``presence``, at a strength uniform in [0.2, 1]."""
    draws = torch.rand(2, len(fields(Ageing)), generator=generator).tolist()
    return Ageing(**{item.name: (0.2 + 0.8 * strength if present < presence else 0.0)
                     for item, present, strength in zip(fields(Ageing), draws[0], draws[1])})


def age(images: torch.Tensor, ageing: Ageing, generator: torch.Generator | None = None) -> torch.Tensor:
    """``images`` (N, 3, H, W) in [0, 1] aged by ``ageing`` (the same mix for the whole batch; draw one per image
    with ``random_ageing`` and call this per image for a different mix each). Returns a new tensor."""
    if images.dim() != 4 or images.shape[1] != 3 or not images.is_floating_point():
        raise ConfigError(f"expected float images of shape (N, 3, H, W) in [0, 1], got {tuple(images.shape)} "
                          f"{images.dtype}")
    x = images.float().clone()
    if ageing.blur:
        x = gaussian_blur(x, 0.3 + 2.7 * ageing.blur)
    if ageing.fade:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = mean + (x - mean) * (1 - 0.55 * ageing.fade) + 0.12 * ageing.fade * (1 - x)
    if ageing.cast:
        x = x * (1 + ageing.cast * torch.tensor(SEPIA).view(1, 3, 1, 1))
    if ageing.grain:
        n, _, height, width = x.shape
        mono = torch.randn(n, 1, height, width, generator=generator)
        colour = torch.randn(n, 3, height, width, generator=generator)
        x = x + 0.12 * ageing.grain * (0.85 * mono + 0.15 * colour)
    x = x.clamp(0, 1)
    if ageing.jpeg:
        x = _block_quantised(x, step=2 + 40 * ageing.jpeg)
    for draw, strength in ((_scratches, ageing.scratches), (_dust, ageing.dust), (_creases, ageing.creases)):
        if strength:
            x = draw(x, strength, generator)
    return x.clamp(0, 1)


def age_picture(image: Image.Image, ageing, seed: int = 0, gray: bool = False) -> Image.Image:
    """``image`` (PIL) aged by ``ageing`` with a seeded generator (the same picture every time); with
    ``gray``, made gray first (an old black-and-white print, which a cast then tints)."""
    rgb = image.convert("L").convert("RGB") if gray else image.convert("RGB")
    pixels = torch.from_numpy(np.asarray(rgb, dtype=np.float32) / 255).permute(2, 0, 1)[None]
    aged = age(pixels, ageing, torch.Generator().manual_seed(seed))
    return Image.fromarray(aged[0].mul(255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy())


# ---- the degradations -----------------------------------------------------------------------------------------
def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """(N, C, H, W) blurred by a separable Gaussian of ``sigma`` px, edges replicated; the same shape."""
    radius = max(1, math.ceil(2.5 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-offsets.square() / (2 * sigma**2))
    kernel = (kernel / kernel.sum()).to(x.dtype)
    channels = x.shape[1]
    x = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def _dct_matrix(size: int = 8) -> torch.Tensor:
    """The orthonormal DCT-II matrix (rows: frequencies)."""
    k = torch.arange(size, dtype=torch.float64).view(-1, 1)
    n = torch.arange(size, dtype=torch.float64).view(1, -1)
    matrix = torch.cos(math.pi * (2 * n + 1) * k / (2 * size)) * math.sqrt(2 / size)
    matrix[0] /= math.sqrt(2)
    return matrix.float()


def _block_quantised(x: torch.Tensor, step: float) -> torch.Tensor:
    """Each 8×8 block's DCT coefficients rounded to multiples of ``step`` (in 0-255 units), higher frequencies
    more coarsely (a quantisation table that grows with frequency, like JPEG's)."""
    n, channels, height, width = x.shape
    pad_h, pad_w = -height % 8, -width % 8
    padded = F.pad(x * 255, (0, pad_w, 0, pad_h), mode="replicate")
    blocks = padded.unfold(2, 8, 8).unfold(3, 8, 8)  # (N, C, H/8, W/8, 8, 8)
    dct = _dct_matrix()
    coefficients = dct @ blocks @ dct.T
    frequency = torch.arange(8).view(-1, 1) + torch.arange(8).view(1, -1)
    table = step * (1 + frequency.float() / 4)
    restored = dct.T @ ((coefficients / table).round() * table) @ dct
    rows, columns = restored.shape[2], restored.shape[3]
    image = restored.permute(0, 1, 2, 4, 3, 5).reshape(n, channels, rows * 8, columns * 8)
    return (image[..., :height, :width] / 255).clamp(0, 1)


def _coordinates(height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.arange(height, dtype=torch.float32).view(-1, 1), torch.arange(width, dtype=torch.float32).view(1, -1)


def _line_distance(y, x, point, angle) -> torch.Tensor:
    """Distance of every pixel from the line through ``point`` (y, x) at ``angle`` (radians from vertical)."""
    return ((x - point[1]) * math.cos(angle) - (y - point[0]) * math.sin(angle)).abs()


def _scratches(x: torch.Tensor, strength: float, generator) -> torch.Tensor:
    n, _, height, width = x.shape
    y, grid_x = _coordinates(height, width)
    count = 1 + round(6 * strength)
    draws = torch.rand(n, count, 5, generator=generator).tolist()
    out = x.clone()
    for index in range(n):
        for fy, fx, tilt, extent, level in draws[index]:
            angle = (tilt - 0.5) * 0.3  # near vertical
            start = fy * height * 0.6
            along = (y - start) * math.cos(angle) + (grid_x - fx * width) * math.sin(angle)
            inside = (along >= 0) & (along <= (0.3 + 0.7 * extent) * height)
            line = (_line_distance(y, grid_x, (start, fx * width), angle) < 0.5 + 0.6 * strength) & inside
            opacity = 0.5 + 0.5 * strength  # a faint scratch shows the picture through it
            out[index, :, line] = out[index, :, line] * (1 - opacity) + opacity * (0.8 + 0.2 * level)
    return out


def _dust(x: torch.Tensor, strength: float, generator) -> torch.Tensor:
    n, _, height, width = x.shape
    y, grid_x = _coordinates(height, width)
    count = 2 + round(40 * strength * height * width / 256**2)
    draws = torch.rand(n, count, 4, generator=generator).tolist()
    out = x.clone()
    for index in range(n):
        for fy, fx, size, bright in draws[index]:
            radius = 0.6 + 2.2 * size * (0.5 + strength)
            spot = (y - fy * height).square() + (grid_x - fx * width).square() <= radius**2
            out[index, :, spot] = 0.92 if bright < 0.7 else 0.08
    return out


def _creases(x: torch.Tensor, strength: float, generator) -> torch.Tensor:
    n, _, height, width = x.shape
    y, grid_x = _coordinates(height, width)
    draws = torch.rand(n, 2, 4, generator=generator).tolist()
    out = x.clone()
    for index in range(n):
        for number, (fy, fx, angle, present) in enumerate(draws[index]):
            if number and present > strength:  # a second crease at higher strengths only
                continue
            distance = _line_distance(y, grid_x, (fy * height, fx * width), angle * math.pi)
            band = torch.exp(-distance.square() / (2 * (1 + 2 * strength) ** 2)) * (0.35 + 0.45 * strength)
            out[index] = out[index] + band * (1 - out[index])
    return out
