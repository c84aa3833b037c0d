"""Shared fixtures: every test runs with its own runs folder and no network."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path_factory):
    """Runs and caches of a test never touch the user's folders."""
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path_factory.mktemp("runs")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # Inception weights in the user's torch cache would make `evaluate` slow and its output different
    monkeypatch.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch-home")))
    monkeypatch.delenv("GANS_INCEPTION_WEIGHTS", raising=False)
    torch.set_num_threads(2)
