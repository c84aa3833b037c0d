"""MNIST-style datasets stored as IDX files: the embedded Fashion-MNIST subset, Fashion-MNIST and MNIST.

Files are looked for in ``$GANS_DATA_DIR/<name>/``, then system folders (Debian's dataset-fashion-mnist),
then the download cache, and downloaded from the official sources as a last resort.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import DatasetError
from .download import RemoteFile, describe_source, download_dataset_files, manual_setup_hint
from .idx import read_idx
from .image_data import ImageData
from .locations import search_dirs
from .registry import register_dataset

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip
MNIST_CLASSES = [str(digit) for digit in range(10)]

#: file names (without .gz) of each split: (images, labels)
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
MINI_DIR = Path(__file__).parent / "assets" / "fashion-mnist-mini"


@dataclass(frozen=True)
class IdxDataset:
    """Where one IDX dataset lives and what it contains."""

    name: str
    class_names: list[str]
    base_urls: tuple[str, ...]  # official sources, tried in order
    md5: dict[str, str]  # official .gz file name -> MD5
    system_dirs: tuple[str, ...] = ()
    apt_package: str | None = None

    def remote_files(self, split: str) -> list[RemoteFile]:
        names = [f"{stem}.gz" for stem in SPLIT_FILES[split]]
        return [RemoteFile(name, tuple(base + name for base in self.base_urls), self.md5[name]) for name in names]

    def hint(self) -> str:
        all_files = [f"{stem}.gz" for stems in SPLIT_FILES.values() for stem in stems]
        return manual_setup_hint(self.name, all_files, self.apt_package)


FASHION_MNIST = IdxDataset(
    name="fashion-mnist",
    class_names=FASHION_MNIST_CLASSES,
    base_urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    md5={
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    apt_package="dataset-fashion-mnist",
)
MNIST = IdxDataset(
    name="mnist",
    class_names=MNIST_CLASSES,
    base_urls=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    md5={
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
)


# ---- finding and reading files --------------------------------------------------------------------------


def find_split_files(folder: Path, split: str) -> tuple[Path, Path] | None:
    """The (images, labels) files of ``split`` in ``folder``, gzip-compressed or not; None if either is missing."""
    found = []
    for stem in SPLIT_FILES[split]:
        candidates = [folder / f"{stem}.gz", folder / stem]
        match = next((candidate for candidate in candidates if candidate.is_file()), None)
        if match is None:
            return None
        found.append(match)
    return found[0], found[1]


def read_idx_pair(images_path: Path, labels_path: Path, name: str, class_names: list[str]) -> ImageData:
    """Read an images file (N, H, W) and a labels file (N,) into ``ImageData`` with one channel."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise DatasetError(f"{images_path} should hold images of shape (N, H, W), found shape {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DatasetError(
            f"{labels_path} should hold {len(images)} labels to match {images_path.name}, "
            f"found shape {labels.shape}"
        )
    if len(labels) and int(labels.max()) >= len(class_names):
        raise DatasetError(f"{labels_path} has label {int(labels.max())}; {name} has {len(class_names)} classes")
    return ImageData(
        images=torch.from_numpy(images).unsqueeze(1),  # (N, 1, H, W)
        labels=torch.from_numpy(labels).long(),
        class_names=list(class_names),
        name=name,
    )


# ---- the embedded subset ----------------------------------------------------------------------------------


def _mini_availability() -> tuple[bool, str]:
    if find_split_files(MINI_DIR, "train"):
        return True, f"embedded in the package ({MINI_DIR})"
    return False, f"the package is incomplete: {MINI_DIR} is missing; reinstall gans"


@register_dataset(
    "fashion-mnist-mini",
    description="Embedded default: 6,000 Fashion-MNIST training images (600 per class), 28x28 gray, 10 classes",
    num_classes=10,
    splits=("train",),
    availability=_mini_availability,
    reads_path=False,
)
def load_fashion_mnist_mini(*, path=None, split="train", image_size=None, download=True) -> ImageData:
    """The Fashion-MNIST subset shipped inside the package; needs no files and no network."""
    files = find_split_files(MINI_DIR, split)
    if files is None:
        raise DatasetError(f"the embedded dataset is missing from {MINI_DIR}; reinstall the gans package")
    return read_idx_pair(*files, "fashion-mnist-mini", FASHION_MNIST_CLASSES)


# ---- full datasets, found on disk or downloaded -----------------------------------------------------------


def _idx_availability(dataset: IdxDataset) -> tuple[bool, str]:
    for folder in search_dirs(dataset.name, dataset.system_dirs):
        if find_split_files(folder, "train"):
            return True, f"found in {folder}"
    source = describe_source(dataset.name, dataset.remote_files("train"))
    apt = f", or `apt install {dataset.apt_package}`" if dataset.apt_package else ""
    return False, (
        f"not on this machine: downloads from {source} on first use (needs internet), "
        f"or put the files in $GANS_DATA_DIR/{dataset.name}/{apt}"
    )


def _load_idx_dataset(dataset: IdxDataset, path: str | None, split: str, download: bool) -> ImageData:
    if path is not None:
        folder = Path(path).expanduser()
        files = find_split_files(folder, split)
        if files is None:
            stems = ", ".join(f"{stem}.gz" for stem in SPLIT_FILES[split])
            raise DatasetError(f"no {dataset.name} {split} files in {folder}: expected {stems}")
        return read_idx_pair(*files, dataset.name, dataset.class_names)
    for folder in search_dirs(dataset.name, dataset.system_dirs):
        files = find_split_files(folder, split)
        if files is not None:
            return read_idx_pair(*files, dataset.name, dataset.class_names)
    if not download:
        raise DatasetError(f"{dataset.name} is not on this machine and download=False. {dataset.hint()}")
    folder = download_dataset_files(
        dataset.name,
        dataset.remote_files(split),
        check=lambda file, url: read_idx(file, display_name=url),
        hint=dataset.hint(),
    )
    return read_idx_pair(*find_split_files(folder, split), dataset.name, dataset.class_names)


@register_dataset(
    "fashion-mnist",
    description="Fashion-MNIST (Zalando): 60,000 train / 10,000 test clothing images, 28x28 gray, 10 classes",
    num_classes=10,
    splits=("train", "test"),
    availability=lambda: _idx_availability(FASHION_MNIST),
)
def load_fashion_mnist(*, path=None, split="train", image_size=None, download=True) -> ImageData:
    return _load_idx_dataset(FASHION_MNIST, path, split, download)


@register_dataset(
    "mnist",
    description="MNIST handwritten digits: 60,000 train / 10,000 test images, 28x28 gray, 10 classes",
    num_classes=10,
    splits=("train", "test"),
    availability=lambda: _idx_availability(MNIST),
)
def load_mnist(*, path=None, split="train", image_size=None, download=True) -> ImageData:
    return _load_idx_dataset(MNIST, path, split, download)
