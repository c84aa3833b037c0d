"""Translate one image of any size with an image-to-image model (Pix2Pix, CycleGAN), and what the studio's
Translate page shows about one: the direction in the run's domain names, a line of facts, held-out examples.

Decoding (``gans.io.uploads``): any format PIL reads safely, EXIF orientation, gray / RGBA / palette / CMYK /
16-bit converted. Running (``gans.ops.tiling``): reflect-padded to the network's multiple and cropped back, so the
output has the input's size; images over ``max_untiled_pixels`` are processed in overlapping tiles, blended,
and the report says so (never a silent down-scale).

Budget (``gans.ops.budget``): an image over ``GANS_MAX_PIXELS`` or a tiling over ``GANS_MAX_TILES`` passes is refused
before the network runs, and at most ``GANS_MAX_HEAVY_CALLS`` translations (and colorizations, grids) run at once.
An upload (``translate_file``) whose translation would take more than ``GANS_MAX_TRANSLATE_WORK`` billion
multiply-adds (default 500: about 15–25 s of one CPU core) is translated at the largest size that fits, and the
result says so: time grows with pixels × the model's work per pixel, which differs 12-fold between the shipped
translators (a 5000×5000 upload held a heavy-call place for 131 s with the sneaker↔boot CycleGAN). The shipped
photo restorer still takes a 21-megapixel photo whole, the CycleGAN about 3.8 megapixels.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from PIL import Image

from ..errors import GansError
from ..io.uploads import decode_upload, image_to_tensor, tensor_to_image
from ..ops import budget
from ..ops.tiling import DEFAULT_MAX_UNTILED_PIXELS, DEFAULT_OVERLAP, TileReport, tile_plan
from ..registry import Task, check_task

#: the task of the models this module runs (``gans.registry.model_task``), and how messages name such a model
TASK = Task.TRANSLATE
MODEL_NOUN = "image-to-image"
#: the most work one upload's translation may take, in billions of multiply-adds of the network's layers
MAX_TRANSLATE_WORK = budget.Limit("GANS_MAX_TRANSLATE_WORK", 500.0, float)
#: the side of the blank picture whose translation is counted to learn a model's work per pixel
WORK_PROBE_SIDE = 64
_work_per_pixel: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model → {direction: multiply-adds}
_work_lock = threading.Lock()


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
    """Translate a decoded PIL image (mode L or RGB) with ``model`` in ``direction``.

    Refused with ``gans.ops.budget.BudgetError`` before the network runs when the image has more pixels than
    ``GANS_MAX_PIXELS`` or needs more tiles than ``GANS_MAX_TILES``; ``ServerBusyError`` when the server is busy."""
    direction = _check_translator(model, direction)
    width, height = image.size
    budget.check_pixels(width, height)
    plan = tile_plan(height, width, model.input_multiple, tile=tile, overlap=overlap,
                     max_untiled_pixels=max_untiled_pixels)
    budget.check_tiles(plan.tiles, width, height, plan.tile or 0)
    with budget.heavy_call():
        in_channels, _ = model.channels(direction)
        x = image_to_tensor(image, in_channels)  # (1, C, H, W) in [-1, 1]
        out, report = model.translate_tiled(x, direction, tile=tile, overlap=overlap,
                                            max_untiled_pixels=max_untiled_pixels)
        return Translation(tensor_to_image(out), image, report, direction)


def translate_file(model, data: bytes | str | Path, direction: str = "a2b", tile: int | None = None,
                   overlap: int = DEFAULT_OVERLAP,
                   max_untiled_pixels: int = DEFAULT_MAX_UNTILED_PIXELS) -> Translation:
    """Decode ``data`` (bytes of an upload, or a path) and translate it; bad files raise ``UploadError``, and the
    budget of ``translate_picture`` applies (the decoding counts as part of the heavy call). A picture whose
    translation would take more than ``GANS_MAX_TRANSLATE_WORK`` is shrunk to fit first (``working_size``), and
    ``report.message`` says so."""
    direction = _check_translator(model, direction)
    with budget.heavy_call():
        image = decode_upload(data, check_size=budget.check_pixels)  # refused from the header, before decoding
        size, reason = working_size(model, direction, *image.size)
        shrunk_from = None
        if size != image.size:
            shrunk_from = image.size
            image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)  # antialiased, fast
        result = translate_picture(model, image, direction, tile, overlap, max_untiled_pixels)
        if shrunk_from is not None:
            result.report = replace(result.report, shrunk_from=shrunk_from, shrink_reason=reason)
        return result


def work_per_pixel(model, direction: str) -> float:
    """Multiply-adds one pass of ``model`` in ``direction`` takes per input pixel: counted once per model and
    direction by torch's ``FlopCounterMode`` (which sees only this thread) on a blank ``WORK_PROBE_SIDE`` px
    picture."""
    from torch.utils.flop_counter import FlopCounterMode

    with _work_lock:
        known = _work_per_pixel.setdefault(model, {})
        if direction in known:
            return known[direction]
    in_channels, _ = model.channels(direction)
    side = math.ceil(WORK_PROBE_SIDE / model.input_multiple) * model.input_multiple
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.translate(torch.zeros(1, in_channels, side, side), direction)
    work = counter.get_total_flops() / 2 / side**2  # a multiply-add is two floating-point operations
    with _work_lock:
        _work_per_pixel.setdefault(model, {})[direction] = work
    return work


def working_size(model, direction: str, width: int, height: int) -> tuple[tuple[int, int], str]:
    """(width, height) to translate a ``width``×``height`` picture at: its own size when the translation's work
    (``work_per_pixel`` × pixels) is within ``GANS_MAX_TRANSLATE_WORK``, else the largest size of the same shape
    that is; and, when smaller, why, in words."""
    limit = MAX_TRANSLATE_WORK.value()
    work = work_per_pixel(model, direction) * width * height / 1e9
    if work <= limit:
        return (width, height), ""
    factor = math.sqrt(limit / work)
    size = (max(1, math.floor(width * factor)), max(1, math.floor(height * factor)))
    return size, (f"at its own size this model would take {work:,.0f} billion multiply-adds, and this server "
                  f"allows {limit:,g} billion per translation (GANS_MAX_TRANSLATE_WORK); upload a smaller image "
                  "to choose how it is shrunk")


def _check_translator(model, direction: str) -> str:
    """The checked direction; ``ConfigError`` unless ``model`` translates images."""
    check_task(model, TASK)
    return model.check_direction(direction)


# ---- what a page shows about a translator -------------------------------------------------------------------
def direction_label(direction: str, domains: list[str] | tuple[str, ...] = ()) -> str:
    """"A → B" / "B → A", or with the domains' names when the run recorded them ("sneaker → ankle boot")."""
    from ..models.translation import DIRECTIONS

    if len(domains) == 2:
        a, b = domains
        return f"{a} → {b}" if direction == "a2b" else f"{b} → {a}"
    return DIRECTIONS.get(direction, direction)


