"""Comparing noise-to-image runs: the default pick, same-seed grids, loss and metric curves, final and best metrics.

The studio's Compare page calls these; so can a notebook. Nothing here knows about Streamlit: figures are plain
plotly figure dicts and tables are lists of row dicts.

>>> infos = {str(info.path): info for info in list_checkpoints(task="generate")}
>>> runs = {info.path.name: info for info in infos.values()}
>>> histories, problems = read_histories(runs)
>>> rows, notes = summary_rows({name: (info, histories[name]) for name, info in runs.items()})
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable

from ..io import jsonsafe
from ..io.checkpoints import RunDir
from ..io.images import grid_image
from ..tasks.explore import display_scale
from ..training.progress import RunProgress, read_progress, smooth, thin
from .catalog import CheckpointInfo

MAX_RUNS = 4  # runs side by side
GRID_SIZE = 16  # samples per unconditional grid (4 × 4); conditional grids show every class twice
CLASS_ROWS = 2
MISSING = "—"
NOT_METRICS = ("type", "step", "time")  # every other number in a metric event is a metric
# The metrics the training loop logs, in the order they are shown, with their names and which way is better.
METRICS = {"fd": ("FD", "lower"), "kid": ("KID", "lower"), "precision": ("precision", "higher"),
           "recall": ("recall", "higher"), "class_accuracy": ("class accuracy", "higher")}
COLOURS = ["#636efa", "#ef553b", "#00cc96", "#ab63fa"]  # one per run, shared by every chart
LAYOUT = {"height": 340, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "xaxis": {"title": {"text": "step"}},
          "legend": {"orientation": "h", "y": 1.15}}

# The shipped comparison: the same generator trained with three objectives (each one's budget: its model card).
SHIPPED_COMPARISON = ("dcgan-fashion-mnist", "lsgan-fashion-mnist", "wgan-gp-fashion-mnist")
SHIPPED_COMPARISON_LABEL = ("Shipped comparison: DCGAN vs LSGAN vs WGAN-GP (same seed; the budget of each is in "
                            "its model card)")
LOSS_SCALES_NOTE = ("One panel per run, each on its own loss scale: a WGAN critic's loss (hundreds) would flatten a "
                    "BCE or least-squares loss (around 1) on a shared axis. D loss solid, G loss dashed; compare "
                    "their trends, not their values.")
LOSS_PANEL_HEIGHT = 280  # pixels per row of loss panels (two panels a row)


# ---- which runs --------------------------------------------------------------------------------------------------
def shipped_comparison(infos: dict[str, CheckpointInfo]) -> tuple[list[str], list[str]]:
    """(paths of the shipped comparison's runs that are in ``infos``, names of those that are not)."""
    shipped = {info.path.name: path for path, info in infos.items() if info.source == "shipped"}
    return ([shipped[name] for name in SHIPPED_COMPARISON if name in shipped],
            [name for name in SHIPPED_COMPARISON if name not in shipped])


def default_pick(infos: dict[str, CheckpointInfo]) -> list[str]:
    """The runs compared on a first visit: the shipped comparison when at least two of its runs are there, else
    the first two runs listed."""
    preset, _ = shipped_comparison(infos)
    return preset if len(preset) >= 2 else list(infos)[:2]


def run_names(infos: dict[str, CheckpointInfo]) -> dict[str, str]:
    """Path → a short name (the folder's), told apart by its source when a shipped run and a local run share it."""
    counts: dict[str, int] = {}
    for info in infos.values():
        counts[info.path.name] = counts.get(info.path.name, 0) + 1
    return {path: info.path.name if counts[info.path.name] == 1 else f"{info.path.name} ({info.source})"
            for path, info in infos.items()}


def pick_problem(count: int) -> str | None:
    """Why ``count`` picked runs cannot be compared, or None when they can."""
    if count < 2:
        return "Pick at least two runs to compare."
    if count > MAX_RUNS:
        return f"Pick at most {MAX_RUNS} runs: {count} are picked. Remove {count - MAX_RUNS}."
    return None


# ---- the pictures ------------------------------------------------------------------------------------------------
def comparison_grid(model, seed: int):
    """The run's samples of ``seed`` as a PIL grid: 4 × 4, or every class in a column (twice) for conditional
    models, enlarged to about 64 px per sample."""
    if model.conditional:
        labels = [index % model.num_classes for index in range(model.num_classes * CLASS_ROWS)]
        images, nrow = model.sample(len(labels), seed=seed, labels=labels), model.num_classes
    else:
        images, nrow = model.sample(GRID_SIZE, seed=seed), None
    return grid_image(images, nrow=nrow, scale=display_scale(images.shape[-1], target_pixels=64))


def grid_caption(info: CheckpointInfo) -> str:
    classes = f" · {info.num_classes} classes, one per column" if info.num_classes else ""
    return f"{info.architecture} · {info.data} · step {info.step:,}{classes}"


# ---- reading a run's log ---------------------------------------------------------------------------------------
EMPTY_HISTORY = {"losses": {"step": [], "loss_d": [], "loss_g": []}, "metrics": []}


def history_of(progress: RunProgress) -> dict:
    """The D/G loss curves (``{"step": [...], "loss_d": [...], "loss_g": [...]}``) and the metric events
    (``[{"step": s, "fd": ...}, ...]``; a value that was not a number is NaN, an event without any finite number is
    left out) of a run read by ``gans.training.progress`` (a resumed run's points past the resume step dropped)."""
    curves = progress.curves
    steps = curves.get("step", [])
    losses = {key: list(curves.get(key, [math.nan] * len(steps))) for key in ("loss_d", "loss_g")}
    metrics = []
    columns = {key: values for key, values in progress.metrics.items() if key not in NOT_METRICS}
    for index, step in enumerate(progress.metrics.get("step", [])):
        values = {key: values[index] for key, values in columns.items()}
        if any(math.isfinite(value) for value in values.values()):  # a NaN FD of a diverged run stays a NaN
            metrics.append({"step": int(step), **values})
    return {"losses": {"step": [int(step) for step in steps], **losses}, "metrics": metrics}


def read_histories(runs: dict[str, CheckpointInfo]) -> tuple[dict[str, dict], list[str]]:
    """Name → parsed log of each run (read incrementally, so rereading an unchanged log is cheap), and a message
    for each log that cannot be read (that run gets an empty history)."""
    histories, problems = {}, []
    for name, info in runs.items():
        try:
            histories[name] = history_of(read_progress(info.path))
        except (OSError, ValueError, OverflowError) as error:  # e.g. no permission to read it
            problems.append(f"Could not read the training log of **{name}** ({error}); its curves are left out.")
            histories[name] = EMPTY_HISTORY
    return histories, problems


def saved_best(run_dir: str | Path) -> dict | None:
    """``best/metric.json`` (``{"step": ..., "fd": ...}``) when the run kept its best checkpoint; None otherwise.
    Raises ``ValueError`` when the file is there but unreadable."""
    path = RunDir(run_dir).best.metric_path
    if not path.exists():
        return None
    try:
        best = jsonsafe.loads(path.read_text())
        return {"step": int(best["step"]), "fd": float(best["fd"])}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is unreadable ({error})") from None


def final_metrics(metrics: list[dict]) -> dict[str, float]:
    """The last logged value of each metric."""
    final: dict[str, float] = {}
    for event in metrics:
        final.update({key: value for key, value in event.items() if key != "step"})
    return final


def best_fd(metrics: list[dict]) -> tuple[float, int] | None:
    """(lowest FD, the first step it was reached at) over the metric events, or None without a finite FD."""
    scored = [(event["fd"], event["step"]) for event in metrics if math.isfinite(event.get("fd", math.nan))]
    return min(scored, key=lambda pair: pair[0]) if scored else None


def metric_names(histories: Iterable[dict]) -> list[str]:
    """Every metric any of the histories logged: the known ones in their order, then the others by name."""
    seen = {key for history in histories for event in history["metrics"] for key in event if key != "step"}
    return [name for name in METRICS if name in seen] + sorted(seen - set(METRICS))


def metric_title(name: str) -> str:
    """A metric's display name and which way is better: "FD (lower is better)"."""
    label, better = METRICS.get(name, (name, None))
    return f"{label} ({better} is better)" if better else label


def number(value: float | None) -> str:
    """A metric for a table: 4 significant digits, thousands separated from 10,000 on, a dash when missing."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"


# ---- the charts --------------------------------------------------------------------------------------------------
def loss_figure(runs: dict[str, dict], weight: float) -> dict:
    """Name → loss curves: the D (solid) and G (dashed) losses of each run in a panel of its own, with its own y
    axis (small multiples, two a row), smoothed with ``weight`` (exponential moving average), one colour per run, as
    a plotly figure dict. Objectives have different scales (a WGAN critic's loss runs to hundreds, BCE stays near
    1): on one shared axis the largest would flatten the others to a line."""
    columns = min(len(runs), 2) or 1
    rows = -(-len(runs) // columns) or 1
    traces, annotations = [], []
    layout = {**LAYOUT, "height": LOSS_PANEL_HEIGHT * rows + 60, "showlegend": True,
              "margin": {**LAYOUT["margin"], "t": 50},  # room for the first row's titles below the chart's toolbar
              "grid": {"rows": rows, "columns": columns, "pattern": "independent", "roworder": "top to bottom",
                       "xgap": 0.12, "ygap": 0.3}}
    for index, (name, losses) in enumerate(runs.items()):
        suffix = "" if index == 0 else str(index + 1)  # plotly's axis names: x, x2, x3 ...
        colour = COLOURS[index % len(COLOURS)]
        curves = thin({key: values if key == "step" else smooth(values, weight) for key, values in losses.items()})
        for key, label, dash in (("loss_d", "D loss", "solid"), ("loss_g", "G loss", "dash")):
            traces.append({"type": "scatter", "mode": "lines", "name": f"{name} · {label}", "legendgroup": name,
                           "x": curves["step"], "y": curves[key], "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                           "line": {"color": colour, "dash": dash}})
        layout[f"xaxis{suffix}"] = {"title": {"text": "step"}}
        layout[f"yaxis{suffix}"] = {"title": {"text": "loss"}}
        annotations.append({"text": f"<b>{name}</b>", "showarrow": False, "xref": f"x{suffix} domain",
                            "yref": f"y{suffix} domain", "x": 0.5, "y": 1.0, "xanchor": "center",
                            "yanchor": "bottom", "font": {"color": colour}})
    layout["annotations"] = annotations
    layout["legend"] = {"orientation": "h", "y": -0.12 - 0.05 * rows}  # below the panels, clear of their titles
    return {"data": traces, "layout": layout}


def metric_figure(metric: str, runs: dict[str, list[dict]]) -> dict:
    """Name → metric events: one metric over training, one trace per run that logged it."""
    traces = []
    for index, (name, metrics) in enumerate(runs.items()):
        points = [(event["step"], event[metric]) for event in metrics if metric in event]
        if points:
            traces.append({"type": "scatter", "mode": "lines+markers", "name": name,
                           "x": [step for step, _ in points], "y": [value for _, value in points],
                           "line": {"color": COLOURS[index % len(COLOURS)]}})
    return {"data": traces, "layout": {**LAYOUT, "yaxis": {"title": {"text": metric_title(metric)}}}}


# ---- the table ---------------------------------------------------------------------------------------------------
def dataset_note(runs: dict[str, CheckpointInfo]) -> str | None:
    """Why the runs' FDs are not comparable, when they are not: FD is measured against each run's own dataset (a
    mini subset and the full dataset, or two datasets, give FDs on different footing). None when every run trained
    on one dataset."""
    by_dataset: dict[str, list[str]] = {}
    for name, info in runs.items():
        by_dataset.setdefault(info.data or "unknown data", []).append(name)
    if len(by_dataset) < 2:
        return None
    groups = "; ".join(f"{data}: {', '.join(names)}" for data, names in by_dataset.items())
    return (f"Not comparable across datasets: FD, KID, precision and recall are measured against each run's own "
            f"training data ({groups}). Compare these numbers only between runs of one dataset.")


def summary_rows(runs: dict[str, tuple[CheckpointInfo, dict]]) -> tuple[list[dict], list[tuple[str, str]]]:
    """Name → (facts, history) of each run → one table row per run (model, dataset, steps, the final value of each
    metric, the best FD and its step) and notes as (kind, text),
    kind a Streamlit call: a "warning" when the runs trained on different datasets (``dataset_note``) or for an
    unreadable ``best/metric.json``, a "caption" when that file disagrees with the log (whose best is shown)."""
    histories = [history for _, history in runs.values()]
    across = dataset_note({run: info for run, (info, _) in runs.items()})
    names = [name for name in METRICS if name != "class_accuracy"]
    names += [name for name in metric_names(histories) if name not in names]
    rows, notes = [], [("warning", across)] if across else []
    for run, (info, history) in runs.items():
        final, best = final_metrics(history["metrics"]), best_fd(history["metrics"])
        try:
            saved = saved_best(info.path)
        except ValueError as error:
            notes.append(("warning", f"{run}: {error}"))
            saved = None
        if best is None and saved is not None:
            best = (saved["fd"], saved["step"])
        elif best is not None and saved is not None and (saved["step"], saved["fd"]) != (best[1], best[0]):
            notes.append(("caption", f"{run}: best/metric.json says FD {number(saved['fd'])} at step "
                                     f"{saved['step']:,}; the log's best is shown."))
        row = {"run": run, "model": info.architecture, "dataset": info.data, "steps": f"{info.step:,}"}
        row.update({f"final {METRICS.get(name, (name,))[0]}": number(final.get(name)) for name in names})
        row["best FD"] = number(best[0]) if best else MISSING
        row["best FD step"] = f"{best[1]:,}" if best else MISSING
        rows.append(row)
    return rows, notes
