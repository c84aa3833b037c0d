"""A Stop right after Start (issue 29): the studio's job runner ends the job as stopped, never as "exit code -15",
and leaves no run folder holding only job.json. The job is the studio's: ``JobManager`` → ``ProcessRunner`` →
``python -m gans train --spec``; in its first second or two Python is still importing and a SIGTERM ends it at once.
"""

import signal
import time

import pytest

from gans.io.checkpoints import RunDir
from gans.training import DataConfig, TrainConfig
from gans.training.jobs import JobManager, Limits
from gans.training.process_runner import ProcessRunner
from gans.training.progress import read_progress
from tests.helpers import tiny_kwargs, wait_until

TINY = tiny_kwargs("dcgan", image_size=28)


def tiny_cfg(steps=100_000):
    return TrainConfig(steps=steps, batch_size=8, device="cpu", log_every=1)


@pytest.fixture
def manager(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    manager = JobManager(Limits())
    yield manager
    manager.stop(wait=True, timeout=120)


def test_a_stop_right_after_start_ends_stopped_and_leaves_no_half_made_folder(manager, tmp_path):
    run_dir = manager.start("dcgan", DataConfig(), tiny_cfg(), TINY)
    assert (run_dir / "job.json").exists()
    manager.stop(wait=False)  # as the page's Stop button does, at once
    assert wait_until(lambda: not manager.busy)
    status = manager.status()
    assert status["state"] == "stopped", status
    assert "error" not in status and status["step"] == 0
    assert status["note"] == "The last job was stopped before training began: nothing was saved."
    assert not run_dir.exists() and list(tmp_path.iterdir()) == [], "no folder with only job.json is left"
    assert manager.status() == status, "every later reader (each visitor's poll) gets the same answer"


@pytest.mark.parametrize("delay", [1.0, 3.0])
def test_a_stop_while_the_job_starts_up_ends_stopped_with_nothing_half_made(manager, tmp_path, delay):
    """Whether the Stop lands before the job's signal handler (nothing saved, no folder) or after it (the trainer
    saves its step-0 checkpoint and ends): stopped, and any folder left is a whole run that resumes."""
    run_dir = manager.start("dcgan", DataConfig(), tiny_cfg(), TINY)
    time.sleep(delay)
    manager.stop(wait=False)
    assert wait_until(lambda: not manager.busy)
    status = manager.status()
    assert status["state"] == "stopped", status
    if run_dir.exists():
        assert read_progress(run_dir).state == "stopped"
        assert RunDir(run_dir).load_trainer_state()["step"] == status["step"]
    else:
        assert status["note"] and list(tmp_path.iterdir()) == []


def test_a_resume_stopped_at_once_keeps_the_run_as_it_was(manager):
    run_dir = manager.start("dcgan", DataConfig(), tiny_cfg(steps=2), TINY)
    assert wait_until(lambda: not manager.busy)
    before = sorted(path.name for path in run_dir.iterdir())
    manager.resume(run_dir, steps=4)
    manager.stop(wait=False)
    assert wait_until(lambda: not manager.busy)
    status = manager.status()
    assert "error" not in status and status["state"] == read_progress(run_dir).state == "finished", \
        "the resume never began: the run is still the finished one"
    assert sorted(path.name for path in run_dir.iterdir()) == before, "the run folder is kept"
    assert RunDir(run_dir).load_trainer_state()["step"] == status["step"]


def test_two_stops_send_one_signal():
    """Two tabs pressing Stop: one SIGTERM. A second one would reach the job's handler while it saves its
    checkpoint, which aborts it (a second Ctrl-C)."""
    class Job:  # a running job process that records the signals it gets
        def __init__(self):
            self.signals = []

        def poll(self):
            return None

        def send_signal(self, number):
            self.signals.append(number)

    runner, job = ProcessRunner(), Job()
    runner._process = job
    runner.stop(wait=False)
    runner.stop(wait=False)
    assert job.signals == [signal.SIGTERM] and runner.stop_requested


def test_a_job_that_fails_before_writing_keeps_its_error_and_leaves_no_folder(tmp_path):
    runner = ProcessRunner()
    runner.start("dcgan", DataConfig("no-such-data"), tiny_cfg(), tmp_path / "run", TINY)
    status = runner.wait(120)
    assert status["state"] == "error" and "no-such-data" in status["error"]
    assert not (tmp_path / "run").exists()
