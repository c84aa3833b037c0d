"""Data for image-to-image models: ``PairedData`` (Pix2Pix) and ``UnpairedData`` (CycleGAN).

Both hold uint8 tensors like ``ImageData`` and build the Trainer's batches themselves: ``Batch(images=A,
targets=B)`` in [-1, 1]. ``prepare(image_size, ...)`` sets up Pix2Pix's random jitter (Isola et al. 2017):
the images are stored at a *load size* a little larger than ``image_size`` (256 -> 286, see
``jitter_load_size``) and every batch takes a random ``image_size`` crop of each image, flipped left-right with
probability 1/2. Paired data crops and flips an input and its target identically, so they stay aligned.

Randomness comes from torch's global CPU RNG only (never numpy or ``random``): the Trainer seeds and checkpoints
that RNG, so a resumed run draws exactly the batches the uninterrupted run would have.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from ..errors import DatasetError
from .batch import Batch
from .image_data import RESIZE_CHUNK, _resize_and_convert, to_model_range

# Pix2Pix's jitter: 256x256 images are resized to 286x286, then randomly cropped back to 256x256.
JITTER_NUMERATOR, JITTER_DENOMINATOR = 286, 256


def jitter_load_size(image_size: int) -> int:
    """The size images are stored at before random ``image_size`` crops: image_size * 286 / 256, rounded half up.

    256 -> 286, 128 -> 143, 64 -> 72, 32 -> 36.
    """
    return (image_size * JITTER_NUMERATOR + JITTER_DENOMINATOR // 2) // JITTER_DENOMINATOR


# ---- shared helpers ---------------------------------------------------------------------------------------


def _check_images(images: torch.Tensor, what: str, allow_empty: bool = True) -> None:
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"{what} must be uint8 of shape (N, 1 or 3, H, W), got {images.dtype} {tuple(images.shape)}"
        )
    if not allow_empty and len(images) == 0:
        raise ValueError(f"{what} holds no images; each image set needs at least one")


def _check_crop(crop_size: int | None, height: int, width: int) -> None:
    if crop_size is None:
        return
    if not isinstance(crop_size, int) or not 1 <= crop_size <= min(height, width):
        raise ValueError(
            f"crop_size must be an integer from 1 to {min(height, width)} (the image side), got {crop_size!r}"
        )


def _check_prepare_arguments(image_size, channels_a, channels_b) -> None:
    if not isinstance(image_size, int) or image_size < 1:
        raise DatasetError(f"image_size must be a positive integer, got {image_size!r}")
    for name, channels in (("channels_a", channels_a), ("channels_b", channels_b)):
        if channels not in (1, 3):
            raise DatasetError(f"{name} must be 1 (grayscale) or 3 (RGB), got {channels!r}")


def _resize(images: torch.Tensor, size: int, channels: int) -> torch.Tensor:
    """``images`` at size x size with ``channels`` channels, as ``ImageData.prepare`` makes them (no copy if so)."""
    if tuple(images.shape[1:]) == (channels, size, size):
        return images
    chunks = [_resize_and_convert(chunk, size, channels) for chunk in images.split(RESIZE_CHUNK)]
    return torch.cat(chunks) if chunks else images.new_zeros((0, channels, size, size))


def _as_index(indices) -> torch.Tensor:
    return torch.as_tensor(indices, dtype=torch.int64, device="cpu").reshape(-1)


#: Where to cut one image: (top, left, flipped left-right).
Window = tuple[int, int, bool]


def _random_windows(count: int, height: int, width: int, crop_size: int) -> list[Window]:
    """``count`` random crop positions, each flipped with probability 1/2.

    Draws from the global CPU RNG, in this order: all top offsets, all left offsets, then all flips.
    """
    top = torch.randint(0, height - crop_size + 1, (count,), device="cpu")
    left = torch.randint(0, width - crop_size + 1, (count,), device="cpu")
    flip = torch.rand(count, device="cpu") < 0.5
    return list(zip(top.tolist(), left.tolist(), flip.tolist()))


def _center_windows(count: int, height: int, width: int, crop_size: int) -> list[Window]:
    return [((height - crop_size) // 2, (width - crop_size) // 2, False)] * count


def _crop(images: torch.Tensor, indices: list[int], windows: list[Window], crop_size: int) -> torch.Tensor:
    """``out[n]`` = ``images[indices[n]]`` cut at ``windows[n]``: (len(indices), C, crop_size, crop_size) uint8.

    A loop of slice copies: each crop is a view of the stored image, so nothing but the output is written.
    One advanced-indexing gather over the whole batch measured ~30x slower (it builds an index per value).
    """
    out = images.new_empty((len(indices), images.shape[1], crop_size, crop_size))
    for row, (index, (top, left, flipped)) in enumerate(zip(indices, windows)):
        window = images[index, :, top : top + crop_size, left : left + crop_size]
        out[row] = window.flip(-1) if flipped else window
    return out


def _jittered(images: torch.Tensor, index: torch.Tensor, crop_size: int | None) -> torch.Tensor:
    """``images[index]``, each randomly cropped and flipped (as they are, drawing nothing, without crop_size)."""
    if crop_size is None:
        return images[index]
    windows = _random_windows(len(index), images.shape[2], images.shape[3], crop_size)
    return _crop(images, index.tolist(), windows, crop_size)


def _first_centered(images: torch.Tensor, n: int, crop_size: int | None) -> torch.Tensor:
    """The first ``n`` images, center-cropped to ``crop_size`` (as they are without one)."""
    if crop_size is None:
        return images[:n]
    windows = _center_windows(n, images.shape[2], images.shape[3], crop_size)
    return _crop(images, list(range(n)), windows, crop_size)


# ---- paired data (Pix2Pix) --------------------------------------------------------------------------------


class _TwoImageSets:
    """What paired and unpaired data share: domain A in ``a``, domain B in ``b``, an optional crop size."""

    a: torch.Tensor
    b: torch.Tensor
    crop_size: int | None
    # Read by code written for ImageData (the Trainer, the app): image pairs have no classes.
    class_names = None
    labels = None
    num_classes = 0

    @property
    def channels_a(self) -> int:
        return self.a.shape[1]

    @property
    def channels_b(self) -> int:
        return self.b.shape[1]

    @property
    def image_size(self) -> int:
        """Side of the images ``batch`` returns: ``crop_size`` when set, else the stored height."""
        return self.crop_size or self.a.shape[2]

    def prepare(self, image_size: int, channels_a: int, channels_b: int, jitter: bool = True):
        """The same data (paired or unpaired) ready for a model taking ``image_size`` images with ``channels_a`` /
        ``channels_b`` channels.

        With ``jitter`` the images are stored at ``jitter_load_size(image_size)`` and ``batch`` takes random
        ``image_size`` crops and flips; without, they are stored at ``image_size`` and used as they are.
        Resizing and channel conversion are those of ``ImageData.prepare`` (antialiased bilinear; gray <-> RGB).
        """
        _check_prepare_arguments(image_size, channels_a, channels_b)
        stored = jitter_load_size(image_size) if jitter else image_size
        return replace(
            self,
            a=_resize(self.a, stored, channels_a),
            b=_resize(self.b, stored, channels_b),
            crop_size=image_size if jitter else None,
        )


@dataclass
class PairedData(_TwoImageSets):
    """Input/target pairs: ``b[i]`` is what a model should make of ``a[i]``.

    ``a`` is uint8 (N, Ca, H, W) and ``b`` uint8 (N, Cb, H, W), with Ca, Cb in (1, 3) and the same N, H, W.
    ``crop_size`` (set by ``prepare``) is the side of the random crops ``batch`` takes; None means the images
    are used as they are, with no crop and no flip.
    """

    a: torch.Tensor
    b: torch.Tensor
    name: str
    skipped: int = 0
    crop_size: int | None = None

    # Not a dataclass field (no annotation): the data kind models check.
    kind = "paired"

    def __post_init__(self):
        _check_images(self.a, "a")
        _check_images(self.b, "b")
        if len(self.a) != len(self.b) or self.a.shape[2:] != self.b.shape[2:]:
            raise ValueError(
                f"a and b must hold the same number of images of the same height and width, got "
                f"{tuple(self.a.shape)} and {tuple(self.b.shape)}"
            )
        _check_crop(self.crop_size, *self.a.shape[2:])

    def __len__(self) -> int:
        return len(self.a)

    def swapped(self) -> PairedData:
        """The same pairs in the other direction: b becomes the input and a the target."""
        return replace(self, a=self.b, b=self.a)

    def batch(self, indices) -> Batch:
        """The pairs at ``indices``: ``Batch(images=A, labels=None, targets=B)``, float32 in [-1, 1].

        With a ``crop_size`` each pair gets its own random crop offset and flip, the *same* for A and B.
        """
        index = _as_index(indices)
        if self.crop_size is None:
            a, b = self.a[index], self.b[index]
        else:
            windows = _random_windows(len(index), self.a.shape[2], self.a.shape[3], self.crop_size)
            a = _crop(self.a, index.tolist(), windows, self.crop_size)
            b = _crop(self.b, index.tolist(), windows, self.crop_size)
        return Batch(to_model_range(a), None, to_model_range(b))

    def examples(self, n: int) -> Batch:
        """The first ``n`` pairs (fewer if there are fewer), center-cropped and not flipped: fixed previews."""
        n = max(0, min(int(n), len(self)))
        a, b = _first_centered(self.a, n, self.crop_size), _first_centered(self.b, n, self.crop_size)
        return Batch(to_model_range(a), None, to_model_range(b))


# ---- unpaired data (CycleGAN) -----------------------------------------------------------------------------


@dataclass
class UnpairedData(_TwoImageSets):
    """Two independent image sets, domain A (e.g. horses) and domain B (e.g. zebras).

    ``a`` is uint8 (Na, Ca, H, W) and ``b`` uint8 (Nb, Cb, H, W): each set non-empty, Ca, Cb in (1, 3), the
    same H and W. ``len`` is max(Na, Nb), so an epoch visits every image of the larger set; the smaller set is
    indexed modulo its size. ``a_name`` / ``b_name`` name the domains for display.
    """

    a: torch.Tensor
    b: torch.Tensor
    name: str
    a_name: str = "A"
    b_name: str = "B"
    skipped: int = 0
    crop_size: int | None = None

    # Not a dataclass field (no annotation): the data kind models check.
    kind = "unpaired"

    def __post_init__(self):
        _check_images(self.a, "a", allow_empty=False)
        _check_images(self.b, "b", allow_empty=False)
        if self.a.shape[2:] != self.b.shape[2:]:
            raise ValueError(
                f"a and b must hold images of the same height and width, got {tuple(self.a.shape)} and "
                f"{tuple(self.b.shape)}"
            )
        _check_crop(self.crop_size, *self.a.shape[2:])

    def __len__(self) -> int:
        return max(len(self.a), len(self.b))

    def batch(self, indices) -> Batch:
        """``Batch(images=A, labels=None, targets=B)``, float32 in [-1, 1].

        A holds ``a[indices % Na]``; B holds as many images of ``b`` drawn uniformly at random (with
        replacement), as CycleGAN does, so A/B partners differ from epoch to epoch. With a ``crop_size`` every
        image is cropped and flipped independently. Draws from the global CPU RNG: B's indices, A's crops, B's.
        """
        index = _as_index(indices)
        partners = torch.randint(0, len(self.b), (len(index),), device="cpu")
        a = _jittered(self.a, index % len(self.a), self.crop_size)
        b = _jittered(self.b, partners, self.crop_size)
        return Batch(to_model_range(a), None, to_model_range(b))

    def examples(self, n: int) -> Batch:
        """The first ``n`` images of A and the first ``n`` of B, center-cropped, not flipped: fixed previews.

        ``n`` is capped at min(Na, Nb) so that ``images`` and ``targets`` have the same length.
        """
        n = max(0, min(int(n), len(self.a), len(self.b)))
        a, b = _first_centered(self.a, n, self.crop_size), _first_centered(self.b, n, self.crop_size)
        return Batch(to_model_range(a), None, to_model_range(b))
