"""Colour a photo of any size with a colorizer checkpoint, at full resolution.

The network runs at a render size (the longer side, keeping the aspect ratio; never above the photo's own
size); its predicted a*b* chroma is upsampled to the full size and combined with the photo's own full-resolution
lightness L*, so output size = input size and no detail is lost (the trick of Zhang et al. 2016 and DeOldify).
Colour uploads are converted to gray first, so the result can be compared with the original: ``metrics`` then
holds PSNR, SSIM and colourfulness beside two baselines (zero chroma, the training photos' mean chroma).

Colour hints (a model trained with ``hints``, Zhang et al. 2017): ``ColourHint(x, y, colour)`` in the input
photo's pixels; each becomes a square of that colour's a*b* at the render size (``hint_side``: a fixed share of
the render size, chosen on the validation photos) that the network sees, and after the network its colour is
carried over the region it belongs to (``gans.ops.hint_spread``). ``parse_hint`` reads the command line's
``x,y,#rrggbb``. A reference photo (``gans.tasks.reference``) becomes hints too; a person's hints take precedence.

Budget (``gans.ops.budget``): a photo over ``GANS_MAX_PIXELS`` is refused before the network runs, and at most
``GANS_MAX_HEAVY_CALLS`` colorizations (and translations, grids) run at once.

Also what the studio's Colorize page shows about one: a line of facts, the metrics as table rows, held-out photos.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..errors import ConfigError, GansError
from ..io.uploads import decode_upload
from ..ops import budget
from ..ops.color import denormalize_ab, l_to_gray, lab_to_rgb, normalize_ab, normalize_l, rgb_to_l, rgb_to_lab
from ..ops.hint_spread import spread_hints
from ..ops.tiling import run_padded
from ..registry import Task, check_task
from . import reference as reference_photo

#: the task of the models this module runs (``gans.registry.model_task``), and how messages name such a model
TASK = Task.COLORIZE
MODEL_NOUN = "colorizer"
DEFAULT_RENDER_SIZE = 256
MIN_RENDER_SIZE, MAX_RENDER_SIZE = 32, 2048
FORM_RENDER_SIZES = (128, 512, 32)  # what a form's slider offers: min, max, step
METRICS_MAX_SIDE = 1024  # metrics are computed on copies at most this large
BAND_ROWS = 256  # rows converted at a time at full resolution: bounds memory on a 24-megapixel photo
# An RGB image whose channels never differ by more than this (0..255) is gray in colour clothing (no metrics).
GRAY_TOLERANCE = 2
#: photos to try without an upload: the test split of this dataset, which no colorizer trained on it has seen
EXAMPLE_DATASET = "offline-photos"
#: the test photos offered first (varied scenes: sky and ice, a beach, a portrait, food, an insect on a flower, fruit)
EXAMPLE_PHOTOS = ("tuxtype/kcas0.jpg", "tuxtype/kcas2.jpg", "matplotlib/grace_hopper.jpg", "scribus/menu2/pizza.jpg",
                  "palapeli/european-honey-bee.jpg", "opencv/fruits.jpg")
#: how to train on your own photos, beside a training command in messages
OWN_PHOTOS = "or `--data photo-folder --data-path my-photos/` for your own colour photos"
#: the ``metrics`` keys, as a results table names them
METRIC_LABELS = {"colorizer": "colorizer", "zero chroma (gray)": "baseline: zero chroma (gray)",
                 "mean training chroma": "baseline: mean training chroma", "original": "original photo"}


# A hint paints a square whose side is this share of the render size's longer side: 7 px at 256 (training paints 1
# to 5 px on 64 px crops). Chosen on the validation photos (README: colour hints): at render size 256, sides of 3,
# 5, 7, 9 and 13 px gave +1.5, +2.1, +2.4, +2.2 and +1.4 dB over gray with 10 hints.
HINT_SHARE = 7 / 256
SPREAD_HINTS = True  # after the network, carry each hint over its region (gans.ops.hint_spread); False: network only
MAX_HINTS = 64
_HINT_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class ColourHint:
    """"This point should be this colour": ``x``, ``y`` in the input photo's pixels (0 at the top left),
    ``colour`` as ``#rrggbb``. Only its hue and saturation (a*b*) are used; the photo keeps its own lightness."""

    x: int
    y: int
    colour: str

    def __post_init__(self):
        if not _HINT_COLOUR.fullmatch(str(self.colour)):
            raise ConfigError(f"a hint's colour must be written #rrggbb (like #a05030), got {self.colour!r}")
        for name in ("x", "y"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"a hint's {name} must be a whole number of pixels >= 0, got {value!r}")

    @property
    def rgb(self) -> tuple[int, int, int]:
        return tuple(int(self.colour[i:i + 2], 16) for i in (1, 3, 5))


