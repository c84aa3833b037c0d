"""Offline image-to-image demos made from the embedded Fashion-MNIST subset: they work on any machine.

- ``edges2fashion`` (paired, for Pix2Pix): A is an edge map of a garment, black lines on white as in pix2pix's
  edges2shoes, and B the garment itself. 5,400 train / 600 test pairs, 28x28, one channel.
- ``sneaker2boot`` (unpaired, for CycleGAN): A holds the 600 Sneaker images, B the 600 Ankle boot images;
  540 of each to train, 60 of each to test.

Test splits are fixed: every 10th image (by position among all images for edges2fashion, by position within
each class for sneaker2boot) is held out. Both keep the native 28x28 size; models ``prepare`` them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..errors import DatasetError
from .domains import Domain, describe_domains
from .image_data import LUMA_WEIGHTS
from .mnist import FASHION_MNIST_CLASSES, MINI_DIR, find_split_files, load_fashion_mnist_mini
from .pairs import PairedData, UnpairedData
from .registry import register_dataset

SPLITS = ("train", "test")
TEST_EVERY = 10  # one image in TEST_EVERY goes to the test split
SNEAKER, ANKLE_BOOT = FASHION_MNIST_CLASSES.index("Sneaker"), FASHION_MNIST_CLASSES.index("Ankle boot")

# Sobel magnitude (of an image in [0, 1], after the blur) above which a pixel may be an edge. A sharp step
# between black and white peaks at 3; 0.5 keeps steps of about a sixth of the range and drops faint texture.
EDGE_THRESHOLD = 0.5
# Images processed per chunk: bounds the float copies to chunk * H * W * 4 bytes each.
EDGE_CHUNK = 1024
BLUR_1D = torch.tensor([1.0, 2.0, 1.0]) / 4
SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
# Neighbours compared in non-maximum suppression, as (dy, dx), for gradients pointing at about 0, 45, 90 and
# 135 degrees (x to the right, y down): the two pixels across the edge.
ACROSS_EDGE = ((0, 1), (1, 1), (1, 0), (1, -1))


# ---- edge maps --------------------------------------------------------------------------------------------


def edge_map(images_uint8: torch.Tensor) -> torch.Tensor:
    """Edge maps of uint8 images (N, 1 or 3, H, W): uint8 (N, 1, H, W), 0 (black) on edges, 255 elsewhere.

    A 3x3 binomial blur, Sobel gradients, then non-maximum suppression across the edge direction (as in Canny)
    and a fixed threshold: lines 1-2 pixels wide. Image borders are padded by replication, so they make no
    edges of their own. Deterministic (plain conv2d on the CPU).
    """
    if images_uint8.dtype != torch.uint8 or images_uint8.ndim != 4 or images_uint8.shape[1] not in (1, 3):
        raise ValueError(
            f"edge_map expects uint8 images of shape (N, 1 or 3, H, W), got {images_uint8.dtype} "
            f"{tuple(images_uint8.shape)}"
        )
    chunks = [_edges(chunk) for chunk in images_uint8.cpu().split(EDGE_CHUNK)]
    if not chunks:
        return images_uint8.new_zeros((0, 1, *images_uint8.shape[2:]))
    return torch.cat(chunks)


def _edges(images: torch.Tensor) -> torch.Tensor:
    gray = images.float() / 255
    if gray.shape[1] == 3:
        gray = (gray * torch.tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)).sum(dim=1, keepdim=True)
    blurred = _conv3x3(gray, BLUR_1D[:, None] * BLUR_1D[None, :])
    gx, gy = _conv3x3(blurred, SOBEL_X), _conv3x3(blurred, SOBEL_X.T)
    magnitude = torch.hypot(gx, gy)
    # Which of the four directions each gradient is closest to (angles folded into [0, pi): a line has no sign).
    direction = (torch.atan2(gy, gx) % math.pi / (math.pi / 4)).round().long() % 4
    padded = F.pad(magnitude, (1, 1, 1, 1))
    height, width = magnitude.shape[2:]
    is_peak = torch.zeros_like(magnitude, dtype=torch.bool)
    for index, (dy, dx) in enumerate(ACROSS_EDGE):
        ahead = padded[..., 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
        behind = padded[..., 1 - dy : 1 - dy + height, 1 - dx : 1 - dx + width]
        # >= keeps both pixels of a symmetric edge (a step between two pixels): a 2-pixel line, not a gap.
        is_peak |= (direction == index) & (magnitude >= ahead) & (magnitude >= behind)
    edges = is_peak & (magnitude > EDGE_THRESHOLD)
    return torch.where(edges, 0, 255).to(torch.uint8)


def _conv3x3(values: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    return F.conv2d(F.pad(values, (1, 1, 1, 1), mode="replicate"), kernel.view(1, 1, 3, 3))


# ---- the datasets -----------------------------------------------------------------------------------------


def _is_test(count: int) -> torch.Tensor:
    return torch.arange(count) % TEST_EVERY == 0


def _split(images: torch.Tensor, split: str) -> torch.Tensor:
    test = _is_test(len(images))
    return images[test if split == "test" else ~test]


def _availability() -> tuple[bool, str]:
    if find_split_files(MINI_DIR, "train"):
        return True, "built from the embedded fashion-mnist-mini data: works offline"
    return False, f"the package is incomplete: {MINI_DIR} is missing; reinstall gans"


def _garments():
    try:
        return load_fashion_mnist_mini()
    except DatasetError as error:
        raise DatasetError(f"the offline demos are built from fashion-mnist-mini, which failed: {error}") from None


@register_dataset(
    "edges2fashion",
    description="Offline Pix2Pix demo: edge maps -> Fashion-MNIST garments, 5,400 train / 600 test pairs, "
    "28x28 gray (made from the embedded data)",
    num_classes=0,
    splits=SPLITS,
    kind="paired",
    availability=_availability,
    reads_path=False,
)
def load_edges2fashion(*, path=None, split="train", image_size=None, download=True) -> PairedData:
    """A = edge map, B = garment. ``path`` and ``image_size`` are ignored: the data is built in, at 28x28."""
    garments = _split(_garments().images, split)
    return PairedData(a=edge_map(garments), b=garments, name="edges2fashion")


describe_domains(
    "edges2fashion",
    a=Domain("edge drawing", "an edge drawing of a garment, shoe or bag: thin black outlines on a white background "
             "(not a photo)", kind="edges", size=28),
    b=Domain("garment", "a small gray picture of a garment, shoe or bag, light on a black background "
             "(as in Fashion-MNIST)", kind="garment", size=28),
)


@register_dataset(
    "sneaker2boot",
    description="Offline CycleGAN demo: Fashion-MNIST sneakers <-> ankle boots, 540 of each to train / 60 to "
    "test, 28x28 gray (made from the embedded data)",
    num_classes=0,
    splits=SPLITS,
    kind="unpaired",
    availability=_availability,
    reads_path=False,
)
def load_sneaker2boot(*, path=None, split="train", image_size=None, download=True) -> UnpairedData:
    """A = sneakers, B = ankle boots. ``path`` and ``image_size`` are ignored: the data is built in, at 28x28."""
    garments = _garments()
    sneakers = _split(garments.images[garments.labels == SNEAKER], split)
    boots = _split(garments.images[garments.labels == ANKLE_BOOT], split)
    return UnpairedData(a=sneakers, b=boots, name="sneaker2boot", a_name="sneaker", b_name="ankle boot")


describe_domains(
    "sneaker2boot",
    a=Domain("sneaker", "a small gray picture of a sneaker seen from the side, light on a black background "
             "(as in Fashion-MNIST)", kind="garment", size=28),
    b=Domain("ankle boot", "a small gray picture of an ankle boot seen from the side, light on a black "
             "background (as in Fashion-MNIST)", kind="garment", size=28),
)
