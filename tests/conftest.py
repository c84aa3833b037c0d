"""Shared fixtures: every test runs with its own runs folder and no network.

`make test` runs the suite on two pytest-xdist workers (one per core of the 2-core machine it is sized for), each
file on one worker. Each worker then computes on one thread, and so do the processes it starts (servers, CLI runs):
two threads per process on a busy 2-core machine wait on each other (tests/helpers.py, train_tiny_anomaly)."""

import os

import pytest
import torch

WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
THREADS = 1 if WORKERS > 1 else 2
if WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path_factory):
    """Runs and caches of a test never touch the user's folders."""
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path_factory.mktemp("runs")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # Inception weights in the user's torch cache would make `evaluate` slow and its output different
    monkeypatch.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch-home")))
    monkeypatch.delenv("GANS_INCEPTION_WEIGHTS", raising=False)
    torch.set_num_threads(THREADS)
