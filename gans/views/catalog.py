"""What the studio says about what can be loaded: the front page's grids, captions, model and dataset tables and
example commands, on top of ``gans.io.runs`` (the listing of shipped checkpoints and local runs, re-exported here
for the pages); nothing here loads weights.
"""

from __future__ import annotations

from ..errors import UnknownNameError
from ..io.runs import (
    CheckpointInfo,
    checkpoint_choices,
    describe,
    find_choice,
    list_checkpoints,
    runs_dir,
    same_folder,
    shipped_dir,
)
from ..registry import Task

__all__ = ["CheckpointInfo", "checkpoint_choices", "describe", "find_choice", "list_checkpoints", "runs_dir",
           "same_folder", "shipped_dir"]  # re-exported from gans.io.runs for the pages


# ---- the front page ----------------------------------------------------------------------------------------------
TASK_WORDS = {"generate": "noise → image", "translate": "image → image", "colorize": "gray → colour",
              "upscale": "small → large", "detect": "image → anomaly score"}
COLORIZE_ROWS = "gray input · colorized · original"  # the rows of a colorizer run's progress grid, top to bottom
UPSCALE_ROWS = "bicubic upscale · model upscale · original"  # an upscaler run's progress grid, top to bottom
ANOMALY_ROWS = "held-out normal input · reconstruction · |difference|"  # an anomaly run's grid
# front-page order: samples, then translations, colorizations, upscales, anomaly detectors
TASK_ORDER = tuple(Task)
# How a run of each task is used from a terminal ({run}: its run folder)
USE_COMMANDS = {
    "generate": ["python -m gans sample {run} -n 64 -o grid.png",
                 "python -m gans interpolate {run} --seeds 1 2 --frames 16 -o walk.gif"],
    "translate": ["python -m gans translate {run} input.png -o output.png"],
    "colorize": ["python -m gans colorize photo.jpg -o colour.png --checkpoint {run}"],
    "upscale": ["python -m gans upscale photo.png -o large.png --checkpoint {run}"],
    "detect": ["python -m gans detect {run} image.png --json"],
}


def example_model(task: str = "generate") -> str:
    """The registered model that examples of ``task`` use: the default model when it is of that task, else the
    first one of the task by name."""
    from ..registry import default_model, list_models

    if default_model() in list_models(task):
        return default_model()
    names = list_models(task)
    if not names:
        raise UnknownNameError(f"no registered model does {task!r}")
    return names[0]


def train_command(task: str = "generate") -> str:
    """The command that trains the example model of ``task`` on its default dataset for its default steps."""
    from ..registry import model_info

    name = example_model(task)
    info = model_info(name)
    data = f" --data {info.default_dataset}" if info.default_dataset else ""
    return f"python -m gans train {name}{data} --steps {info.steps} --out runs/my-{name}"


def command_examples(task: str | None = None) -> str:
    """Example commands, one a line: listing models, then training and using a model of each task that has a
    registered model (or of ``task`` only), read from the registry so a new model's defaults show."""
    from ..registry import list_models

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
    if info.task == Task.DETECT:
        return ANOMALY_ROWS
    if info.task != "translate":
        return None
    from ..registry import model_class

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
    from ..registry import list_models, model_factory, model_task

    return [{"model": name, "task": task_words(model_task(name)),
             "what": ((model_factory(name).__doc__ or "").strip().splitlines() or [""])[0]} for name in list_models()]


def dataset_rows() -> list[dict]:
    """One row per registered dataset: name, kind, whether it is on this machine, classes, where or how to get it."""
    from ..data import list_datasets

    return [{"dataset": d.name, "kind": d.kind, "available": "yes" if d.available else "no",
             "classes": str(d.num_classes or "-"), "where / how": d.reason} for d in list_datasets()]
