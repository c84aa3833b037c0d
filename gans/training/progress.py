"""Reading a run's progress back from its directory (so a page refresh or a second browser sees the same run).

``events.jsonl`` only grows, so each run has one ``ProgressTracker`` that remembers how far it has read and
parses only the new lines: a live view polling every second stays cheap however long the run is.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ..io import jsonsafe
from ..io.checkpoints import RunDir

#: seconds of recent step events averaged for images/s and the ETA, so neither jumps with a slow step (a sample
#: grid, an FD measurement, a checkpoint) or a burst of fast ones
SPEED_WINDOW_SECONDS = 30.0


@dataclass
class RunProgress:
    run_dir: Path
    state: str = "new"  # new | running | finished | stopped | error (running = the log has not ended)
    step: int = 0
    steps: int = 0
    images_per_sec: float | None = None
    seconds_per_step: float | None = None
    error: str | None = None
    curves: dict[str, list[float]] = field(default_factory=dict)  # "step" plus one list per logged stat
    metrics: dict[str, list[float]] = field(default_factory=dict)  # "step" plus fd, kid, ... of metric events
    latest_sample: Path | None = None
    device: str | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. a diverged loss (the Trainer's warning events)

    @property
    def fraction(self) -> float:
        return min(self.step / self.steps, 1.0) if self.steps else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the recent average speed (None when not running or not yet known)."""
        if self.state != "running" or not self.seconds_per_step:
            return None
        return max(self.steps - self.step, 0) * self.seconds_per_step


class ProgressTracker:
    """Incremental reader of one run's ``events.jsonl``."""

    def __init__(self, run_dir: str | Path):
        self.run = RunDir(run_dir)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self, identity: bytes | None = None) -> None:
        self._offset = 0
        self._identity = identity  # the first line of the log read so far
        self._progress = RunProgress(run_dir=self.run.path)
        self._recent: deque = deque()  # (time, step, images_per_sec) of the step events of the last 30 s
        self._speed_known = True

    def read(self) -> RunProgress:
        """The progress including every complete line written since the last call."""
        with self._lock:
            try:
                with open(self.run.events_path, "rb") as handle:
                    # The first line (the start event, with its time) tells this log from a replacement: a run
                    # folder deleted and trained again under the same name may even get the same inode.
                    identity = handle.readline(4096)
                    size = handle.seek(0, 2)
                    if size < self._offset or identity != self._identity:
                        self._reset(identity)
                    handle.seek(self._offset)
                    chunk = handle.read(size - self._offset)
            except FileNotFoundError:  # no log (yet); other errors reach the caller, as before
                if self._offset:
                    self._reset()
                chunk = b""
            if chunk:
                complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits for the next call
                self._offset += len(complete)
                for line in complete.splitlines():
                    try:
                        event = jsonsafe.loads(line)
                        if _is_event(event):
                            self._apply(event)
                    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                        continue  # a line torn by a crash
            self._update_speed()
            progress = self._progress
            progress.latest_sample = _latest_sample(self.run)
            return RunProgress(**{**progress.__dict__, "curves": {k: list(v) for k, v in progress.curves.items()},
                                  "metrics": {k: list(v) for k, v in progress.metrics.items()},
                                  "warnings": list(progress.warnings)})

    def _apply(self, event: dict) -> None:
        progress, kind = self._progress, event.get("type")
        if kind == "start":
            progress.state, progress.steps, progress.device = "running", event.get("steps", 0), event.get("device")
            progress.error, progress.warnings = None, []
            self._recent.clear()
            progress.images_per_sec = progress.seconds_per_step = None
            # a resumed run's log continues: drop any points past the resume step (they were not kept)
            cut = event.get("step", 0)
            progress.curves, progress.metrics = _cut(progress.curves, cut), _cut(progress.metrics, cut)
        elif kind == "step":
            self._add_point(event)
        elif kind == "metric":
            _append(progress.metrics, event)
        elif kind == "end":
            progress.state, progress.step = event.get("status", "finished"), int(event.get("step", progress.step))
        elif kind == "error":
            progress.state, progress.error = "error", hide_upload_paths(event.get("message"))
        elif kind == "warning":
            progress.warnings.append(str(event.get("message")))

    def _add_point(self, event: dict) -> None:
        progress = self._progress
        _append(progress.curves, event)
        progress.step = int(event["step"])
        recent = self._recent
        recent.append((float(event["time"]), progress.step, float(event.get("images_per_sec") or 0.0)))
        # keep the newest events that span SPEED_WINDOW_SECONDS (at least two, however slow the steps are)
        while len(recent) > 2 and recent[-1][0] - recent[1][0] >= SPEED_WINDOW_SECONDS:
            recent.popleft()
        self._speed_known = False  # computed once per read(), not per event: a fast run logs thousands a second

    def _update_speed(self) -> None:
        """images/s and seconds per step over the window (``_recent``)."""
        progress, recent = self._progress, self._recent
        if self._speed_known or not recent:
            return
        self._speed_known = True
        if len(recent) < 2:
            progress.images_per_sec, progress.seconds_per_step = recent[-1][2] or None, None
            return
        (t0, s0, _), (t1, s1, _) = recent[0], recent[-1]
        progress.seconds_per_step = (t1 - t0) / (s1 - s0) if s1 > s0 and t1 >= t0 else None
        # images over time across the window: each event's rate weighted by the time it covers
        total = weighted = 0.0
        previous = t0
        for time, _, rate in list(recent)[1:]:
            total, weighted = total + (time - previous), weighted + (time - previous) * rate
            previous = time
        progress.images_per_sec = weighted / total if total > 0 else None


