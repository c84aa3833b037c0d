"""Projection (GAN inversion): the latent from which a trained generator draws a given image.

The latent is optimised with Adam so that the generator's output matches the target: a pixel loss (mean squared
error in [-1, 1] units) plus, where the model's dataset has one, a feature loss (squared distance of our
classifier's 128-d features, ``gans.metrics.features``: it rewards the right kind of garment more than the exact
pixels). Noise → image models are projected in z (their class, for a conditional model, is given or taken from the
classifier's guess); StyleGAN in w+ (a w per layer, starting at the tracked mean w), or in w.

Only the latent is optimised: gradients are taken with ``torch.autograd.grad`` for the latent alone, in the
generator's eval mode (its EMA copy when it has one), so a shared, cached model is never changed.

>>> result = project(model, target, steps=300)              # target: (1, C, H, W) in [-1, 1]
>>> result.image, result.error, result.latent                # reconstruction, its MSE, the latent
>>> save_npz(result, "projected.npz")                        # z (or w / w_plus), image, error

An image file is read with ``read_target``, which checks its size against the pixel budget (``GANS_MAX_PIXELS``)
from the file's header, before any pixel is decoded. ``project(..., progress=callback)`` reports each step, which
``gans.tasks.project_job`` turns into a progress line for a page that projects in the background.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..models.base import evaluated
from ..ops import budget
from ..registry import check_task

SPACES = ("z", "w", "w_plus")
DEFAULT_STEPS = 300
MAX_STEPS = 5000
FEATURE_WEIGHT = 0.05  # the feature term's weight beside the pixel MSE (features are ~10× larger in scale)
PIXELS_ADVICE = "projection shrinks every image to the model's size, so use a smaller copy"

#: ``progress(steps_done, steps)``, called after each optimisation step; an exception it raises stops the projection
Progress = Callable[[int, int], None]


@dataclass
class Projection:
    """What ``project`` found: the latent (``space``: z (1, latent_dim), w (1, w_dim) or w_plus (1, num_ws, w_dim)),
    the reconstruction (1, C, H, W) in [-1, 1], its mean squared error against the target, the class used (for a
    conditional model) and the loss after each step."""

    space: str
    latent: torch.Tensor
    image: torch.Tensor
    error: float
    label: int | None = None
    losses: list[float] = field(default_factory=list)


def default_space(model) -> str:
    return "w_plus" if callable(getattr(model, "mix_styles", None)) else "z"


def _check(model, target: torch.Tensor, steps: int, space: str) -> None:
    check_task(model, "generate", "this checkpoint", "project")  # the one place a model of another task is refused
    cfg = model.config()
    shape = (1, cfg["channels"], cfg["image_size"], cfg["image_size"])
    if tuple(target.shape) != shape:
        raise ConfigError(f"the target must be a {shape} tensor, got {tuple(target.shape)}; use fit_target")
    if not 1 <= steps <= MAX_STEPS:
        raise ConfigError(f"steps must be between 1 and {MAX_STEPS}, got {steps}")
    allowed = SPACES if default_space(model) == "w_plus" else ("z",)
    if space not in allowed:
        raise ConfigError(f"{model.architecture} is projected in {' or '.join(allowed)}, not {space!r}")


def fit_target(model, image) -> torch.Tensor:
    """A PIL image as the model's target: its channels, centre-cropped to a square and resized (antialiased) to
    the model's size; (1, C, S, S) in [-1, 1]. An image over ``GANS_MAX_PIXELS`` is refused (``BudgetError``)."""
    from ..io.uploads import image_to_tensor

    budget.check_pixels(image.width, image.height, "The image", PIXELS_ADVICE)
    cfg = model.config()
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    tensor = image_to_tensor(square, cfg["channels"])
    return F.interpolate(tensor, size=(cfg["image_size"],) * 2, mode="bilinear", align_corners=False,
                         antialias=side > cfg["image_size"]).clamp(-1, 1)


def read_target(model, source: bytes | str | Path, name: str | None = None) -> torch.Tensor:
    """An image file (its bytes or its path) as the model's target (``fit_target``). Its size is checked against
    ``GANS_MAX_PIXELS`` from the file's header, before any pixel is decoded (``BudgetError``); a file that is not
    an image is an ``ImageError``. ``name`` names it in messages (default: "The image", or the file's name)."""
    from ..io.uploads import decode_upload

    name = name or (Path(source).name if isinstance(source, (str, Path)) else "The image")

    def check_size(width: int, height: int) -> None:
        budget.check_pixels(width, height, name, PIXELS_ADVICE)

    return fit_target(model, decode_upload(source, check_size=check_size))


