"""Explore's labelled-dataset view for a class-conditional run (issue 19, part 1): the zip holds one folder per
class, named after the run's classes, that the folder dataset reads back; the server's sample limit is one line."""

import io
import zipfile
from pathlib import Path

import pytest

from gans.data import load_dataset
from gans.training import DataConfig, TrainConfig, train
from tests.helpers import downloaded_bytes, media  # noqa: F401  (media: a fixture)
from tests.pages.test_explore import open_page


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("explore-synth-runs")
    train("cgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"), folder / "cgan",
          {"width": 4, "latent_dim": 8, "embed_dim": 4})
    train("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"),
          folder / "dcgan", {"width": 4, "latent_dim": 8})
    return folder


def test_a_conditional_run_downloads_a_labelled_dataset_the_folder_dataset_reads(runs, monkeypatch, media, tmp_path):
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_page(explore_run=str(runs / "cgan"))
    assert not app.exception and any(header.value == "A labelled dataset of samples" for header in app.subheader)
    app.number_input(key="explore_synth_per_class").set_value(3).run()
    app.button(key="explore_synth_make").click().run()
    assert not app.exception and not app.error
    archive = zipfile.ZipFile(io.BytesIO(downloaded_bytes(app, "explore_synth_download", media)))
    names = archive.namelist()
    assert len(names) == 30 and "synthetic/1-trouser/00002.png" in names
    archive.extractall(tmp_path)
    data = load_dataset("folder", path=str(tmp_path / "synthetic"))
    assert len(data) == 30 and data.class_names[9] == "9-ankle-boot"


def test_the_sample_limit_is_one_clear_line_and_unconditional_runs_have_no_such_view(runs, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    monkeypatch.setenv("GANS_MAX_SAMPLES", "50")
    app = open_page(explore_run=str(runs / "cgan"))
    app.number_input(key="explore_synth_per_class").set_value(6).run()  # 60 images
    app.button(key="explore_synth_make").click().run()
    assert not app.exception and len(app.error) == 1
    assert app.error[0].value.startswith("60 images were asked for; this server allows at most 50")
    app = open_page(explore_run=str(runs / "dcgan"))
    assert not app.exception and not any(h.value == "A labelled dataset of samples" for h in app.subheader)
