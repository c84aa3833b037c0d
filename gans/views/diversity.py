"""How much a set of generated images varies, and what to tell a user when a walk barely moves.

A class-conditional GAN often learns little variety within a class: its walk from seed A to seed B (same class)
then shows eight nearly identical frames, which reads as a broken explorer. ``pixel_spread`` measures it (the mean
pairwise pixel distance of the frames); ``walk_variety_note`` turns a low spread into a sentence for the page.
Nothing here knows about Streamlit.

>>> model = gans.load("checkpoints/cgan-fashion-mnist")
>>> walk_variety_note(model, seed_a=0, seed_b=1, frames=8, label=7)   # sneakers: "The frames of this walk ..."
"""

from __future__ import annotations

import torch

#: mean pairwise pixel distance (on a 0–1 scale) under which a walk's frames look nearly the same. Measured on the
#: shipped Fashion-MNIST models (seeds 0→1, 3→7, 10→11): the first shipped cGAN's sneaker and sandal walks
#: (trousers for some seeds) fell to 0.02–0.035 and looked like one image; every DCGAN walk and the other classes
#: stayed above 0.05. The cGAN shipped now: seed 2→3 walks fall to 0.01–0.05 (sneakers 0.014), 0→1 ones stay at
#: 0.05–0.22.
LOW_SPREAD = 0.04


def pixel_spread(images: torch.Tensor) -> float:
    """The mean absolute pixel difference between every pair of images (N, C, H, W) in [-1, 1], on a 0–1 scale:
    0 for identical images, about 0.3 for unrelated ones on a dark background; 0.0 for fewer than two images."""
    if images.shape[0] < 2:
        return 0.0
    flat = (images.detach().float().flatten(1) + 1) / 2  # (N, pixels) in [0, 1]
    distances = torch.cdist(flat, flat, p=1) / flat.shape[1]  # (N, N) mean absolute differences
    count = images.shape[0]
    return float(distances.sum() / (count * (count - 1)))  # the diagonal is 0: the mean over distinct pairs


def walk_variety_note(model, seed_a: int, seed_b: int, frames: int = 8, mode: str = "slerp", label: int | None = None,
                      truncation: float | None = None) -> str | None:
    """A sentence for the page when the walk from seed A to seed B barely changes the picture (``pixel_spread`` of
    its frames under ``LOW_SPREAD``), pointing a conditional model's user to the class walk; None otherwise."""
    from ..tasks.explore import walk_images

    spread = pixel_spread(walk_images(model, seed_a, seed_b, frames, mode, label, truncation))
    if spread >= LOW_SPREAD:
        return None
    measured = f"the frames differ by {spread:.3f} on average (0 = identical, 1 = black vs white)"
    if model.conditional:
        return (f"This walk barely moves: {measured}. The model learned little variety within this class, so other "
                "seeds draw nearly the same picture; the class walk below shows what it did learn. Another class "
                "may vary more.")
    return (f"This walk barely moves: {measured}. Seeds {seed_a} and {seed_b} draw nearly the same picture: try "
            "other seeds, or a model trained for longer (a collapsed generator draws one image for every seed).")
