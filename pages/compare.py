"""Compare: two to four noise → image runs side by side — same-seed samples, loss curves, metric curves and a table
of final and best metrics.

Widgets → ``model.sample`` / the runs' ``events.jsonl`` → ``st.image``, ``st.plotly_chart``, ``st.dataframe``.
Models come from the shared cache (``studio.common.load_picked``); each run's log is parsed once per change of the
file (cached by its size and time). A run that vanished or a log that cannot be read is a warning, never a traceback.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import streamlit as st

import gans
from gans import explore
from gans.catalog import CheckpointInfo, describe, list_checkpoints, runs_dir, shipped_dir
from gans.images import grid_image
from gans.training.progress import RunProgress, read_progress, smooth, thin
from studio.common import load_picked
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

MAX_SEED = 2**31 - 1  # seeds stay exact in the browser's number input
MAX_RUNS = 4
GRID_SIZE = 16  # samples per unconditional grid (4 × 4); conditional grids show every class twice
CLASS_ROWS = 2
KEEP = "session"  # widget values survive a visit to another page
MISSING = "—"
PRESET_RUNS = ("dcgan-fashion-mnist", "lsgan-fashion-mnist", "wgan-gp-fashion-mnist")
PRESET_LABEL = "Shipped comparison: DCGAN vs LSGAN vs WGAN-GP (same seed; the budget of each is in its model card)"
NOT_METRICS = ("type", "step", "time")  # every other number in a metric event is a metric
# The metrics the training loop logs, in the order they are shown, with their names and which way is better.
METRICS = {"fd": ("FD", "lower"), "kid": ("KID", "lower"), "precision": ("precision", "higher"),
           "recall": ("recall", "higher"), "class_accuracy": ("class accuracy", "higher")}
COLOURS = ["#636efa", "#ef553b", "#00cc96", "#ab63fa"]  # one per run, shared by every chart


# ---- reading a run's log --------------------------------------------------------------------------------------

def history_of(progress: RunProgress) -> dict:
    """The D/G loss curves (``{"step": [...], "loss_d": [...], "loss_g": [...]}``) and the metric events
    (``[{"step": s, "fd": ...}, ...]``; a value that was not a number is NaN, an event without any number is left
    out) of a run, read as the Train page reads it (``gans.training.progress``: a resumed run's points past the
    resume step are dropped)."""
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


EMPTY_HISTORY = {"losses": {"step": [], "loss_d": [], "loss_g": []}, "metrics": []}


@st.cache_data(max_entries=64, show_spinner=False)
def run_history(run_dir: str, stamp: tuple) -> dict:
    """The run's parsed log; ``stamp`` (size and time of events.jsonl) only keys the cache. Raises ``OSError`` for
    a log that cannot be opened (lines that are not JSON events are skipped)."""
    return history_of(read_progress(run_dir))


def log_stamp(run_dir: Path) -> tuple:
    try:
        stat = gans.RunDir(run_dir).events_path.stat()
    except OSError:  # no log (yet): an empty history
        return (0, 0)
    return (stat.st_size, stat.st_mtime_ns)


def best_file(run_dir: Path) -> dict | None:
    """``best/metric.json`` (``{"step": ..., "fd": ...}``) when the run kept its best checkpoint; None otherwise.
    Raises ``ValueError`` when the file is there but unreadable."""
    path = gans.RunDir(run_dir).best.metric_path
    if not path.exists():
        return None
    try:
        best = json.loads(path.read_text())
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


def metric_names(histories: dict[str, dict]) -> list[str]:
    """Every metric any run logged: the known ones in their order, then the others by name."""
    seen = {key for history in histories.values() for event in history["metrics"] for key in event if key != "step"}
    return [name for name in METRICS if name in seen] + sorted(seen - set(METRICS))


def metric_title(name: str) -> str:
    label, better = METRICS.get(name, (name, None))
    return f"{label} ({better} is better)" if better else label


def number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"


# ---- the charts ------------------------------------------------------------------------------------------------
LAYOUT = {"height": 340, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "xaxis": {"title": {"text": "step"}},
          "legend": {"orientation": "h", "y": 1.15}}


def loss_figure(runs: dict[str, dict], weight: float) -> dict:
    """D (solid) and G (dashed) losses of every run on one chart, one colour per run, as a plotly figure dict."""
    traces = []
    for index, (name, losses) in enumerate(runs.items()):
        curves = thin({key: values if key == "step" else smooth(values, weight) for key, values in losses.items()})
        for key, label, dash in (("loss_d", "D loss", "solid"), ("loss_g", "G loss", "dash")):
            traces.append({"type": "scatter", "mode": "lines", "name": f"{name} · {label}", "legendgroup": name,
                           "x": curves["step"], "y": curves[key],
                           "line": {"color": COLOURS[index % len(COLOURS)], "dash": dash}})
    return {"data": traces, "layout": {**LAYOUT, "yaxis": {"title": {"text": "loss"}}}}


def metric_figure(metric: str, runs: dict[str, list[dict]]) -> dict:
    """One metric over training, one trace per run that logged it."""
    traces = []
    for index, (name, metrics) in enumerate(runs.items()):
        points = [(event["step"], event[metric]) for event in metrics if metric in event]
        if points:
            traces.append({"type": "scatter", "mode": "lines+markers", "name": name,
                           "x": [step for step, _ in points], "y": [value for _, value in points],
                           "line": {"color": COLOURS[index % len(COLOURS)]}})
    return {"data": traces, "layout": {**LAYOUT, "yaxis": {"title": {"text": metric_title(metric)}}}}


# ---- cached pictures -------------------------------------------------------------------------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def grid_picture(_model, model_key, seed: int):
    """The run's samples of ``seed``: a 4 × 4 grid, or every class in a column (twice) for conditional models."""
    if _model.conditional:
        classes = _model.num_classes
        labels = [index % classes for index in range(classes * CLASS_ROWS)]
        images = _model.sample(len(labels), seed=seed, labels=labels)
        nrow = classes
    else:
        images, nrow = _model.sample(GRID_SIZE, seed=seed), None
    return grid_image(images, nrow=nrow, scale=explore.display_scale(images.shape[-1], target_pixels=64))


