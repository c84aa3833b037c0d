"""Any folder or .zip of images as a dataset.

- Images are found recursively (png, jpg/jpeg, bmp, gif, webp, tif/tiff); other files are ignored, and so are
  hidden files and macOS ``__MACOSX`` folders.
- Classes: when every image sits inside a first-level sub-folder, the sorted sub-folder names are the classes.
  A single folder wrapping everything (as zipping a folder produces) is looked through first.
- Each image is decoded by ``gans.io.decode`` (EXIF orientation, transparency composited on white, 16-bit gray...)
  and kept RGB (or gray when *all* images are gray), center-cropped to a square and resized to ``image_size``.
- Unreadable files (corrupt, truncated, decompression bombs, absurdly large zip members) are skipped and counted.
- A zip is read member by member in memory, never extracted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

import numpy as np
import torch
from PIL import Image, ImageOps

from ..errors import DatasetError
from ..io.decode import decode_image
from .image_data import ImageData
from .registry import register_dataset

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
DEFAULT_IMAGE_SIZE = 64
# No image file is this large; a zip member declaring more is a zip bomb or not an image.
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class _ImageFile:
    """An image file found in a folder or zip: its path relative to the root, size, and how to read it."""

    relative_path: PurePosixPath
    size: int
    read_bytes: Callable[[], bytes]


class _UnreadableImage(Exception):
    """Raised for an image file that is skipped (and counted) rather than loaded."""


# ---- finding image files ----------------------------------------------------------------------------------


def _is_candidate(relative_path: PurePosixPath) -> bool:
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in relative_path.parts)
    return not hidden and relative_path.suffix.lower() in IMAGE_EXTENSIONS


def _files_in_folder(root: Path) -> list[_ImageFile]:
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            path = Path(folder) / name
            relative = PurePosixPath(path.relative_to(root).as_posix())
            if _is_candidate(relative) and path.is_file():
                files.append(_ImageFile(relative, path.stat().st_size, path.read_bytes))
    return files


def _files_in_zip(archive: zipfile.ZipFile) -> list[_ImageFile]:
    files = []
    for member in archive.infolist():
        relative = PurePosixPath(member.filename)
        if not member.is_dir() and _is_candidate(relative):
            # file_size is the declared uncompressed size; zipfile never inflates a member past it.
            files.append(_ImageFile(relative, member.file_size, lambda member=member: archive.read(member)))
    return files


def _strip_wrapping_folder(files: list[_ImageFile]) -> list[_ImageFile]:
    """Look through folders that wrap every image (``photos.zip`` holding only ``photos/...``)."""
    while files and all(len(file.relative_path.parts) > 1 for file in files):
        first_parts = {file.relative_path.parts[0] for file in files}
        if len(first_parts) > 1:
            break
        files = [
            _ImageFile(PurePosixPath(*file.relative_path.parts[1:]), file.size, file.read_bytes) for file in files
        ]
    return files


# ---- decoding one image -----------------------------------------------------------------------------------


def _decode(data: bytes, image_size: int) -> tuple[np.ndarray, bool]:
    """Decode one image to an (image_size, image_size, 3) uint8 array; also say whether it was grayscale.

    Raises ``ImageError`` (from ``gans.io.decode``) for an unusable file, including one over PIL's
    ``Image.MAX_IMAGE_PIXELS``.
    """
    image = decode_image(data, draft_size=lambda size: (image_size, image_size))
    is_gray = image.mode == "L"
    image = ImageOps.fit(image.convert("RGB"), (image_size, image_size), method=Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8), is_gray


# ---- the registered dataset -------------------------------------------------------------------------------


@contextlib.contextmanager
def image_files(path: str | Path, what: str = "images"):
    """Yield (image files, root) for a folder or a .zip; the zip stays open (members are read lazily) inside the
    ``with``. ``what`` names the expected content in the error messages."""
    root = Path(path).expanduser()
    if not root.exists():
        raise DatasetError(f"{root} does not exist; give the path of a folder or .zip of {what}")
    if root.is_dir():
        yield _files_in_folder(root), root
        return
    # A device or pipe (/dev/zero, a FIFO) is never an archive: reading it to look for a zip would never end.
    if not root.is_file() or not (root.suffix.lower() == ".zip" or zipfile.is_zipfile(root)):
        raise DatasetError(f"{root} is neither a folder nor a .zip file; give a folder or .zip of {what}")
    try:
        archive = zipfile.ZipFile(root)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise DatasetError(f"{root} is not a readable zip file ({error}); re-create the archive") from None
    with archive:
        yield _files_in_zip(archive), root


def load_image_folder(path: str | Path, image_size: int = DEFAULT_IMAGE_SIZE, name: str = "folder") -> ImageData:
    """Load every image under a folder or in a .zip (see the module docstring for the rules)."""
    with image_files(path) as (files, root):
        return _load_files(files, root, image_size, name)


def _load_files(files: list[_ImageFile], root: Path, image_size: int, name: str) -> ImageData:
    files = sorted(_strip_wrapping_folder(files), key=lambda file: file.relative_path.as_posix())
    if not files:
        extensions = ", ".join(sorted(IMAGE_EXTENSIONS))
        raise DatasetError(f"no images found in {root}; expected files ending in {extensions}")
    labelled = all(len(file.relative_path.parts) > 1 for file in files)
    class_names = sorted({file.relative_path.parts[0] for file in files}) if labelled else None
    class_index = {class_name: index for index, class_name in enumerate(class_names or [])}

    arrays, labels, all_gray, skipped = [], [], True, []
    for file in files:
        try:
            if file.size > MAX_FILE_BYTES:
                raise _UnreadableImage(f"{file.size} bytes is too large for an image")
            array, is_gray = _decode(file.read_bytes(), image_size)
        # PIL raises many exception types on malformed input (OSError, SyntaxError, ValueError, struct.error,
        # DecompressionBombError...); any of them means this one file is unusable, not that loading failed.
        except Exception as error:  # noqa: BLE001
            skipped.append(f"{file.relative_path} ({type(error).__name__}: {error})")
            continue
        arrays.append(array)
        all_gray &= is_gray
        if labelled:
            labels.append(class_index[file.relative_path.parts[0]])
    if skipped:
        logger.warning("skipped %d unreadable image file(s) in %s, e.g. %s", len(skipped), root, skipped[0])
    if not arrays:
        raise DatasetError(f"none of the {len(files)} image files in {root} could be read (e.g. {skipped[0]})")

    stacked = np.stack(arrays)  # (N, S, S, 3)
    if all_gray:
        stacked = stacked[..., :1]  # gray images became R = G = B: keep one channel
    images = torch.from_numpy(np.ascontiguousarray(stacked.transpose(0, 3, 1, 2)))  # (N, C, S, S)
    return ImageData(
        images=images,
        labels=torch.tensor(labels, dtype=torch.int64) if labelled else None,
        class_names=class_names,
        name=name,
        skipped=len(skipped),
    )


@register_dataset(
    "folder",
    description="Your own images: any folder or .zip (sub-folders become classes); needs path=...",
    num_classes=0,
    splits=("train",),
    availability=lambda: (True, "any folder or .zip of images: pass its path (sub-folders become classes)"),
    needs_folder=True,
    folder_label="Folder or .zip of images",
)
def load_folder(*, path=None, split="train", image_size=None, download=True) -> ImageData:
    if path is None:
        raise DatasetError("the 'folder' dataset needs a path: load_dataset('folder', path='my_images/')")
    return load_image_folder(path, image_size or DEFAULT_IMAGE_SIZE)
