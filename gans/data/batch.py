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

    def to(self, device, channels_last: bool = False) -> "Batch":
        """The batch on ``device`` (tensors that are None stay None); image tensors in NHWC memory order when
        ``channels_last`` (the order the model's convolutions were switched to)."""
        def move(tensor):
            if tensor is None:
                return None
            tensor = tensor.to(device, non_blocking=True)
            if channels_last and tensor.dim() == 4:
                tensor = tensor.contiguous(memory_format=torch.channels_last)
            return tensor

        return Batch(*(move(t) for t in self))
