"""A training run as the studio shows it while it runs: which run to watch, its settings in one line, its loss
and FD curves as plain plotly figure dicts, and times in words. Reads what ``gans.training.progress`` and the run
folder hold; no Streamlit.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import GansError
from ..training.progress import format_eta, smooth, thin


def watched_run(status: dict, session_run: str | None = None) -> Path | None:
    """The run the Train page shows first: the server's job, running or ended (its run folder says how it
    ended), so every tab, a refresh and every visitor agree until someone starts a new one; else this session's
    last run (``session_run``: the server restarted, or the job's folder is gone). Only folders that exist: a job
    that ended before writing anything leaves no run to show. While a job runs, only its folder.
    ``status``: ``JobManager.status()``."""
    candidates = [status.get("run_dir")] if status.get("busy") else [status.get("run_dir"), session_run]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def shown_run(manager, session_run: str | None = None) -> tuple[dict, Path | None, bool]:
    """``manager``'s status (``training.jobs.JobManager``), the run to show first (``watched_run``) and whether
    that run is the job now running."""
    status = manager.status()
    run_dir = watched_run(status, session_run)
    return status, run_dir, bool(status.get("busy")) and manager.run_dir == run_dir


def run_task(config: dict) -> str:
    """The run's task from its config: "generate", "translate", "colorize" or "upscale" ("generate" for an architecture
    this version lacks)."""
    from ..registry import model_task

    try:
        return model_task(config.get("architecture", ""))
    except GansError:
        return "generate"


def run_summary(config: dict) -> str:
    """One line with the run's model and training settings (the form may show other values); "" without a
    config."""
    if not config:
        return ""
    train, data = config.get("train", {}), config.get("data", {})
    precision = train.get("precision_used") or train.get("precision")
    return (f"{config.get('architecture')} on {data.get('name')} · {train.get('steps')} steps · batch "
            f"{train.get('batch_size')} · {config.get('model', {}).get('image_size')} px · seed {train.get('seed')}"
            + (f" · {precision}" if precision else ""))


def grid_title(progress) -> str:
    """What the run's newest grid is, by the run's state: "Final grid" of a finished run, "Last grid (stopped at
    step N)" of one stopped early (or interrupted, or failed), "Grid at step N" while it runs."""
    if progress.state == "finished":
        return "Final grid"
    if progress.state in ("stopped", "interrupted", "error"):
        how = {"stopped": "stopped", "interrupted": "interrupted", "error": "failed"}[progress.state]
        return f"Last grid ({how} at step {progress.step:,})"
    return f"Grid at step {progress.step:,}"


def loss_figure(curves: dict, weight: float) -> dict:
    """The D and G loss curves (smoothed with ``weight``, thinned) as a plain plotly figure dict: building
    graph_objects each second costs ~20 ms of server CPU that the training job would otherwise have."""
    curves = thin({key: smooth(values, weight) if key != "step" else values for key, values in curves.items()
                   if key in ("step", "loss_d", "loss_g")})
    traces = [{"type": "scatter", "mode": "lines", "name": label, "x": curves["step"], "y": curves[name]}
              for name, label in (("loss_d", "D loss"), ("loss_g", "G loss")) if name in curves]
    layout = {"height": 320, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "xaxis": {"title": {"text": "step"}},
              "yaxis": {"title": {"text": "loss"}}, "legend": {"orientation": "h", "y": 1.12}}
    return {"data": traces, "layout": layout}


def metric_figure(metrics: dict) -> dict:
    """FD over the steps (lower is better), the best point marked: what the run's best/ folder holds."""
    steps, values = metrics["step"], metrics["fd"]
    best = min(range(len(values)), key=lambda i: values[i])
    traces = [{"type": "scatter", "mode": "lines+markers", "name": "FD", "x": steps, "y": values},
              {"type": "scatter", "mode": "markers", "name": f"best (step {steps[best]:.0f}, kept in best/)",
               "x": [steps[best]], "y": [values[best]], "marker": {"size": 12, "symbol": "star"}}]
    layout = {"height": 260, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "xaxis": {"title": {"text": "step"}},
              "yaxis": {"title": {"text": "FD (our features)"}}, "legend": {"orientation": "h", "y": 1.18}}
    return {"data": traces, "layout": layout}


def progress_line(progress) -> str:
    """"step 40 of 200 · 812 images/s · ETA about 10 s · running" for a ``training.progress`` reading (speed and
    ETA averaged over its last 30 s)."""
    speed = f"{progress.images_per_sec:.0f} images/s" if progress.images_per_sec else "starting…"
    return (f"step {progress.step} of {progress.steps} · {speed} · ETA {format_eta(progress.eta_seconds)} · "
            f"{progress.state}")


def resume_target(progress) -> int:
    """The step a Resume form proposes: the run's target when it stopped short of it, else 1000 more."""
    return progress.steps if progress.steps > progress.step else progress.step + 1000
