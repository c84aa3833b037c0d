"""gans.training.progress: the speed and ETA a live view shows, averaged over the last 30 seconds of steps."""

import json

import pytest

from gans.training.progress import SPEED_WINDOW_SECONDS, ProgressTracker


def write(path, events) -> None:
    with open(path, "a") as log:
        log.write("".join(json.dumps(event) + "\n" for event in events))


def test_the_eta_holds_steady_through_periodic_slow_steps(tmp_path):
    """10 steps/s, with a 3 s pause (a grid, an FD measurement) every 50 steps: a reading each step, from 60 s
    into the run on, stays within 15% of the true average of 0.16 s per step. Averaging the last 30 step events
    instead jumps between 0.1 and 0.2 s per step (an ETA that doubles and halves)."""
    run = tmp_path / "run"
    run.mkdir()
    log = run / "events.jsonl"
    write(log, [{"type": "start", "step": 0, "steps": 2000, "time": 0.0}])
    tracker, clock, readings = ProgressTracker(run), 0.0, []
    for step in range(1, 1001):
        clock += 0.1 + (3.0 if step % 50 == 0 else 0.0)
        write(log, [{"type": "step", "step": step, "time": clock, "loss_d": 1.0, "loss_g": 1.0,
                     "images_per_sec": 640.0}])
        progress = tracker.read()
        if clock > 60:
            readings.append(progress.seconds_per_step)
    assert min(readings) > 0.16 * 0.85 and max(readings) < 0.16 * 1.15, (min(readings), max(readings))
    assert progress.eta_seconds == pytest.approx(1000 * progress.seconds_per_step)


def test_the_window_is_the_last_30_seconds_and_at_least_two_events(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    # 100 s at 1 step/s, then 12.5 s at 8 steps/s: the window (the newest events spanning 30 s) starts at step 82
    events = [{"type": "start", "step": 0, "steps": 1000, "time": 0.0}]
    for step in range(1, 201):
        clock = float(step) if step <= 100 else 100 + (step - 100) / 8  # in eighths: exact in binary
        events.append({"type": "step", "step": step, "time": clock, "images_per_sec": 8.0 if step <= 100 else 80.0})
    write(run / "events.jsonl", events)
    progress = ProgressTracker(run).read()
    assert SPEED_WINDOW_SECONDS == 30
    assert progress.seconds_per_step == pytest.approx(30.5 / 118)
    assert progress.images_per_sec == pytest.approx((18 * 8.0 + 12.5 * 80.0) / 30.5)

    slow = tmp_path / "slow"  # one step a minute: the last two steps still give a speed
    slow.mkdir()
    write(slow / "events.jsonl", [{"type": "start", "step": 0, "steps": 10, "time": 0.0},
                                  *[{"type": "step", "step": s, "time": 60.0 * s} for s in (1, 2, 3)]])
    assert ProgressTracker(slow).read().seconds_per_step == pytest.approx(60.0)


def test_a_resumed_run_forgets_the_old_speed(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    write(run / "events.jsonl", [{"type": "start", "step": 0, "steps": 10, "time": 0.0},
                                 {"type": "step", "step": 1, "time": 1.0}, {"type": "step", "step": 2, "time": 2.0},
                                 {"type": "end", "step": 2, "status": "stopped", "time": 2.0},
                                 {"type": "start", "step": 2, "steps": 10, "time": 100.0}])
    progress = ProgressTracker(run).read()
    assert progress.state == "running" and progress.seconds_per_step is None and progress.eta_seconds is None
