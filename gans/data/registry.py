"""Dataset registry: adding a dataset is one decorated loader function.

```python
@register_dataset("my-data", description="...", num_classes=10, availability=lambda: (True, "built in"))
def load_my_data(*, path, split, image_size, download) -> ImageData:
    ...
```

A dataset has a *kind*: ``"images"`` (``ImageData``, for noise-to-image models), ``"paired"`` (``PairedData``:
input/target pairs for Pix2Pix) or ``"unpaired"`` (``UnpairedData``: two image sets for CycleGAN).
``load_dataset`` checks the name and split, calls the loader, then resizes / converts channels of "images"
datasets if asked; paired and unpaired data are prepared by the model, which knows its crop and jitter.
``list_datasets`` reports, cheaply (file-existence checks only), which datasets are usable on this machine.

A dataset that reads the user's own files declares ``needs_folder=True`` and a ``folder_label`` saying what the
folder must hold; ``folder_dataset(kind)`` is the first such dataset of a kind (where a form's folder box and
uploaded .zip go).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable

from ..errors import DatasetError, UnknownNameError
from .image_data import ImageData
from .pairs import PairedData, UnpairedData

#: What a loader returns: ImageData for kind "images", PairedData for "paired", UnpairedData for "unpaired",
#: PhotoData (gans.data.photos) for "photos".
AnyData = ImageData | PairedData | UnpairedData
#: loader(*, path, split, image_size, download) -> AnyData
Loader = Callable[..., AnyData]
#: availability() -> (available, reason): where the files were found, or what to do to get them
Availability = Callable[[], tuple[bool, str]]
#: The kinds of data a dataset can hold (see the module docstring).
KINDS = ("images", "paired", "unpaired", "photos")


class UnknownDatasetError(UnknownNameError, DatasetError):
    """A dataset name that is not registered (catchable as either parent)."""


@dataclass(frozen=True)
class DatasetInfo:
    """What ``list_datasets`` says about one dataset on this machine."""

    name: str
    description: str
    available: bool
    reason: str  # where it was found, or why it is not available and what to do
    num_classes: int  # 0 when unlabelled or when it depends on the data (folders)
    splits: tuple[str, ...] = ("train",)
    kind: str = "images"  # "images", "paired" (Pix2Pix), "unpaired" (CycleGAN) or "photos" (the colorizer)
    needs_folder: bool = False  # it reads the user's folder or .zip: loading it needs ``path``
    folder_label: str = ""  # what that folder must hold, as a form's label ("" unless needs_folder)


@dataclass(frozen=True)
class _RegisteredDataset:
    name: str
    description: str
    num_classes: int
    splits: tuple[str, ...]
    loader: Loader
    availability: Availability
    kind: str = "images"
    needs_folder: bool = False
    folder_label: str = ""
    reads_path: bool = True


_DATASETS: dict[str, _RegisteredDataset] = {}


def register_dataset(
    name: str,
    *,
    description: str,
    num_classes: int,
    splits: tuple[str, ...] = ("train",),
    availability: Availability | None = None,
    kind: str = "images",
    needs_folder: bool = False,
    folder_label: str = "",
    reads_path: bool = True,
):
    """Decorator registering ``loader(*, path, split, image_size, download)`` under ``name``.

    The loader returns ``ImageData`` for ``kind="images"``, ``PairedData`` for ``"paired"`` and
    ``UnpairedData`` for ``"unpaired"``. ``image_size`` is a hint (folder loaders decode straight to it);
    ``load_dataset`` resizes "images" datasets afterwards anyway. ``availability`` defaults to "always
    available". ``needs_folder``: the dataset is the user's own folder or .zip (``path`` is required);
    ``folder_label`` says what it must hold. ``reads_path=False``: a built-in dataset whose loader takes no
    ``path`` (one given is refused, never silently ignored).
    """
    if kind not in KINDS:
        raise ValueError(f"dataset kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if needs_folder and not folder_label:
        raise ValueError(f"dataset {name!r} needs a folder: say what it must hold in folder_label")

    def decorator(loader: Loader) -> Loader:
        if name in _DATASETS:
            raise ValueError(f"dataset {name!r} is registered twice")
        _DATASETS[name] = _RegisteredDataset(
            name=name,
            description=description,
            num_classes=num_classes,
            splits=tuple(splits),
            loader=loader,
            availability=availability or (lambda: (True, "loaded on demand")),
            kind=kind,
            needs_folder=needs_folder,
            folder_label=folder_label,
            reads_path=reads_path,
        )
        return loader

    return decorator


def registered_datasets() -> list[DatasetInfo]:
    """Every registered dataset in registration order, without checking availability (``available`` is True and
    ``reason`` empty): what a form needs to know before asking the machine."""
    return [_info(dataset, True, "") for dataset in _DATASETS.values()]


def folder_dataset(kind: str) -> DatasetInfo | None:
    """The dataset of ``kind`` that reads the user's own folder or .zip (the first registered), or None."""
    return next((info for info in registered_datasets() if info.kind == kind and info.needs_folder), None)


