"""Where dataset files are looked for: ``$GANS_DATA_DIR``, system folders, then the download cache.

Environment variables are read on every call, so a change (or a test's monkeypatch) takes effect at once.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "GANS_DATA_DIR"
CACHE_DIR_VARIABLE = "GANS_CACHE_DIR"
MIRROR_VARIABLE = "GANS_DATASET_MIRROR"
DEFAULT_CACHE_DIR = "~/.cache/gans"


def user_data_dir() -> Path | None:
    """``$GANS_DATA_DIR``, where users put dataset files themselves; ``None`` when unset or empty."""
    value = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Root of the library's cache: ``$GANS_CACHE_DIR``, default ``~/.cache/gans``."""
    value = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    return Path(value or DEFAULT_CACHE_DIR).expanduser()


def download_dir(dataset_name: str) -> Path:
    """Folder that downloads of ``dataset_name`` go to (created on first download, not here)."""
    return cache_dir() / "datasets" / dataset_name


def mirror_url() -> str | None:
    """``$GANS_DATASET_MIRROR`` without a trailing slash; ``None`` when unset."""
    value = os.environ.get(MIRROR_VARIABLE, "").strip()
    return value.rstrip("/") or None


def search_dirs(dataset_name: str, system_dirs: tuple[str, ...] = ()) -> list[Path]:
    """Folders to look in, in order: ``$GANS_DATA_DIR/<name>``, ``system_dirs``, the download cache."""
    dirs = []
    data_dir = user_data_dir()
    if data_dir is not None:
        dirs.append(data_dir / dataset_name)
    dirs.extend(Path(folder) for folder in system_dirs)
    dirs.append(download_dir(dataset_name))
    return dirs