#: Events that place a point on a curve: they must carry their step.
STEPPED = ("start", "step", "metric")


UPLOAD_PATH = re.compile(r"[^\s'\"]*[/\\]uploads[/\\][0-9a-f]{16}-([^/\\\s'\"]+)")


def hide_upload_paths(message):
    """``message`` with every stored upload's server path (``…/runs/uploads/<hash>-photos.zip``) shown as the
    name it was uploaded under (``photos.zip``): a visitor's error never tells where the server keeps its files."""
    return UPLOAD_PATH.sub(r"\1", message) if isinstance(message, str) else message


def _is_event(event) -> bool:
    """An object whose step is a finite whole number (required for start, step and metric events, checked where
    present on the others). Anything else in a damaged log is skipped."""
    if not isinstance(event, dict):
        return False
    if "step" not in event:
        return event.get("type") not in STEPPED
    step = event["step"]
    return isinstance(step, (int, float)) and not isinstance(step, bool) and math.isfinite(step) and step == int(step)


def _append(curves: dict[str, list[float]], event: dict) -> None:
    """Add an event's numbers as one point of ``curves`` ("step" plus one list per key)."""
    length = len(curves.get("step", []))
    for key, value in event.items():
        if key not in ("type", "time", "steps") and isinstance(value, (int, float)) and not isinstance(value, bool):
            curves.setdefault(key, [float("nan")] * length).append(float(value))
    for values in curves.values():  # keys logged only sometimes (gp) stay aligned with "step"
        values.extend([float("nan")] * (length + 1 - len(values)))


def _cut(curves: dict[str, list[float]], step: int) -> dict[str, list[float]]:
    """The points up to ``step`` (a resumed run's log drops what came after its checkpoint)."""
    keep = sum(1 for s in curves.get("step", []) if s <= step)
    return {key: values[:keep] for key, values in curves.items()}


_TRACKERS: dict[Path, ProgressTracker] = {}
_TRACKERS_LOCK = threading.Lock()


def read_progress(run_dir: str | Path) -> RunProgress:
    """Everything a live view shows about ``run_dir``, read incrementally (one tracker per run per process)."""
    key = Path(run_dir).resolve()
    with _TRACKERS_LOCK:
        tracker = _TRACKERS.get(key)
        if tracker is None:
            tracker = _TRACKERS[key] = ProgressTracker(key)
    progress = tracker.read()
    progress.run_dir = Path(run_dir)
    return progress


def _latest_sample(run: RunDir) -> Path | None:
    samples = run.sample_paths()
    latest = samples[-1] if samples else None
    preview = run.preview_path
    if preview.exists() and (latest is None or _mtime(preview) > _mtime(latest)):
        latest = preview
    return latest


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # replaced between the listing and now
        return 0.0


def thin(curves: dict[str, list[float]], max_points: int = 2000) -> dict[str, list[float]]:
    """Every k-th point (the last one kept) so a chart never sends more than about ``max_points`` per line."""
    count = len(curves.get("step", []))
    if count <= max_points:
        return curves
    stride = -(-count // max_points)
    picks = list(range(0, count, stride))
    if picks[-1] != count - 1:
        picks.append(count - 1)
    return {key: [values[i] for i in picks] for key, values in curves.items()}


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


def format_eta(seconds: float | None) -> str:
    """Time left, rounded as far as an estimate deserves, so it does not flicker from one reading to the next:
    "under 10 s", "about 45 s" (5 s steps), "about 3 min 20 s" (10 s steps under 10 min), "about 25 min",
    "about 2 h 05 min" (5 min steps); "–" when unknown."""
    if seconds is None:
        return "–"
    if seconds < 10:
        return "under 10 s"
    if seconds < 60:
        return f"about {min(round(seconds / 5) * 5, 55)} s"
    if seconds < 600:
        minutes, secs = divmod(round(seconds / 10) * 10, 60)
        return f"about {minutes} min {secs:02d} s" if secs else f"about {minutes} min"
    if seconds < 3600:
        return f"about {min(round(seconds / 60), 59)} min"
    hours, minutes = divmod(round(seconds / 300) * 5, 60)
    return f"about {hours} h {minutes:02d} min"
