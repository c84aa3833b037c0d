"""Exploring a trained generator: walks between two seeds, class walks and enlarged frames.

The studio's Explore page calls these; so can a notebook. Nothing here knows about Streamlit. The tensors come
from ``walk_images`` / ``class_walk`` / ``image_at``; the pictures the page shows (``frame_picture``,
``walk_strip``, ``class_walk_pictures``, ``sample_grid``), a checkpoint's facts and the message for models
without a latent space are below them.

Budget (``gans.ops.budget``): a walk of more frames, or a grid of more samples, than ``GANS_MAX_SAMPLES`` is refused
before anything is generated, and the pictures the page draws (walk strip, class walk, sample grid) are heavy
calls: at most ``GANS_MAX_HEAVY_CALLS`` run at once in the server.

>>> model = gans.load("checkpoints/dcgan-fashion-mnist-mini")
>>> frames = walk_images(model, seed_a=0, seed_b=1, frames=8)     # (8, C, H, W) in [-1, 1]
>>> open("walk.gif", "wb").write(walk_gif(frames))
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageDraw

from ..errors import ConfigError, GansError
from ..io.images import gif_bytes, grid_image, to_pil, to_uint8
from ..ops import budget
from ..ops.latent import MODES, lerp, slerp
from ..registry import Task


def seed_latents(model, seed_a: int, seed_b: int, truncation: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The latent vectors (1, latent_dim) of seeds A and B: the same ones ``model.sample(1, seed=...)`` uses."""
    return model.latent(seed_a, 1, truncation), model.latent(seed_b, 1, truncation)


def latent_at(model, seed_a: int, seed_b: int, t: float, mode: str = "slerp",
              truncation: float | None = None) -> torch.Tensor:
    """The latent (1, latent_dim) a fraction ``t`` of the way from seed A (t = 0) to seed B (t = 1)."""
    if mode not in MODES:
        raise ConfigError(f"unknown interpolation mode {mode!r}; choose slerp or lerp")
    if not 0.0 <= t <= 1.0:
        raise ConfigError(f"the interpolation position t must be between 0 and 1, got {t}")
    a, b = seed_latents(model, seed_a, seed_b, truncation)
    if t == 0.0:
        return a  # exactly the ends, as ``interpolate`` gives them
    if t == 1.0:
        return b
    return (slerp if mode == "slerp" else lerp)(a, b, t)


def walk_labels(model, frames: int, label: int | None) -> torch.Tensor | None:
    """One class for every frame of a walk (class 0 when none is picked); None for unconditional models."""
    if not model.conditional:
        return model.default_labels(frames, label)  # None, or a clear error for a class on an unconditional model
    return model.default_labels(frames, 0 if label is None else label)


def image_at(model, seed_a: int, seed_b: int, t: float, mode: str = "slerp", label: int | None = None,
             truncation: float | None = None) -> torch.Tensor:
    """The image (1, C, H, W) in [-1, 1] at position ``t`` of the walk from seed A to seed B."""
    z = latent_at(model, seed_a, seed_b, t, mode, truncation)
    return model.generate(z, walk_labels(model, 1, label))


def walk_images(model, seed_a: int, seed_b: int, frames: int = 8, mode: str = "slerp", label: int | None = None,
                truncation: float | None = None) -> torch.Tensor:
    """``frames`` images (frames, C, H, W) in [-1, 1] walking from seed A to seed B, both ends included.

    The first frame is ``model.sample(1, seed=seed_a)`` and the last ``model.sample(1, seed=seed_b)`` (with the
    same class and truncation). Spherical interpolation (``slerp``) keeps Gaussian latents at a typical norm.
    More than ``GANS_MAX_SAMPLES`` frames are refused (``gans.ops.budget.BudgetError``).
    """
    budget.check_samples(frames, "frames")
    with budget.heavy_call():
        return model.interpolate(seed_a, seed_b, frames, mode, label, truncation)


def class_walk(model, seed: int, truncation: float | None = None) -> torch.Tensor:
    """The same latent of ``seed`` drawn as every class: (num_classes, C, H, W) in [-1, 1], class 0 first.

    Shows what the model learned about classes apart from style (the latent keeps pose, thickness, ...).
    """
    if not model.conditional:
        raise ConfigError(f"{model.architecture} is not class-conditional: a class walk needs a conditional model "
                          "such as cgan")
    budget.check_samples(model.num_classes, "classes")
    z = model.latent(seed, 1, truncation).expand(model.num_classes, -1)
    with budget.heavy_call():
        return model.generate(z, torch.arange(model.num_classes))


