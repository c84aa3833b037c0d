"""A real training process killed at seeded moments — mid-step, mid-checkpoint (a ``.tmp`` file on disk) — and
resumed: no file is corrupt, each kill loses at most one checkpoint interval, and the resumed run ends with the
weights of a straight run. SIGTERM and SIGINT (the studio's Stop, Ctrl-C) save a checkpoint at the current step
and exit cleanly (issue 15).

Each process is ``python -m gans train`` on a tiny DCGAN (width 4, batch 4, fashion-mnist-mini).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import gans
from gans.io.checkpoints import RunDir
from gans.io.decode import decode_image
from tests.helpers import ROOT

STEPS, EVERY = 60, 10  # total steps, checkpoint interval
NEW_RUN = ["dcgan", "--data", "fashion-mnist-mini", "--steps", str(STEPS), "--checkpoint-every", str(EVERY),
           "--width", "4", "--batch-size", "4", "--image-size", "28", "--model-arg", "latent_dim=8", "--seed", "15",
           "--log-every", "1", "--sample-every", "20", "--num-samples", "4"]
TIMEOUT = 120


STARTED: list[subprocess.Popen] = []


def start(*args: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "gans", "train", *args, "--quiet"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    STARTED.append(process)
    return process


@pytest.fixture(autouse=True)
def no_process_outlives_its_test():
    """A failed assertion must not leave a trainer running: kill what a test started and did not finish."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def logged_step(run: Path) -> int:
    """The last step the run logged (every step is logged: --log-every 1)."""
    return max((e["step"] for e in RunDir(run).read_events() if e.get("type") == "step"), default=0)


def partial_files(run: Path) -> list[Path]:
    return [path for folder in (run, run / "samples") if folder.is_dir() for path in folder.glob(".*.tmp")]


def wait_for(process: subprocess.Popen, condition, busy: bool = False) -> bool:
    """Poll ``condition`` until it holds (True) or the process ends (False); ``busy`` polls without sleeping (to
    catch a checkpoint's few milliseconds on disk)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        if not busy:
            time.sleep(0.005)
    raise AssertionError("the training process neither reached the moment nor ended")


def assert_nothing_corrupt(run: Path) -> int:
    """Every finished file of the run reads; returns the checkpoint's step."""
    folder = RunDir(run)
    assert isinstance(json.loads(folder.config_path.read_text()), dict)
    assert all(torch.isfinite(tensor).all() for tensor in load_file(folder.weights_path).values())
    gans.load(run)  # weights match the config
    state = folder.load_trainer_state()
    for sample in folder.sample_paths():
        decode_image(sample)
    assert folder.read_events()[0]["type"] == "start"
    return int(state["step"])


def weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(RunDir(run).weights_path)


def stop_at(process: subprocess.Popen, run: Path, step: int, sig: int, mid_write: bool) -> tuple[int, str, str]:
    """Send ``sig`` once the run has logged ``step`` (and, ``mid_write``, as soon as after that a checkpoint or
    sample file is half-written on disk); returns the process's exit code, stdout and stderr."""
    if not wait_for(process, lambda: logged_step(run) >= step):
        pytest.fail(f"the run ended before step {step}: {finish(process)}")
    if mid_write and not wait_for(process, lambda: bool(partial_files(run)), busy=True):
        pytest.fail(f"the run ended before a file was being written: {finish(process)}")
    process.send_signal(sig)
    return finish(process)


def test_killed_and_stopped_at_seeded_moments_then_resumed_it_ends_as_a_straight_run(tmp_path):
    """One run, five processes: SIGKILL mid-step, SIGKILL mid-write, SIGKILL, SIGTERM, SIGINT at seeded steps,
    each followed by ``--resume``; then it trains to the end and its weights are the straight run's (trained
    meanwhile by a sixth process)."""
    straight_run, run = tmp_path / "straight", tmp_path / "run"
    straight = start(*NEW_RUN, "--out", str(straight_run))
    moments = sorted(random.Random(15).sample(range(3, STEPS - 3, 5), 5))  # 5 steps apart at least
    plan = [(signal.SIGKILL, False), (signal.SIGKILL, True), (signal.SIGKILL, False), (signal.SIGTERM, False),
            (signal.SIGINT, False)]
    caught_mid_write, stopped_at = 0, []
    for index, (step, (sig, mid_write)) in enumerate(zip(moments, plan)):
        process = start(*NEW_RUN, "--out", str(run)) if index == 0 else start("--resume", str(run))
        # a kill that came a moment after the file's rename gets a second chance at the next SIGKILL
        mid_write = mid_write or (sig == signal.SIGKILL and index > 1 and not caught_mid_write)
        code, out, err = stop_at(process, run, step, sig, mid_write)
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL
            caught_mid_write += bool(partial_files(run))
            saved = assert_nothing_corrupt(run)
            lost = logged_step(run) - saved
            assert 0 <= lost <= EVERY, f"killed at step {logged_step(run)}, the last checkpoint is at {saved}"
        else:  # the studio's Stop button, Ctrl-C: finish the step, save, say how to continue, exit 0
            assert code == 0 and "Traceback" not in err, (sig, err)
            end = RunDir(run).read_events()[-1]
            assert end["type"] == "end" and end["status"] == "stopped", end
            assert f"stopped at step {end['step']}" in out and "--resume" in out
            assert assert_nothing_corrupt(run) == end["step"] == logged_step(run) >= step, "saved at the last step"
            assert not partial_files(run)
            stopped_at.append(end["step"])
    assert caught_mid_write >= 1, "no kill landed while a file was half-written"

    code, out, err = finish(start("--resume", str(run)))
    assert code == 0 and f"finished at step {STEPS}" in out, err
    assert not partial_files(run), "resume removes what the kills left half-written"
    assert_nothing_corrupt(run)
    starts = [e["step"] for e in RunDir(run).read_events() if e["type"] == "start"]
    assert len(starts) == 6 and starts[-2:] == stopped_at, "each resume starts where the stop saved"
    code, _, err = finish(straight)
    assert code == 0, err
    resumed, expected = weights(run), weights(straight_run)
    assert resumed.keys() == expected.keys()
    assert all(torch.equal(resumed[key], expected[key]) for key in expected), "the resumed run's weights differ"
