"""``ProcessRunner``: a background training job as a separate ``python -m gans train`` process.

The studio's one job runner (``jobs.JobManager`` holds one per server): start / resume / stop / status. The job
has its own interpreter, so the web server's Python work (rerunning pages, serialising charts) never holds the
lock the training loop needs (in a thread of the server it cost the job about half its speed while a page was
open). The job is one JSON document, the run folder's ``job.json`` (``gans.training.spec``), run by
``python -m gans train --spec``: the terminal's own entry point. Stop sends SIGTERM, which the CLI turns into
"finish this step, save a checkpoint, end"; the time limit is the CLI's --max-seconds, which does the same; and
--stop-with-parent ends the job the same way when the server dies. Progress is read from the run directory
(``gans.training.progress``), as for any run, so any page or session can reattach to it.

A Stop in the job's first second or two reaches it before it has set up its SIGTERM handler (Python is still
importing), and the signal ends it at once. Nothing was written then (the trainer's writes come after the handler),
so the runner reports that job as stopped, not failed. A new run's folder that holds nothing but job.json when its
job ends (stopped that early, or failed before training) is removed by the first caller to see the job ended, so
no half-made run is left for the pages to show.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..errors import GansError
from ..io.checkpoints import JOB_FILE, RunDir, atomic_write
from .progress import hide_upload_paths
from .spec import JobSpec

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # so `python -m gans` works whatever the server's folder


def write_job(architecture: str, data, cfg, out, model_kwargs: dict | None) -> Path:
    """Write the job's spec into its run folder (``job.json``) and return its path: the job process runs
    ``python -m gans train --spec`` on it, so every setting reaches the trainer as it is, with no flag list."""
    run = RunDir(out)
    run.path.mkdir(parents=True, exist_ok=True)
    atomic_write(run.job_path, JobSpec(architecture, dict(model_kwargs or {}), cfg, data, str(out)).to_json())
    return run.job_path


class ProcessRunner:
    def __init__(self):
        self._process: subprocess.Popen | None = None
        self._log = None
        self._run_dir: Path | None = None
        self._stop_requested = False
        self._ended: dict | None = None  # the ended job's status, settled once (folder clean-up included)
        self._lock = threading.Lock()  # every browser session polls, stops and starts from its own thread

    # ---- control
    def start(self, architecture: str, data, cfg, out, model_kwargs=None, max_seconds: float | None = None) -> None:
        spec = write_job(architecture, data, cfg, out, model_kwargs)
        self._launch(["train", "--spec", str(spec), "--quiet"], Path(out), max_seconds)

    def resume(self, run_dir: str | Path, steps: int | None = None, max_seconds: float | None = None) -> None:
        args = ["train", "--resume", str(run_dir), "--quiet"] + (["--steps", str(steps)] if steps else [])
        self._launch(args, Path(run_dir), max_seconds)

    def stop(self, wait: bool = True, timeout: float | None = None) -> None:
        """Ask the job to stop after its current step (it saves a checkpoint); optionally wait for it. The signal
        is sent once: a second SIGTERM would abort the job without its checkpoint (two tabs pressing Stop)."""
        with self._lock:
            if not self._check():
                return
            if not self._stop_requested:
                self._stop_requested = True
                self._process.send_signal(signal.SIGTERM)
            process = self._process
        if wait:
            process.wait(timeout)

    def wait(self, timeout: float | None = None) -> dict:
        if self._process is not None:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        return self.status()

    # ---- observation
    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def is_running(self) -> bool:
        with self._lock:
            return self._check()

    def status(self) -> dict:
        """state (idle / running / finished / stopped / error), run_dir, and the final step or the error; "note"
        (a sentence to show) when a stopped job had not begun training (its empty run folder is gone)."""
        with self._lock:
            if self._process is None:
                return {"state": "idle"}
            if self._check():
                return {"state": "running", "run_dir": str(self._run_dir)}
            return dict(self._ended)

    def _check(self) -> bool:
        """Whether the job process lives (the caller holds the lock). The first caller to find it ended settles its
        status, so whoever learns that the job ended sees its run folder as the runner leaves it."""
        if self._process is None:
            return False
        if self._process.poll() is None:
            return True
        if self._ended is None:
            self._ended = self._settle(self._process.returncode)
        return False

    def _settle(self, code: int) -> dict:
        """The ended job's status; removes a run folder that holds nothing but its job.json."""
        run_dir = str(self._run_dir)
        ends = [e for e in RunDir(self._run_dir).read_events() if e.get("type") == "end"]
        if code == 0 or (code == -signal.SIGTERM and self._stop_requested):
            # exit code -15 after our Stop: the signal came before the job's handler, so nothing was written
            status = {"state": ends[-1]["status"] if ends else ("finished" if code == 0 else "stopped"),
                      "step": ends[-1]["step"] if ends else None, "run_dir": run_dir}
        else:
            status = {"state": "error", "error": hide_upload_paths(self._error_line(code)), "run_dir": run_dir}
        if self._run_dir.is_dir() and [path.name for path in self._run_dir.iterdir()] == [JOB_FILE]:
            shutil.rmtree(self._run_dir, ignore_errors=True)  # the job ended before writing anything of the run
            if status["state"] == "stopped":
                status.update(step=0, note="The last job was stopped before training began: nothing was saved.")
        return status

    # ---- helpers
    def _launch(self, args: list[str], run_dir: Path, max_seconds: float | None) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT),
                                                                          os.environ.get("PYTHONPATH")]))}
        if max_seconds is not None:
            args = [*args, "--max-seconds", repr(float(max_seconds))]
        args = [*args, "--stop-with-parent"]
        with self._lock:
            if self._check():
                raise GansError("a training job is already running; stop it before starting another")
            self._log = tempfile.TemporaryFile(mode="w+")
            self._process = subprocess.Popen([sys.executable, "-m", "gans", *args], stdout=subprocess.DEVNULL,
                                             stderr=self._log, env=env, text=True)
            self._run_dir, self._stop_requested, self._ended = run_dir, False, None

    def _error_line(self, code: int) -> str:
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().splitlines() if line.strip()]
        for line in reversed(lines):
            if line.startswith("error: "):
                return line[len("error: "):]
        tail = lines[-1] if lines else "no output"
        return f"the training process ended with exit code {code}: {tail}"
