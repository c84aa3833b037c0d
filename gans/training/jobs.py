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

from ..errors import ConfigError, GansError
from .api import build_model, new_run_dir
from .config import DataConfig, TrainConfig
from .progress import read_progress
from .runner import Runner


class JobBusyError(GansError):
    """Another training job is running on this server."""


@dataclass
class Limits:
    max_steps: int | None = None
    max_minutes: float | None = None

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

        return cls(max_steps=number("GANS_MAX_STEPS", int), max_minutes=number("GANS_MAX_MINUTES", float))

    def check_steps(self, steps: int) -> None:
        if self.max_steps is not None and steps > self.max_steps:
            raise ConfigError(f"this server allows at most {self.max_steps} steps per job (GANS_MAX_STEPS)")

    @property
    def max_seconds(self) -> float | None:
        return None if self.max_minutes is None else self.max_minutes * 60


class JobManager:
    """Starts, stops and resumes the server's one background training job."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits.from_env()
        self.runner = Runner()
        self.run_dir: Path | None = None
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self.runner.is_running()

    def _refuse_if_busy(self) -> None:
        if self.busy:
            progress = read_progress(self.run_dir) if self.run_dir else None
            where = f" ({self.run_dir.name}, step {progress.step} of {progress.steps})" if progress else ""
            raise JobBusyError(f"a training job is already running on this server{where}; "
                               "wait for it to finish or stop it first")

    def start(self, architecture: str, data: DataConfig, cfg: TrainConfig, model_kwargs: dict | None = None) -> Path:
        """Check the settings (so the form can show errors at once), then train in the background."""
        cfg.validate()
        self.limits.check_steps(cfg.steps)
        build_model(architecture, cfg.seed, **(model_kwargs or {}))  # raises ConfigError for bad arguments
        with self._lock:
            self._refuse_if_busy()
            out = new_run_dir(architecture)
            self.runner.start(architecture, data, cfg, out, model_kwargs, max_seconds=self.limits.max_seconds)
            self.run_dir = out
        return out

    def resume(self, run_dir: str | Path, steps: int) -> None:
        self.limits.check_steps(steps)
        with self._lock:
            self._refuse_if_busy()
            self.runner.resume(run_dir, steps, max_seconds=self.limits.max_seconds)
            self.run_dir = Path(run_dir)

    def stop(self, wait: bool = False, timeout: float | None = None) -> None:
        self.runner.stop(wait=wait, timeout=timeout)

    def status(self) -> dict:
        return {**self.runner.status(), "run_dir": str(self.run_dir) if self.run_dir else None, "busy": self.busy}
