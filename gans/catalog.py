"""What can be loaded: shipped checkpoints (``checkpoints/`` of the repo) and local runs (``$GANS_RUNS_DIR``).

The studio's pickers and the home page read this; nothing here loads weights.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .checkpoints import RunDir


def shipped_dir() -> Path:
    """The folder of pretrained runs that ship with GAN Studio (``$GANS_CHECKPOINTS_DIR`` overrides it)."""
    return Path(os.environ.get("GANS_CHECKPOINTS_DIR", Path(__file__).resolve().parents[1] / "checkpoints"))


def runs_dir() -> Path:
    """Where new training runs go: ``$GANS_RUNS_DIR`` or ./runs."""
    return Path(os.environ.get("GANS_RUNS_DIR", "runs"))


@dataclass
class CheckpointInfo:
    """A loadable run directory and the facts a picker shows about it."""

    path: Path
    source: str  # "shipped" or "run"
    architecture: str
    data: str
    step: int
    image_size: int
    channels: int
    num_classes: int
    class_names: list[str] = field(default_factory=list)
    modified: float = 0.0
    task: str = "generate"  # "translate" for image-to-image models (pix2pix, cyclegan)
    domains: list[str] = field(default_factory=list)  # names of domains A and B of a translation run, if known
    lowest_fd: float = float("inf")  # the lowest FD logged during training (inf when it measured none)

    @property
    def label(self) -> str:
        kind = "shipped" if self.source == "shipped" else "run"
        return f"{self.path.name} ({kind}: {self.architecture} on {self.data}, step {self.step})"

    @property
    def latest_grid(self) -> Path | None:
        grids = RunDir(self.path).sample_paths()
        return grids[-1] if grids else None


def describe(path: str | Path, source: str = "run") -> CheckpointInfo | None:
    """Facts about the run directory at ``path``, or None when it holds no loadable model (yet)."""
    path, run = Path(path), RunDir(path)
    try:
        config = json.loads(run.config_path.read_text())
        model = config["model"]
        architecture = config["architecture"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not run.weights_path.exists():
        return None
    events = run.read_events()
    step = next((int(event["step"]) for event in reversed(events) if "step" in event), 0)
    lowest_fd = min((e["fd"] for e in events if e.get("type") == "metric" and isinstance(e.get("fd"), (int, float))),
                    default=float("inf"))
    data = (config.get("data") or {}).get("name", "unknown")
    channels = model.get("channels", model.get("out_channels", model.get("channels_b", 0)))
    return CheckpointInfo(
        path=path, source=source, architecture=architecture, data=data, step=step,
        image_size=int(model.get("image_size", 0)), channels=int(channels or 0),
        num_classes=int(model.get("num_classes", 0) or 0), class_names=_class_names(config),
        modified=run.weights_path.stat().st_mtime, task=_task(architecture),
        domains=[str(d) for d in (config.get("data") or {}).get("domains") or []], lowest_fd=lowest_fd,
    )


def _task(architecture: str) -> str:
    from .registry import model_task

    try:
        return model_task(architecture)
    except Exception:  # noqa: BLE001  an architecture this version does not know: loading will say so
        return "generate"


def _class_names(config: dict) -> list[str]:
    """Class names saved with the run's data, or 0, 1, 2... when the run did not record them."""
    count = int(config["model"].get("num_classes", 0) or 0)
    names = (config.get("data") or {}).get("class_names") or []
    return [str(n) for n in names][:count] if len(names) >= count else [str(i) for i in range(count)]


def list_checkpoints(include_runs: bool = True, task: str | None = None) -> list[CheckpointInfo]:
    """Shipped checkpoints first (lowest logged FD first, then by name), then local runs, newest first; only models of ``task`` when given
    ("generate": noise → image, "translate": image → image)."""
    found = []
    for folder, source in ((shipped_dir(), "shipped"), (runs_dir(), "run")):
        if source == "run" and not include_runs:
            continue
        infos = [describe(p, source) for p in sorted(folder.glob("*")) if p.is_dir()] if folder.is_dir() else []
        infos = [info for info in infos if info is not None and (task is None or info.task == task)]
        if source == "shipped":  # the lowest FD measured during training first (then by name)
            infos.sort(key=lambda info: (info.lowest_fd, info.path.name))
        if source == "run":
            infos.sort(key=lambda info: info.modified, reverse=True)
        found += infos
    return found

