"""Image-to-image datasets from folders and archives, and the official pix2pix / CycleGAN downloads.

Two layouts, in a folder, a .zip or a .tar(.gz) (archives are read member by member in memory, never
extracted; a single folder wrapping everything, as archiving a folder produces, is looked through):

- paired (pix2pix): ``train/``, ``val/``, ``test/`` sub-folders of side-by-side images, the input A in the left
  half and its target B in the right half (a 512x256 file is two 256x256 images). Each half is center-cropped
  to a square and resized to ``image_size``.
- unpaired (CycleGAN): ``trainA/``, ``trainB/``, ``testA/``, ``testB/`` sub-folders of ordinary images; each
  image is center-cropped to a square and resized to ``image_size``.

Images are decoded by ``gans.io.decode`` as in ``folder.py`` (EXIF orientation, transparency on white, RGB or, when
every image of a set is gray, one channel); unreadable files are skipped and counted in ``skipped``.
``image_size`` defaults to 256, the size of the official datasets; models pass their own size and then
``prepare`` the data.

The official datasets (``facades``, ``maps``, ``horse2zebra``, ``apple2orange``, ``summer2winter``) are
looked for in ``$GANS_DATA_DIR/<name>/`` and the download cache, then downloaded from
efrosgans.eecs.berkeley.edu (or ``$GANS_DATASET_MIRROR/<name>/<file>``). Their publisher gives no MD5, so a
download is accepted only when it holds the expected layout. Finding and downloading are
``gans.data.download``'s (``find_or_download``); this module only reads and recognises the files.
"""

from __future__ import annotations

import logging
import tarfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

import numpy as np
import torch
from PIL import Image, ImageOps

from ..errors import DatasetError
from ..io.decode import decode_image
from .domains import Domain, describe_domains
from .download import RemoteFile, describe_source, find_on_machine, find_or_download, manual_setup_hint
from .folder import (
    IMAGE_EXTENSIONS,
    MAX_FILE_BYTES,
    _decode,
    _files_in_folder,
    _files_in_zip,
    _ImageFile,
    _is_candidate,
    _UnreadableImage,
)
from .pairs import PairedData, UnpairedData
from .registry import register_dataset

logger = logging.getLogger(__name__)

DEFAULT_IMAGE_SIZE = 256
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024  # image bytes a .tar(.gz) may unpack to in memory
PAIRED_SPLITS = ("train", "val", "test")
UNPAIRED_SPLITS = ("train", "test")
# The folders each layout is made of: wrapping folders are looked through until one of these appears.
PAIRED_FOLDERS = frozenset(PAIRED_SPLITS)
UNPAIRED_FOLDERS = frozenset(f"{split}{domain}" for split in UNPAIRED_SPLITS for domain in "AB")
OFFICIAL_HOST = "http://efrosgans.eecs.berkeley.edu"


# ---- listing the image files of a folder, zip or tar ------------------------------------------------------


def _not_read() -> bytes:
    raise _UnreadableImage("this archive member was not kept in memory")


def _files_in_tar(archive: tarfile.TarFile, keep: Callable[[PurePosixPath], bool], name: str) -> list[_ImageFile]:
    """Image members of a tar, in one pass (a .tar.gz cannot seek backwards without decompressing again).

    Only regular files are listed (no links, devices or folders). The bytes of members that ``keep`` accepts
    are read into memory now, unless their declared size is absurd (the loader then skips them by size); once
    the kept bytes would pass ``MAX_ARCHIVE_BYTES`` it stops with a clear error (a small .tar.gz of compressible
    members can inflate to gigabytes).
    """
    files, kept = [], 0
    for member in archive:
        relative = PurePosixPath(member.name)
        if not member.isfile() or not _is_candidate(relative):
            continue
        if keep(relative) and member.size <= MAX_FILE_BYTES:
            kept += member.size
            if kept > MAX_ARCHIVE_BYTES:
                raise DatasetError(
                    f"{name} unpacks to more than {MAX_ARCHIVE_BYTES // 2**20} MB of images, more than a dataset "
                    "here may hold in memory; use fewer or smaller images (or a .zip, read one image at a time)"
                )
            data = archive.extractfile(member).read()
            files.append(_ImageFile(relative, member.size, lambda data=data: data))
        else:
            files.append(_ImageFile(relative, member.size, _not_read))
    return files


