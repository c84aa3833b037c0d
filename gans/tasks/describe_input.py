"""What an image-to-image checkpoint expects as input, in words a newcomer can act on.

A translation model only knows its training data: an edges → garment model turns a photo into noise, with no
error to say why. The Translate page therefore says, above its uploader, what to give the model and what comes
back, from what the run's dataset declares about its two domains (``gans.data.domains``); the direction's caption
uses the domains' names ("sneaker → ankle boot", "edge drawing → garment") instead of "A → B".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..data.domains import Domain
from ..io.decode import to_l_or_rgb

#: What the two sides of a dataset that declares nothing are, by the dataset's kind (the user's own folders)
SIDES_BY_KIND = {"paired": ("the left half of each training pair", "the right half of each training pair"),
                 "unpaired": ("its trainA/ pictures", "its trainB/ pictures")}
NOISE_WARNING = ("It knows only pictures like those it was trained on: anything else comes out as noise, with "
                 "no error to say so.")


def _domains(info) -> tuple[Domain, Domain] | None:
    from .. import data  # importing the package registers every dataset and its domains

    return data.domains.dataset_domains(getattr(info, "data", "") or "")


def input_domain(info, direction: str = "a2b") -> Domain | None:
    """The domain the translator of ``info`` takes in ``direction`` ("a2b": A), as its dataset declares it; None
    when the dataset declares nothing (a user's own folders)."""
    declared = _domains(info)
    return None if declared is None else declared[0 if direction == "a2b" else 1]


def domain_names(info) -> tuple[str, str] | None:
    """(name of A, name of B) of a translation run's ``CheckpointInfo``: those the run recorded, else those its
    dataset declares, else None."""
    recorded = list(getattr(info, "domains", None) or [])
    if len(recorded) >= 2:
        return str(recorded[0]), str(recorded[1])
    declared = _domains(info)
    return (declared[0].name, declared[1].name) if declared else None


def direction_label(info, direction: str) -> str:
    """"edge drawing → garment" for ``direction`` "a2b" of a run whose domains are known, else "A → B"."""
    from ..tasks.translate import direction_label as label

    return label(direction, domain_names(info) or ())


def expected_input(info, direction: str = "a2b") -> str:
    """One paragraph (Markdown): what picture to give the translator of ``info`` in ``direction`` and what comes
    back, and that anything else comes out as noise."""
    declared = _domains(info)
    source, target = (0, 1) if direction == "a2b" else (1, 0)
    if declared:
        given, made = declared[source].looks, declared[target].looks
        return f"**Give it** {given}. **It returns** {made}. {NOISE_WARNING}"
    sides = SIDES_BY_KIND.get(_dataset_kind(getattr(info, "data", "")))
    data = getattr(info, "data", "") or "its training data"
    if sides:
        return (f"**Give it** a picture like {sides[source]} in **{data}**. **It returns** one like "
                f"{sides[target]}. {NOISE_WARNING}")
    return (f"**Give it** a picture like the {'A' if source == 0 else 'B'} side of **{data}**. **It returns** one "
            f"like the {'B' if source == 0 else 'A'} side. {NOISE_WARNING}")


def _dataset_kind(name: str) -> str:
    from ..data.registry import registered_datasets

    return next((info.kind for info in registered_datasets() if info.name == name), "")


# ---- does a picture look like the model's input? ----------------------------------------------------------------
# Measured on a copy at most this many pixels on its longer side (box-averaged): enough for every statistic below.
STATS_SIDE = 1024
LIGHT_LEVEL, DARK_LEVEL = 0.8, 0.2  # luma (0 black … 1 white) at or above which a pixel is light, at or below dark
# Hasler & Süsstrunk's colourfulness (2003, "Measuring colourfulness in natural images") below which a picture is
# gray or nearly so (their "not" to "slightly colourful"; a pencil drawing on cream paper is about 7).
GRAY_COLOURFULNESS = 20.0
# A line drawing: much of it light, a light border, and its other pixels within a few pixels of a light one (lines,
# not areas). The 1,200 held-out edge maps of edges2fashion (at 28 and 32 px) measure light ≥ 0.44, border ≥ 0.9,
# thin ≥ 0.95; the photos of the tests thin ≤ 0.55.
DRAWING_LIGHT, DRAWING_BORDER, DRAWING_THIN = 0.4, 0.6, 0.8
# ... and its lines are ink: at least this fraction of it at or below mid-gray (a pale wood texture is light and
# thin but has none; the edge maps have 7-15 %, a 1000 px drawing in 2 px lines about 1 %).
DRAWING_INK = 0.005
# A Fashion-MNIST-like object: a black border all round and some of the picture dark (the 600 held-out garments:
# border ≤ 0.23, dark ≥ 0.16).
OBJECT_BORDER, OBJECT_DARK = 0.3, 0.12
# A picture of a fixed-size domain (28 px garments) more than this many times that size in either side is
# out of scale: its lines and details are far finer, relative to the picture, than any the model saw.
LARGEST_SCALE = 2

#: how the page names what a picture looks like
KIND_WORDS = {"edges": "a line drawing", "garment": "a small gray picture of an object on black",
              "photo": "a photo"}


@dataclass(frozen=True)
class PictureStats:
    """Simple measures of a picture (``picture_stats``): its size; colourfulness (0 for gray); the fractions of
    light, dark and inked (at most mid-gray) pixels; the mean luma of its border (0 black … 1 white); and ``thin``,
    the fraction of its non-light pixels that lie within a few pixels of a light one (1 for a line drawing, low
    for a photo)."""

    width: int
    height: int
    colourfulness: float
    light: float
    dark: float
    ink: float
    border: float
    thin: float


def picture_stats(picture: Image.Image) -> PictureStats:
    """``PictureStats`` of a decoded picture (any mode; transparency counts as white), measured on a copy at most
    ``STATS_SIDE`` pixels on its longer side."""
    width, height = picture.size
    small = picture if picture.mode in ("L", "RGB") else to_l_or_rgb(picture)  # the decoder's rule: alpha on white
    if max(width, height) > STATS_SIDE:  # shrink first: a 50-megapixel photo is never copied whole
        scale = STATS_SIDE / max(width, height)
        small = small.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
    rgb = np.asarray(small.convert("RGB"), dtype=np.float32)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_green, yellow_blue = red - green, (red + green) / 2 - blue
    colourfulness = (math.hypot(float(red_green.std()), float(yellow_blue.std()))
                     + 0.3 * math.hypot(float(red_green.mean()), float(yellow_blue.mean())))
    luma = (0.299 * red + 0.587 * green + 0.114 * blue) / 255.0
    rows, columns = luma.shape
    ring = max(1, min(rows, columns) // 32)
    border = np.concatenate([luma[:ring].ravel(), luma[-ring:].ravel(), luma[:, :ring].ravel(),
                             luma[:, -ring:].ravel()])
    light = luma >= LIGHT_LEVEL
    reach = max(2, max(rows, columns) // 64)  # "near" a light pixel: 2 px, or more in a large picture
    near_light = F.max_pool2d(torch.from_numpy(light.astype(np.float32))[None, None], 2 * reach + 1, stride=1,
                              padding=reach)[0, 0].numpy() > 0
    others = ~light
    thin = float((others & near_light).sum() / others.sum()) if others.any() else 1.0
    return PictureStats(width, height, round(colourfulness, 2), float(light.mean()),
                        float((luma <= DARK_LEVEL).mean()), float((luma <= 0.5).mean()), float(border.mean()), thin)


def picture_kind(stats: PictureStats) -> str:
    """What a picture looks like, as a domain kind (``gans.data.domains.DOMAIN_KINDS``): "edges" for a line
    drawing (dark lines on light), "garment" for a gray object on a black background, else "photo"."""
    gray = stats.colourfulness < GRAY_COLOURFULNESS
    if gray and stats.border <= OBJECT_BORDER and stats.dark >= OBJECT_DARK:
        return "garment"
    if gray and stats.light >= DRAWING_LIGHT and stats.border >= DRAWING_BORDER and stats.thin >= DRAWING_THIN \
            and stats.ink >= DRAWING_INK:
        return "edges"
    return "photo"


def _kinds_fit(domain_kind: str, picture: str) -> bool:
    """Whether a picture of kind ``picture`` may be given to a domain of ``domain_kind`` (a photo domain takes
    anything but a line drawing: a gray object on black is a photo too)."""
    if domain_kind == "any" or domain_kind == picture:
        return True
    return domain_kind == "photo" and picture == "garment"


def _out_of_scale(domain: Domain, image_size: int, stats: PictureStats) -> bool:
    return bool(domain.size) and max(stats.width, stats.height) > LARGEST_SCALE * max(domain.size, image_size)


@dataclass(frozen=True)
class Offer:
    """Another translator that takes a picture like the upload: its run folder, label and direction."""

    path: str
    label: str
    direction: str


@dataclass(frozen=True)
class InputFit:
    """Whether an upload looks like a translator's input (``input_fit``). When it does not: ``message`` says what
    it looks like and what the model takes; ``sketch_pad`` whether the model takes drawings (the sketch pad fits,
    and ``gans.tasks.sketch`` can shrink a line drawing to the model's size: ``shrink``); ``offers`` the
    translators that take such pictures."""

    fits: bool
    kind: str
    message: str = ""
    sketch_pad: bool = False
    shrink: bool = False
    offers: tuple[Offer, ...] = ()


def input_fit(info, direction: str, picture: Image.Image, checkpoints=None) -> InputFit:
    """Does ``picture`` (decoded) look like the input of the translator of ``info`` in ``direction``? Judged from
    its ``picture_stats`` against the kind and size its dataset declares (``gans.data.domains``): a dataset that
    declares nothing, or kind "any", is never judged. ``checkpoints`` (``CheckpointInfo`` list; default: every
    translator here, ``gans.io.runs.list_checkpoints``) are searched for ones that take such a picture."""
    stats = picture_stats(picture)
    kind = picture_kind(stats)
    domain = input_domain(info, direction)
    if domain is None:
        return InputFit(True, kind)
    size = int(getattr(info, "image_size", 0) or 0)
    sketch_pad = domain.kind == "edges"
    if not _kinds_fit(domain.kind, kind):
        offers = _translators_for(kind, stats, checkpoints, getattr(info, "path", None))
        message = (f"This looks like {_what(kind, stats)}, but the model takes {domain.looks}. Anything else "
                   "comes out as noise.")
        return InputFit(False, kind, message, sketch_pad, False, tuple(offers))
    if _out_of_scale(domain, size, stats):
        message = (f"This picture is {stats.width}×{stats.height} px, but the model learnt from "
                   f"{domain.size}×{domain.size} px ones: at this size every line and detail is far finer than "
                   "any it has seen, and it comes out as noise.")
        return InputFit(False, kind, message, sketch_pad, sketch_pad and kind == "edges")
    return InputFit(True, kind)


def upload_fit(info, direction: str, data, checkpoints=None) -> InputFit:
    """``input_fit`` of an upload's bytes (or a path), decoded by the one decoder (``gans.io.uploads``) under the
    server's budget (``gans.ops.budget``: a picture over its pixel limit is refused from its header)."""
    from ..io.uploads import decode_upload
    from ..ops import budget

    with budget.heavy_call():
        picture = decode_upload(data, check_size=budget.check_pixels)
        return input_fit(info, direction, picture, checkpoints)


def _what(kind: str, stats: PictureStats) -> str:
    if kind == "photo":
        return "a colour photo" if stats.colourfulness >= GRAY_COLOURFULNESS else "a gray photo"
    return KIND_WORDS[kind]


def _translators_for(kind: str, stats: PictureStats, checkpoints, current) -> list[Offer]:
    """Translators (run folder, label, direction) whose input domain takes a picture of ``kind`` at its size: those
    made for exactly that kind when there are any (a garment goes to the garment model, not to the photo restorer
    that would also take it), else every one that takes it."""
    from ..io.runs import list_checkpoints, same_folder
    from ..registry import model_class

    if checkpoints is None:
        checkpoints = list_checkpoints(task="translate")
    exact, offers = [], []
    for info in checkpoints:
        if current is not None and same_folder(info.path, current):
            continue
        try:
            directions = model_class(info.architecture).directions
        except Exception:  # noqa: BLE001, S112  an architecture this version does not know
            continue
        for direction in directions:
            domain = input_domain(info, direction)
            # a line drawing of any size fits an edge model: gans.tasks.sketch shrinks it to the model's size
            if domain is not None and domain.kind != "any" and _kinds_fit(domain.kind, kind) \
                    and (kind == "edges" or not _out_of_scale(domain, info.image_size, stats)):
                offer = Offer(str(info.path), info.label, direction)
                offers.append(offer)
                if domain.kind == kind:
                    exact.append(offer)
                break
    return exact or offers
