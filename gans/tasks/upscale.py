"""Upscale a photo of any size with a super-resolution checkpoint (``srgan``), and measure an upscaler.

Decoding (``gans.io.uploads``): any format PIL reads safely, EXIF orientation, gray / RGBA / palette / CMYK / 16-bit
converted; a gray photo is upscaled as RGB and returned gray. Running (``gans.ops.tiling``): the output is exactly
``scale`` × the input's size; an input over ``MAX_UNTILED_INPUT_PIXELS`` runs in overlapping tiles of at most
``AUTO_TILE_INPUT`` px, blended, and the report says so (the memory guard: an upscaler's activations at the output
size are 16 times larger than at the input's).

Budget (``gans.ops.budget``): the upload and the result must each stay within ``GANS_MAX_PIXELS``, the tiles within
``GANS_MAX_TILES``, and at most ``GANS_MAX_HEAVY_CALLS`` heavy requests run at once; all checked before the
network runs.

Quality (``measure``): a photo is downscaled ``scale`` times (antialiased bicubic, as in training), upscaled back
by bicubic interpolation and by the model, and each result is compared with the original: PSNR and SSIM on RGB
in [0, 1] (a ``scale`` px border left out, as usual in super-resolution papers), and sharpness = the result's
high-frequency energy over the original's (``gans.metrics.high_frequency_energy``): below 1 is blurrier than the
original, 1 is as detailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch
from PIL import Image

from ..errors import ConfigError, GansError
from ..io.uploads import decode_upload, image_to_tensor, tensor_to_image
from ..ops import budget
from ..ops.tiling import TileReport, tile_plan
from ..registry import Task, check_task

#: the task of the models this module runs (``gans.registry.model_task``), and how messages name such a model
TASK = Task.UPSCALE
MODEL_NOUN = "upscaler"
#: an input with more pixels than this is tiled (in tiles of this side): 384² input px are a 1536² output at ×4,
#: about 300 MB per 32-channel activation at the output's size
MAX_UNTILED_INPUT_PIXELS = 384 * 384
OVERLAP = 16  # input px shared by neighbouring tiles (the generator sees about 20 px around each pixel)
#: photos to try without an upload: the test split of this dataset, which no upscaler trained on it has seen
EXAMPLE_DATASET = "offline-photos"
#: the sides (output px) of the square the side-by-side view can zoom to
ZOOM_SIDES = (128, 256, 512)


@dataclass
class Upscaling:
    """An upscaled image (``output``, exactly ``scale`` × the input's size), the decoded input, and how it was
    processed (``report.message`` says when it was tiled, else ""); ``bicubic``, the same input upscaled by bicubic
    interpolation (the same size), is made when first asked for (a ×4 result's bicubic twin is 100 MB at 25 MP)."""

    output: Image.Image
    input: Image.Image
    report: TileReport
    scale: int

    @cached_property
    def bicubic(self) -> Image.Image:
        return self.input.resize((self.input.width * self.scale, self.input.height * self.scale),
                                 Image.Resampling.BICUBIC)


def check_upscaler(model) -> None:
    """``ConfigError`` unless ``model`` is an upscaler."""
    check_task(model, TASK)


def upscale_picture(model, image: Image.Image, tile: int | None = None, overlap: int = OVERLAP) -> Upscaling:
    """Upscale a decoded PIL image (mode L or RGB) with an upscaler ``model``; tiled above
    ``MAX_UNTILED_INPUT_PIXELS`` input pixels or when ``tile`` (input px) is given."""
    check_upscaler(model)
    scale = model.output_scale
    if tile is not None:  # a small tile asked for keeps a quarter of it as overlap at most
        overlap = min(overlap, tile // 4)
    width, height = image.size
    budget.check_pixels(width, height)
    budget.check_pixels(width * scale, height * scale, f"The ×{scale} result",
                        "use a smaller image" + (" or a ×2 upscaler" if scale > 2 else ""))
    plan = tile_plan(height, width, model.input_multiple, tile=tile, overlap=overlap,
                     max_untiled_pixels=MAX_UNTILED_INPUT_PIXELS)
    budget.check_tiles(plan.tiles, width, height, plan.tile or 0, verb="upscaling")
    with budget.heavy_call():
        x = image_to_tensor(image, 3)  # (1, 3, H, W) in [-1, 1]; a gray photo as three equal channels
        out, report = model.translate_tiled(x, tile=tile, overlap=overlap,
                                            max_untiled_pixels=MAX_UNTILED_INPUT_PIXELS)
        del x
        output = tensor_to_image(out)
        del out  # the float result (12 bytes a pixel) goes before the gray copy is made
        if image.mode == "L":
            output = output.convert("L")
        return Upscaling(output, image, report, scale)


def upscale_file(model, data: bytes | str | Path, tile: int | None = None, overlap: int = OVERLAP) -> Upscaling:
    """Decode ``data`` (bytes of an upload, or a path) and upscale it; bad files raise ``UploadError``, and the
    budget of ``upscale_picture`` applies (the decoding counts as part of the heavy call)."""
    with budget.heavy_call():
        image = decode_upload(data, check_size=budget.check_pixels)  # refused from the header, before decoding
        return upscale_picture(model, image, tile, overlap)


def checkpoint_scale(path: str | Path) -> int:
    """The upscaling factor of the upscaler run at ``path``, read from its config (without loading weights)."""
    from ..io.checkpoints import RunDir

    return int(RunDir(path).read_config().get("model", {}).get("scale", 4))


def default_upscaler(scale: int | None = None) -> str:
    """The shipped upscaler (of ``scale`` when given): the folder of the first one by name (the GAN model,
    ``srgan-…``, before the MSE baseline ``srresnet-…``). ``ConfigError`` when there is none."""
    from ..io.runs import list_checkpoints

    shipped = [info.path for info in list_checkpoints(include_runs=False, task=TASK)]
    fitting = [path for path in shipped if scale is None or checkpoint_scale(path) == scale]
    if not fitting:
        what = f"×{scale} upscaler" if scale else "upscaler"
        found = ", ".join(f"×{checkpoint_scale(path)}" for path in shipped)
        raise ConfigError(f"no shipped {what} was found (checkpoints/ or $GANS_CHECKPOINTS_DIR)"
                          + (f"; the shipped ones are {found}" if found else "")
                          + "; give one with --checkpoint RUN_OR_ID")
    return str(fitting[0])


# ---- the side-by-side view -------------------------------------------------------------------------------------
def zoom_box(size: tuple[int, int], center: tuple[float, float], side: int) -> tuple[int, int, int, int]:
    """The (left, top, right, bottom) square of ``side`` px (smaller when the image is) of an image of ``size``
    (width, height) centred as near as it fits on ``center`` (fractions of the width and height, 0..1)."""
    width, height = size
    side_x, side_y = min(side, width), min(side, height)
    fx, fy = (min(1.0, max(0.0, float(value))) for value in center)
    left = min(width - side_x, max(0, round(fx * width - side_x / 2)))
    top = min(height - side_y, max(0, round(fy * height - side_y / 2)))
    return left, top, left + side_x, top + side_y


def zoomed(result: Upscaling, center: tuple[float, float], side: int) -> tuple[Image.Image, Image.Image]:
    """The same ``side`` px square of the bicubic upscale and of the model's (see ``zoom_box``): compared at the
    same zoom, pixel for pixel."""
    box = zoom_box(result.output.size, center, side)
    return bicubic_square(result.input, result.scale, box), result.output.crop(box)


#: input px around a zoomed square that its bicubic upscale reads (bicubic weighs 2 px each side; one spare)
BICUBIC_MARGIN = 3


def bicubic_square(image: Image.Image, scale: int, box: tuple[int, int, int, int]) -> Image.Image:
    """The ``box`` (output px) of ``image`` upscaled ``scale`` times by bicubic interpolation, made from the input's
    matching region and a ``BICUBIC_MARGIN`` alone: pixel for pixel the same square as the whole upscale's, without
    making the whole upscale."""
    left, top, right, bottom = box
    margin = BICUBIC_MARGIN
    region = (max(0, left // scale - margin), max(0, top // scale - margin),
              min(image.width, -(-right // scale) + margin), min(image.height, -(-bottom // scale) + margin))
    part = image.crop(region).resize(((region[2] - region[0]) * scale, (region[3] - region[1]) * scale),
                                     Image.Resampling.BICUBIC)
    x, y = region[0] * scale, region[1] * scale
    return part.crop((left - x, top - y, right - x, bottom - y))


def zoomed_png(upload: bytes, result_png: bytes, center: tuple[float, float], side: int,
               ) -> tuple[Image.Image, Image.Image]:
    """``zoomed`` for a result kept as PNG bytes (what the studio caches, not pictures): the model's square cut from
    the decoded result, the bicubic one from the upload's matching region (``bicubic_square``). One heavy call,
    decoded under the pixel budget; the whole result is freed before this returns."""
    with budget.heavy_call():
        image = decode_upload(upload, check_size=budget.check_pixels)
        output = decode_upload(result_png, check_size=budget.check_pixels)
        box = zoom_box(output.size, center, side)
        scale = output.width // image.width
        try:
            return bicubic_square(image, scale, box), output.crop(box)
        finally:
            output.close()


def upscaler_facts(model, info) -> str:
    """One Markdown line about a loaded upscaler and its ``CheckpointInfo``."""
    return (f"**{info.architecture}** · ×**{model.output_scale}** · data **{info.data}** · **{info.step:,}** steps · "
            f"trained on **{info.image_size}×{info.image_size}** px crops")


def held_out_examples(scale: int, count: int = 6) -> list[tuple[str, Image.Image]]:
    """(name, photo) of ``EXAMPLE_DATASET``'s held-out photos, each downscaled ``scale`` times (as in training):
    small photos whose originals the model never saw, to try with none at hand. Empty when they are not on this
    machine (never downloads)."""
    from ..data import load_dataset

    try:
        data = load_dataset(EXAMPLE_DATASET, split="test", download=False)
    except (GansError, OSError):
        return []
    examples = []
    for name, photo in list(zip(data.names, data.photos))[:count]:
        small = low_resolution(photo[None].float() / 127.5 - 1, scale)
        examples.append((Path(name).stem, tensor_to_image(small)))
    return examples


# ---- measuring an upscaler -------------------------------------------------------------------------------------
def low_resolution(original: torch.Tensor, scale: int) -> torch.Tensor:
    """(1, 3, H, W) in [-1, 1] → its ``scale`` times smaller version (antialiased bicubic, the training inputs'
    downscaling), rounded to 8 bits like a saved photo."""
    from ..models.srgan import downscale

    small = downscale(original, scale).clamp(-1, 1)
    return ((small + 1) * 127.5).round() / 127.5 - 1


def measure(model, photos: list[torch.Tensor]) -> dict[str, dict[str, float]]:
    """Mean PSNR (dB), SSIM and sharpness over ``photos`` (uint8 (3, H, W) tensors) of bicubic interpolation and
    of ``model``: each photo is cropped to a multiple of the model's scale, downscaled ``scale`` times, upscaled
    back and compared with that crop (see the module docstring)."""
    from ..metrics import high_frequency_energy, psnr, ssim
    from ..models.srgan import upscale_bicubic

    check_upscaler(model)
    scale = model.output_scale
    totals: dict[str, dict[str, float]] = {"bicubic": {}, "model": {}}
    for photo in photos:
        height, width = (photo.shape[1] // scale) * scale, (photo.shape[2] // scale) * scale
        original = photo[None, :, :height, :width].float() / 127.5 - 1
        small = low_resolution(original, scale)
        candidates = {"bicubic": upscale_bicubic(small, scale).clamp(-1, 1),
                      "model": model.translate_tiled(small, overlap=OVERLAP,
                                                     max_untiled_pixels=MAX_UNTILED_INPUT_PIXELS)[0]}
        reference = _quantised(original)[..., scale:-scale, scale:-scale]
        for name, image in candidates.items():
            image = _quantised(image)[..., scale:-scale, scale:-scale]
            row = totals[name]
            row["psnr"] = row.get("psnr", 0.0) + psnr(image, reference).item() / len(photos)
            row["ssim"] = row.get("ssim", 0.0) + ssim(image, reference).item() / len(photos)
            sharpness = (high_frequency_energy(image) / high_frequency_energy(reference)).item()
            row["sharpness"] = row.get("sharpness", 0.0) + sharpness / len(photos)
    return totals


def _quantised(image: torch.Tensor) -> torch.Tensor:
    """[-1, 1] → [0, 1] rounded to 8 bits: what a saved PNG holds, and what is scored."""
    return ((image.clamp(-1, 1) + 1) * 127.5).round() / 255
