"""CIFAR-10 from its official *binary* version (https://www.cs.toronto.edu/~kriz/cifar.html).

Each batch file is a run of 3073-byte records: 1 label byte, then 1024 red, 1024 green and 1024 blue bytes of
a 32x32 image. Reading it needs no unpickling (the Python version of CIFAR-10 is a pickle, which can run code).
The files are read from the extracted ``cifar-10-batches-bin/`` folder or straight out of
``cifar-10-binary.tar.gz``, with no extraction.
"""

from __future__ import annotations

import tarfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
import torch

from ..errors import DatasetError
from .download import RemoteFile, describe_source, download_dataset_files, manual_setup_hint
from .image_data import ImageData
from .locations import search_dirs
from .registry import register_dataset

NAME = "cifar10"
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
ARCHIVE_NAME = "cifar-10-binary.tar.gz"
EXTRACTED_DIR = "cifar-10-batches-bin"
SPLIT_BATCHES = {
    "train": tuple(f"data_batch_{number}.bin" for number in range(1, 6)),
    "test": ("test_batch.bin",),
}
RECORD_BYTES = 1 + 3 * 32 * 32
# An official batch is 10,000 records; anything far larger in an archive is refused unread.
MAX_BATCH_BYTES = 4 * 10_000 * RECORD_BYTES
REMOTE_ARCHIVE = RemoteFile(
    ARCHIVE_NAME, ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",), "c32a1d4ab5d03f1284b67883e8d87530"
)


def _hint() -> str:
    return manual_setup_hint(NAME, [ARCHIVE_NAME])


# ---- finding the files ------------------------------------------------------------------------------------


def find_source(location: Path, split: str) -> Path | None:
    """The folder of batch files or the .tar.gz that holds ``split`` at ``location``, or None.

    ``location`` may be the archive itself, a folder holding it, a folder holding ``cifar-10-batches-bin/``,
    or that folder.
    """
    if location.is_file():
        return location
    for folder in (location / EXTRACTED_DIR, location):
        if all((folder / batch).is_file() for batch in SPLIT_BATCHES[split]):
            return folder
    archive = location / ARCHIVE_NAME
    return archive if archive.is_file() else None


# ---- reading ----------------------------------------------------------------------------------------------


def read_batches(source: Path, split: str, display_name: str | None = None) -> dict[str, bytes]:
    """The raw bytes of each batch file of ``split``, from a folder or from the .tar.gz."""
    wanted = SPLIT_BATCHES[split]
    if source.is_dir():
        return {batch: (source / batch).read_bytes() for batch in wanted}
    name = display_name or str(source)
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(source, "r:gz") as archive:
            # One pass in archive order: a .tar.gz cannot seek backwards without decompressing again.
            for member in archive:
                batch = PurePosixPath(member.name).name
                if batch not in wanted or not member.isfile():
                    continue
                if member.size > MAX_BATCH_BYTES:
                    raise DatasetError(f"{name}: {member.name} is {member.size} bytes, too large for CIFAR-10")
                found[batch] = archive.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DatasetError(
            f"{name} is not a valid CIFAR-10 archive ({error}); delete it and download it again"
        ) from None
    missing = [batch for batch in wanted if batch not in found]
    if missing:
        raise DatasetError(f"{name} lacks {', '.join(missing)}; expected the official {ARCHIVE_NAME}")
    return found


def parse_batches(batches: dict[str, bytes], name: str) -> ImageData:
    """Decode 3073-byte records into (N, 3, 32, 32) uint8 images and int64 labels."""
    images, labels = [], []
    for batch, raw in batches.items():
        if len(raw) == 0 or len(raw) % RECORD_BYTES:
            raise DatasetError(
                f"{name}: {batch} is {len(raw)} bytes, not a whole number of {RECORD_BYTES}-byte records "
                "(truncated?); delete it and download it again"
            )
        records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD_BYTES)
        if int(records[:, 0].max()) >= len(CLASS_NAMES):
            raise DatasetError(f"{name}: {batch} has label {int(records[:, 0].max())}; CIFAR-10 has 10 classes")
        labels.append(records[:, 0].astype(np.int64))
        images.append(records[:, 1:].reshape(-1, 3, 32, 32))
    return ImageData(
        images=torch.from_numpy(np.concatenate(images)),  # concatenate copies: the tensor is writable
        labels=torch.from_numpy(np.concatenate(labels)),
        class_names=list(CLASS_NAMES),
        name=NAME,
    )


def _check_download(path: Path, url: str) -> None:
    """A downloaded archive must hold every batch of both splits (a mirror's file is not MD5-checked)."""
    for split in SPLIT_BATCHES:
        parse_batches(read_batches(path, split, display_name=url), url)


# ---- the registered dataset -------------------------------------------------------------------------------


def _availability() -> tuple[bool, str]:
    for folder in search_dirs(NAME):
        source = find_source(folder, "train")
        if source is not None:
            return True, f"found in {source}"
    return False, (
        f"not on this machine: downloads {ARCHIVE_NAME} (about 170 MB) from {describe_source(NAME, [REMOTE_ARCHIVE])} "
        f"on first use (needs internet), or put it in $GANS_DATA_DIR/{NAME}/"
    )


@register_dataset(
    NAME,
    description="CIFAR-10: 50,000 train / 10,000 test photos, 32x32 RGB, 10 classes",
    num_classes=10,
    splits=("train", "test"),
    availability=_availability,
)
def load_cifar10(*, path=None, split="train", image_size=None, download=True) -> ImageData:
    """CIFAR-10 from ``path`` if given, else from the search folders, else downloaded."""
    if path is not None:
        location = Path(path).expanduser()
        source = find_source(location, split) if location.exists() else None
        if source is None:
            raise DatasetError(f"no CIFAR-10 files at {location}: expected {ARCHIVE_NAME} or {EXTRACTED_DIR}/")
        return parse_batches(read_batches(source, split), str(source))
    for folder in search_dirs(NAME):
        source = find_source(folder, split)
        if source is not None:
            return parse_batches(read_batches(source, split), str(source))
    if not download:
        raise DatasetError(f"{NAME} is not on this machine and download=False. {_hint()}")
    folder = download_dataset_files(NAME, [REMOTE_ARCHIVE], check=_check_download, hint=_hint())
    archive = folder / ARCHIVE_NAME
    return parse_batches(read_batches(archive, split), str(archive))