def parse_hint(text: str) -> ColourHint:
    """``"x,y,#rrggbb"`` (the command line's ``--hint``) → ``ColourHint``; anything else raises a one-line
    ``ConfigError`` that shows the expected form."""
    parts = [part.strip() for part in str(text).split(",")]
    if len(parts) != 3 or not all(re.fullmatch(r"[0-9]{1,9}", part) for part in parts[:2]):
        shown = repr(text) if len(str(text)) <= 60 else repr(f"{str(text)[:40]}…") + f" ({len(str(text)):,} characters)"
        raise ConfigError(f"a hint is x,y,#rrggbb (x and y in the photo's pixels, whole numbers of at most 9 digits, "
                          f"e.g. 120,40,#a05030), got {shown}")
    return ColourHint(int(parts[0]), int(parts[1]), parts[2])


def check_hints(hints, width: int, height: int) -> list[ColourHint]:
    """``hints`` as a list, each inside a ``width``×``height`` photo; else a one-line ``ConfigError``."""
    hints = list(hints or ())
    if len(hints) > MAX_HINTS:
        raise ConfigError(f"at most {MAX_HINTS} colour hints, got {len(hints)}")
    for number, hint in enumerate(hints, 1):
        if not isinstance(hint, ColourHint):
            raise ConfigError(f"hint {number} is not a ColourHint (x, y, #rrggbb): {hint!r}")
        if hint.x >= width or hint.y >= height:
            raise ConfigError(f"hint {number} at ({hint.x}, {hint.y}) is outside the {width}×{height} photo "
                              f"(x must be below {width}, y below {height})")
    return hints


def hint_side(render: tuple[int, int]) -> int:
    """Side in pixels of the square a hint paints at the render size ``render`` (width, height)."""
    return max(1, round(max(render) * HINT_SHARE))


