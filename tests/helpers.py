"""Tiny models so the whole suite stays fast on 2 CPU cores."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image

import gans
from gans.training import DataConfig, TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]  # the repository

# Shrinking arguments understood by the model families; any registered model that takes one of them is tiny.
SHRINK = {"width": 4, "hidden": 8, "latent_dim": 8, "embed_dim": 4}


def tiny_kwargs(name: str, **overrides) -> dict:
    """Arguments that make the registered model ``name`` tiny (reads the model's own config keys)."""
    keys = gans.create(name).config().keys()
    kwargs = {key: value for key, value in SHRINK.items() if key in keys}
    kwargs.update(overrides)
    return kwargs


def tiny_model(name: str, seed: int = 0, **overrides):
    torch.manual_seed(seed)
    return gans.create(name, **tiny_kwargs(name, **overrides))


def random_photos(folder: Path, count: int = 4) -> Path:
    """``count`` small random-colour PNGs (at least 32 px, as photo-folder needs) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        pixels = rng.integers(0, 256, (40 + 8 * index, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"photo-{index}.png")
    return folder


def train_tiny_colorizer(out: Path, photos: Path) -> Path:
    """A 2-step colorizer (width 4, 32 px crops) on the photos in ``photos``, with a sample grid."""
    train("colorizer", DataConfig("photo-folder", str(photos)),
          TrainConfig(steps=2, batch_size=2, device="cpu", sample_every=2, num_samples=2), out,
          {"width": 4, "image_size": 32})
    return out