def translator_facts(model, info) -> str:
    """One Markdown line about a loaded translator and its ``CheckpointInfo``: architecture, data, steps, the
    training crop size and the channels of its first direction ("gray → RGB")."""
    a_channels, b_channels = model.channels(model.directions[0])
    colours = {1: "gray", 3: "RGB"}
    return (f"**{info.architecture}** · data **{info.data}** · **{info.step:,}** steps · trained on "
            f"**{info.image_size}×{info.image_size}** px crops · "
            f"{colours.get(a_channels, a_channels)} → {colours.get(b_channels, b_channels)}")


def held_out_examples(data_name: str, direction: str, image_size: int, count: int = 8) -> list[Image.Image]:
    """Up to ``count`` held-out inputs of ``direction`` from the run's own dataset (its test split), resized to
    the model's ``image_size``: something to try with no image of that domain at hand. Empty when the dataset
    has no test split or is not on this machine (never downloads)."""
    from ..data import load_dataset
    from ..io.images import to_pil

    try:
        data = load_dataset(data_name, split="test", download=False)
    except (GansError, OSError):
        return []
    if hasattr(data, "held_out_pictures"):  # data made on the fly (aged-photos): its own held-out inputs
        return data.held_out_pictures(direction, count)
    images = data.a if direction == "a2b" else data.b
    return [to_pil(image.permute(1, 2, 0).numpy()).resize((image_size, image_size), Image.Resampling.BICUBIC)
            for image in images[:count]]
