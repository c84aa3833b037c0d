"""A projection that runs in a background thread, so that the page which asked for it stays free meanwhile.

Projecting an image takes hundreds of optimisation steps (half a minute to two on a CPU). A page that ran it in
its own script would make every slider wait; instead it starts a ``ProjectionJob`` when the person presses its
button, keeps the job (e.g. in the session), and reads ``status_line()`` / ``fraction`` until ``running`` is
false, then shows ``view`` (a ``gans.tasks.project.ProjectionView``) or ``error`` (one sentence). ``stop()`` ends it
at the next step. A job started with ``unwatched_after`` seconds also stops on its own when nobody has called
``watched()`` for that long: a page polls it while it runs, so a closed tab's projection gives its heavy-call
slot back instead of holding it to the end. Nothing here knows about Streamlit.

>>> job = ProjectionJob(model, png_bytes, steps=300, feature_network="fashion-mnist").start()
>>> job.status_line()            # "step 120 / 300, about 20 s left"
>>> job.wait(); job.view.caption

Finished views are kept, a few at a time, by what was asked (``cache_key``: what names the model, the image's
bytes, the steps, the feature network), so pressing the button again for the same image shows it at once.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from ..errors import GansError
from . import project as projection

KEPT_VIEWS = 8  # finished projections kept for the whole process (a few hundred KB each)
_kept: OrderedDict[tuple, projection.ProjectionView] = OrderedDict()
_kept_lock = threading.Lock()


class _Stopped(Exception):
    """Raised from the progress callback to end a projection that was asked to stop."""


class ProjectionJob:
    """One ``gans.tasks.project.project_upload`` in a daemon thread; its state is read from any thread.

    ``state``: "starting" (decoding, waiting for a free heavy-call slot, loading the feature network),
    "projecting", then "finished", "stopped" or "error"."""

    def __init__(self, model, data: bytes, steps: int = projection.DEFAULT_STEPS, feature_network: str | None = None,
                 name: str = "The upload", cache_key: object = None, unwatched_after: float | None = None):
        self.steps = steps
        self.unwatched_after = unwatched_after
        self._watched_at = time.monotonic()
        self.state = "starting"
        self.steps_done = 0
        self.view: projection.ProjectionView | None = None
        self.error: str | None = None
        self._first_step_at: float | None = None  # when step 1 ended: the steps after it set the pace
        self._stop = threading.Event()
        self._key = None if cache_key is None else (cache_key, hashlib.sha256(data).hexdigest(), steps,
                                                    feature_network)
        self._thread = threading.Thread(target=self._run, args=(model, data, feature_network, name), daemon=True,
                                        name="projection")

    def start(self) -> ProjectionJob:
        """Begin (at once, with the kept view, when the same projection finished before)."""
        with _kept_lock:
            kept = _kept.get(self._key) if self._key is not None else None
        if kept is not None:
            self.view, self.steps_done, self.state = kept, self.steps, "finished"
        else:
            self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self.state in ("starting", "projecting")

    @property
    def fraction(self) -> float:
        return min(self.steps_done / self.steps, 1.0) if self.steps else 0.0

    def seconds_left(self) -> float | None:
        """The time left at the pace of the steps so far (None until two steps have run)."""
        if self._first_step_at is None or self.steps_done < 2:
            return None
        per_step = (time.monotonic() - self._first_step_at) / (self.steps_done - 1)
        return per_step * (self.steps - self.steps_done)

    def status_line(self) -> str:
        """What the job is doing, for a progress bar: "starting…", "step 120 / 300, about 20 s left",
        "step 300 / 300, drawing the result…", "finished", "stopped", or the error."""
        from ..training.progress import format_eta

        if self.state == "starting":
            return "starting…"
        if self.state != "projecting":
            return self.error or self.state
        if self.steps_done >= self.steps:
            return f"step {self.steps_done} / {self.steps}, drawing the result…"
        left = self.seconds_left()
        return f"step {self.steps_done} / {self.steps}" + ("" if left is None else f", {format_eta(left)} left")

    def stop(self) -> None:
        """Ask the projection to end after its current step (it ends "stopped")."""
        self._stop.set()

    def watched(self) -> None:
        """Someone is still looking at this job (see ``unwatched_after``)."""
        self._watched_at = time.monotonic()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the job to end (at most ``timeout`` seconds); whether it has."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self.running

    def _progress(self, done: int, total: int) -> None:
        if self.unwatched_after is not None and time.monotonic() - self._watched_at > self.unwatched_after:
            self._stop.set()  # its page was closed: give the heavy-call slot back
        if self._stop.is_set():
            raise _Stopped
        if done == 1:
            self._first_step_at = time.monotonic()
        self.steps_done, self.state = done, "projecting"

    def _run(self, model, data: bytes, feature_network: str | None, name: str) -> None:
        try:
            if self._stop.is_set():
                raise _Stopped
            view = projection.project_upload(model, data, self.steps, feature_network, self._progress, name)
        except _Stopped:
            self.state = "stopped"
            return
        except GansError as error:  # not an image, over the pixel budget, a busy server...
            self.error, self.state = str(error), "error"
            return
        except MemoryError:
            self.error, self.state = "the server ran out of memory while projecting; try again later", "error"
            return
        except Exception as error:  # noqa: BLE001  a thread's exception would otherwise leave the job running
            self.error, self.state = f"the projection failed ({type(error).__name__}: {error})", "error"
            return
        if self._key is not None:
            with _kept_lock:
                _kept[self._key] = view
                _kept.move_to_end(self._key)
                while len(_kept) > KEPT_VIEWS:
                    _kept.popitem(last=False)
        self.view, self.state = view, "finished"
