"""What can be loaded: shipped checkpoints (``checkpoints/`` of the repo) and local runs (``$GANS_RUNS_DIR``).

The studio's pickers and the home page read this (listings, picker choices, the front page's grids and tables,
example commands); nothing here loads weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from . import jsonsafe
from .checkpoints import RunDir
from .errors import UnknownNameError


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
        config = jsonsafe.loads(run.config_path.read_text())
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


# ---- the front page ----------------------------------------------------------------------------------------------
TASK_WORDS = {"generate": "noise → image", "translate": "image → image", "colorize": "gray → colour",
              "upscale": "small → large", "anomaly": "image → anomaly score"}
COLORIZE_ROWS = "gray input · colorized · original"  # the rows of a colorizer run's progress grid, top to bottom
UPSCALE_ROWS = "bicubic upscale · model upscale · original"  # an upscaler run's progress grid, top to bottom
ANOMALY_ROWS = "held-out normal input · reconstruction · |difference|"  # an anomaly run's grid
# front-page order: samples, then translations, colorizations, upscales, anomaly detectors
TASK_ORDER = ("generate", "translate", "colorize", "upscale", "anomaly")
# How a run of each task is used from a terminal ({run}: its run folder)
USE_COMMANDS = {
    "generate": ["python -m gans sample {run} -n 64 -o grid.png",
                 "python -m gans interpolate {run} --seeds 1 2 --frames 16 -o walk.gif"],
    "translate": ["python -m gans translate {run} input.png -o output.png"],
    "colorize": ["python -m gans colorize photo.jpg -o colour.png --checkpoint {run}"],
    "upscale": ["python -m gans upscale photo.png -o large.png --checkpoint {run}"],
    "anomaly": ["python -m gans anomaly {run} image.png --json"],
}


def example_model(task: str = "generate") -> str:
    """The registered model that examples of ``task`` use: the default model when it is of that task, else the
    first one of the task by name."""
    from .registry import default_model, list_models

    if default_model() in list_models(task):
        return default_model()
    names = list_models(task)
    if not names:
        raise UnknownNameError(f"no registered model does {task!r}")
    return names[0]


def train_command(task: str = "generate") -> str:
    """The command that trains the example model of ``task`` on its default dataset for its default steps."""
    from .registry import model_info

    name = example_model(task)
    info = model_info(name)
    data = f" --data {info.default_dataset}" if info.default_dataset else ""
    return f"python -m gans train {name}{data} --steps {info.steps} --out runs/my-{name}"


def command_examples(task: str | None = None) -> str:
    """Example commands, one a line: listing models, then training and using a model of each task that has a
    registered model (or of ``task`` only), read from the registry so a new model's defaults show."""
    from .registry import list_models

    lines = [] if task else ["python -m gans list"]
    for name in [task] if task else [name for name in TASK_ORDER if list_models(name)]:
        lines.append(train_command(name))
        lines += [command.format(run=f"runs/my-{example_model(name)}") for command in USE_COMMANDS.get(name, [])]
    return "\n".join(lines)


def task_words(task: str) -> str:
    return TASK_WORDS.get(task, task)


def grid_rows(info: CheckpointInfo) -> str | None:
    """What the rows of a run's progress grid show, top to bottom (one example per column), for tasks whose rows
    differ: input · output · target for one-way image-to-image models, A · A → B · B · B → A for two-way ones
    (with the run's domain names when known), gray input · colorized · original for colorizers; None otherwise."""
    if info.task == "colorize":
        return COLORIZE_ROWS
    if info.task == "upscale":
        return UPSCALE_ROWS
    if info.task == "anomaly":
        return ANOMALY_ROWS
    if info.task != "translate":
        return None
    from .registry import model_class

    try:
        two_way = len(getattr(model_class(info.architecture), "directions", ("a2b",))) > 1
    except Exception:  # noqa: BLE001  an architecture this version does not know: the one-way wording
        two_way = False
    if not two_way:
        return "input · output · target"
    a, b = info.domains[:2] if len(info.domains) >= 2 else ("A", "B")
    return f"{a} · {a} → {b} · {b} · {b} → {a}"


def grid_caption(info: CheckpointInfo) -> str:
    """The checkpoint's label, and for image-to-image and colorizer runs what its grid's rows are."""
    rows = grid_rows(info)
    return f"{info.label} · {task_words(info.task)}, rows: {rows}" if rows else info.label


def showcase(checkpoints: list[CheckpointInfo], recent_runs: int = 2) -> list[CheckpointInfo]:
    """The checkpoints whose sample grids the front page shows: one shipped run per task, the first with a grid in
    the catalog's order (so the noise → image run with the lowest FD, then one image → image run, then a
    colorizer), then the ``recent_runs`` newest local runs; only those with a grid. Six variants of one task's
    grid side by side look alike; one of each shows what the studio does."""
    order = {task: index for index, task in enumerate(TASK_ORDER)}
    best: dict[str, CheckpointInfo] = {}
    for info in checkpoints:
        if info.source == "shipped" and info.task not in best and info.latest_grid is not None:
            best[info.task] = info
    shipped = sorted(best.values(), key=lambda info: order.get(info.task, len(order)))
    recent = [info for info in checkpoints if info.source != "shipped"][:recent_runs]
    return shipped + [info for info in recent if info.latest_grid is not None]


def model_rows() -> list[dict]:
    """One row per registered model: its name, task in words and the first line of its docstring."""
    from .registry import list_models, model_factory, model_task

    return [{"model": name, "task": task_words(model_task(name)),
             "what": ((model_factory(name).__doc__ or "").strip().splitlines() or [""])[0]} for name in list_models()]


def dataset_rows() -> list[dict]:
    """One row per registered dataset: name, kind, whether it is on this machine, classes, where or how to get it."""
    from .data import list_datasets

    return [{"dataset": d.name, "kind": d.kind, "available": "yes" if d.available else "no",
             "classes": str(d.num_classes or "-"), "where / how": d.reason} for d in list_datasets()]