def _info(dataset: _RegisteredDataset, available: bool, reason: str) -> DatasetInfo:
    return DatasetInfo(name=dataset.name, description=dataset.description, available=available, reason=reason,
                       num_classes=dataset.num_classes, splits=dataset.splits, kind=dataset.kind,
                       needs_folder=dataset.needs_folder, folder_label=dataset.folder_label)


def list_datasets(kind: str | None = None) -> list[DatasetInfo]:
    """Every registered dataset (of ``kind`` when given), in registration order, with its availability on this
    machine (no network)."""
    infos = []
    for dataset in _DATASETS.values():
        if kind is not None and dataset.kind != kind:
            continue
        try:
            available, reason = dataset.availability()
        except OSError as error:  # e.g. a data folder we may not read
            available, reason = False, f"cannot check the data folders: {error}"
        infos.append(_info(dataset, available, reason))
    return infos


def load_dataset(
    name: str,
    *,
    path: str | None = None,
    split: str = "train",
    image_size: int | None = None,
    channels: int | None = None,
    download: bool = True,
) -> AnyData:
    """Load a registered dataset into memory as uint8 ``ImageData`` (or ``PairedData`` / ``UnpairedData``).

    ``path`` is the folder or .zip for ``"folder"``, or a folder holding the files of the other datasets
    (searched instead of the usual places). For "images" datasets, when ``image_size`` or ``channels`` is
    given the images are resized / converted (``ImageData.prepare``); otherwise they keep their native size
    and channels. Paired and unpaired datasets take ``image_size`` as a decoding hint only and ignore
    ``channels``: the model calls their ``prepare(image_size, channels_a, channels_b)``.
    ``download=False`` never touches the network.
    """
    dataset = _lookup(name)
    if split not in dataset.splits:
        raise DatasetError(
            f"{dataset.name} has no split {split!r}; its splits are: {', '.join(dataset.splits)}"
        )
    # Checked before loading, so a typo does not wait for a download to be reported.
    if image_size is not None and (not isinstance(image_size, int) or image_size < 1):
        raise DatasetError(f"image_size must be a positive integer, got {image_size!r}")
    if channels is not None and channels not in (1, 3):
        raise DatasetError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
    if path and not dataset.reads_path:
        folders = ", ".join(d.name for d in _DATASETS.values() if d.needs_folder and d.kind == dataset.kind)
        raise DatasetError(f"{dataset.name} is built in and reads no path; drop the path (--data-path), or use "
                           f"{folders or 'a folder dataset'} for your own images")
    data = dataset.loader(path=path, split=split, image_size=image_size, download=download)
    if dataset.kind == "images" and (image_size is not None or channels is not None):
        data = data.prepare(image_size or data.image_size, channels or data.channels)
    return data


def _lookup(name: str) -> _RegisteredDataset:
    key = str(name).strip().lower().replace("_", "-")
    if key in _DATASETS:
        return _DATASETS[key]
    close = difflib.get_close_matches(key, _DATASETS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownDatasetError(f"unknown dataset {name!r}.{hint} Available datasets: {', '.join(_DATASETS)}.")