def hint_maps(hints: list[ColourHint], size: tuple[int, int], render: tuple[int, int]):
    """The network's hint inputs at the render size: (normalised a*b* (1, 2, h, w), mask (1, 1, h, w)).
    ``size`` is the photo's (width, height), ``render`` the render size's; each hint covers a ``hint_side``
    square around its point, mapped from photo to render pixels (a later hint overrides an earlier one)."""
    (width, height), (render_width, render_height) = size, render
    side = hint_side(render)
    ab = torch.zeros(1, 2, render_height, render_width)
    mask = torch.zeros(1, 1, render_height, render_width)
    for hint in hints:
        colour = torch.tensor(hint.rgb, dtype=torch.float32).view(1, 3, 1, 1) / 255
        column = min(render_width - 1, int(hint.x * render_width / width))
        row = min(render_height - 1, int(hint.y * render_height / height))
        top, left = max(0, row - side // 2), max(0, column - side // 2)
        window = (0, slice(None), slice(top, top + side), slice(left, left + side))
        ab[window] = normalize_ab(rgb_to_lab(colour)[:, 1:])[0]
        mask[window] = 1
    return ab, mask


def hint_from_click(click, picture: Image.Image, size: tuple[int, int]) -> ColourHint | None:
    """A hint where a person clicked on ``picture`` (a preview of the result, any scale) shown ``click["width"]``
    × ``click["height"]`` px wide on screen, at ``click["x"]``, ``click["y"]``: its point in the photo's own
    pixels (``size``: the photo's width, height) and, as its colour, the result's colour there. None for a
    click that is not a proper position (no image yet, zero display size)."""
    try:
        x, y = float(click["x"]), float(click["y"])
        shown_width, shown_height = float(click["width"]), float(click["height"])
    except (TypeError, KeyError, ValueError):
        return None
    if not (shown_width > 0 and shown_height > 0 and 0 <= x <= shown_width and 0 <= y <= shown_height):
        return None
    width, height = size
    column = min(width - 1, int(x * width / shown_width))
    row = min(height - 1, int(y * height / shown_height))
    pixel = picture.convert("RGB").getpixel((min(picture.width - 1, int(column * picture.width / width)),
                                             min(picture.height - 1, int(row * picture.height / height))))
    return ColourHint(column, row, "#{:02x}{:02x}{:02x}".format(*pixel))


def mark_hints(picture: Image.Image, hints: list[ColourHint], size: tuple[int, int]) -> Image.Image:
    """A copy of ``picture`` (a preview of a ``size`` photo) with each hint drawn as a dot of its colour in a black
    and white ring, and its number beside it; a hint at the edge is drawn just inside, so its ring is whole."""
    from PIL import ImageDraw, ImageFont

    marked = picture.convert("RGB")
    draw = ImageDraw.Draw(marked)
    radius = max(5, round(max(marked.size) / 48))
    font = ImageFont.load_default(size=max(10, round(radius * 1.6)))
    for number, hint in enumerate(hints, 1):
        x = min(max(hint.x * marked.width / size[0], radius + 2), max(radius + 2, marked.width - radius - 3))
        y = min(max(hint.y * marked.height / size[1], radius + 2), max(radius + 2, marked.height - radius - 3))
        draw.ellipse((x - radius - 2, y - radius - 2, x + radius + 2, y + radius + 2), fill="black")
        draw.ellipse((x - radius - 1, y - radius - 1, x + radius + 1, y + radius + 1), fill="white")
        draw.ellipse((x - radius + 1, y - radius + 1, x + radius - 1, y + radius - 1), fill=hint.rgb)
        left = x + radius + 3 if x + radius + 3 + font.size < marked.width else x - radius - 3 - font.size
        draw.text((left, y - radius - 3), str(number), fill="white", font=font, stroke_width=2, stroke_fill="black")
    return marked


@dataclass
class Colorization:
    """The coloured photo (``output``, same size as the input), the gray version the model saw, the render size
    used, and — when the upload was in colour — metrics against the original."""

    output: Image.Image
    gray: Image.Image
    original: Image.Image
    render_size: tuple[int, int]  # (width, height) the network ran at
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    hints: list[ColourHint] = field(default_factory=list)

    @property
    def was_colour(self) -> bool:
        return bool(self.metrics)


def render_dimensions(width: int, height: int, render_size: int) -> tuple[int, int]:
    """(width, height) with the longer side ``render_size`` (aspect kept), never larger than the photo."""
    scale = min(1.0, render_size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def colorize_picture(model, image: Image.Image, render_size: int = DEFAULT_RENDER_SIZE,
                     with_metrics: bool = True, hints=(), reference=None) -> Colorization:
    """Colour a decoded PIL image (mode L or RGB) with a colorizer ``model``, following the colour ``hints``
    (``ColourHint``s in the image's pixels; a model trained without hints refuses them) and, when given, the
    colours of a ``reference`` photo (PIL image, bytes or path; ``gans.tasks.reference``; the hints take precedence).

    Memory stays bounded for any photo: only the chroma map is held at full size as floats; lightness, colour
    and gray are computed in bands of ``BAND_ROWS`` rows straight into the uint8 outputs. A photo with more
    pixels than ``GANS_MAX_PIXELS`` is refused (``gans.ops.budget.BudgetError``) before any of that starts."""
    check_task(model, TASK)
    if not MIN_RENDER_SIZE <= int(render_size) <= MAX_RENDER_SIZE:
        raise ConfigError(f"render size must be between {MIN_RENDER_SIZE} and {MAX_RENDER_SIZE} px, got {render_size}")
    budget.check_pixels(*image.size, "The photo", "use a smaller photo")
    hints = check_hints(hints, *image.size)  # a colorizer without hints refuses them (Colorizer.network_input)
    if reference is not None and not getattr(model, "hints", False):
        raise ConfigError("this colorizer was trained without colour hints, so it cannot take colours from a "
                          "reference photo; colour without one or use a colorizer trained with hints")
    with budget.heavy_call():
        reference = None if reference is None else reference_photo.load_reference(reference)
        return _colorize(model, image, int(render_size), with_metrics, hints, reference)


def _colorize(model, image: Image.Image, render_size: int, with_metrics: bool,
              hints: list[ColourHint], reference: Image.Image | None = None) -> Colorization:
    rgb_image = image if image.mode == "RGB" else image.convert("RGB")  # no 72 MB copy of a 24-MP photo
    width, height = rgb_image.size
    render_width, render_height = render_dimensions(width, height, render_size)

    # The network sees the photo's lightness at the render size.
    small = rgb_image if (render_width, render_height) == (width, height) else rgb_image.resize(
        (render_width, render_height), Image.Resampling.BILINEAR, reducing_gap=2.0)
    small_l = normalize_l(rgb_to_l(_to_unit(np.asarray(small))))
    if hints or reference is not None:  # L, hint a*b* and mask padded together, so the hints stay where they are
        person_ab, person_mask = hint_maps(hints, (width, height), (render_width, render_height))
        hint_ab, hint_mask = person_ab, person_mask
        if reference is not None:  # the reference's colours, where the person's hints leave room
            hint_ab, hint_mask = reference_photo.reference_hints(model, small_l, reference, person_ab, person_mask)
        ab = run_padded(lambda x: model.predict_ab(x[:, :1], x[:, 1:3], x[:, 3:]),
                        torch.cat([small_l, hint_ab, hint_mask], 1), model.input_multiple)
        if SPREAD_HINTS:  # each hint carried over its region (gans.ops.hint_spread): the reference's, then the person's
            if reference is not None:
                ab = spread_hints(ab, small_l, hint_ab, hint_mask * (1 - person_mask))
            ab = spread_hints(ab, small_l, person_ab, person_mask)
    else:
        ab = run_padded(model.predict_ab, small_l, model.input_multiple)  # (1, 2, h, w) normalised
    if ab.shape[2:] != (height, width):
        ab = F.interpolate(ab, size=(height, width), mode="bilinear", align_corners=False)
    ab = denormalize_ab(ab)

    pixels = np.asarray(rgb_image)
    colour = np.empty((height, width, 3), np.uint8)
    gray = np.empty((height, width), np.uint8)
    for top in range(0, height, BAND_ROWS):
        rows = slice(top, min(top + BAND_ROWS, height))
        lightness = rgb_to_l(_to_unit(pixels[rows]))  # (1, 1, rows, W): the full-resolution detail we keep
        colour[rows] = _to_uint8(lab_to_rgb(torch.cat([lightness, ab[..., rows, :]], 1)))
        gray[rows] = _to_uint8(l_to_gray(lightness))[..., 0]
    result = Colorization(output=Image.fromarray(colour), gray=Image.fromarray(gray), original=image,
                          render_size=(render_width, render_height), hints=hints)
    spread = int((pixels.max(axis=2).astype(np.int16) - pixels.min(axis=2)).max())
    if with_metrics and image.mode == "RGB" and spread > GRAY_TOLERANCE:
        result.metrics = _metrics(model, rgb_image, result)
    return result


def _to_unit(pixels: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) → float (1, 3, H, W) in [0, 1]."""
    return torch.from_numpy(np.array(pixels, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0).div_(255)


def _to_uint8(image: torch.Tensor) -> np.ndarray:
    """float (1, C, H, W) in [0, 1] → uint8 (H, W, C)."""
    return image[0].mul(255).round_().clamp_(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()


def _metrics(model, original: Image.Image, result: Colorization) -> dict[str, dict[str, float]]:
    """Scores against the original on copies at most ``METRICS_MAX_SIDE`` px (all scaled alike), which keeps
    SSIM's windowed statistics to a fraction of a second on any photo."""
    size = render_dimensions(*original.size, METRICS_MAX_SIDE)

    def shrink(picture: Image.Image) -> torch.Tensor:
        picture = picture.convert("RGB")
        if picture.size != size:
            picture = picture.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        return _to_unit(np.asarray(picture))

    reference = shrink(original)
    lightness = rgb_to_l(reference)
    mean = model.mean_ab.view(1, 2, 1, 1).expand(1, 2, *lightness.shape[2:])
    return compare(reference, {"colorizer": shrink(result.output), "zero chroma (gray)": shrink(result.gray),
                               "mean training chroma": lab_to_rgb(torch.cat([lightness, mean], 1))})


def compare(original: torch.Tensor, candidates: dict[str, torch.Tensor]) -> dict[str, dict[str, float]]:
    """PSNR (dB), SSIM and colourfulness of each candidate against ``original`` (all (1, 3, H, W) in [0, 1]);
    the original's own colourfulness is the last row."""
    from ..metrics import colorfulness, psnr, ssim

    rows = {name: {"psnr": psnr(image, original).item(), "ssim": ssim(image, original).item(),
                   "colorfulness": colorfulness(image).item()} for name, image in candidates.items()}
    rows["original"] = {"colorfulness": colorfulness(original).item()}
    return rows


def colorize_file(model, data: bytes | str | Path, render_size: int = DEFAULT_RENDER_SIZE,
                  with_metrics: bool = True, hints=(), reference=None) -> Colorization:
    """Decode ``data`` (upload bytes or a path) and colour it (like ``reference``, when given); bad files raise
    ``UploadError``, and the budget of ``colorize_picture`` applies (the decoding counts as part of the heavy
    call)."""
    def check_size(width: int, height: int) -> None:  # refused from the header, before decoding
        budget.check_pixels(width, height, "The photo", "use a smaller photo")

    with budget.heavy_call():
        return colorize_picture(model, decode_upload(data, check_size=check_size), render_size, with_metrics,
                                hints, reference)


# ---- what a page shows about a colorizer ---------------------------------------------------------------------
def colorizer_facts(info, model=None) -> str:
    """One Markdown line about a colorizer's ``CheckpointInfo``: architecture, data, steps, training crop size;
    with the ``model``, what to expect of a calibrated one's automatic colour (pale where it is unsure)."""
    line = (f"**{info.architecture}** · data **{info.data}** · **{info.step:,}** steps · trained on "
            f"**{info.image_size}×{info.image_size}** px crops · gray → colour")
    calibrated = getattr(model, "caution", 0) > 0 or getattr(model, "prior_shift", 0) > 0
    if getattr(model, "output", None) == "classes" and calibrated:
        line += (" · its automatic colour stays pale wherever it is unsure (it learned from few photos); colour "
                 "hints or a reference photo give it the colours")
    return line


def metric_rows(metrics: dict[str, dict[str, float]]) -> list[dict]:
    """``Colorization.metrics`` as table rows: result (``METRIC_LABELS``), PSNR (dB), SSIM, colourfulness; the
    original's missing PSNR and SSIM are None."""
    return [{"result": METRIC_LABELS.get(name, name), "PSNR (dB)": values.get("psnr"), "SSIM": values.get("ssim"),
             "colourfulness": values.get("colorfulness")} for name, values in metrics.items()]


def preview(picture: Image.Image, max_side: int = 1024) -> Image.Image:
    """``picture`` shrunk to at most ``max_side`` pixels a side (aspect kept; a smaller one is returned as is):
    a 40-megapixel photo need not be sent to a browser three times."""
    if max(picture.size) <= max_side:
        return picture
    picture = picture.copy()
    picture.thumbnail((max_side, max_side))
    return picture


def held_out_photos() -> list[tuple[str, Image.Image]]:
    """(name, RGB photo) of ``EXAMPLE_PHOTOS`` from ``EXAMPLE_DATASET``'s test split (those on this machine, else
    its first few): something to colour with no photo at hand. Empty
    when those photos are not on this machine (never downloads)."""
    from ..data import load_dataset

    try:
        data = load_dataset(EXAMPLE_DATASET, split="test", download=False)
    except (GansError, OSError):
        return []
    pairs = list(zip(data.names, data.photos))
    picked = sorted((pair for pair in pairs if pair[0] in EXAMPLE_PHOTOS),
                    key=lambda pair: EXAMPLE_PHOTOS.index(pair[0]))
    picked = picked or pairs[:len(EXAMPLE_PHOTOS)]
    return [(name.rsplit("/", 1)[-1].rsplit(".", 1)[0], Image.fromarray(photo.permute(1, 2, 0).numpy()))
            for name, photo in picked]