def _feature_net(feature_network: str | None):
    if feature_network is None:
        return None
    from ..metrics.features import feature_network_name, has_feature_network, load_feature_network

    if not has_feature_network(feature_network):
        return None
    return load_feature_network(feature_network_name(feature_network))[0]


def project(model, target: torch.Tensor, steps: int = DEFAULT_STEPS, space: str | None = None, label: int | None = None,
            feature_network: str | None = None, lr: float = 0.05, seed: int = 0,
            progress: Progress | None = None) -> Projection:
    """Find the latent whose image best matches ``target`` (1, C, H, W) in [-1, 1] (see the module's text).

    ``feature_network``: the dataset whose classifier adds the feature loss (e.g. "fashion-mnist"; None: pixels
    only). ``progress(steps_done, steps)`` is called after each step. Deterministic for a given ``seed``."""
    space = space or default_space(model)
    _check(model, target, steps, space)
    features = _feature_net(feature_network)
    generator = model.inference_generator()
    device = model.device
    target = target.to(device).float()
    if model.conditional and label is None:
        if features is None:
            raise ConfigError("a class-conditional model needs the class of the image to project")
        label = int(features(target.cpu()).argmax(1))  # the classifier's guess
    labels = model.default_labels(1, label)
    labels = None if labels is None else labels.to(device)
    with torch.no_grad():
        target_features = None if features is None else features.features(target.cpu()).to(device)
    latent = _start(model, generator, space, seed).to(device).requires_grad_(True)
    optimizer = torch.optim.Adam([latent], lr=lr)
    history = []
    with evaluated(generator), budget.heavy_call():
        for step in range(steps):
            image = _draw(model, generator, space, latent, labels)
            loss = F.mse_loss(image, target)
            if features is not None:
                loss = loss + FEATURE_WEIGHT * (features.features(image.cpu()).to(device) - target_features
                                                ).pow(2).mean()
            (gradient,) = torch.autograd.grad(loss, [latent])  # the latent's gradient only: weights untouched
            latent.grad = gradient
            optimizer.step()
            history.append(loss.item())
            if progress is not None:
                progress(step + 1, steps)
    latent = latent.detach().cpu()
    image = _render(model, space, latent, label)  # as the model draws it everywhere else (its inference precision)
    error = F.mse_loss(image, target.cpu()).item()
    return Projection(space, latent, image, error, label, history)


def _start(model, generator, space: str, seed: int) -> torch.Tensor:
    """z: the latent of ``seed``; w / w+: the tracked mean w (StyleGAN projects from the average image)."""
    if space == "z":
        return model.latent(seed, 1).clone()
    w_avg = generator.w_avg.detach().float().clone()[None]
    return w_avg if space == "w" else w_avg[:, None].repeat(1, model.num_ws, 1)


def _draw(model, generator, space: str, latent: torch.Tensor, labels) -> torch.Tensor:
    if space == "z":
        return generator(latent, labels).float()
    ws = latent[:, None].expand(-1, model.num_ws, -1) if space == "w" else latent
    return generator.synthesize(ws).float()


def random_baseline(model, target: torch.Tensor, count: int = 100, label: int | None = None,
                    seed: int = 0) -> float:
    """The lowest MSE against ``target`` among ``count`` random latents (seeds seed … seed + count - 1): what
    projection has to beat."""
    images = model.sample(count, seed=seed, labels=None if not model.conditional else label)
    return F.mse_loss(images, target.expand_as(images), reduction="none").flatten(1).mean(1).min().item()


def projected_images(model, projection: Projection, seed: int, frames: int = 8) -> torch.Tensor:
    """A walk of ``frames`` images from seed's sample to the projection (linear in the projection's space); the
    last frame is the projection's image."""
    budget.check_samples(frames, "frames")
    if frames < 2:
        raise ConfigError("a walk needs at least 2 frames")
    start = _start_from_seed(model, projection.space, seed)
    steps = torch.linspace(0, 1, frames).view(-1, *([1] * (start.dim() - 1)))
    latents = start + steps * (projection.latent - start)
    latents[-1] = projection.latent[0]  # exactly the projection (start + 1·(p - start) may round differently)
    return _render(model, projection.space, latents, projection.label)


def _render(model, space: str, latents: torch.Tensor, label: int | None) -> torch.Tensor:
    """Images (N, C, H, W) in [-1, 1] of latents in ``space``, drawn by the model's public inference calls."""
    if space == "z":
        return model.generate(latents, label)
    return model.synthesize(latents[:, None].expand(-1, model.num_ws, -1) if space == "w" else latents)


def _start_from_seed(model, space: str, seed: int) -> torch.Tensor:
    if space == "z":
        return model.latent(seed, 1)
    styles = model.styles(model.latent(seed, 1))  # (1, num_ws, w_dim)
    return styles[:, 0] if space == "w" else styles