# ---- picking runs ----------------------------------------------------------------------------------------------
def generate_runs() -> dict[str, CheckpointInfo]:
    """Path → facts of every noise → image run: shipped first (by name), then local runs newest first. When one
    run cannot be described (e.g. its log is not text), the folders are gone through one by one so only that run
    is left out, with a warning."""
    try:
        return {str(info.path): info for info in list_checkpoints(task="generate")}
    except (OSError, ValueError, TypeError):
        pass
    found: dict[str, CheckpointInfo] = {}
    for folder, source in ((shipped_dir(), "shipped"), (runs_dir(), "run")):
        infos = []
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            try:
                info = describe(path, source) if path.is_dir() else None
            except (OSError, ValueError, TypeError) as error:
                st.warning(f"Left out **{path.name}**: its files cannot be read ({error}).")
                continue
            if info is not None and info.task == "generate":
                infos.append(info)
        if source == "run":
            infos.sort(key=lambda info: info.modified, reverse=True)
        found.update({str(info.path): info for info in infos})
    return found


def run_names(infos: dict[str, CheckpointInfo]) -> dict[str, str]:
    """Path → a short name (the folder's), told apart by its source when a shipped run and a local run share it."""
    counts: dict[str, int] = {}
    for info in infos.values():
        counts[info.path.name] = counts.get(info.path.name, 0) + 1
    return {path: info.path.name if counts[info.path.name] == 1 else f"{info.path.name} ({info.source})"
            for path, info in infos.items()}


def preset_runs(infos: dict[str, CheckpointInfo]) -> tuple[list[str], list[str]]:
    """(paths of the preset's shipped runs that exist, names of those that do not)."""
    shipped = {info.path.name: path for path, info in infos.items() if info.source == "shipped"}
    return [shipped[name] for name in PRESET_RUNS if name in shipped], [n for n in PRESET_RUNS if n not in shipped]


def use_preset(paths: list[str]) -> None:
    st.session_state["compare_runs"] = list(paths)


def pick_runs(infos: dict[str, CheckpointInfo]) -> list[str]:
    """The picked run folders (possibly fewer than two or more than four: the caller says so)."""
    preset, missing = preset_runs(infos)
    picked = st.session_state.get("compare_runs")
    if picked is None:  # first visit: the preset when it is there, else the first two runs
        st.session_state["compare_runs"] = preset if len(preset) >= 2 else list(infos)[:2]
    else:
        gone = [path for path in picked if path not in infos]
        if gone:
            st.warning(f"No longer available (deleted or without a saved model): "
                       f"{', '.join(Path(path).name for path in gone)}. Comparing the other runs.")
            st.session_state["compare_runs"] = [path for path in picked if path in infos]
    if len(preset) >= 2:
        st.button(PRESET_LABEL, key="compare_preset", icon=":material/compare_arrows:", on_click=use_preset,
                  args=(preset,), help="Selects the shipped runs " + ", ".join(Path(p).name for p in preset))
        if missing:
            st.caption(f"Not shipped yet: {', '.join(missing)}.")
    else:
        st.caption(f"{PRESET_LABEL}: not available yet; it needs the shipped runs {', '.join(PRESET_RUNS)} in "
                   "checkpoints/" + (f" ({', '.join(missing)} missing)." if len(missing) < len(PRESET_RUNS) else "."))
    return st.multiselect("Runs", list(infos), key="compare_runs", persist_state=KEEP,
                          format_func=lambda path: infos[path].label,
                          help=f"Two to {MAX_RUNS} noise → image runs: shipped checkpoints and your local runs")


def load_runs(paths: list[str], names: dict[str, str]) -> dict[str, tuple]:
    """name → (model, CheckpointInfo) for the runs that load; a warning for each that does not."""
    loaded = {}
    for path in paths:
        try:
            loaded[names[path]] = load_picked(path, False)
        except (gans.GansError, OSError, ValueError, TypeError) as error:  # e.g. deleted since it was listed
            st.warning(f"Could not load **{names[path]}**: {error}")
    return loaded


