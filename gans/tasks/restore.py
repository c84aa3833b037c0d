"""One flow for an old photo: restore → colour (when it is gray) → upscale, each step optional.

```python
from gans import load
from gans.tasks.restore import RestoreSettings, restore_file

result = restore_file(data, RestoreSettings(upscale=2), restorer=load(...), colorizer=load(...), upscaler=load(...))
result.output          # the final photo; result.steps: [("restored", image), ("coloured", image), ...]
```

- **restore**: a photo-restoration Pix2Pix (trained on photos aged on the fly, ``aged-photos``) undoes fading,
  casts, blur, grain, JPEG blocks, scratches, dust and creases, at the photo's own size (``gans.tasks.translate``).
- **colour**: the colorizer (``gans.tasks.colorize``), with colour hints and a reference photo, when the photo is
  monochrome (``colorize="auto"``: gray, or one tint such as sepia; ``is_monochrome``), always (``"yes"``) or
  never (``"no"``). Colour hints are in the input's pixels; they are kept through the chain (nothing before
  the upscaler changes the size).
- **upscale**: the super-resolution model, ×4; ×2 is the ×4 result halved with a Lanczos filter (the shipped
  upscaler is ×4).

Budget: the final size is checked against ``GANS_MAX_PIXELS`` before any step runs, so a large photo with ×4 is
refused at once rather than after the restoration; the whole chain is one heavy call (``gans.ops.budget``). The
page and the CLI both call ``restore_file``, so the same bytes and settings give the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import ConfigError
from ..io.uploads import decode_upload
from ..ops import budget
from ..ops.ageing import age_picture  # noqa: F401  (re-exported: the flow's examples and the benchmarks age with it)
from ..ops.color import rgb_to_lab
from ..registry import Task, task_of

#: the upscaling factors the flow offers (1: no upscaling)
UPSCALE_FACTORS = (1, 2, 4)
COLORIZE_CHOICES = ("auto", "yes", "no")
#: monochrome: under this share of chromatic pixels (a gray photo), or their hues this concentrated (one tint): the
#: length of the mean of their unit a*b* vectors, 1 when every one has the same hue
MONOCHROME_CHROMATIC_SHARE = 0.05
MONOCHROME_HUE_CONCENTRATION = 0.98
CHROMATIC = 5.0  # a*b* length (CIELAB units) above which a pixel counts as coloured
MONOCHROME_SIDE = 64  # measured on a small copy: film grain and JPEG noise average out
#: the words a run folder's name must contain to be the shipped restorer
RESTORER_NAME = "restore"


@dataclass(frozen=True)
class RestoreSettings:
    """What the flow does: each step can be turned off (``restore=False``, ``colorize="no"``, ``upscale=1``)."""

    restore: bool = True
    colorize: str = "auto"  # "auto" (when monochrome), "yes" or "no"
    hints: tuple = ()  # gans.tasks.colorize.ColourHint, in the input's pixels
    reference: bytes | str | Path | None = None  # a colour photo whose colours to use
    upscale: int = 1
    render_size: int = 256  # the colorizer's render size

    def __post_init__(self):
        if self.colorize not in COLORIZE_CHOICES:
            raise ConfigError(f"colorize must be one of {', '.join(COLORIZE_CHOICES)}, got {self.colorize!r}")
        if self.upscale not in UPSCALE_FACTORS:
            raise ConfigError(f"upscale must be 1 (off), 2 or 4, got {self.upscale!r}")
        if (self.hints or self.reference is not None) and self.colorize == "no":
            raise ConfigError("colour hints and a reference photo need the colour step: turn colouring on")

    @property
    def steps(self) -> tuple[str, ...]:
        """The steps that may run, in order ("colour" only runs in auto mode when the photo is monochrome)."""
        return tuple(name for name, on in (("restore", self.restore), ("colour", self.colorize != "no"),
                                           ("upscale", self.upscale > 1)) if on)


@dataclass
class Restoration:
    """The input as decoded, every step's result in order (name, image), and the final photo."""

    input: Image.Image
    steps: list[tuple[str, Image.Image]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one sentence per step that was skipped or changed, for a user

    @property
    def output(self) -> Image.Image:
        return self.steps[-1][1] if self.steps else self.input


def is_monochrome(image: Image.Image) -> bool:
    """Gray, or a single tint (sepia, cyanotype), judged on a small copy (grain and noise average out): under
    ``MONOCHROME_CHROMATIC_SHARE`` of its pixels are coloured, or their hues agree (the mean of their unit a*b*
    vectors is at least ``MONOCHROME_HUE_CONCENTRATION`` long). A colour photo of one hue (a green field) can pass
    as one tint: the colour step then colours it anew from its gray, and ``colorize="no"`` keeps it."""
    if image.mode in ("L", "1", "I", "I;16", "F"):
        return True
    small = image.convert("RGB")
    small.thumbnail((MONOCHROME_SIDE, MONOCHROME_SIDE), Image.Resampling.BOX)
    pixels = torch.from_numpy(np.asarray(small, dtype=np.float32) / 255).permute(2, 0, 1)[None]
    ab = rgb_to_lab(pixels)[0, 1:].flatten(1)  # (2, pixels)
    chroma = ab.norm(dim=0)
    coloured = chroma > CHROMATIC
    if coloured.float().mean() < MONOCHROME_CHROMATIC_SHARE:
        return True
    hues = ab[:, coloured] / chroma[coloured]
    return bool(hues.mean(dim=1).norm() >= MONOCHROME_HUE_CONCENTRATION)


def check_models(settings: RestoreSettings, restorer=None, colorizer=None, upscaler=None) -> None:
    """``ConfigError`` when a step that is on has no model, or a model of the wrong kind."""
    if settings.restore:
        if restorer is None or task_of(restorer) != Task.TRANSLATE:
            raise ConfigError("the restore step needs a photo-restoration model (an image-to-image run such as "
                              "checkpoints/pix2pix-restore-photos)")
        if restorer.channels("a2b") != (3, 3):
            raise ConfigError(f"{restorer.architecture} translates {restorer.channels('a2b')} channels; a "
                              "restoration model takes and returns colour photos (3 → 3)")
    if settings.colorize != "no" and task_of(colorizer) != Task.COLORIZE:
        raise ConfigError("the colour step needs a colorizer (e.g. checkpoints/colorizer-offline-photos); "
                          "or turn colouring off")
    if settings.upscale > 1 and task_of(upscaler) != Task.UPSCALE:
        raise ConfigError("the upscale step needs a super-resolution model (e.g. checkpoints/srgan-offline-photos)")
    if settings.upscale > 1 and settings.upscale % upscaler.output_scale and upscaler.output_scale % settings.upscale:
        raise ConfigError(f"a ×{upscaler.output_scale} upscaler cannot make a photo ×{settings.upscale} larger")


def restore_picture(image: Image.Image, settings: RestoreSettings = RestoreSettings(), *, restorer=None,
                    colorizer=None, upscaler=None) -> Restoration:
    """Run the flow on a decoded PIL image (mode L or RGB). Refused before any step runs when the final photo
    would be larger than ``GANS_MAX_PIXELS`` (``gans.ops.budget.BudgetError``) or a needed model is missing."""
    from .colorize import colorize_picture
    from .translate import translate_picture

    check_models(settings, restorer, colorizer, upscaler)
    check_size(settings, upscaler, *image.size)
    result = Restoration(input=image)
    current = image
    with budget.heavy_call():
        if settings.restore:
            current = translate_picture(restorer, current).output
            result.steps.append(("restored", current))
        if settings.colorize == "yes" or (settings.colorize == "auto" and is_monochrome(current)):
            current = colorize_picture(colorizer, current, settings.render_size, with_metrics=False,
                                       hints=settings.hints, reference=settings.reference).output
            result.steps.append(("coloured", current))
        elif settings.colorize == "auto":
            result.notes.append("The photo is already in colour, so it was not coloured (choose colouring "
                                "'yes' to colour it anew from its gray).")
        if settings.upscale > 1:
            current = _upscaled(upscaler, current, settings.upscale)
            result.steps.append((f"upscaled ×{settings.upscale}", current))
    return result


def check_size(settings: RestoreSettings, upscaler, width: int, height: int) -> None:
    """``BudgetError`` when the photo, or the largest image the upscale step makes (×4 before halving, for ×2
    with a ×4 upscaler), has more pixels than ``GANS_MAX_PIXELS``."""
    budget.check_pixels(width, height, "The photo", "use a smaller photo")
    if settings.upscale > 1:
        largest = max(settings.upscale, upscaler.output_scale)
        budget.check_pixels(width * largest, height * largest, f"The ×{largest} upscaling",
                            "use a smaller photo or turn upscaling off")


def _upscaled(upscaler, image: Image.Image, factor: int) -> Image.Image:
    from .upscale import upscale_picture

    out = image
    while out.width < image.width * factor:  # ×4 with a ×2 model: twice
        out = upscale_picture(upscaler, out).output
    target = (image.width * factor, image.height * factor)
    return out if out.size == target else out.resize(target, Image.Resampling.LANCZOS)


def restore_file(data: bytes | str | Path, settings: RestoreSettings = RestoreSettings(), *, restorer=None,
                 colorizer=None, upscaler=None) -> Restoration:
    """Decode ``data`` (upload bytes or a path) with the studio's decoder and run the flow; a bad file raises
    ``UploadError`` (one line), and the budget of ``restore_picture`` applies."""
    check_models(settings, restorer, colorizer, upscaler)
    with budget.heavy_call():  # the size is refused from the header, before decoding
        image = decode_upload(data, check_size=lambda width, height: check_size(settings, upscaler, width, height))
        return restore_picture(image, settings, restorer=restorer, colorizer=colorizer, upscaler=upscaler)


def default_restorer() -> str:
    """The shipped restoration model: the first shipped image-to-image run whose folder name contains
    ``restore``. ``ConfigError`` when there is none."""
    from ..io.runs import list_checkpoints

    shipped = [info.path for info in list_checkpoints(include_runs=False, task="translate")
               if RESTORER_NAME in Path(info.path).name]
    if not shipped:
        raise ConfigError("no shipped photo-restoration model was found (checkpoints/*restore*); give one with "
                          "--restorer RUN_OR_ID")
    return str(shipped[0])


def shipped_models(settings: RestoreSettings) -> dict[str, str | None]:
    """The shipped model folder of each role ("restorer", "colorizer", "upscaler": the keyword arguments of
    ``restore_file``) that ``settings`` need, None for a step that is off. ``ConfigError`` when one is missing."""
    from .upscale import default_upscaler

    return {"restorer": default_restorer() if settings.restore else None,
            "colorizer": default_colorizer() if settings.colorize != "no" else None,
            "upscaler": default_upscaler() if settings.upscale > 1 else None}


def step_help() -> dict[str, str]:
    """A sentence per step, for a page's widgets."""
    return {"restore": "A photo-restoration Pix2Pix trained on photos aged afresh every batch (fading, colour casts, "
                       "blur, grain, JPEG blocks, scratches, dust, creases); it keeps the photo's size.",
            "colour": "The colorizer, with your colour hints and a reference photo: 'auto' colours a photo that is "
                      "gray or one tint (sepia), judged after the restoration.",
            "upscale": "The super-resolution GAN (×4; ×2 is its result halved with a Lanczos filter)."}


def default_colorizer() -> str:
    """The shipped colorizer. ``ConfigError`` when there is none."""
    from ..io.runs import list_checkpoints

    shipped = list_checkpoints(include_runs=False, task="colorize")
    if not shipped:
        raise ConfigError("no shipped colorizer was found; give one with --colorizer RUN_OR_ID")
    return str(shipped[0].path)


# ---- what a page offers with no photo at hand -------------------------------------------------------------------
def example_photos() -> list[tuple[str, Image.Image]]:
    """(label, aged photo) of held-out test photos (``gans.tasks.colorize.held_out_photos``, never trained on) aged by
    the held-out mixes of ``gans.ops.ageing.HELD_OUT_AGEINGS``; the first is an old gray print tinted sepia, for the
    colour step. Empty when the photos are not on this machine."""
    from ..ops.ageing import HELD_OUT_AGEINGS
    from .colorize import held_out_photos

    mixes = list(HELD_OUT_AGEINGS.items())
    examples = []
    for number, (name, photo) in enumerate(held_out_photos()):
        label, ageing = mixes[number % len(mixes)]
        examples.append((f"{name}, {label}" + (", gray" if number == 0 else ""),
                         age_picture(photo, ageing, seed=number, gray=number == 0)))
    return examples