@contextmanager
def _image_files(
    root: Path, keep: Callable[[PurePosixPath], bool], display_name: str | None = None
) -> Iterator[list[_ImageFile]]:
    """The image files under ``root`` (folder, zip or tar), readable while the context is open.

    ``keep`` says which files will be read: a tar keeps only those in memory.
    """
    name = display_name or str(root)
    if root.is_dir():
        yield _files_in_folder(root)
        return
    if not root.is_file():
        raise DatasetError(f"{name} does not exist; give the path of a folder, .zip or .tar.gz of images")
    if zipfile.is_zipfile(root):
        try:
            with zipfile.ZipFile(root) as archive:
                yield _files_in_zip(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile) as error:
            raise DatasetError(f"{name} is not a readable zip file ({error}); re-create or re-download it") from None
        return
    try:
        with tarfile.open(root, "r:*") as archive:
            files = _files_in_tar(archive, keep, name)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DatasetError(
            f"{name} is neither a folder nor a readable .zip or .tar(.gz) archive "
            f"({str(error).splitlines()[0] if str(error).strip() else type(error).__name__}); "
            "give a folder or archive of images, or delete the file and download it again"
        ) from None
    yield files


def _look_through_wrappers(files: list[_ImageFile], layout_folders: frozenset[str]) -> list[_ImageFile]:
    """Strip folders that wrap every image (``facades/train/...``) until a layout folder (``train``) appears."""
    while files and all(len(file.relative_path.parts) > 1 for file in files):
        first_parts = {file.relative_path.parts[0] for file in files}
        if len(first_parts) > 1 or first_parts <= layout_folders:
            break
        files = [
            _ImageFile(PurePosixPath(*file.relative_path.parts[1:]), file.size, file.read_bytes) for file in files
        ]
    return files


def _in_folder(files: list[_ImageFile], folder: str) -> list[_ImageFile]:
    """The files under the first-level ``folder``, sorted by path (so loading order is reproducible)."""
    chosen = [file for file in files if len(file.relative_path.parts) > 1 and file.relative_path.parts[0] == folder]
    return sorted(chosen, key=lambda file: file.relative_path.as_posix())


def _folders_found(files: list[_ImageFile]) -> str:
    found = sorted({file.relative_path.parts[0] for file in files if len(file.relative_path.parts) > 1})
    return ", ".join(f"{name}/" for name in found) or "no sub-folders of images"


def _keep_folders(*folders: str) -> Callable[[PurePosixPath], bool]:
    """A ``keep`` predicate: files with one of ``folders`` among their parent folders (wrappers unknown yet)."""
    wanted = set(folders)
    return lambda relative: any(part in wanted for part in relative.parts[:-1])


# ---- decoding ---------------------------------------------------------------------------------------------


def _decode_pair(data: bytes, image_size: int) -> tuple[tuple[np.ndarray, np.ndarray], bool]:
    """Split one side-by-side image into its left (A) and right (B) halves, each (image_size, image_size, 3).

    Also says whether the image was grayscale. An odd last column is dropped.
    """
    # JPEG only: decode at a reduced scale still >= two target-sized halves (much faster for photos).
    image = decode_image(data, draft_size=lambda size: (2 * image_size, image_size))
    if image.width < 2:
        raise _UnreadableImage(f"{image.width} pixel(s) wide: not a side-by-side A|B pair")
    is_gray = image.mode == "L"
    image = image.convert("RGB")
    half = image.width // 2
    halves = []
    for left in (0, half):
        side = image.crop((left, 0, left + half, image.height))
        side = ImageOps.fit(side, (image_size, image_size), method=Image.Resampling.LANCZOS)
        halves.append(np.asarray(side, dtype=np.uint8))
    return (halves[0], halves[1]), is_gray


