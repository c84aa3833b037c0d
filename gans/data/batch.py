"""``Batch``: what the Trainer hands to ``model.train_step``: tensors in [-1, 1], ready for the model."""

from __future__ import annotations

from typing import NamedTuple

import torch


class Batch(NamedTuple):
    """One training batch.

    - noise-to-image models: ``images`` (N, C, H, W) and int64 ``labels`` (N,) or None.
    - image-to-image models: ``images`` are the inputs (domain A) and ``targets`` the domain-B images: the
      matching outputs for paired data (Pix2Pix), independent images of domain B for unpaired data (CycleGAN).
    """

    images: torch.Tensor
    labels: torch.Tensor | None = None
    targets: torch.Tensor | None = None

    def to(self, device) -> "Batch":
        """The batch on ``device`` (tensors that are None stay None)."""
        return Batch(*(None if t is None else t.to(device, non_blocking=True) for t in self))