def read_histories(loaded: dict[str, tuple]) -> dict[str, dict]:
    """name → parsed log; an unreadable log is a warning and an empty history."""
    histories = {}
    for name, (_, info) in loaded.items():
        try:
            histories[name] = run_history(str(info.path), log_stamp(info.path))
        except (OSError, ValueError, OverflowError) as error:  # e.g. no permission to read it
            st.warning(f"Could not read the training log of **{name}** ({error}); its curves are left out.")
            histories[name] = EMPTY_HISTORY
    return histories


# ---- the sections ----------------------------------------------------------------------------------------------
def sample_grids(loaded: dict[str, tuple], seed: int) -> None:
    for column, (name, (model, info)) in zip(st.columns(len(loaded)), loaded.items()):
        with column:
            try:
                picture = grid_picture(model, (str(info.path), info.modified), seed)
            except gans.GansError as error:
                st.error(f"{name}: {error}")
                continue
            st.image(picture, caption=name, output_format="PNG")
            classes = f" · {info.num_classes} classes, one per column" if info.num_classes else ""
            st.caption(f"{info.architecture} · {info.data} · step {info.step:,}{classes}")


def loss_section(histories: dict[str, dict]) -> None:
    st.subheader("Losses")
    weight = st.slider("Smoothing", 0.0, 0.99, 0.6, 0.01, key="compare_smoothing", persist_state=KEEP)
    with_losses = {name: history["losses"] for name, history in histories.items() if history["losses"]["step"]}
    if with_losses:
        st.plotly_chart(loss_figure(with_losses, weight), key="compare_loss_chart")
    without = [name for name in histories if name not in with_losses]
    if without:
        st.caption(f"No loss curves logged: {', '.join(without)}.")
    st.caption("D loss solid, G loss dashed. Losses of different objectives (WGAN critic vs BCE vs least squares) "
               "are on different scales: compare their trends, not their values.")


def metric_section(histories: dict[str, dict]) -> None:
    st.subheader("Metrics")
    names = metric_names(histories)
    with_metrics = {name: history["metrics"] for name, history in histories.items() if history["metrics"]}
    without = [name for name in histories if name not in with_metrics]
    if without:
        st.caption(f"No metric events in the log of {', '.join(without)} (metrics are logged when training "
                   "evaluates them; older runs have none).")
    if not names:
        return
    for tab, metric in zip(st.tabs([metric_title(metric) for metric in names]), names):
        with tab:
            st.plotly_chart(metric_figure(metric, with_metrics), key=f"compare_metric_{metric}")


def summary_table(loaded: dict[str, tuple], histories: dict[str, dict]) -> None:
    st.subheader("Final and best metrics")
    names = [name for name in METRICS if name != "class_accuracy"]
    names += [name for name in metric_names(histories) if name not in names]
    rows = []
    for run, (_, info) in loaded.items():
        metrics = histories[run]["metrics"]
        final = final_metrics(metrics)
        best = best_fd(metrics)
        try:
            saved = best_file(info.path)
        except ValueError as error:
            st.warning(f"{run}: {error}")
            saved = None
        if best is None and saved is not None:
            best = (saved["fd"], saved["step"])
        elif best is not None and saved is not None and (saved["step"], saved["fd"]) != (best[1], best[0]):
            st.caption(f"{run}: best/metric.json says FD {number(saved['fd'])} at step {saved['step']:,}; "
                       f"the log's best is shown.")
        row = {"run": run, "model": info.architecture, "dataset": info.data, "steps": f"{info.step:,}"}
        row.update({f"final {METRICS.get(name, (name,))[0]}": number(final.get(name)) for name in names})
        row["best FD"] = number(best[0]) if best else MISSING
        row["best FD step"] = f"{best[1]:,}" if best else MISSING
        rows.append(row)
    st.dataframe(rows, hide_index=True, key="compare_table")
    st.caption("Final = the last metric event of the run; best FD = the lowest FD over its metric events.")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Compare")
st.caption("Two to four noise → image runs side by side: the same seed's samples, the loss and metric curves, and "
           "their final and best metrics.")

infos = generate_runs()
names = run_names(infos)
if len(infos) < 2:
    st.info("Comparing needs at least two noise → image runs. Train some on the Train page, or from a terminal: "
            "`python -m gans train dcgan --steps 2000`.")
    st.stop()

picked = pick_runs(infos)
if len(picked) < 2:
    st.info("Pick at least two runs to compare.")
    st.stop()
if len(picked) > MAX_RUNS:
    st.error(f"Pick at most {MAX_RUNS} runs: {len(picked)} are picked. Remove {len(picked) - MAX_RUNS}.")
    st.stop()

loaded = load_runs(picked, names)
if not loaded:
    st.stop()

st.subheader("Samples")
seed = int(st.number_input("Seed", 0, MAX_SEED, 0, key="compare_seed", persist_state=KEEP,
                           help="Every run draws from the same noise of this seed"))
sample_grids(loaded, seed)
histories = read_histories(loaded)
loss_section(histories)
metric_section(histories)
summary_table(loaded, histories)