def _decode_all(files: list[_ImageFile], decode: Callable, where: str) -> tuple[list, bool, int]:
    """Decode every file, skipping (and counting) unreadable ones; returns (results, all gray, skipped)."""
    results, all_gray, skipped = [], True, []
    for file in files:
        try:
            if file.size > MAX_FILE_BYTES:
                raise _UnreadableImage(f"{file.size} bytes is too large for an image")
            result, is_gray = decode(file.read_bytes())
        # PIL raises many exception types on malformed input; any of them means this one file is unusable.
        except Exception as error:  # noqa: BLE001
            skipped.append(f"{file.relative_path} ({type(error).__name__}: {error})")
            continue
        results.append(result)
        all_gray &= is_gray
    if skipped:
        logger.warning("skipped %d unreadable image file(s) in %s, e.g. %s", len(skipped), where, skipped[0])
    if not results:
        raise DatasetError(f"none of the {len(files)} image files in {where} could be read (e.g. {skipped[0]})")
    return results, all_gray, len(skipped)


def _to_tensor(arrays: list[np.ndarray], gray: bool) -> torch.Tensor:
    """(S, S, 3) uint8 arrays -> (N, C, S, S) uint8, one channel when the images were gray (R = G = B)."""
    stacked = np.stack(arrays)
    if gray:
        stacked = stacked[..., :1]
    return torch.from_numpy(np.ascontiguousarray(stacked.transpose(0, 3, 1, 2)))


# ---- the two layouts --------------------------------------------------------------------------------------


def _no_images_hint(layout: str) -> str:
    extensions = ", ".join(sorted(IMAGE_EXTENSIONS))
    return f"expected the {layout} layout, with image files ending in {extensions}"


def load_paired_folder(
    path: str | Path,
    split: str = "train",
    image_size: int | None = None,
    name: str = "paired-folder",
    display_name: str | None = None,
) -> PairedData:
    """The ``split`` of a pix2pix-layout folder or archive: left halves are ``a``, right halves ``b``."""
    root = Path(path).expanduser()
    where = display_name or str(root)
    size = image_size or DEFAULT_IMAGE_SIZE
    with _image_files(root, _keep_folders(split), display_name) as files:
        files = _look_through_wrappers(files, PAIRED_FOLDERS)
        chosen = _in_folder(files, split)
        if not chosen:
            raise DatasetError(
                f"{where} has no {split}/ folder of images (found: {_folders_found(files)}); "
                f"{_no_images_hint('pix2pix')}: train/, val/, test/ folders of side-by-side A|B images"
            )
        pairs, gray, skipped = _decode_all(chosen, lambda data: _decode_pair(data, size), f"{where} {split}/")
    a = _to_tensor([pair[0] for pair in pairs], gray)
    b = _to_tensor([pair[1] for pair in pairs], gray)
    return PairedData(a=a, b=b, name=name, skipped=skipped)


def load_unpaired_folder(
    path: str | Path,
    split: str = "train",
    image_size: int | None = None,
    name: str = "unpaired-folder",
    a_name: str = "A",
    b_name: str = "B",
    display_name: str | None = None,
) -> UnpairedData:
    """The ``split`` of a CycleGAN-layout folder or archive: ``<split>A/`` is ``a``, ``<split>B/`` is ``b``.

    Each set is one channel when all its images are gray, RGB otherwise (decided per set).
    """
    root = Path(path).expanduser()
    where = display_name or str(root)
    size = image_size or DEFAULT_IMAGE_SIZE
    folder_a, folder_b = f"{split}A", f"{split}B"
    with _image_files(root, _keep_folders(folder_a, folder_b), display_name) as files:
        files = _look_through_wrappers(files, UNPAIRED_FOLDERS)
        sets, skipped = [], 0
        for folder in (folder_a, folder_b):
            chosen = _in_folder(files, folder)
            if not chosen:
                raise DatasetError(
                    f"{where} has no {folder}/ folder of images (found: {_folders_found(files)}); "
                    f"{_no_images_hint('CycleGAN')}: trainA/, trainB/, testA/, testB/ folders"
                )
            arrays, gray, set_skipped = _decode_all(chosen, lambda data: _decode(data, size), f"{where} {folder}/")
            sets.append(_to_tensor(arrays, gray))
            skipped += set_skipped
    return UnpairedData(a=sets[0], b=sets[1], name=name, a_name=a_name, b_name=b_name, skipped=skipped)


