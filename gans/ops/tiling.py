"""Run a fully-convolutional image-to-image network on an image of any size; the output has the input's size.

Such networks only accept some sizes (a U-Net of depth d needs sides that are multiples of 2**d, a ResNet
generator multiples of 4), and a large image may not fit in memory in one pass. So:

- ``pad_to_multiple`` / ``run_padded``: pad the bottom and right edges up to the next multiple by *reflection*
  (the network sees plausible content rather than a black or smeared band), run the network, crop back.
- ``run_tiled``: cover the image with overlapping square tiles, run each through the network on its own (memory
  stays bounded by one tile) and blend them with raised-cosine weights so no seam shows.
- ``translate_image``: what the studio and CLI call; one padded pass for ordinary images, tiles above
  ``max_untiled_pixels`` (never a silent downscale), and a ``TileReport`` saying which happened.

The network must be in eval mode (``model.eval()``): batch-norm statistics of each tile would otherwise differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ..errors import ConfigError

ImageFn = Callable[[torch.Tensor], torch.Tensor]

# Side of the tiles used when translate_image tiles on its own: 512² = 262k pixels is a comfortable pass for the
# studio's networks, and large enough that the overlap wastes little work.
AUTO_TILE = 512
DEFAULT_OVERLAP = 32
DEFAULT_MAX_UNTILED_PIXELS = 1024 * 1024


@dataclass(frozen=True)
class TileReport:
    """How ``translate_image`` processed an image: in one pass (``tiled`` false) or in ``tiles`` tiles; and, when
    the caller shrank the picture first to fit a work limit (``gans.tasks.translate``), from which size and why."""

    tiled: bool
    tiles: int
    tile: int | None
    input_size: tuple[int, int]  # (width, height)
    overlap: int = 0
    shrunk_from: tuple[int, int] | None = None  # (width, height) of the picture before it was shrunk
    shrink_reason: str = ""  # why, in words ("… this server allows … (GANS_MAX_TRANSLATE_WORK)")

    @property
    def message(self) -> str:
        """Sentences for the user when the image was shrunk or tiled; "" otherwise."""
        width, height = self.input_size
        sentences = []
        if self.shrunk_from is not None:
            sentences.append(f"The image ({self.shrunk_from[0]}×{self.shrunk_from[1]}) was translated at "
                             f"{width}×{height}: {self.shrink_reason}.")
        if self.tiled:
            sentences.append(f"The image ({width}×{height}) was processed in {self.tiles} tiles of {self.tile} px "
                             f"with {self.overlap} px overlap to bound memory.")
        return " ".join(sentences)


# ---- padding ----------------------------------------------------------------------------------------------


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad (N, C, H, W) on the bottom and right up to the next multiples of ``multiple``; also return (H, W).

    Padding mirrors the image without repeating the edge pixel (torch's "reflect"). Reflection cannot add more
    pixels than the image has minus one, so a small image (3×5 padded to 256) is reflected repeatedly, each pass
    mirroring the already padded image; a side of 1 pixel is replicated. Crop back with ``x[..., :H, :W]``.
    """
    _check_images(x)
    _check_multiple(multiple)
    height, width = x.shape[-2:]
    x = _reflect_pad(x, dim=-2, amount=_round_up(height, multiple) - height)
    x = _reflect_pad(x, dim=-1, amount=_round_up(width, multiple) - width)
    return x, (height, width)


def _reflect_pad(x: torch.Tensor, dim: int, amount: int) -> torch.Tensor:
    """Add ``amount`` rows (dim -2) or columns (dim -1) at the end, reflecting as often as needed."""
    while amount > 0:
        size = x.shape[dim]
        step = min(amount, size - 1)
        # F.pad takes (left, right, top, bottom) for the last two dimensions.
        if step == 0:  # a single row/column: nothing to reflect, repeat it
            pads, mode, step = (0, amount, 0, 0), "replicate", amount
        else:
            pads, mode = (0, step, 0, 0), "reflect"
        if dim == -2:
            pads = (0, 0) + pads[:2]
        x = F.pad(x, pads, mode=mode)
        amount -= step
    return x


def run_padded(fn: ImageFn, x: torch.Tensor, multiple: int, scale: int = 1) -> torch.Tensor:
    """``fn`` applied to ``x`` (N, C, H, W) padded to multiples of ``multiple``, cropped back to H×W (to
    ``scale``·H × ``scale``·W for an upscaler).

    ``fn`` may change the channel count but must keep the (padded) height and width, times ``scale``. Gradient
    mode is left to the caller, so this also serves training.
    """
    padded, (height, width) = pad_to_multiple(x, multiple)
    out = fn(padded)
    if not isinstance(out, torch.Tensor) or out.dim() != 4 or out.shape[0] != x.shape[0]:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ConfigError(
            f"the network returned {shape} for a {tuple(padded.shape)} input; an (N, C, H, W) image batch was "
            "expected: use an image-to-image network"
        )
    if tuple(out.shape[-2:]) != (padded.shape[-2] * scale, padded.shape[-1] * scale):
        raise ConfigError(
            f"the network turned a {padded.shape[-1]}×{padded.shape[-2]} image into {out.shape[-1]}×{out.shape[-2]}; "
            + ("only networks whose output has the input's size can be run on any image size" if scale == 1 else
               f"an upscaler by {scale} must return {scale} times the input's size")
        )
    return out[..., : height * scale, : width * scale]


