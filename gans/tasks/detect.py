"""Score images with an anomaly checkpoint: what ``python -m gans detect`` and the studio's Detect page call.

Each image is decoded with the library's one upload decoder (``gans.io.uploads.decode_upload``: a bad file is one
clear ``ImageError``), centre-cropped to a square and resized to the model's size and channels, then scored
(``AnomalyGAN.score``: normalised reconstruction error + D-feature residual, ≈ 1 for a typical normal image).
The verdict compares the score with the threshold stored in the checkpoint (a quantile of held-out normal images'
scores, measured when the run was saved). A ``Detection`` also holds the model-size input, its reconstruction and a
heat map of |input − reconstruction| for showing.

Memory (``gans.ops.budget``): one request scores at most ``GANS_MAX_DETECT_IMAGES`` files (default 32). They are
decoded one at a time inside the server's heavy-call limit, each reduced to the model's input (a few kilobytes)
at once and its full-size pixels freed before the next is decoded, so a request holds one decoded picture (at most
``GANS_MAX_PIXELS``) at a time, whatever the number of files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import ConfigError, GansError
from ..io.images import to_pil, to_uint8
from ..io.uploads import decode_upload
from ..ops import budget
from ..registry import Task, check_task

#: the task of the models this module runs (``gans.registry.model_task``)
TASK = Task.DETECT
#: how messages name such a model
MODEL_NOUN = "anomaly detector"
#: a pixel difference of this much (in [-1, 1] units, out of 2) is the heat map's hottest colour
HEAT_FULL_SCALE = 1.0


@dataclass(frozen=True)
class Detection:
    """One scored image: ``score`` (higher = more anomalous), ``threshold``, ``anomalous`` (score > threshold),
    and PIL pictures at the model's size (× ``scale``): the fitted input, its reconstruction and the heat map."""

    name: str
    score: float
    threshold: float
    anomalous: bool
    image: Image.Image
    reconstruction: Image.Image
    heatmap: Image.Image

    @property
    def verdict(self) -> str:
        return "anomalous" if self.anomalous else "normal"

    def to_json(self) -> dict:
        """What ``python -m gans detect --json`` prints for the image: path (as given), score, anomalous."""
        return {"path": self.name, "score": self.score, "anomalous": self.anomalous}


def check_model(model, source: str = "the checkpoint") -> None:
    """Raise ``ConfigError`` unless ``model`` is an anomaly model (it has a score and a threshold)."""
    check_task(model, TASK, source)


def heat_colours(difference: torch.Tensor) -> np.ndarray:
    """|difference| (H, W) in [0, 2] → an RGB uint8 (H, W, 3) heat map: black → red → yellow → white, full at
    ``HEAT_FULL_SCALE`` (a fixed scale, so heat maps of different images compare)."""
    t = (difference / HEAT_FULL_SCALE).clamp(0, 1).numpy()
    rgb = np.stack([np.clip(3 * t, 0, 1), np.clip(3 * t - 1, 0, 1), np.clip(3 * t - 2, 0, 1)], axis=-1)
    return (rgb * 255).round().astype(np.uint8)


def _enlarge(image: Image.Image, scale: int) -> Image.Image:
    return image if scale == 1 else image.resize((image.width * scale, image.height * scale), Image.NEAREST)


#: how many files one request may decode and score: each is decoded in turn, so the count bounds the time (about
#: 0.3 s per 25-megapixel PNG here), not the memory
MAX_IMAGES = budget.Limit("GANS_MAX_DETECT_IMAGES", 32)
#: a picture larger than this many times the model's side is first box-averaged down (no full-size float copy)
REDUCE_ABOVE = 4


def request_bytes() -> int:
    """The most memory one Detect request holds at once, about: one decoded picture at ``GANS_MAX_PIXELS`` (4 bytes
    a pixel, as PIL keeps RGB) and one blended or converted copy of it: 8 bytes × ``GANS_MAX_PIXELS`` (200 MB at the
    default). At most ``GANS_MAX_HEAVY_CALLS`` requests hold it at once."""
    return 8 * budget.max_pixels()


def check_count(count: int) -> None:
    """Refuse a request to score more than ``GANS_MAX_DETECT_IMAGES`` images (``BudgetError``)."""
    limit = MAX_IMAGES.value()
    if count > limit:
        raise budget.BudgetError(f"{count:,} images were given; this server scores at most {limit:,} per request "
                                 "(GANS_MAX_DETECT_IMAGES); score fewer at a time")


def fit_image(model, image: Image.Image) -> torch.Tensor:
    """A PIL image at the model's size and channels (centre square, antialiased resize): (1, C, S, S) in [-1, 1].
    A square over ``REDUCE_ABOVE`` × the model's side is first box-averaged by a whole factor in PIL, so a
    5000×5000 picture never becomes a 300 MB float tensor on its way to 28×28."""
    from .project import fit_target

    size = int(model.config()["image_size"])
    side = min(image.size)
    factor = side // (REDUCE_ABOVE * size)
    if factor > 1:
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.reduce(factor, box=(left, top, left + side, top + side))
    return fit_target(model, image)


def _score(model, names: list[str], inputs: list[torch.Tensor], scale: int) -> list[Detection]:
    """Score the fitted inputs ((1, C, S, S) each) in one batch (inside the caller's heavy call)."""
    batch = torch.cat(inputs)
    terms = model.score_terms(batch)
    scores, reconstructions = model.combine(terms), terms.reconstruction
    threshold = float(model.threshold)
    detections = []
    for name, image, reconstruction, score in zip(names, batch, reconstructions, scores):
        difference = (image - reconstruction).abs().mean(dim=0)  # (S, S), averaged over channels
        detections.append(Detection(
            name=name, score=float(score), threshold=threshold, anomalous=bool(score > threshold),
            image=_enlarge(to_pil(to_uint8(image[None])[0]), scale),
            reconstruction=_enlarge(to_pil(to_uint8(reconstruction[None])[0]), scale),
            heatmap=_enlarge(Image.fromarray(heat_colours(difference)), scale)))
    return detections


