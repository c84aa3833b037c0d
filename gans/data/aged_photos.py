"""Pairs for photo restoration: ``AgedPhotos`` and the ``aged-photos`` dataset.

A restoration model learns to undo ageing, and pairs can be made from any clean colour photo by ageing it (Wan et
al. 2020). ``AgedPhotos`` wraps ``PhotoData``: every batch cuts fresh random crops of the photos (the colorizer's
crops) and ages each crop with its own random mix (``gans.ops.ageing.random_ageing``), so the model never sees the
same pair twice. Input (``images``) is the aged crop, target (``targets``) the clean one, both RGB in [-1, 1].

```python
from gans.data import load_dataset

data = load_dataset("aged-photos").prepare(256, 3, 3)   # the offline-photos train split, 256-px crops
batch = data.batch(torch.arange(4))                      # Batch(images=aged, targets=clean), (4, 3, 256, 256)
```

``aged-photos`` is built on ``offline-photos``: the same splits, photos and licences (``photos.json``), and the
same ``path`` (a folder holding copies of the listed files). Randomness: the crops and the ageing both draw
from torch's global CPU RNG (seeded and checkpointed by the Trainer); ``examples`` draws from its own seeded
generator, so previews are the same on every call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from ..errors import DatasetError
from ..ops.ageing import age, random_ageing
from . import registry
from .batch import Batch
from .domains import Domain, describe_domains
from .photos import PhotoData, _offline_availability, load_offline_photos

#: the seed of the ageing of the fixed preview examples
EXAMPLES_SEED = 20260528


def age_model_range(clean: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image of ``clean`` (N, 3, H, W) in [-1, 1] aged by its own random mix; the same shape and range."""
    images = (clean + 1) / 2
    aged = [age(images[row : row + 1], random_ageing(generator), generator) for row in range(len(images))]
    return torch.cat(aged) * 2 - 1 if aged else clean.clone()


@dataclass
class AgedPhotos:
    """Colour photos and, batch by batch, their aged copies: paired data for a restoration model."""

    photos: PhotoData

    # Read by code written for paired data (the Trainer, Pix2Pix, the app).
    kind = "paired"
    class_names = None
    labels = None
    num_classes = 0
    channels_a = 3
    channels_b = 3

    @property
    def name(self) -> str:
        return "aged-photos"

    @property
    def crop_size(self) -> int | None:
        return self.photos.crop_size

    @property
    def image_size(self) -> int | None:
        return self.photos.crop_size

    @property
    def skipped(self) -> int:
        return self.photos.skipped

    def __len__(self) -> int:
        return len(self.photos)

    def prepare(self, image_size: int, channels_a: int, channels_b: int, jitter: bool = True) -> AgedPhotos:
        """Ready for ``image_size`` crops. Both sides are RGB (a restoration keeps colour); ``jitter`` is ignored:
        every crop is already a random window of its photo, flipped half the time."""
        if (channels_a, channels_b) != (3, 3):
            raise DatasetError(f"aged-photos pairs are RGB → RGB, but the model translates {channels_a} → "
                               f"{channels_b} channels; use 3 and 3")
        return replace(self, photos=self.photos.prepare(image_size))

    def batch(self, indices) -> Batch:
        """Random crops (``PhotoData.batch``), each aged by its own random mix: ``Batch(aged, None, clean)``."""
        clean = self.photos.batch(indices).images
        return Batch(age_model_range(clean), None, clean)

    def held_out_pictures(self, direction: str, count: int) -> list:
        """The first ``count`` photos at their own size (PIL), aged by the fixed held-out mixes in turn
        (``gans.ops.ageing.HELD_OUT_AGEINGS``, never drawn in training) for "a2b", clean for "b2a"."""
        from PIL import Image

        from ..ops.ageing import HELD_OUT_AGEINGS, age_picture

        mixes = list(HELD_OUT_AGEINGS.values())
        clean = [Image.fromarray(photo.permute(1, 2, 0).numpy()) for photo in self.photos.photos[:count]]
        if direction != "a2b":
            return clean
        return [age_picture(photo, mixes[number % len(mixes)], seed=number) for number, photo in enumerate(clean)]

    def examples(self, n: int) -> Batch:
        """The first ``n`` photos' centred crops and their aged copies (a fixed seed: the same on every call)."""
        clean = self.photos.examples(n).images
        generator = torch.Generator().manual_seed(EXAMPLES_SEED)
        return Batch(age_model_range(clean, generator), None, clean)


@registry.register_dataset(
    "aged-photos",
    description="The offline colour photos and synthetic aged copies of them (fade, colour cast, blur, grain, JPEG "
    "blocks, scratches, dust, creases), aged afresh every batch: pairs for photo restoration",
    num_classes=0,
    splits=("train", "validation", "test"),
    availability=_offline_availability,
    kind="paired",
)
def load_aged_photos_dataset(*, path=None, split="train", image_size=None, download=True) -> AgedPhotos:
    """``path``: a folder holding copies of the offline photos, searched instead of the packages' folders."""
    return AgedPhotos(load_offline_photos(split, folder=path))


describe_domains("aged-photos",
                 a=Domain("old photo", "an old or damaged colour photo of any size: faded, tinted, soft, grainy, "
                          "blocky from compression, scratched, dusty or creased", kind="photo"),
                 b=Domain("restored photo", "the same photo, same size, with the damage undone as far as it can "
                          "tell", kind="photo"))