@register_dataset(
    "paired-folder",
    description="Your own pairs for Pix2Pix: train/ val/ test/ folders of side-by-side A|B images "
    "(folder, .zip or .tar.gz); needs path=...",
    num_classes=0,
    splits=PAIRED_SPLITS,
    kind="paired",
    availability=lambda: (True, "any folder or archive in the pix2pix layout (train/ of A|B images): pass its path"),
    needs_folder=True,
    folder_label="Folder or .zip of A|B pairs with train/",
)
def load_paired_folder_dataset(*, path=None, split="train", image_size=None, download=True) -> PairedData:
    if path is None:
        raise DatasetError("the 'paired-folder' dataset needs a path: load_dataset('paired-folder', path='pairs/')")
    return load_paired_folder(path, split, image_size)


@register_dataset(
    "unpaired-folder",
    description="Your own two image sets for CycleGAN: trainA/ trainB/ (testA/ testB/) folders "
    "(folder, .zip or .tar.gz); needs path=...",
    num_classes=0,
    splits=UNPAIRED_SPLITS,
    kind="unpaired",
    availability=lambda: (True, "any folder or archive in the CycleGAN layout (trainA/, trainB/): pass its path"),
    needs_folder=True,
    folder_label="Folder or .zip with trainA/ trainB/",
)
def load_unpaired_folder_dataset(*, path=None, split="train", image_size=None, download=True) -> UnpairedData:
    if path is None:
        raise DatasetError(
            "the 'unpaired-folder' dataset needs a path: load_dataset('unpaired-folder', path='horse2zebra/')"
        )
    return load_unpaired_folder(path, split, image_size)


# ---- the official datasets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficialDataset:
    """One official pix2pix or CycleGAN dataset: where it comes from and how its archive is laid out."""

    name: str  # registry name, also the $GANS_DATA_DIR / cache / mirror folder name
    kind: str  # "paired" or "unpaired"
    archive: str  # the official file name
    extracted: str  # the folder the archive holds (and that extracting it by hand gives)
    splits: tuple[str, ...]
    description: str
    swap: bool = False  # paired files that hold target|input (facades): swapped so that a is the input
    a_name: str = "A"
    b_name: str = "B"
    a_looks: str = ""  # what a picture of domain A looks like, for "this model expects ..." (gans.data.domains)
    b_looks: str = ""

    @property
    def remote(self) -> RemoteFile:
        folder = "pix2pix" if self.kind == "paired" else "cyclegan"
        # The publisher gives no checksums: md5=None, and the download must pass _check_archive instead.
        return RemoteFile(self.archive, (f"{OFFICIAL_HOST}/{folder}/datasets/{self.archive}",), None)

    @property
    def layout_folders(self) -> frozenset[str]:
        return PAIRED_FOLDERS if self.kind == "paired" else UNPAIRED_FOLDERS

    def split_folders(self, split: str) -> tuple[str, ...]:
        return (split,) if self.kind == "paired" else (f"{split}A", f"{split}B")

    def hint(self) -> str:
        demo = "edges2fashion" if self.kind == "paired" else "sneaker2boot"
        return manual_setup_hint(self.name, [self.archive], instead=f"the offline demo {demo!r}")


OFFICIAL_DATASETS = (
    OfficialDataset(
        "facades", "paired", "facades.tar.gz", "facades", ("train", "val", "test"),
        "CMP Facades (Pix2Pix): building label maps -> photos, 400 train / 100 val / 106 test pairs, 256x256 RGB",
        swap=True,  # the files hold photo|labels; Pix2Pix trains labels -> photo (its --direction BtoA)
        a_name="label map", b_name="facade photo",
        a_looks="a label map of a building's front: flat blocks of colour for wall, windows, doors and balconies "
        "(the CMP Facades colours)",
        b_looks="a photo of a building's front, seen straight on",
    ),
    OfficialDataset(
        "maps", "paired", "maps.tar.gz", "maps", ("train", "val"),
        "Maps (Pix2Pix): aerial photos -> Google Maps tiles, train / val pairs, RGB",
        a_name="aerial photo", b_name="map tile",
        a_looks="an aerial (satellite) photo of city streets, seen from straight above",
        b_looks="a street-map tile in the style of Google Maps",
    ),
    OfficialDataset(
        "horse2zebra", "unpaired", "horse2zebra.zip", "horse2zebra", ("train", "test"),
        "Horses <-> zebras (CycleGAN): 1,067 horse / 1,334 zebra training photos, 256x256 RGB",
        a_name="horse", b_name="zebra",
        a_looks="a colour photo of a horse (or horses) outdoors",
        b_looks="a colour photo of a zebra (or zebras) outdoors",
    ),
    OfficialDataset(
        "apple2orange", "unpaired", "apple2orange.zip", "apple2orange", ("train", "test"),
        "Apples <-> oranges (CycleGAN): unpaired photos of each, 256x256 RGB",
        a_name="apple", b_name="orange",
        a_looks="a colour photo of an apple (or apples)", b_looks="a colour photo of an orange (or oranges)",
    ),
    OfficialDataset(
        "summer2winter", "unpaired", "summer2winter_yosemite.zip", "summer2winter_yosemite", ("train", "test"),
        "Yosemite summer <-> winter (CycleGAN): unpaired landscape photos of each season, 256x256 RGB",
        a_name="summer", b_name="winter",
        a_looks="a colour landscape photo of Yosemite in summer", b_looks="a colour landscape photo of Yosemite "
        "in winter, with snow",
    ),
)  # fmt: skip