def detect_images(model, images: list[tuple[str, Image.Image]], scale: int = 1) -> list[Detection]:
    """Score (name, PIL image) pairs with ``model``; pictures enlarged ``scale`` times (nearest neighbour)."""
    check_model(model)
    if not images:
        raise ConfigError("give at least one image to score")
    budget.check_samples(len(images), "images")  # already decoded by the caller (the library's in-memory use)
    with budget.heavy_call():
        return _score(model, [name for name, _ in images], [fit_image(model, image) for _, image in images], scale)


def decode(data: bytes | str | Path, name: str) -> Image.Image:
    """One upload or file decoded (size-checked before its pixels are decoded); a bad one raises an ``ImageError``
    that names it."""
    try:
        return decode_upload(data, check_size=lambda w, h: budget.check_pixels(w, h, f"{name}"))
    except GansError as error:
        message = str(error)
        raise type(error)(message if Path(name).name in message else f"{name}: {message}") from None


def fitted(model, data: bytes | str | Path, name: str) -> torch.Tensor:
    """One upload or file decoded and reduced to the model's input ((1, C, S, S)); its full-size pixels are freed
    before this returns. Call it inside ``budget.heavy_call()``: the decoded picture is the request's memory."""
    image = decode(data, name)
    try:
        return fit_image(model, image)
    finally:
        image.close()  # the full-size pixels go now, not when the garbage collector gets to them


def detect_each(model, uploads: list[tuple[str, bytes]], scale: int = 1) -> tuple[list[Detection], list[str]]:
    """Score the uploads that decode; (their detections, one message per upload that is not a usable image): a
    bad file among good ones does not stop the others being scored (the Detect page). Decoded one at a time
    inside one heavy call (see the module docstring)."""
    check_model(model)
    check_count(len(uploads))
    names, inputs, problems = [], [], []
    with budget.heavy_call():
        for name, data in uploads:
            try:
                inputs.append(fitted(model, data, name))
                names.append(name)
            except GansError as error:
                problems.append(str(error))
        return (_score(model, names, inputs, scale) if inputs else []), problems


def detect_files(model, paths: list[str], scale: int = 1) -> list[Detection]:
    """Score image files by path (the ``anomaly`` command); each ``Detection.name`` is the path as given."""
    check_count(len(paths))
    for path in paths:
        if not Path(path).is_file():
            raise ConfigError(f"{path}: no such file")
    return _detect_all(model, [(path, path) for path in paths], scale)


def _detect_all(model, sources: list[tuple[str, bytes | str]], scale: int) -> list[Detection]:
    check_model(model)
    if not sources:
        raise ConfigError("give at least one image to score")
    check_count(len(sources))
    with budget.heavy_call():
        inputs = [fitted(model, data, name) for name, data in sources]
        return _score(model, [name for name, _ in sources], inputs, scale)


def summary(model) -> str:
    """One line about a loaded anomaly model: its normal class (named from its run's data when known) and
    threshold."""
    from ..io.checkpoints import RunDir

    cfg = model.config()
    normal = cfg.get("normal_class", -1)
    try:
        names = (RunDir(model.run_path).read_config().get("data") or {}).get("class_names") or []
    except (AttributeError, GansError, OSError):  # a model not loaded from a run folder
        names = []
    what = "every training image" if normal < 0 else (
        f"class {normal}" + (f" ({names[normal]})" if normal < len(names) else ""))
    return (f"normal = {what}; score ≈ 1 for a typical normal image; anomalous above {float(model.threshold):.3f} "
            f"(the {cfg['threshold_quantile']:.0%} quantile of held-out normal images' scores)")


#: held-out examples the Detect page scores when nothing is uploaded: this many of each kind
EXAMPLES_PER_KIND = 3


def held_out_examples(model, data_name: str, per_kind: int = EXAMPLES_PER_KIND) -> list[tuple[str, bytes]]:
    """(file name, PNG bytes) of test images of the run's own dataset that no run trained on: the first
    ``per_kind`` of the model's normal class, then the first image of each of ``per_kind`` other classes, named
    by their class ("test-3-trouser.png"). Something to score with no image at hand; empty when the dataset has no
    labelled test split here or the model treats every image as normal (never downloads)."""
    from ..data import load_dataset
    from ..io.images import png_bytes, to_pil

    normal = model.config().get("normal_class", -1)
    try:
        data = load_dataset(data_name, split="test", download=False)
    except (GansError, OSError):
        return []
    if normal < 0 or data.labels is None:
        return []
    labels = data.labels.tolist()
    names = list(data.class_names or [])
    picked = [index for index, label in enumerate(labels) if label == normal][:per_kind]
    others: dict[int, int] = {}
    for index, label in enumerate(labels):
        if label != normal and label not in others and len(others) < per_kind:
            others[label] = index
    examples = []
    for index in picked + list(others.values()):
        label = labels[index]
        name = names[label] if label < len(names) else f"class {label}"
        image = to_pil(data.images[index].permute(1, 2, 0).numpy())  # uint8 (C, H, W) → PIL
        examples.append((f"test-{index}-{name.lower().replace('/', '-').replace(' ', '-')}.png", png_bytes(image)))
    return examples
