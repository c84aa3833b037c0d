"""``ImageData``: a whole dataset held in memory as one uint8 tensor, plus its labels and class names.

Every dataset loader returns one. Keeping uint8 (1 byte per value) keeps 60 000 MNIST images at 47 MB;
conversion to the models' float range happens per batch with ``to_model_range``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from ..errors import DatasetError
from .batch import Batch

# ITU-R BT.601 luma weights, the usual RGB -> gray conversion (also what PIL's convert("L") uses).
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
# Images resized per chunk: bounds the float32 copy to chunk * C * H * W * 4 bytes.
RESIZE_CHUNK = 2048


@dataclass
class ImageData:
    """A dataset in memory.

    ``images`` is uint8 of shape (N, C, H, W) with C = 1 (gray) or 3 (RGB); ``labels`` is int64 (N,) or
    ``None`` when unlabelled; ``skipped`` counts unreadable files that a folder dataset left out.
    """

    images: torch.Tensor
    labels: torch.Tensor | None
    class_names: list[str] | None
    name: str
    skipped: int = 0
    kind = "images"  # (not a field) paired / unpaired data for image-to-image models live in gans.data.pairs

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.ndim != 4 or self.images.shape[1] not in (1, 3):
            raise ValueError(
                f"images must be uint8 of shape (N, 1 or 3, H, W), got {self.images.dtype} "
                f"{tuple(self.images.shape)}"
            )
        if self.labels is not None and self.labels.shape != (len(self.images),):
            raise ValueError(f"labels must have shape ({len(self.images)},), got {tuple(self.labels.shape)}")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_classes(self) -> int:
        """Number of classes; 0 when the data is unlabelled."""
        if self.labels is None:
            return 0
        return len(self.class_names) if self.class_names else int(self.labels.max()) + 1

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def image_size(self) -> int:
        """Side of the (square) images; the height when they are not square."""
        return self.images.shape[2]

    def batch(self, indices: torch.Tensor) -> Batch:
        """The images at ``indices`` in the models' range [-1, 1], with their labels (what the Trainer feeds)."""
        labels = self.labels[indices] if self.labels is not None else None
        return Batch(to_model_range(self.images[indices]), labels)

    def to(self, device) -> ImageData:
        """The dataset with its images and labels on ``device`` (the Trainer keeps it on a GPU: no copy per step)."""
        labels = None if self.labels is None else self.labels.to(device)
        return replace(self, images=self.images.to(device), labels=labels)

    def prepare(self, image_size: int, channels: int) -> ImageData:
        """Images resized to ``image_size`` x ``image_size`` with ``channels`` channels (1 or 3).

        Resizing is antialiased bilinear on float values, rounded back to uint8. Gray becomes RGB by repeating
        the channel; RGB becomes gray by ITU-R 601 luma. Returns ``self`` unchanged (no copy) when nothing
        needs to change.
        """
        if not isinstance(image_size, int) or image_size < 1:
            raise DatasetError(f"image_size must be a positive integer, got {image_size!r}")
        if channels not in (1, 3):
            raise DatasetError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
        height, width = self.images.shape[2:]
        if (height, width) == (image_size, image_size) and channels == self.channels:
            return self
        chunks = [
            _resize_and_convert(chunk, image_size, channels) for chunk in self.images.split(RESIZE_CHUNK)
        ]
        images = torch.cat(chunks) if chunks else self.images.new_zeros((0, channels, image_size, image_size))
        return replace(self, images=images)


def _resize_and_convert(images: torch.Tensor, image_size: int, channels: int) -> torch.Tensor:
    """Resize and convert one chunk of uint8 images; returns uint8."""
    values = images.float()
    if values.shape[1] == 3 and channels == 1:
        # Convert before resizing: the resize then runs on one channel instead of three.
        weights = torch.tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)
        values = (values * weights).sum(dim=1, keepdim=True)
    if tuple(values.shape[2:]) != (image_size, image_size):
        values = F.interpolate(
            values, size=(image_size, image_size), mode="bilinear", antialias=True, align_corners=False
        )
    if values.shape[1] == 1 and channels == 3:
        values = values.repeat(1, 3, 1, 1)
    return values.round_().clamp_(0, 255).to(torch.uint8)


def to_model_range(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 images in [0, 255] -> float32 in [-1, 1], the range every model takes and produces."""
    if images_uint8.dtype != torch.uint8:
        raise TypeError(f"to_model_range expects uint8 images, got {images_uint8.dtype}")
    return images_uint8.float().div_(127.5).sub_(1.0)
