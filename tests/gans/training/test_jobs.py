"""The studio's library side: one job per server, limits, progress read back from a run directory."""

import json
import shutil

import pytest

from gans.errors import ConfigError, DatasetError
from gans.io.checkpoints import RunDir
from gans.training import DataConfig, TrainConfig, train
from gans.training.jobs import JobBusyError, JobManager, Limits
from gans.training.process_runner import ProcessRunner
from gans.training.progress import ProgressTracker, read_progress, smooth, thin
from tests.helpers import ROOT, tiny_kwargs, wait_until

TINY = tiny_kwargs("dcgan", image_size=28)


def tiny_cfg(**overrides):
    return TrainConfig(**{"steps": 100000, "batch_size": 8, "device": "cpu", "log_every": 1, **overrides})


def test_one_job_per_server_and_stop(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    manager = JobManager(Limits())
    run_dir = manager.start("dcgan", DataConfig(), tiny_cfg(), TINY)
    try:
        assert wait_until(lambda: read_progress(run_dir).step >= 2)
        busy = rf"already running on this server \({run_dir.name}, step \d+ of 100000\)"
        with pytest.raises(JobBusyError, match=busy):
            manager.start("dcgan", DataConfig(), tiny_cfg(), TINY)
        assert manager.busy and not manager.stopping
    finally:
        manager.stop(wait=False)
    assert wait_until(lambda: not manager.busy)
    assert read_progress(run_dir).state == "stopped"
    assert [p for p in tmp_path.iterdir()] == [run_dir], "the refused start created nothing"


def test_a_stopped_job_saves_a_checkpoint_and_resumes_to_its_new_target(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    manager = JobManager(Limits())
    run_dir = manager.start("dcgan", DataConfig(), tiny_cfg(), TINY)
    try:
        assert wait_until(lambda: read_progress(run_dir).step >= 3)
        assert manager.status()["state"] == "running" and manager.status()["run_dir"] == str(run_dir)
    finally:
        manager.stop(wait=True, timeout=60)
    status = manager.status()
    assert status["state"] == "stopped" and status["step"] >= 3 and not manager.busy
    assert RunDir(run_dir).load_trainer_state()["step"] == status["step"]
    manager.resume(run_dir, steps=status["step"] + 2)
    assert manager.busy
    with pytest.raises(JobBusyError):
        manager.resume(run_dir, steps=status["step"] + 4)
    assert wait_until(lambda: not manager.busy)
    assert manager.status()["state"] == "finished" and manager.status()["step"] == status["step"] + 2
    assert read_progress(run_dir).state == "finished"


def test_a_job_that_fails_reports_its_error(tmp_path):
    """Errors found only once the job runs (here a dataset the manager's checks would have caught) come back as
    the job's status, with the CLI's message rather than a traceback."""
    runner = ProcessRunner()
    runner.start("dcgan", DataConfig("no-such-data"), tiny_cfg(), tmp_path / "run", TINY)
    status = runner.wait(120)
    assert status["state"] == "error" and "no-such-data" in status["error"]
    assert not runner.is_running()


@pytest.mark.parametrize("data, message", [
    (DataConfig("folder", "/no/such/folder"), "does not exist"),
    (DataConfig("folder", None), "needs the path"),
    (DataConfig("imagenet"), "unknown dataset 'imagenet'"),
])
def test_bad_data_is_refused_before_a_job_starts(tmp_path, monkeypatch, data, message):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    manager = JobManager(Limits())
    with pytest.raises(DatasetError, match=message):
        manager.start("dcgan", data, tiny_cfg(), TINY)
    assert not manager.busy and not list(tmp_path.iterdir())


def test_limits_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("GANS_MAX_STEPS", "50")
    monkeypatch.setenv("GANS_MAX_BATCH_SIZE", "32")
    monkeypatch.setenv("GANS_MAX_MINUTES", "0.5")
    limits = Limits.from_env()
    assert (limits.max_steps, limits.max_batch_size, limits.max_seconds) == (50, 32, 30.0)
    assert limits.describe() == "at most 50 steps, batches of at most 32, 0.5 minutes per job"
    manager = JobManager(limits)
    with pytest.raises(ConfigError, match="at most 50 steps"):
        manager.start("dcgan", DataConfig(), tiny_cfg(steps=51), TINY)
    with pytest.raises(ConfigError, match="batches of at most 32"):
        manager.start("dcgan", DataConfig(), tiny_cfg(steps=10, batch_size=64), TINY)
    monkeypatch.setenv("GANS_MAX_STEPS", "abc")
    with pytest.raises(ConfigError, match="GANS_MAX_STEPS='abc' is not a number"):
        Limits.from_env()


def test_time_limit_stops_the_job_with_a_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    manager = JobManager(Limits(max_minutes=0.5 / 60))  # half a second
    run_dir = manager.start("dcgan", DataConfig(), tiny_cfg(), TINY)
    assert wait_until(lambda: not manager.busy)
    progress = read_progress(run_dir)
    assert progress.state == "stopped" and progress.step < 100000


def test_progress_reads_incrementally_and_agrees_with_a_fresh_read(tmp_path):
    run = tmp_path / "run"
    tracker = ProgressTracker(run)
    train("dcgan", cfg=tiny_cfg(steps=6, sample_every=3), out=run, model_kwargs=TINY)
    first = tracker.read()
    assert first.state == "finished" and first.curves["step"] == [1, 2, 3, 4, 5, 6]
    from gans.training import resume

    resume(run, steps=9)
    later = tracker.read()  # only the new lines are parsed
    fresh = ProgressTracker(run).read()
    assert later.curves == fresh.curves and later.curves["step"] == list(range(1, 10))
    assert later.state == fresh.state == "finished" and later.step == 9 and later.steps == 9
    assert later.latest_sample.name == "step_0000009.png"


def test_speed_and_eta_average_over_recent_steps(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    events = [{"type": "start", "step": 0, "steps": 100, "time": 0.0}]
    # one slow step among fast ones: 10 steps/s, 640 images/s, except a 2 s stall at step 5
    clock = 0.0
    for step in range(1, 11):
        clock += 2.0 if step == 5 else 0.1
        events.append({"type": "step", "step": step, "time": clock, "loss_d": 1.0, "loss_g": 1.0,
                       "images_per_sec": 32.0 if step == 5 else 640.0})
    (run / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    progress = ProgressTracker(run).read()
    assert progress.seconds_per_step == pytest.approx((clock - 0.1) / 9)
    assert 32 < progress.images_per_sec < 640
    assert progress.eta_seconds == pytest.approx(90 * progress.seconds_per_step)


def test_a_torn_last_line_waits_for_the_next_read(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    path = run / "events.jsonl"
    path.write_text('{"type": "start", "step": 0, "steps": 5, "time": 0}\n{"type": "step", "st')
    tracker = ProgressTracker(run)
    assert tracker.read().step == 0
    with open(path, "a") as handle:
        handle.write('ep": 1, "time": 1, "loss_d": 0.5, "loss_g": 0.7}\n')
    assert tracker.read().step == 1


def test_a_run_folder_replaced_by_a_longer_one_is_read_from_the_start(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    step = '{{"type": "step", "step": {}, "time": {}, "loss_d": {}, "loss_g": 1}}\n'
    (run / "events.jsonl").write_text('{"type": "start", "step": 0, "steps": 2, "time": 0}\n'
                                      + "".join(step.format(i, i, 9.0) for i in (1, 2)))
    tracker = ProgressTracker(run)
    assert tracker.read().curves["loss_d"] == [9.0, 9.0]
    shutil.rmtree(run)
    run.mkdir()  # trained again under the same name: a longer log than the old one
    (run / "events.jsonl").write_text('{"type": "start", "step": 0, "steps": 5, "time": 0}\n'
                                      + "".join(step.format(i, i, 0.5) for i in range(1, 6)))
    progress = tracker.read()
    assert progress.curves["step"] == [1.0, 2.0, 3.0, 4.0, 5.0] and progress.curves["loss_d"] == [0.5] * 5


def test_lines_that_are_not_events_are_skipped(tmp_path):
    """A damaged or hand-edited log (a JSON list, a string, a step that is not a number) must not stop the live
    view or the Compare page, and must not shift the curves."""
    run = tmp_path / "run"
    run.mkdir()
    lines = ['{"type": "start", "step": 0, "steps": 5, "time": 0}', "[1, 2]", '"text"',
             '{"type": "step", "step": 1, "time": 1, "loss_d": 0.5, "loss_g": 0.7}',
             '{"type": "step", "step": "two", "time": 2, "loss_d": 9, "loss_g": 9}',
             '{"type": "metric", "step": null, "fd": 1.0}', '{"type": "metric", "fd": 2.0}',
             '{"type": "metric", "step": Infinity, "fd": 3.0}', '{"type": "step", "step": 1.5, "time": 1}',
             '{"type": "metric", "step": 1, "fd": 40.0}',
             '{"type": "step", "step": 2, "time": 3, "loss_d": 0.4, "loss_g": 0.8}']
    (run / "events.jsonl").write_text("\n".join(lines) + "\n")
    progress = ProgressTracker(run).read()
    assert progress.curves["step"] == [1.0, 2.0] and progress.curves["loss_d"] == [0.5, 0.4]
    assert progress.metrics == {"step": [1.0], "fd": [40.0]} and progress.step == 2


def test_thin_and_smooth():
    curves = {"step": list(range(10000)), "loss_d": [float(i) for i in range(10000)]}
    thinned = thin(curves, max_points=1000)
    assert len(thinned["step"]) <= 1001 and thinned["step"][-1] == 9999 and thinned["loss_d"][0] == 0.0
    assert smooth([1.0, 1.0, 1.0], 0.9) == pytest.approx([1.0, 1.0, 1.0])  # debiased: no ramp from 0
    assert smooth([0.0, 10.0], 0.5) == pytest.approx([0.0, 10.0 * 0.5 / 0.75])


def test_a_job_whose_server_dies_stops_with_a_checkpoint(tmp_path):
    """The studio's job is a separate process: if the server is killed, the job notices and ends cleanly
    instead of training on, unseen, forever."""
    import subprocess
    import sys

    run_dir = tmp_path / "orphan"
    server = f"""
import os, sys, time
sys.path.insert(0, {str(ROOT)!r})
from gans.training import DataConfig, TrainConfig
from gans.training.process_runner import ProcessRunner
from gans.training.progress import read_progress
runner = ProcessRunner()
runner.start("dcgan", DataConfig(), TrainConfig(steps=100000, batch_size=8, device="cpu", log_every=1),
             {str(run_dir)!r}, {TINY!r})
deadline = time.time() + 120
while read_progress({str(run_dir)!r}).step < 2 and time.time() < deadline:
    time.sleep(0.1)
os._exit(0)  # killed without a word to its job
"""
    subprocess.run([sys.executable, "-c", server], timeout=180, check=True)
    assert read_progress(run_dir).step >= 2
    assert wait_until(lambda: read_progress(run_dir).state == "stopped", timeout=60)


# A non-default value of every TrainConfig field that keeps a tiny run short (a new field fails until added here).
NON_DEFAULT = {"steps": 3, "batch_size": 5, "lr": 3e-4, "lr_d": 5e-4, "seed": 7, "device": "cpu", "log_every": 2,
               "sample_every": 2, "checkpoint_every": 2, "num_samples": 4, "metric_every": 2, "metric_samples": 20,
               "preview_seconds": 0.5, "precision": "fp32", "lr_decay": 0.5, "timing": "seconds", "log_seconds": 1.0,
               "sample_seconds": 5.0, "checkpoint_seconds": 5.0, "metric_seconds": 5.0,
               "cuda_graphs": "off"}


def test_every_training_setting_has_a_non_default_value_here_and_a_cli_flag():
    from dataclasses import fields

    from gans.cli import build_parser

    names = [item.name for item in fields(TrainConfig)]
    assert sorted(NON_DEFAULT) == sorted(names)
    assert all(NON_DEFAULT[name] != getattr(TrainConfig(), name) for name in names)
    flags = {action.dest for action in build_parser()._subparsers._group_actions[0].choices["train"]._actions}
    assert set(names) <= flags, set(names) - flags


def test_every_setting_reaches_the_job_spec_and_the_trainer(tmp_path):
    """The studio writes the job spec and the job process runs `python -m gans train --spec`; the CLI's flags build
    the same spec. Either way every setting, each at a value other than its default (all in one job), is in the
    run's job.json and in the settings the trainer ran with."""
    from dataclasses import asdict

    from gans.cli import build_parser, job_from_args, main
    from gans.training.process_runner import write_job

    cfg = TrainConfig(**NON_DEFAULT)
    spec_path = write_job("dcgan", DataConfig("fashion-mnist-mini"), cfg, tmp_path / "studio", TINY)
    assert main(["train", "--spec", str(spec_path), "--quiet"]) == 0
    args = ["train", "dcgan", "--out", str(tmp_path / "cli"), "--quiet",
            *[a for key, value in NON_DEFAULT.items() for a in ("--" + key.replace("_", "-"), str(value))],
            *[a for key, value in TINY.items() for a in ("--model-arg", f"{key}={json.dumps(value)}")]]
    assert asdict(job_from_args(build_parser().parse_args(args)).train) == asdict(cfg)
    assert main(args) == 0
    for run in ("studio", "cli"):
        job = json.loads((tmp_path / run / "job.json").read_text())
        config = json.loads((tmp_path / run / "config.json").read_text())
        for name, value in NON_DEFAULT.items():
            assert job["train"][name] == value and config["train"][name] == value, (run, name)
        assert job["architecture"] == "dcgan" and job["model"] == TINY and job["data"]["name"] == "fashion-mnist-mini"


def test_a_job_spec_round_trips_and_bad_keys_are_named(tmp_path):
    from gans.training import JobSpec

    spec = JobSpec("dcgan", {"width": 4}, TrainConfig(steps=3, lr=1e-3), DataConfig("fashion-mnist-mini"), "out")
    assert JobSpec.from_dict(json.loads(spec.to_json())) == spec
    tuned = JobSpec("dcgan", {"width": 4}, init_from="runs/dcgan-1")
    assert JobSpec.from_dict(json.loads(tuned.to_json())) == tuned
    for section, key, value, message in (("train", "stpes", 3, "unknown key 'train.stpes'"),
                                         ("train", "steps", "3", "train.steps must be a whole number"),
                                         ("train", "lr", True, "train.lr must be a number or null"),
                                         ("data", "name", 5, "data.name must be a string"),
                                         (None, "colour", 1, "unknown key 'colour'"),
                                         (None, "init_from", 3, "init_from must be a run folder"),
                                         (None, "architecture", None, "architecture must be a model name")):
        values = spec.to_dict()
        (values[section] if section else values)[key] = value
        with pytest.raises(ConfigError, match=message):
            JobSpec.from_dict(values)
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not a readable JSON job spec"):
        JobSpec.read(tmp_path / "broken.json")


def test_the_cli_refuses_run_flags_beside_a_spec(tmp_path, capsys):
    from gans.cli import main

    spec_path = tmp_path / "job.json"
    spec_path.write_text(json.dumps({"architecture": "dcgan"}))
    assert main(["train", "--spec", str(spec_path), "--lr", "0.1"]) == 2
    assert "--spec holds the whole job" in capsys.readouterr().err