def display_scale(image_size: int, target_pixels: int = 256) -> int:
    """How many times to enlarge an ``image_size`` picture so it is about ``target_pixels`` wide (at least 1)."""
    return max(1, target_pixels // max(1, image_size))


def enlarge(image: torch.Tensor, scale: int) -> Image.Image:
    """One image (1, C, H, W) or (C, H, W) in [-1, 1] as a PIL image ``scale`` times larger, nearest-neighbour
    so every generated pixel stays a crisp square."""
    if image.dim() == 3:
        image = image.unsqueeze(0)
    picture = to_pil(to_uint8(image[:1])[0])
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    return picture


def walk_gif(images: torch.Tensor, scale: int = 4, duration_ms: int = 120, bounce: bool = True) -> bytes:
    """An animated, looping GIF of walk frames (N, C, H, W), each enlarged ``scale`` times.

    With ``bounce`` the walk plays A → B and back to A, so the loop has no jump.
    """
    frames = [enlarge(image, scale) for image in images]
    if bounce and len(frames) > 2:
        frames += frames[-2:0:-1]
    return gif_bytes(frames, duration_ms)


# ---- what the Explore page shows -------------------------------------------------------------------------------
TRUNCATION_CHOICES = ["off"] + [round(0.1 * tenths, 1) for tenths in range(1, 21)]  # off, 0.1 ... 2.0
GRID_SIZE = 36  # random samples in the grid
#: the prompt box's truncation: at 1.0 the shipped text-to-image model draws every class prompt's named class at least
#: 85 % of the time by our classifier (shirts 93 % against 76 % with it off; benchmarks/text2image_quality.py)
PROMPT_TRUNCATION = 1.0


def truncation_value(choice) -> float | None:
    """A truncation picked from ``TRUNCATION_CHOICES`` as ``sample`` takes it: None for "off"."""
    return None if choice in (None, "off") else float(choice)


def frame_picture(model, seed_a: int, seed_b: int, t: float, mode: str = "slerp", label: int | None = None,
                  truncation: float | None = None) -> Image.Image:
    """The walk's frame at ``t`` as a PIL image enlarged to about 256 px with crisp pixels."""
    image = image_at(model, seed_a, seed_b, t, mode, label, truncation)
    return enlarge(image, display_scale(image.shape[-1]))


def walk_strip(model, seed_a: int, seed_b: int, frames: int = 8, mode: str = "slerp", label: int | None = None,
               truncation: float | None = None) -> tuple[list[Image.Image], bytes]:
    """The walk as ``frames`` PIL images enlarged to about 96 px (for a strip) and as looping GIF bytes."""
    with budget.heavy_call():  # the frames and the GIF's encoding
        images = walk_images(model, seed_a, seed_b, frames, mode, label, truncation)
        scale = display_scale(images.shape[-1], target_pixels=96)
        return [enlarge(image, scale) for image in images], walk_gif(images, scale=scale)


def walk_positions(frames: int) -> list[str]:
    """The captions of a walk strip's frames: "t = 0.00" ... "t = 1.00"."""
    return [f"t = {index / (frames - 1):.2f}" for index in range(frames)]


def class_walk_pictures(model, seed: int, truncation: float | None = None) -> list[Image.Image]:
    """``class_walk`` as one PIL image per class, enlarged to about 96 px."""
    with budget.heavy_call():
        images = class_walk(model, seed, truncation)
        scale = display_scale(images.shape[-1], target_pixels=96)
        return [enlarge(image, scale) for image in images]


def sample_grid(model, seed: int, count: int = GRID_SIZE, truncation: float | None = None) -> Image.Image:
    """``count`` random samples of ``seed`` as one PIL grid, enlarged to about 64 px per sample; more than
    ``GANS_MAX_SAMPLES`` are refused (``gans.ops.budget.BudgetError``) before any is drawn."""
    budget.check_samples(count)
    with budget.heavy_call():
        images = model.sample(count, seed=seed, truncation=truncation)
        return grid_image(images, scale=display_scale(images.shape[-1], target_pixels=64))


def example_prompt(model) -> str:
    """A prompt a text-to-image model understands, for the prompt box to start from: "a dark <its last class>"
    ("a dark ankle boot" for Fashion-MNIST)."""
    from ..ops.captions import caption_name

    return f"a dark {caption_name(model.class_names[-1])}"


def prompt_grid(model, text: str, seed: int, count: int = GRID_SIZE, truncation: float | None = None):
    """(``count`` samples of a text-to-image ``model`` for the prompt ``text`` as one PIL grid enlarged to about 64
    px per sample, the parsed ``gans.ops.text.Prompt``: its known and unknown words). ``ConfigError`` for a model that
    takes no text, an empty prompt or one whose words are all unknown; the sample budget as for ``sample_grid``."""
    from ..ops.text import read_prompt

    prompt = read_prompt(model, text)
    budget.check_samples(count)
    with budget.heavy_call():
        images = model.sample(count, seed=seed, truncation=truncation, text=text)
        return grid_image(images, scale=display_scale(images.shape[-1], target_pixels=64)), prompt


def other_seed(old: int | None, max_seed: int, rng=None) -> int:
    """A random seed in [0, max_seed) that is not ``old`` (the Reseed button's new grid)."""
    import random

    rng = rng or random
    seed = old
    while seed == old:
        seed = rng.randrange(max_seed)
    return seed


def model_facts(info) -> str:
    """One markdown line of a checkpoint's facts (a ``gans.io.runs.CheckpointInfo``): architecture, data, steps,
    image size and colours, classes, and whether it draws from text prompts."""
    colours = "grayscale" if info.channels == 1 else "RGB"
    classes = f"{info.num_classes} classes" if info.num_classes else "unconditional"
    text = " · draws from text prompts (**From a text prompt**, below)" if _draws_from_text(info.architecture) else ""
    return (f"**{info.architecture}** · data **{info.data}** · **{info.step:,}** steps · "
            f"**{info.image_size}×{info.image_size}** px {colours} · {classes}{text}")


def _draws_from_text(architecture: str) -> bool:
    """Whether the registered model ``architecture`` parses text prompts (without building one)."""
    from ..ops.text import takes_text
    from ..registry import model_class

    try:
        return takes_text(model_class(architecture))
    except GansError:  # a run of a model this installation does not have
        return False


def elsewhere_message(name: str, architecture: str, task: str, source: str | None = None) -> str:
    """Why a model of ``task`` (not "generate") has no latent space to explore, and where it goes instead: the
    page for its task and the command that uses it (``source``: its run folder or Hub id, else ``name``)."""
    source = source or name
    if task == Task.DETECT:
        return (f"**{name}** is an anomaly detector ({architecture}): it scores images instead of drawing them from "
                "noise, so it has no latent space to explore. Open it on the **Detect** page, or from a terminal: "
                f"`python -m gans detect {source} image.png`.")
    if task == "colorize":
        return (f"**{name}** is a colorizer ({architecture}): it colours gray photos instead of drawing images from "
                "noise, so it has no latent space to explore. Open it on the **Colorize** page, or from a terminal: "
                f"`python -m gans colorize photo.jpg -o colour.png --checkpoint {source}`.")
    if task == "upscale":
        return (f"**{name}** is an upscaler ({architecture}): it enlarges photos instead of drawing images from noise, "
                "so it has no latent space to explore. Open it on the **Upscale** page, or from a terminal: "
                f"`python -m gans upscale photo.png -o large.png --checkpoint {source}`.")
    return (f"**{name}** is an image-to-image model ({architecture}): it translates images instead of drawing them "
            "from noise, so it has no latent space to explore. Open it on the **Translate** page, or from a terminal: "
            f"`python -m gans translate {source} input.png -o output.png`.")


# ---- what a model's own structure shows: SAGAN's attention, StyleGAN's styles ------------------------------------
MIX_SEEDS = 3  # rows (seeds A) and columns (seeds B) of the style-mixing grid
NOISE_VARIATIONS = 4  # redrawn noise inputs shown beside the fixed-noise image


def has_attention(model) -> bool:
    """Whether the model can show where its generator attends (SAGAN)."""
    return callable(getattr(model, "attention", None))


def has_styles(model) -> bool:
    """Whether the model has per-layer styles to mix, ψ truncation and noise inputs (StyleGAN)."""
    return callable(getattr(model, "mix_styles", None))


def _heat_colours(heat: np.ndarray) -> np.ndarray:
    """A black → red → yellow → white colour map of values in [0, 1]: (H, W) → (H, W, 3) floats."""
    return np.stack([np.clip(3 * heat, 0, 1), np.clip(3 * heat - 1, 0, 1), np.clip(3 * heat - 2, 0, 1)], axis=-1)


def attention_pictures(model, seed: int, x: int, y: int) -> tuple[Image.Image, Image.Image, str]:
    """Where pixel (x, y) of seed's sample looks: (the sample enlarged with the pixel marked, the generator's
    attention for that pixel as a heat map over the sample, a caption). Pixels count from the top left."""
    if not has_attention(model):
        raise ConfigError(f"{model.architecture} has no attention maps; sagan has")
    size = model.config()["image_size"]
    if not (0 <= x < size and 0 <= y < size):
        raise ConfigError(f"the pixel must lie inside the {size}×{size} image, got ({x}, {y})")
    with budget.heavy_call():
        images, attention = model.attention(seed, 1)
    queries, keys = (int(round(count ** 0.5)) for count in attention.shape[1:])  # the grids' sides (S, S/2)
    row = (y * queries // size) * queries + x * queries // size
    heat = attention[0, row].view(1, 1, keys, keys)
    scale = display_scale(size)
    side = size * scale
    heat = torch.nn.functional.interpolate(heat, size=(side, side), mode="bilinear", align_corners=False)[0, 0]
    heat = (heat / heat.max().clamp_min(1e-12)).numpy()
    base = np.asarray(enlarge(images, scale).convert("RGB"), dtype=np.float32) / 255
    overlay = Image.fromarray(((0.35 * base + 0.65 * _heat_colours(heat)) * 255).round().astype(np.uint8))
    marked = enlarge(images, scale).convert("RGB")
    left, top = x * scale, y * scale
    for picture in (marked, overlay):  # the query pixel, outlined
        ImageDraw.Draw(picture).rectangle([left - 2, top - 2, left + scale + 1, top + scale + 1], outline=(0, 200, 255),
                                          width=2)
    share = float(attention[0, row].max())
    caption = (f"Pixel ({x}, {y}) lies in cell {row} of the {queries}×{queries} attention map; it draws on "
               f"{keys}×{keys} pooled places, bright where it draws most (the strongest holds {share:.0%} of its "
               "attention)")
    return marked, overlay, caption


def style_mix_picture(model, seeds_a, seeds_b, group: str = "coarse", psi: float = 1.0) -> Image.Image:
    """The style-mixing grid as one picture: the top row is seeds B, the left column seeds A, and each inner
    image seed A_i with the ``group`` styles (coarse / middle / fine) of seed B_j; ψ truncates every w."""
    if not has_styles(model):
        raise ConfigError(f"{model.architecture} has no styles to mix; stylegan has")
    seeds_a, seeds_b = list(seeds_a), list(seeds_b)
    budget.check_samples((len(seeds_a) + 1) * (len(seeds_b) + 1))
    with budget.heavy_call():
        mixed = model.mix_styles(seeds_a, seeds_b, group, psi)  # (A, B, C, H, W)
        tops = torch.cat([model.sample(1, seed=seed, psi=psi) for seed in seeds_b])
        lefts = torch.cat([model.sample(1, seed=seed, psi=psi) for seed in seeds_a])
        corner = torch.ones_like(tops[:1])  # white
        rows = [torch.cat([corner, tops])] + [torch.cat([lefts[i:i + 1], mixed[i]]) for i in range(len(seeds_a))]
        images = torch.cat(rows)
        return grid_image(images, nrow=len(seeds_b) + 1, scale=display_scale(images.shape[-1], target_pixels=96))


def noise_pictures(model, seed: int, psi: float = 1.0, count: int = NOISE_VARIATIONS) -> list[Image.Image]:
    """Seed's image with its fixed noise, then with ``count`` redrawn noise inputs (same styles): what the noise
    inputs alone change."""
    if not has_styles(model):
        raise ConfigError(f"{model.architecture} has no noise inputs; stylegan has")
    budget.check_samples(count + 1)
    with budget.heavy_call():
        images = [model.sample(1, seed=seed, psi=psi)]
        images += [model.sample(1, seed=seed, psi=psi, noise_seed=noise_seed) for noise_seed in range(1, count + 1)]
        scale = display_scale(images[0].shape[-1], target_pixels=96)
        return [enlarge(image, scale) for image in images]