def npz_bytes(projection: Projection) -> bytes:
    """The projection as an .npz file: the latent under its space's name (``z``, ``w`` or ``w_plus``), ``image``
    (C, H, W in [-1, 1]), ``error`` and, for a conditional model, ``label``."""
    arrays = {projection.space: projection.latent.numpy(), "image": projection.image[0].numpy(),
              "error": np.float32(projection.error)}
    if projection.label is not None:
        arrays["label"] = np.int64(projection.label)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def check_output(path: str | Path) -> Path:
    """The path to save a projection to: it must end in .npz (``np.load`` reads it by its content, a person by
    its name), else a ``ConfigError`` saying so; check it before projecting, not after."""
    path = Path(path).expanduser()
    if path.suffix.lower() != ".npz":
        raise ConfigError(f"cannot write {path.name}: a projection is saved as an .npz file; give a name that ends "
                          f"in .npz, e.g. {path.with_suffix('.npz').name}")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the .npz file to write, e.g. {path / 'projected.npz'}")
    return path


def save_npz(projection: Projection, path: str | Path) -> Path:
    """Write ``npz_bytes(projection)`` to ``path`` (which ``check_output`` accepts), making its folder when it is
    missing; atomic (a temporary file, then a rename). Returns the path written."""
    from ..io.checkpoints import atomic_write

    path = check_output(path)
    try:
        atomic_write(path, npz_bytes(projection))
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror or error}") from None
    return path


# ---- what the Explore page shows ----------------------------------------------------------------------------
@dataclass
class ProjectionView:
    """A projection as pictures: the target, the reconstruction and the per-pixel error (enlarged), a caption,
    the .npz bytes to download, and the projection itself (for ``walk_pictures``)."""

    target: object
    reconstruction: object
    error_map: object
    caption: str
    npz: bytes
    projection: Projection


def project_upload(model, data: bytes, steps: int = DEFAULT_STEPS, feature_network: str | None = None,
                   progress: Progress | None = None, name: str = "The upload") -> ProjectionView:
    """Read an uploaded image (``read_target``: the pixel budget before decoding; a clear ``ImageError`` when it
    is not an image), project it and draw the result. One heavy call (``gans.ops.budget``) from decoding to the end."""
    from .explore import display_scale, enlarge

    with budget.heavy_call():
        target = read_target(model, data, name)
        result = project(model, target, steps=steps, feature_network=feature_network, progress=progress)
        baseline = random_baseline(model, target, label=result.label)
    scale = display_scale(target.shape[-1])
    difference = (result.image - target).abs().mean(dim=1, keepdim=True) * 2 - 1  # 0 → black, 1 → white
    kind = {"z": "z", "w": "one w", "w_plus": "w+ (a w per layer)"}[result.space]
    label = f", class {result.label}" if result.label is not None else ""
    caption = (f"Projected in {kind}{label} with {steps} steps: mean squared error {result.error:.4f} "
               f"(the best of 100 random latents: {baseline:.4f})")
    return ProjectionView(enlarge(target, scale), enlarge(result.image, scale), enlarge(difference.clamp(-1, 1), scale),
                          caption, npz_bytes(result), result)


def walk_pictures(model, projection: Projection, seed: int, frames: int = 6) -> list:
    """The walk from ``seed``'s sample to the projection as ``frames`` PIL images enlarged to about 96 px."""
    from .explore import display_scale, enlarge

    walk = projected_images(model, projection, seed, frames)
    return [enlarge(image, display_scale(walk.shape[-1], target_pixels=96)) for image in walk]


@functools.lru_cache(maxsize=8)
def held_out_examples(data_name: str, count: int = 4) -> tuple[tuple[str, bytes], ...]:
    """Up to ``count`` images of the run's dataset's test split as (file name, PNG bytes): images the model never
    saw, to project with no image at hand. Empty when the dataset has no test split here (never downloads).
    Cached: the Explore page asks on every rerun."""
    from ..data import load_dataset
    from ..errors import GansError
    from ..io.images import png_bytes, to_pil, to_uint8

    try:
        data = load_dataset(data_name.removesuffix("-mini"), split="test", download=False)
    except (GansError, OSError, TypeError):
        return ()
    if getattr(data, "images", None) is None:  # not a plain image dataset
        return ()
    images = data.images[:count]
    if images.dtype == torch.uint8:
        pictures = [to_pil(image.permute(1, 2, 0).numpy()) for image in images]
    else:
        pictures = [to_pil(array) for array in to_uint8(images)]
    return tuple((f"test-{index}.png", png_bytes(picture)) for index, picture in enumerate(pictures))
