"""Reading a run's progress back from its directory (so a page refresh or a second browser sees the same run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..checkpoints import RunDir

LIFECYCLE = ("start", "end", "error")


@dataclass
class RunProgress:
    run_dir: Path
    state: str = "new"  # new | running | finished | stopped | error (running = the log has not ended)
    step: int = 0
    steps: int = 0
    images_per_sec: float | None = None
    error: str | None = None
    curves: dict[str, list[float]] = field(default_factory=dict)  # "step" plus one list per logged stat
    latest_sample: Path | None = None
    device: str | None = None

    @property
    def fraction(self) -> float:
        return min(self.step / self.steps, 1.0) if self.steps else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the current speed, counting images per step from the logged rate."""
        if self.state != "running" or not self.images_per_sec or not self.curves.get("step"):
            return None
        return max(self.steps - self.step, 0) * self._seconds_per_step

    _seconds_per_step: float = 0.0


def read_progress(run_dir: str | Path) -> RunProgress:
    """Everything a live view shows, from ``events.jsonl`` and ``samples/``."""
    run = RunDir(run_dir)
    progress = RunProgress(run_dir=run.path)
    curves: dict[str, list[float]] = {}
    last_step_event, last_time = None, None
    for event in run.read_events():
        kind = event.get("type")
        if kind == "start":
            progress.state, progress.steps, progress.device = "running", event.get("steps", 0), event.get("device")
            progress.error = None
            # a resumed run's log continues: drop any points past the resume step (they were not kept)
            cut = event.get("step", 0)
            if curves.get("step"):
                keep = sum(1 for s in curves["step"] if s <= cut)
                curves = {k: v[:keep] for k, v in curves.items()}
        elif kind == "step":
            for key, value in event.items():
                if key in ("type", "time", "steps"):
                    continue
                if isinstance(value, (int, float)):
                    curves.setdefault(key, [float("nan")] * (len(curves.get("step", [])))).append(float(value))
            length = len(curves["step"])
            for values in curves.values():  # stats that appear only sometimes (gp) stay aligned
                values.extend([float("nan")] * (length - len(values)))
            if last_step_event is not None and event["step"] > last_step_event["step"]:
                progress._seconds_per_step = (event["time"] - last_time) / (event["step"] - last_step_event["step"])
            last_step_event, last_time = event, event.get("time")
            progress.step = int(event["step"])
            progress.images_per_sec = event.get("images_per_sec")
        elif kind == "end":
            progress.state, progress.step = event.get("status", "finished"), int(event.get("step", progress.step))
        elif kind == "error":
            progress.state, progress.error = "error", event.get("message")
    progress.curves = curves
    samples = run.sample_paths()
    progress.latest_sample = samples[-1] if samples else None
    preview = run.preview_path
    if preview.exists() and (progress.latest_sample is None or _mtime(preview) > _mtime(progress.latest_sample)):
        progress.latest_sample = preview
    return progress


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # replaced between the listing and now
        return 0.0


def smooth(values: list[float], weight: float) -> list[float]:
    """Exponential moving average for noisy loss curves (0 = raw, 0.99 = very smooth), debiased at the start."""
    if not 0 <= weight < 1:
        raise ValueError("smoothing weight must be in [0, 1)")
    out, average, norm = [], 0.0, 0.0
    for value in values:
        if value != value:  # NaN: keep the gap
            out.append(value)
            continue
        average = weight * average + (1 - weight) * value
        norm = weight * norm + (1 - weight)
        out.append(average / norm)
    return out
