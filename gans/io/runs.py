"""What can be loaded: shipped checkpoints (``checkpoints/`` of the repo, or ``$GANS_CHECKPOINTS_DIR``) and local
runs (``$GANS_RUNS_DIR``, default ./runs), described from their files without loading any weights."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import jsonsafe
from .checkpoints import RunDir


def shipped_dir() -> Path:
    """The folder of pretrained runs that ship with GAN Studio (``$GANS_CHECKPOINTS_DIR`` overrides it)."""
    return Path(os.environ.get("GANS_CHECKPOINTS_DIR", Path(__file__).resolve().parents[2] / "checkpoints"))


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
        config = jsonsafe.loads(run.config_path.read_text())
        model = config["model"]
        architecture = config["architecture"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(model, dict) and isinstance(architecture, str) and isinstance(config.get("data") or {}, dict)):
        return None  # a hand-edited or damaged config.json: not a loadable run (loading it would say why)
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
    from ..registry import model_task

    try:
        return model_task(architecture)
    except Exception:  # noqa: BLE001  an architecture this version does not know: loading will say so
        return "generate"


def _class_names(config: dict) -> list[str]:
    """Class names saved with the run's data, or 0, 1, 2... when the run did not record them."""
    count = int(config["model"].get("num_classes", 0) or 0)
    names = (config.get("data") or {}).get("class_names") or []
    return [str(n) for n in names][:count] if len(names) >= count else [str(i) for i in range(count)]


def list_checkpoints(include_runs: bool = True, task: str | None = None,
                     problems: list[str] | None = None) -> list[CheckpointInfo]:
    """Shipped checkpoints first (lowest logged FD first, then by name), then local runs, newest first; only models
    of ``task`` when given ("generate": noise → image, "translate": image → image, "colorize").

    A folder whose files cannot be read (say, a log that is not text) is left out; ``problems``, when given,
    receives a message naming it."""
    found = []
    for folder, source in ((shipped_dir(), "shipped"), (runs_dir(), "run")):
        if source == "run" and not include_runs:
            continue
        infos = []
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            try:
                info = describe(path, source) if path.is_dir() else None
            except (OSError, ValueError, TypeError) as error:
                if problems is not None:
                    problems.append(f"Left out **{path.name}**: its files cannot be read ({error}).")
                continue
            if info is not None and (task is None or info.task == task):
                infos.append(info)
        if source == "shipped":  # the lowest FD measured during training first (then by name)
            infos.sort(key=lambda info: (info.lowest_fd, info.path.name))
        if source == "run":
            infos.sort(key=lambda info: info.modified, reverse=True)
        found += infos
    return found


# ---- pickers -----------------------------------------------------------------------------------------------------
def same_folder(a: str | Path, b: str | Path) -> bool:
    """Whether two spellings of a folder path name the same folder."""
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def checkpoint_choices(task: str, also: str | Path | None = None,
                       problems: list[str] | None = None) -> dict[str, CheckpointInfo]:
    """Run folder → facts of every checkpoint of ``task`` (``list_checkpoints``' order), then ``also`` (a run
    opened from elsewhere, perhaps outside the runs folder) when it is a loadable run of ``task`` not yet listed."""
    choices = {str(info.path): info for info in list_checkpoints(task=task, problems=problems)}
    if also and not any(same_folder(also, path) for path in choices):
        info = describe(also)
        if info is not None and info.task == task:
            choices[str(info.path)] = info
    return choices


def find_choice(picked: str | Path | None, choices: Iterable[str]) -> str | None:
    """The choice naming the same folder as ``picked`` (however it is spelled), or None."""
    if not picked:
        return None
    return next((path for path in choices if path == str(picked) or same_folder(picked, path)), None)
