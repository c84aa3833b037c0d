"""The Streamlit app, driven by streamlit.testing (the studio pages get their own tests with their issue)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

import gans
from gans.training import TrainConfig, train

from .helpers import tiny_kwargs

ROOT = Path(__file__).resolve().parents[1]


def test_home_page_lists_models_datasets_and_shows_recent_run_samples(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    train("dcgan", cfg=TrainConfig(steps=2, batch_size=8, device="cpu"), out=tmp_path / "dcgan-demo",
          model_kwargs=tiny_kwargs("dcgan"))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value.endswith("GAN Studio")
    models = app.dataframe[0].value
    assert set(models["model"]) == set(gans.list_models())
    datasets = app.dataframe[1].value
    assert "fashion-mnist-mini" in set(datasets["dataset"])
    assert app.get("image"), "the recent run's sample grid is shown"
    assert any("Device:" in c.value for c in app.sidebar.caption)


def test_home_page_without_runs_says_how_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "empty"))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert "No runs yet" in app.info[0].value