# ---- tiling -----------------------------------------------------------------------------------------------


def tile_step(tile: int, overlap: int, multiple: int) -> int:
    """Distance between tile starts: ``tile - overlap`` rounded down to a multiple of ``multiple`` (so the actual
    overlap may be a little larger than asked)."""
    return max(multiple, (tile - overlap) // multiple * multiple)


def tile_starts(length: int, tile: int, overlap: int, multiple: int = 1) -> list[int]:
    """Where tiles start along one side of ``length`` pixels (the side padded to a multiple of ``multiple``):
    every ``tile_step`` pixels, the last one moved back to end exactly at the border. One tile when it all fits.

    Every start is a multiple of ``multiple``, so each tile meets the network's strided convolutions at the same
    phase as a single pass over the whole image does; otherwise tiles would disagree with it (and each other)
    far beyond their borders."""
    length = _round_up(length, multiple)
    if length <= tile:
        return [0]
    return list(range(0, length - tile, tile_step(tile, overlap, multiple))) + [length - tile]


def run_tiled(fn: ImageFn, x: torch.Tensor, multiple: int, tile: int, overlap: int, scale: int = 1) -> torch.Tensor:
    """``fn`` run tile by tile over ``x`` (N, C, H, W), blended into an output of the same height and width.

    The image is first reflect-padded to multiples of ``multiple`` (as a single pass would be); tiles are
    ``tile``×``tile`` (a multiple of ``multiple``), start at multiples of ``multiple`` about ``tile - overlap``
    apart, the last row and column moved back to end at the border; a side shorter than ``tile`` is one tile.
    Each tile's weight rises from ~0 at its inner edges to 1 over ``overlap`` pixels along a raised cosine (which
    barely counts the network's edge artefacts), and is 1 along the image border; the output is
    sum(weight × tile output) / sum(weight). Tiles run one at a time under ``torch.no_grad()`` and are
    accumulated on the CPU, so memory stays bounded; the result is float32 on the CPU. An upscaler (``scale`` > 1)
    is tiled the same way over its input; each tile's output and weights are ``scale`` times larger.
    """
    _check_images(x)
    _check_tiling(multiple, tile, overlap)
    height, width = x.shape[-2:]
    padded, _ = pad_to_multiple(x, multiple)
    padded_height, padded_width = padded.shape[-2:]
    rows, cols = tile_starts(height, tile, overlap, multiple), tile_starts(width, tile, overlap, multiple)
    total = weights = None
    with torch.no_grad():
        for top in rows:
            tile_height = min(tile, padded_height)
            row_weight = _edge_weights(top * scale, tile_height * scale, padded_height * scale, overlap * scale)
            rows_out = slice(top * scale, (top + tile_height) * scale)
            for left in cols:
                tile_width = min(tile, padded_width)
                column_weight = _edge_weights(left * scale, tile_width * scale, padded_width * scale, overlap * scale)
                weight = row_weight[:, None] * column_weight[None, :]
                piece = padded[..., top : top + tile_height, left : left + tile_width]
                out = run_padded(fn, piece, multiple, scale).float().cpu()
                if total is None:  # the channel count is known once the network has run
                    total = torch.zeros(out.shape[0], out.shape[1], padded_height * scale, padded_width * scale)
                    weights = torch.zeros(padded_height * scale, padded_width * scale)
                columns_out = slice(left * scale, (left + tile_width) * scale)
                total[..., rows_out, columns_out] += out * weight
                weights[rows_out, columns_out] += weight
    total /= weights  # in place: a large result is not held twice
    return total[..., : height * scale, : width * scale]


def _edge_weights(start: int, size: int, length: int, overlap: int) -> torch.Tensor:
    """1-D blending weights of a tile covering [start, start + size) of a side of ``length`` pixels."""
    weights = torch.ones(size)
    if overlap == 0:
        return weights
    # Raised cosine sampled at pixel centres: ramp[d] + ramp[overlap - 1 - d] == 1, and ramp[0] > 0 so every pixel
    # keeps a positive total weight even where only one tile's ramp covers it.
    ramp = 0.5 - 0.5 * torch.cos(math.pi * (torch.arange(overlap) + 0.5) / overlap)
    if start > 0:  # inner left/top edge (the image border keeps full weight)
        weights[:overlap] = torch.minimum(weights[:overlap], ramp)
    if start + size < length:  # inner right/bottom edge
        weights[-overlap:] = torch.minimum(weights[-overlap:], ramp.flip(0))
    return weights


# ---- the entry point --------------------------------------------------------------------------------------


def translate_image(
    fn: ImageFn,
    x: torch.Tensor,
    multiple: int,
    *,
    tile: int | None = None,
    overlap: int = DEFAULT_OVERLAP,
    max_untiled_pixels: int = DEFAULT_MAX_UNTILED_PIXELS,
    scale: int = 1,
) -> tuple[torch.Tensor, TileReport]:
    """Run an image-to-image ``fn`` on ``x`` (1, C, H, W) in [-1, 1]; the output keeps H×W. Never downscales.

    With ``tile`` None, an image of at most ``max_untiled_pixels`` pixels goes through ``fn`` in one padded pass;
    a larger one is tiled automatically with tiles of ``AUTO_TILE`` (512) px, or the largest multiple of
    ``multiple`` whose square fits ``max_untiled_pixels`` if that is smaller, rounded to a multiple of ``multiple``
    and never below it; the overlap is then reduced to a quarter tile if it would not fit. With ``tile`` given,
    the image is tiled with exactly ``tile`` and ``overlap`` (``ConfigError`` if they do not fit).

    ``fn`` runs under ``torch.no_grad()`` (e.g. ``lambda t: model.translate(t)``, model in eval mode). Returns the
    output as float32 on the CPU, and a ``TileReport`` whose ``message`` tells the user when tiling happened. An
    upscaler's ``fn`` returns ``scale`` times its input's size, and so does this (tiles are in input pixels).
    """
    _check_images(x)
    height, width = x.shape[-2:]
    plan = tile_plan(height, width, multiple, tile=tile, overlap=overlap, max_untiled_pixels=max_untiled_pixels)
    if plan.tile is None:
        with torch.no_grad():
            out = run_padded(fn, x, multiple, scale).float().cpu()
        return out, TileReport(tiled=False, tiles=1, tile=None, input_size=(width, height))
    out = run_tiled(fn, x, multiple, plan.tile, plan.overlap, scale)
    if plan.tiles == 1:  # the image fitted in one tile: nothing was split
        return out, TileReport(tiled=False, tiles=1, tile=None, input_size=(width, height))
    overlap = plan.tile - tile_step(plan.tile, plan.overlap, multiple)  # what was used (tile starts are aligned)
    return out, TileReport(tiled=True, tiles=plan.tiles, tile=plan.tile, input_size=(width, height), overlap=overlap)


@dataclass(frozen=True)
class TilePlan:
    """How ``translate_image`` will run an image: one padded pass (``tile`` None) or ``tiles`` tiles of ``tile``
    px with ``overlap`` (as asked; tile starts are then aligned to the network's multiple)."""

    tile: int | None
    overlap: int
    tiles: int


def tile_plan(height: int, width: int, multiple: int, *, tile: int | None = None, overlap: int = DEFAULT_OVERLAP,
              max_untiled_pixels: int = DEFAULT_MAX_UNTILED_PIXELS) -> TilePlan:
    """What ``translate_image`` does with a height×width image, worked out without running anything: the number
    of network passes is known (and can be refused, ``gans.ops.budget``) before the first one starts. A ``tile`` that
    does not fit the network raises ``ConfigError``."""
    _check_multiple(multiple)
    if tile is None and height * width <= max_untiled_pixels:
        return TilePlan(tile=None, overlap=0, tiles=1)
    if tile is None:
        tile = _auto_tile(multiple, max_untiled_pixels)
        overlap = min(overlap, tile // 4)
    _check_tiling(multiple, tile, overlap)
    tiles = len(tile_starts(height, tile, overlap, multiple)) * len(tile_starts(width, tile, overlap, multiple))
    return TilePlan(tile=tile, overlap=overlap, tiles=tiles)


def _auto_tile(multiple: int, max_untiled_pixels: int) -> int:
    """``AUTO_TILE`` px, smaller if its square exceeds ``max_untiled_pixels``, as a multiple of ``multiple``."""
    side = min(AUTO_TILE, math.isqrt(max(max_untiled_pixels, 1)))
    return max(multiple, round(side / multiple) * multiple)


# ---- checks -----------------------------------------------------------------------------------------------


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _check_images(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ConfigError(f"expected an (N, C, H, W) image tensor, got {shape}")
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ConfigError(f"the image is empty ({x.shape[-1]}×{x.shape[-2]} pixels); give an image at least 1×1")


def _check_multiple(multiple: int) -> None:
    if not isinstance(multiple, int) or multiple < 1:
        raise ConfigError(f"multiple must be a positive whole number of pixels, got {multiple!r}")


def _check_tiling(multiple: int, tile: int, overlap: int) -> None:
    _check_multiple(multiple)
    if not isinstance(tile, int) or tile < multiple or tile % multiple:
        suggestion = max(multiple, _round_up(tile, multiple)) if isinstance(tile, int) else multiple
        raise ConfigError(
            f"tile must be a positive multiple of {multiple} px (the sizes this network accepts), got {tile!r}; "
            f"try tile={suggestion}"
        )
    if not isinstance(overlap, int) or overlap < 0 or 2 * overlap >= tile:
        raise ConfigError(
            f"overlap must be at least 0 and less than half the tile ({tile} px), got {overlap!r}; "
            f"try overlap={tile // 8}"
        )
