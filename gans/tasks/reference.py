"""Colour from a reference photo: "colour my gray photo like this one".

The reference's colours reach the colorizer as colour hints (the conditioning it already takes, Zhang et al.
2017), placed where the match between the two photos is sure. The matching follows Welsh et al. 2002,
"Transferring Color to Greyscale Images", with the features of deep exemplar-based colorization (He et al.
2018) taken from the colorizer's own encoder:

1. The reference is made at most ``REFERENCE_SIDE`` px a side, and its lightness is remapped to the gray photo's
   mean and standard deviation (Welsh et al.'s luminance remapping), so a darker reference still matches.
2. Every pixel of both photos gets a feature: its lightness, its texture (the standard deviation of lightness
   in a 5×5 window, Welsh et al.'s statistic) and what the colorizer's encoder sees there (its down blocks'
   outputs at strides 2 to 16, each made unit length).
3. The gray photo's pixels on a grid (``GRID_SHARE`` of the render size) are matched to a jittered sample of
   ``SAMPLES`` reference pixels: each takes the mean a*b* of its ``NEIGHBOURS`` nearest samples in feature
   space. Where those neighbours agree on the colour (spread under ``MAX_SPREAD``), the point becomes a hint;
   elsewhere the network's own colour stays.
4. A person's hints take precedence: their squares overwrite the reference's, and no reference hint is placed
   within ``CLEARANCE_SHARE`` of the render size around one, so the person's colour spreads over its region.

The work is bounded whatever the photos' sizes: the gray photo is matched at the render size (a few thousand
grid points), the reference at most ``REFERENCE_SIDE`` px (decoded at a reduced JPEG scale where possible).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..errors import ConfigError, ImageError
from ..io.decode import decode_image, to_l_or_rgb
from ..ops import budget
from ..ops.color import denormalize_l, normalize_ab, normalize_l, rgb_to_lab

REFERENCE_SIDE = 256  # the reference is matched at most this large (px, longer side)
SAMPLES = 4096  # reference pixels matched against (a jittered grid)
# At the render size, as shares of its longer side (8, 3 and 24 px at 256): the gray photo is matched on a grid of
# GRID_SHARE, each sure match paints a square of MATCH_HINT_SHARE, and none is placed within CLEARANCE_SHARE of a
# person's hint. Chosen on the validation photos' same-scene halves (benchmarks/colorizer_reference.py): grids
# of 4, 6, 8, 12 and 16 px at 256 gave 25.2, 25.6, 25.9, 25.8 and 25.5 dB (best square side each); squares of
# 1 px were ignored by the network (-2 dB).
GRID_SHARE = 8 / 256
MATCH_HINT_SHARE = 3 / 256
CLEARANCE_SHARE = 24 / 256
NEIGHBOURS = 8  # a match is the mean colour of this many nearest reference samples
MAX_SPREAD = 0.08  # normalised a*b*: neighbours that disagree more than this give no hint
TEXTURE_WINDOW = 5  # Welsh et al.'s neighbourhood for the standard deviation
# The colorizer's down blocks whose outputs are features (strides 2 to 16; those the encoder has), and the
# weights of lightness, texture and encoder features (each part has unit scale). Without the encoder features
# the validation halves lose 0.5 dB; weight 3 over 1, and the fourth block, gained 0.2 dB.
ENCODER_LEVELS = (0, 1, 2, 3)
LIGHTNESS_WEIGHT, TEXTURE_WEIGHT, ENCODER_WEIGHT = 1.0, 1.0, 3.0
MIN_CHROMA = 2.0  # a reference whose pixels all have less a*b* chroma than this is gray


def load_reference(source, name: str = "The reference photo") -> Image.Image:
    """The reference photo (a PIL image, upload bytes or a path) as an RGB image at most ``REFERENCE_SIDE`` px a
    side. A file that is not a readable image raises a one-line ``ImageError`` naming it as the reference; a gray
    reference (no colour to give) a ``ConfigError``; one over ``GANS_MAX_PIXELS`` a ``BudgetError``."""
    def reduced(size: tuple[int, int]) -> tuple[int, int]:  # from the header: refuse, or decode a JPEG smaller
        budget.check_pixels(*size, name, "use a smaller reference photo")
        scale = min(1.0, REFERENCE_SIDE / max(size))
        return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))

    if isinstance(source, Image.Image):
        budget.check_pixels(*source.size, name, "use a smaller reference photo")
        image = to_l_or_rgb(source, name)
    elif isinstance(source, (bytes, bytearray, memoryview, str, Path)):
        try:
            with budget.heavy_call():  # decoded within the server's heavy-call limit, like every upload
                image = decode_image(source, max_pixels=budget.max_pixels(), draft_size=reduced, name=name)
        except ImageError as error:  # a missing path's message names the path, not its role
            message = str(error)
            raise ImageError(message if name in message else f"{name}: {message}") from None
    else:
        raise ConfigError(f"{name} must be an image, upload bytes or a path, got {type(source).__name__}")
    if max(image.size) > REFERENCE_SIDE:  # shrunk first: the checks below then work on a small copy
        image = image.copy()
        image.thumbnail((REFERENCE_SIDE, REFERENCE_SIDE), Image.Resampling.BILINEAR)
    if image.mode != "RGB" or _is_gray(image):
        raise ConfigError(f"{name} is gray, so it has no colours to give; use a colour photo as the reference")
    return image


def _is_gray(image: Image.Image) -> bool:
    small = image.copy()
    small.thumbnail((64, 64))
    lab = rgb_to_lab(_unit(small))
    return bool(lab[:, 1:].norm(dim=1).max() < MIN_CHROMA)


def _unit(image: Image.Image) -> torch.Tensor:
    """RGB PIL image → (1, 3, H, W) float in [0, 1]."""
    return torch.from_numpy(np.array(image, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0).div_(255)


# ---- features -------------------------------------------------------------------------------------------------
def texture(lightness: torch.Tensor, window: int = TEXTURE_WINDOW) -> torch.Tensor:
    """Standard deviation of ``lightness`` (N, 1, H, W) in a ``window``×``window`` neighbourhood (edges
    replicated), same shape: Welsh et al.'s texture statistic."""
    padded = F.pad(lightness, [window // 2] * 4, mode="replicate")
    mean = F.avg_pool2d(padded, window, stride=1)
    square = F.avg_pool2d(padded.square(), window, stride=1)
    return (square - mean.square()).clamp_min(0).sqrt()


@torch.no_grad()
def encoder_features(model, lightness: torch.Tensor, levels=ENCODER_LEVELS) -> list[torch.Tensor]:
    """The outputs of the colorizer's down blocks ``levels`` (``model.generator.encoder``) for L* ``lightness``
    (1, 1, H, W), with no hints: a list of (stride, (1, C, H / stride, W / stride) map on the CPU), stride
    = 2**(level + 1) (the picture is padded to a multiple of the largest)."""
    encoder = model.generator.encoder
    levels = [level for level in levels if level < len(encoder)]
    first = next(module for module in encoder[0].modules() if isinstance(module, torch.nn.Conv2d))
    multiple = 2 ** (max(levels) + 1)
    height, width = lightness.shape[2:]
    x = normalize_l(lightness)
    x = F.pad(x, [0, -width % multiple, 0, -height % multiple], mode="replicate")
    if first.in_channels > 1:  # L, then the empty hint a*b* map and mask
        x = torch.cat([x, x.new_zeros(1, first.in_channels - 1, *x.shape[2:])], 1)
    training = encoder.training  # a loaded model is in eval mode: then no mode is touched (shared across threads)
    if training:
        encoder.eval()
    try:
        x = x.to(first.weight.device, first.weight.dtype)
        outputs = []
        for level, block in enumerate(encoder):
            if level > max(levels):
                break
            x = block(x)
            if level in levels:
                outputs.append((2 ** (level + 1), x.float().cpu()))
        return outputs
    finally:
        if training:
            encoder.train()


def _point_features(lightness, texture_map, encoded, points, lightness_scale, texture_scale, weights):
    """(P, D) features at ``points`` ((P, 2) float x, y in pixels): lightness, texture, encoder maps."""
    rows, columns = points[:, 1].long(), points[:, 0].long()
    wl, wt, we = weights
    parts = [wl * lightness[0, 0, rows, columns, None] / lightness_scale,
             wt * texture_map[0, 0, rows, columns, None] / texture_scale]
    # grid_sample's coordinates: -1 and 1 are the outer edges of a map; each map covers the padded picture,
    # ``stride`` pixels per cell.
    for stride, level_map in encoded:
        map_height, map_width = level_map.shape[2:]
        grid = torch.stack([(points[:, 0] + 0.5) / (map_width * stride) * 2 - 1,
                            (points[:, 1] + 0.5) / (map_height * stride) * 2 - 1], 1).view(1, 1, -1, 2)
        sampled = F.grid_sample(level_map, grid, mode="bilinear", padding_mode="border", align_corners=False)
        sampled = sampled[0, :, 0].T  # (P, C)
        parts.append(we * sampled / sampled.norm(dim=1, keepdim=True).clamp_min(1e-6) / math.sqrt(len(encoded)))
    return torch.cat(parts, 1)


def remap_lightness(reference: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Welsh et al.'s luminance remapping: ``reference`` L* shifted and scaled to ``target``'s mean and standard
    deviation (clamped to [0, 100])."""
    spread = target.std(correction=0) / reference.std(correction=0).clamp_min(1e-3)
    return ((reference - reference.mean()) * spread + target.mean()).clamp(0, 100)


def _jittered_points(width: int, height: int, count: int, generator: torch.Generator) -> torch.Tensor:
    """About ``count`` (x, y) pixel positions: one at a random place in each cell of a regular grid."""
    step = max(1.0, math.sqrt(width * height / count))
    columns, rows = max(1, int(width / step)), max(1, int(height / step))
    cell_x, cell_y = width / columns, height / rows
    y, x = torch.meshgrid(torch.arange(rows), torch.arange(columns), indexing="ij")
    jitter = torch.rand(rows, columns, 2, generator=generator)
    xs = ((x + jitter[..., 0]) * cell_x).floor().clamp(max=width - 1)
    ys = ((y + jitter[..., 1]) * cell_y).floor().clamp(max=height - 1)
    return torch.stack([xs.flatten(), ys.flatten()], 1)


# ---- matching -------------------------------------------------------------------------------------------------
@torch.no_grad()
def match_reference(model, lightness: torch.Tensor, reference: Image.Image, *, grid: int | None = None,
                    samples: int = SAMPLES, neighbours: int = NEIGHBOURS, max_spread: float = MAX_SPREAD,
                    weights=(LIGHTNESS_WEIGHT, TEXTURE_WEIGHT, ENCODER_WEIGHT), levels=ENCODER_LEVELS,
                    seed: int = 0):
    """Match ``reference`` (RGB, from ``load_reference``) to the gray photo whose normalised lightness
    ``lightness`` (1, 1, h, w) the network sees. Returns (points (P, 2) x, y at the render size, matched
    normalised a*b* (P, 2), spread (P,): how much the nearest reference samples disagree on that colour).
    ``grid``: px between matched points (default: ``GRID_SHARE`` of the longer side)."""
    generator = torch.Generator().manual_seed(seed)
    target_l = denormalize_l(lightness.float().cpu())
    height, width = target_l.shape[2:]
    grid = grid or _share(GRID_SHARE, width, height)
    reference_lab = rgb_to_lab(_unit(reference))
    reference_l = remap_lightness(reference_lab[:, :1], target_l)
    # a*b* of the reference averaged over 3×3 px, so one noisy pixel does not decide a match's colour
    reference_ab = normalize_ab(F.avg_pool2d(F.pad(reference_lab[:, 1:], [1] * 4, mode="replicate"), 3, stride=1))

    target_points = _grid_points(width, height, grid)
    reference_points = _jittered_points(reference.width, reference.height, samples, generator)
    target_texture, reference_texture = texture(target_l), texture(reference_l)
    lightness_scale = target_l.std(correction=0).clamp_min(1.0)
    texture_scale = target_texture.std(correction=0).clamp_min(0.5)
    common = dict(lightness_scale=lightness_scale, texture_scale=texture_scale, weights=weights)
    target_features = _point_features(target_l, target_texture, encoder_features(model, target_l, levels),
                                      target_points, **common)
    reference_features = _point_features(reference_l, reference_texture,
                                         encoder_features(model, reference_l, levels), reference_points, **common)
    distances = torch.cdist(target_features, reference_features)  # (P, S)
    nearest = distances.topk(min(neighbours, distances.shape[1]), dim=1, largest=False).indices  # (P, k)
    colours = reference_ab[0, :, reference_points[:, 1].long(), reference_points[:, 0].long()].T  # (S, 2)
    matched = colours[nearest]  # (P, k, 2)
    mean = matched.mean(dim=1)
    spread = (matched - mean[:, None]).norm(dim=2).mean(dim=1)
    return target_points, mean, spread


def _share(share: float, width: int, height: int) -> int:
    """``share`` of a picture's longer side in whole pixels (at least 1)."""
    return max(1, round(share * max(width, height)))


def _grid_points(width: int, height: int, step: int) -> torch.Tensor:
    """(x, y) at the centres of ``step``-px cells covering a ``width``×``height`` picture (at least one point
    per axis, however thin the picture)."""
    xs = (torch.arange(0, width, step) + min(step // 2, width - 1)).clamp(max=width - 1).float()
    ys = (torch.arange(0, height, step) + min(step // 2, height - 1)).clamp(max=height - 1).float()
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([x.flatten(), y.flatten()], 1)


def reference_hints(model, lightness: torch.Tensor, reference: Image.Image, person_ab: torch.Tensor | None = None,
                    person_mask: torch.Tensor | None = None, *, hint_side: int | None = None,
                    clearance: int | None = None, **matching):
    """The network's hint maps (normalised a*b* (1, 2, h, w), mask (1, 1, h, w)) at the render size of the gray
    photo's normalised ``lightness`` (1, 1, h, w), from the ``reference`` photo: a ``hint_side`` square at every
    matched point whose nearest reference samples agree on its colour. A person's hint maps (``person_ab``,
    ``person_mask``), when given, take precedence: theirs are kept as they are and no reference hint is placed
    within ``clearance`` px of them. ``matching``: ``match_reference``'s settings. Sizes default to their shares
    of the render size (``MATCH_HINT_SHARE``, ``CLEARANCE_SHARE``)."""
    height, width = lightness.shape[2:]
    hint_side = hint_side or _share(MATCH_HINT_SHARE, width, height)
    clearance = _share(CLEARANCE_SHARE, width, height) if clearance is None else clearance
    points, colours, spread = match_reference(model, lightness, reference, **matching)
    max_spread = matching.get("max_spread", MAX_SPREAD)
    sure = spread <= max_spread
    ab = torch.zeros(1, 2, height, width)
    mask = torch.zeros(1, 1, height, width)
    offset = hint_side // 2
    for dy in range(hint_side):
        for dx in range(hint_side):
            rows = (points[sure, 1].long() - offset + dy).clamp(0, height - 1)
            columns = (points[sure, 0].long() - offset + dx).clamp(0, width - 1)
            ab[0, :, rows, columns] = colours[sure].T
            mask[0, 0, rows, columns] = 1
    if person_mask is not None and bool(person_mask.any()):
        reach = 2 * clearance + 1
        near_person = F.max_pool2d(person_mask.float(), reach, stride=1, padding=reach // 2)[..., :height, :width]
        mask = mask * (1 - near_person)
        ab = torch.where(person_mask > 0, person_ab, ab * mask)
        mask = torch.maximum(mask, person_mask.float())
    return ab, mask
