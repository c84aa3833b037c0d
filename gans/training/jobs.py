"""One training job per server: the studio's sessions (tabs, users) share a single ``JobManager``.

A second Start while a job runs gets ``JobBusyError`` with the running job's progress. Public deployments cap
jobs through the environment: ``GANS_MAX_STEPS`` (steps per job) and ``GANS_MAX_MINUTES`` (wall time per job,
after which the job stops and saves a checkpoint like a Stop). Which typed dataset paths a job may read is
``readable_roots`` (``GANS_DATA_ROOT``, ``GANS_PUBLIC`` / a Space's ``SPACE_ID``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DatasetError, GansError
from .api import check_job, new_run_dir
from .config import DataConfig, TrainConfig
from .process_runner import ProcessRunner
from .progress import read_progress


class JobBusyError(GansError):
    """Another training job is running on this server."""


@dataclass
class Limits:
    max_steps: int | None = None
    max_minutes: float | None = None
    max_batch_size: int | None = None

    @classmethod
    def from_env(cls) -> "Limits":
        def number(name, kind):
            raw = os.environ.get(name, "").strip()
            if not raw:
                return None
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigError(f"{name}={raw!r} is not a number") from None
            if value <= 0:
                raise ConfigError(f"{name} must be > 0, got {raw}")
            return value

        return cls(max_steps=number("GANS_MAX_STEPS", int), max_minutes=number("GANS_MAX_MINUTES", float),
                   max_batch_size=number("GANS_MAX_BATCH_SIZE", int))

    def check(self, cfg: TrainConfig) -> None:
        if self.max_steps is not None and cfg.steps > self.max_steps:
            raise ConfigError(f"this server allows at most {self.max_steps} steps per job (GANS_MAX_STEPS)")
        if self.max_batch_size is not None and cfg.batch_size > self.max_batch_size:
            raise ConfigError(f"this server allows batches of at most {self.max_batch_size} (GANS_MAX_BATCH_SIZE)")

    def describe(self) -> str:
        """The active limits in words ('' when there are none)."""
        parts = []
        if self.max_steps is not None:
            parts.append(f"at most {self.max_steps} steps")
        if self.max_batch_size is not None:
            parts.append(f"batches of at most {self.max_batch_size}")
        if self.max_minutes is not None:
            parts.append(f"{self.max_minutes:g} minutes per job")
        return ", ".join(parts)

    @property
    def max_seconds(self) -> float | None:
        return None if self.max_minutes is None else self.max_minutes * 60


def public_deployment() -> bool:
    """True on a public deployment: ``GANS_PUBLIC=1``, or a Hugging Face Space (which sets ``SPACE_ID``)."""
    flag = os.environ.get("GANS_PUBLIC", "").strip().lower()
    if flag in ("0", "false", "no"):
        return False
    return flag in ("1", "true", "yes") or bool(os.environ.get("SPACE_ID"))


def readable_roots() -> list[Path] | None:
    """The folders under which the studio may read a typed dataset path, or None for anywhere.

    The rule (README: Where the server may read): with ``GANS_DATA_ROOT`` set, that folder and the uploads folder;
    else on a public deployment only the uploads folder (what visitors uploaded); else — a person's own machine —
    anywhere. Paths are compared after resolving links and ``..``."""
    from ..io.runs import runs_dir

    uploads = (runs_dir() / "uploads").resolve()
    root = os.environ.get("GANS_DATA_ROOT", "").strip()
    if root:
        return [Path(root).expanduser().resolve(), uploads]
    return [uploads] if public_deployment() else None


def check_data_path(path: str) -> None:
    """Refuse a typed path outside the readable roots, without saying whether it exists or what is in it."""
    roots = readable_roots()
    if roots is None:
        if not Path(path).expanduser().exists():
            raise DatasetError(f"{path} does not exist; give the path of a folder or .zip of images")
        return
    resolved = Path(path).expanduser().resolve()
    if not any(resolved == root or root in resolved.parents for root in roots) or not resolved.exists():
        where = "under its data root (GANS_DATA_ROOT) or " if os.environ.get("GANS_DATA_ROOT", "").strip() else ""
        raise DatasetError(f"this server reads datasets only {where}from uploads: upload a .zip of your images "
                           "instead of typing a server path")


def check_data(data: DataConfig) -> None:
    """Cheap checks before a job starts (a known name; a folder path the server may read and that exists);
    loading happens in the job."""
    from ..data import list_datasets

    infos = {info.name: info for info in list_datasets()}
    if data.name not in infos:
        raise DatasetError(f"unknown dataset {data.name!r}; choose one of {', '.join(infos)}")
    if infos[data.name].needs_folder and not data.path:
        raise DatasetError(f"the {data.name} dataset needs the path of a folder or .zip")
    if data.path:
        check_data_path(data.path)


class JobManager:
    """Starts, stops and resumes the server's one background training job."""

    def __init__(self, limits: Limits | None = None):
        """The job runs in its own process (``ProcessRunner``), so a busy web server never slows it down and a
        browser refresh, a second tab or another user reattaches by reading its run folder."""
        self.limits = limits or Limits.from_env()
        self.runner = ProcessRunner()
        self.run_dir: Path | None = None
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self.runner.is_running()

    @property
    def stopping(self) -> bool:
        """A stop was asked for and the job is still saving its checkpoint."""
        return self.busy and self.runner.stop_requested

    def _refuse_if_busy(self) -> None:
        if self.busy:
            progress = read_progress(self.run_dir) if self.run_dir else None
            where = f" ({self.run_dir.name}, step {progress.step} of {progress.steps})" if progress else ""
            raise JobBusyError(f"a training job is already running on this server{where}; "
                               "wait for it to finish or stop it first")

    def start(self, architecture: str, data: DataConfig, cfg: TrainConfig, model_kwargs: dict | None = None) -> Path:
        """Check the settings (so the form can show errors at once), then train in the background."""
        with self._lock:
            self._refuse_if_busy()
            cfg.validate()
            self.limits.check(cfg)
            check_job(architecture, model_kwargs or {}, cfg)
            check_data(data)
            out = new_run_dir(architecture)
            self.runner.start(architecture, data, cfg, out, model_kwargs, max_seconds=self.limits.max_seconds)
            self.run_dir = out
        return out

    def resume(self, run_dir: str | Path, steps: int) -> None:
        with self._lock:
            self._refuse_if_busy()
            self.limits.check(TrainConfig(steps=steps, batch_size=1))
            self.runner.resume(run_dir, steps, max_seconds=self.limits.max_seconds)
            self.run_dir = Path(run_dir)

    def stop(self, wait: bool = False, timeout: float | None = None) -> None:
        self.runner.stop(wait=wait, timeout=timeout)

    def status(self) -> dict:
        return {**self.runner.status(), "run_dir": str(self.run_dir) if self.run_dir else None, "busy": self.busy}
