"""One training job per server: the studio's sessions (tabs, users) share a single ``JobManager``.

A second Start while a job runs gets ``JobBusyError`` with the running job's progress. Public deployments cap
jobs through the environment: ``GANS_MAX_STEPS`` (steps per job) and ``GANS_MAX_MINUTES`` (wall time per job,
after which the job stops and saves a checkpoint like a Stop).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DatasetError, GansError
from .api import check_model_arguments, new_run_dir
from .config import DataConfig, TrainConfig
from .progress import read_progress
from .process_runner import ProcessRunner


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


def check_data(data: DataConfig) -> None:
    """Cheap checks before a job starts (a known name; a folder path that exists); loading happens in the job."""
    from ..data import list_datasets

    names = [info.name for info in list_datasets()]
    if data.name not in names:
        raise DatasetError(f"unknown dataset {data.name!r}; choose one of {', '.join(names)}")
    if data.name == "folder":
        if not data.path:
            raise DatasetError("the folder dataset needs the path of a folder or .zip of images")
        if not Path(data.path).expanduser().exists():
            raise DatasetError(f"{data.path} does not exist; give the path of a folder or .zip of images")


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
            check_model_arguments(architecture, **(model_kwargs or {}))
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
