"""Data-parallel training: torchrun with 2 CPU processes (gloo) ends with identical weights on both ranks."""

import os
import re
import subprocess
import sys

import gans
from gans.io.checkpoints import RunDir
from gans.training.distributed import weights_fingerprint
from tests.helpers import ROOT


def test_torchrun_two_processes_end_with_identical_weights(tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GANS_RUNS_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "gans", "train", "wgan-gp", "--steps", "4", "--width", "4", "--image-size", "28",
               "--batch-size", "8", "--model-arg", "latent_dim=8", "--device", "cpu", "--quiet", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    fingerprints = dict(re.findall(r"rank (\d)/2 final weights sha256 ([0-9a-f]{64})", result.stderr))
    assert set(fingerprints) == {"0", "1"}, result.stderr[-3000:]
    assert fingerprints["0"] == fingerprints["1"]
    # rank 0 alone wrote the run directory, and what it saved is those weights
    assert weights_fingerprint(gans.load(out)) == fingerprints["0"]
    events = RunDir(out).read_events()
    assert [e["type"] for e in events].count("start") == 1 and events[0]["world_size"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ddp"]
