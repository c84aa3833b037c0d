"""Downloading dataset files into the cache, safely.

- Sources are the official URLs, checked against their known MD5, or ``$GANS_DATASET_MIRROR`` (files at
  ``<mirror>/<dataset-name>/<filename>``), whose files are not MD5-checked but must parse. An official file
  whose MD5 is not known (``RemoteFile.md5`` None) is treated like a mirror's: it must parse.
- A download goes to a temporary file next to its destination and is renamed only once complete and checked,
  so an interrupted or failed download leaves nothing behind.
- Only the standard library (urllib) is used.
- ``find_or_download``: a dataset at a given path, else in the search folders (``$GANS_DATA_DIR``, the cache),
  else downloaded; readers only say how to recognise their files there (a ``SourceFinder``).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import DatasetError
from .locations import download_dir, mirror_url, search_dirs, user_data_dir

TIMEOUT_SECONDS = 30
CHUNK_BYTES = 1 << 20
# Far above the largest official file (CIFAR-10, 170 MB): a misbehaving server cannot fill the disk.
MAX_DOWNLOAD_BYTES = 1 << 30
USER_AGENT = "gans-data/1.0 (python urllib)"

#: check(path, display_name) raises DatasetError when a downloaded file does not parse
FileCheck = Callable[[Path, str], None]


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name, the official URLs to try in order, and its known MD5.

    ``md5=None`` when the publisher gives none: the download is not MD5-checked, but it must pass the
    dataset's parse check instead.
    """

    filename: str
    urls: tuple[str, ...]
    md5: str | None


class _DownloadFailed(Exception):
    """One URL could not be fetched; the message is a short reason."""


def manual_setup_hint(
    dataset_name: str,
    filenames: list[str],
    apt_package: str | None = None,
    instead: str = "the embedded 'fashion-mnist-mini' dataset",
) -> str:
    """The 'what to do' sentence shared by every 'dataset not found / not downloadable' message.

    ``instead`` names the dataset that works offline to suggest in its place.
    """
    data_dir = user_data_dir()
    where = f"$GANS_DATA_DIR/{dataset_name}/" + (f" (here {data_dir / dataset_name})" if data_dir else "")
    options = [f"put the official files ({', '.join(filenames)}) in {where}"]
    if apt_package:
        options.append(f"run `apt install {apt_package}`")
    options.append(f"use {instead}")
    return "To fix: " + ", or ".join(options) + "."


def describe_source(dataset_name: str, remote_files: list[RemoteFile]) -> str:
    """Where files of ``dataset_name`` would be downloaded from (for availability reports)."""
    mirror = mirror_url()
    if mirror:
        return f"{mirror}/{dataset_name}/"
    return remote_files[0].urls[0].rsplit("/", 1)[0] + "/"


def download_dataset_files(
    dataset_name: str, remote_files: list[RemoteFile], *, check: FileCheck, hint: str
) -> Path:
    """Download the files of ``remote_files`` that are not yet in the cache; return the cache folder.

    Raises ``DatasetError`` (with ``hint`` saying what to do instead) when any file cannot be downloaded.
    """
    target_dir = download_dir(dataset_name)
    mirror = mirror_url()
    for remote in remote_files:
        destination = target_dir / remote.filename
        if destination.is_file():
            continue
        if mirror:
            urls, md5 = (f"{mirror}/{dataset_name}/{remote.filename}",), None
        else:
            urls, md5 = remote.urls, remote.md5
        reasons = []
        for url in urls:
            try:
                # An MD5-verified official file needs no parse check; a mirror's file, or one of unknown MD5, does.
                _download(url, destination, md5=md5, check=None if md5 else check)
                break
            except _DownloadFailed as failure:
                reasons.append(str(failure))
        else:
            raise DatasetError(f"Could not download {dataset_name} ({'; '.join(reasons)}). {hint}")
    return target_dir


def _download(url: str, destination: Path, *, md5: str | None, check: FileCheck | None) -> None:
    """Fetch ``url`` into ``destination`` atomically: a temp file renamed into place once verified."""
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    except OSError as error:
        raise DatasetError(
            f"cannot write to the download cache {destination.parent} ({error.strerror or error}); "
            "set GANS_CACHE_DIR to a writable folder"
        ) from None
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as output:
            digest = _copy_url_to(url, output)
        if md5 is not None and digest != md5:
            raise _DownloadFailed(f"{url} has MD5 {digest}, expected {md5}")
        if check is not None:
            try:
                check(temp_path, url)
            except DatasetError as error:
                raise _DownloadFailed(str(error)) from None
        os.replace(temp_path, destination)
    finally:
        # Also runs on Ctrl-C: no partial file survives. After os.replace the temp name no longer exists.
        temp_path.unlink(missing_ok=True)


def _copy_url_to(url: str, output) -> str:
    """Stream ``url`` into the open binary file ``output``; return the MD5 hex digest of what was written."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            declared_length = response.headers.get("Content-Length")
            while chunk := response.read(CHUNK_BYTES):
                received += len(chunk)
                if received > MAX_DOWNLOAD_BYTES:
                    raise _DownloadFailed(f"{url} is larger than {MAX_DOWNLOAD_BYTES >> 20} MB")
                digest.update(chunk)
                output.write(chunk)
    except urllib.error.HTTPError as error:
        raise _DownloadFailed(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _DownloadFailed(f"{url}: {error.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        # OSError covers timeouts and reset connections; ValueError a malformed URL (e.g. a bad mirror value).
        raise _DownloadFailed(f"{url}: {error or type(error).__name__}") from None
    if declared_length is not None and declared_length.isdigit() and received != int(declared_length):
        raise _DownloadFailed(f"{url}: connection closed after {received} of {declared_length} bytes")
    return digest.hexdigest()


# ---- finding a dataset on this machine, or downloading it ------------------------------------------------

#: find(location) -> the file or folder holding the dataset at ``location``, or None
SourceFinder = Callable[[Path], Path | None]


def find_on_machine(dataset_name: str, find: SourceFinder) -> Path | None:
    """The dataset's source in the first search folder that holds it (``$GANS_DATA_DIR``, then the download
    cache), or None."""
    for folder in search_dirs(dataset_name):
        source = find(folder)
        if source is not None:
            return source
    return None


def find_or_download(
    dataset_name: str,
    find: SourceFinder,
    remote_files: list[RemoteFile],
    *,
    path: str | Path | None,
    download: bool,
    check: FileCheck,
    hint: str,
    expected: str,
) -> Path:
    """Where the dataset's files are: at ``path`` if given, else in the search folders, else downloaded.

    ``find`` recognises the dataset at a location (see ``SourceFinder``); ``expected`` says what it looks for
    (for the message when ``path`` holds nothing); ``check`` and ``hint`` are as in ``download_dataset_files``.
    """
    if path is not None:
        location = Path(path).expanduser()
        source = find(location) if location.exists() else None
        if source is None:
            raise DatasetError(f"no {dataset_name} files at {location}: expected {expected}")
        return source
    source = find_on_machine(dataset_name, find)
    if source is not None:
        return source
    if not download:
        raise DatasetError(f"{dataset_name} is not on this machine and download=False. {hint}")
    folder = download_dataset_files(dataset_name, remote_files, check=check, hint=hint)
    source = find(folder)
    if source is None:  # the downloaded files passed their check, so this means a bug in ``find``
        raise DatasetError(f"{dataset_name} was downloaded to {folder} but its files are not recognised there")
    return source
