"""``Runner``: one training job in a background thread, with start / stop / status.

The worker only writes the run directory and puts events on a queue; a UI reads ``status()``, drains
``events()`` or reads ``events.jsonl``, and never touches the worker's model.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from pathlib import Path

from ..errors import GansError
from . import api


class Runner:
    def __init__(self):
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._events: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._status: dict = {"state": "idle"}
        self._deadline: float | None = None

    # ---- control
    def start(self, architecture: str, data=None, cfg=None, out=None, model_kwargs=None,
              max_seconds: float | None = None) -> None:
        """Train a new model in the background (stopping, with a checkpoint, after ``max_seconds``)."""
        self._launch(api.train, architecture, data=data, cfg=cfg, out=out, model_kwargs=model_kwargs,
                     max_seconds=max_seconds)

    def resume(self, run_dir: str | Path, steps: int | None = None, max_seconds: float | None = None) -> None:
        """Continue a run in the background."""
        self._launch(api.resume, run_dir, steps=steps, max_seconds=max_seconds)

    def stop(self, wait: bool = True, timeout: float | None = None) -> None:
        """Ask the job to stop (it saves a checkpoint first); optionally wait for it."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> dict:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status()

    # ---- observation
    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict:
        """A snapshot: state (idle / running / finished / stopped / error), step, steps, run_dir, last losses."""
        with self._lock:
            return dict(self._status)

    def events(self) -> list[dict]:
        """Events since the last call (non-blocking)."""
        drained = []
        while True:
            try:
                drained.append(self._events.get_nowait())
            except queue.Empty:
                return drained

    # ---- worker
    def _launch(self, function, *args, max_seconds: float | None = None, **kwargs) -> None:
        if self.is_running():
            raise GansError("a training job is already running; stop it before starting another")
        self._stop.clear()
        self._deadline = None if max_seconds is None else time.monotonic() + max_seconds
        with self._lock:
            self._status = {"state": "running", "step": 0}
        self._thread = threading.Thread(target=self._work, args=(function, args, kwargs), daemon=True,
                                        name="gans-training")
        self._thread.start()

    def _on_event(self, event: dict) -> None:
        with self._lock:
            if event["type"] == "start":
                self._status.update(run_dir=event.get("run_dir"), steps=event["steps"], step=event["step"], device=event["device"])
            elif event["type"] == "step":
                self._status.update(step=event["step"], last=event)
        self._events.put(event)

    def _should_stop(self) -> bool:
        return self._stop.is_set() or (self._deadline is not None and time.monotonic() > self._deadline)

    def _work(self, function, args, kwargs) -> None:
        try:
            result = function(*args, callbacks=[self._on_event], should_stop=self._should_stop, **kwargs)
            with self._lock:
                self._status.update(state=result["status"], step=result["step"], run_dir=result["run_dir"])
        except GansError as error:
            with self._lock:
                self._status.update(state="error", error=str(error))
        except Exception as error:  # an unexpected bug: keep the traceback for the log
            with self._lock:
                self._status.update(state="error", error=f"{type(error).__name__}: {error}",
                                    traceback=traceback.format_exc())