def find_official_source(location: Path, dataset: OfficialDataset) -> Path | None:
    """The archive or folder holding ``dataset`` at ``location``, or None.

    ``location`` may be the archive itself, a folder holding it, a folder holding the extracted folder, or
    the extracted folder (the one with ``train/`` or ``trainA/`` in it).
    """
    if location.is_file():
        return location
    for candidate in (location / dataset.archive, location / dataset.extracted):
        if candidate.exists():
            return candidate
    if any((location / folder).is_dir() for folder in dataset.layout_folders):
        return location
    return None


def _load_official_source(dataset: OfficialDataset, source: Path, split: str, image_size: int | None):
    if dataset.kind == "paired":
        data = load_paired_folder(source, split, image_size, name=dataset.name)
        return data.swapped() if dataset.swap else data
    return load_unpaired_folder(source, split, image_size, dataset.name, dataset.a_name, dataset.b_name)


def _check_archive(dataset: OfficialDataset, path: Path, url: str) -> None:
    """A downloaded archive must open and hold images in every split folder (there is no MD5 to check)."""
    with _image_files(path, lambda relative: False, display_name=url) as files:
        files = _look_through_wrappers(files, dataset.layout_folders)
        for split in dataset.splits:
            for folder in dataset.split_folders(split):
                if not _in_folder(files, folder):
                    raise DatasetError(
                        f"{url} is not the {dataset.name} archive: it has no {folder}/ folder of images "
                        f"(found: {_folders_found(files)})"
                    )


def _official_availability(dataset: OfficialDataset) -> tuple[bool, str]:
    source = find_on_machine(dataset.name, lambda location: find_official_source(location, dataset))
    if source is not None:
        return True, f"found in {source}"
    return False, (
        f"not on this machine: downloads {dataset.archive} from {describe_source(dataset.name, [dataset.remote])} "
        f"on first use (needs internet), or put it in $GANS_DATA_DIR/{dataset.name}/"
    )


def _load_official(dataset: OfficialDataset, path, split: str, image_size: int | None, download: bool):
    """``dataset`` from ``path`` if given, else from the search folders, else downloaded."""
    source = find_or_download(
        dataset.name,
        lambda location: find_official_source(location, dataset),
        [dataset.remote],
        path=path,
        download=download,
        check=lambda file, url: _check_archive(dataset, file, url),
        hint=dataset.hint(),
        expected=f"{dataset.archive} or its {dataset.extracted}/ folder",
    )
    return _load_official_source(dataset, source, split, image_size)


def _register_official(dataset: OfficialDataset) -> None:
    def loader(*, path=None, split="train", image_size=None, download=True):
        return _load_official(dataset, path, split, image_size, download)

    loader.__name__ = f"load_{dataset.name}"
    register_dataset(
        dataset.name,
        description=dataset.description,
        num_classes=0,
        splits=dataset.splits,
        kind=dataset.kind,
        availability=lambda: _official_availability(dataset),
    )(loader)
    describe_domains(dataset.name, a=Domain(dataset.a_name, dataset.a_looks), b=Domain(dataset.b_name, dataset.b_looks))


for _dataset in OFFICIAL_DATASETS:
    _register_official(_dataset)
