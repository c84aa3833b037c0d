"""The Explore page's views of a model's own structure, driven by streamlit.testing: SAGAN's attention, StyleGAN's
style-mixing grid, ψ and noise, and projecting an uploaded image (or a test image) into any noise → image model."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gans.training import TrainConfig, train
from tests.helpers import downloaded_bytes, encoded, media  # noqa: F401  (media: a fixture)
from tests.pages.test_explore import open_page


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Tiny sagan and stylegan runs (2 steps on fashion-mnist-mini), trained once for this file."""
    folder = tmp_path_factory.mktemp("explore-model-runs")
    for name in ("sagan", "stylegan"):
        train(name, cfg=TrainConfig(steps=2, batch_size=8, device="cpu"), out=folder / name,
              model_kwargs={"width": 4, "latent_dim": 8})
    return folder


def open_run(runs: Path, name: str, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_page(explore_run=str(runs / name))
    assert not app.exception and not app.error, [e.value for e in app.error]
    return app


def image_with_caption(app, text: str):
    return next(image for image in app.image if any(text in caption for caption in image.captions))


def test_sagan_shows_where_a_picked_pixel_attends(runs, monkeypatch):
    app = open_run(runs, "sagan", monkeypatch)
    assert any(header.value == "Where the generator attends" for header in app.subheader)
    view = image_with_caption(app, "Its attention")
    heat = view.value[1]
    assert "attention map" in " ".join(caption.value for caption in app.caption)
    app.slider(key="explore_attention_x").set_value(3).run()
    app.slider(key="explore_attention_y").set_value(28).run()
    assert not app.exception and not app.error
    moved = image_with_caption(app, "Its attention")
    assert moved.captions[0] == "Seed 0, pixel (3, 28)"
    assert moved.value[1] != heat, "another pixel attends elsewhere (another picture)"
    assert not any(header.value == "Styles" for header in app.subheader), "no style view for SAGAN"


def test_stylegan_mixing_grid_psi_and_noise(runs, monkeypatch):
    app = open_run(runs, "stylegan", monkeypatch)
    assert any(header.value == "Styles" for header in app.subheader)
    assert not any(header.value == "Where the generator attends" for header in app.subheader)
    grid = image_with_caption(app, "Rows: seeds [0, 1, 2]")
    assert "coarse styles from the column" in grid.captions[0] and "ψ = 1.00" in grid.captions[0]
    first = grid.value[0]
    app.radio(key="explore_style_group").set_value("fine").run()
    fine = image_with_caption(app, "Rows: seeds")
    assert "fine styles" in fine.captions[0] and fine.value[0] != first
    app.slider(key="explore_psi").set_value(0.0).run()
    assert not app.exception and not app.error
    assert "ψ = 0.00" in image_with_caption(app, "Rows: seeds").captions[0]
    noise = image_with_caption(app, "fixed noise")
    assert noise.captions == ["fixed noise", "noise 1", "noise 2", "noise 3", "noise 4"]
    app.number_input(key="explore_mix_seed").set_value(10).run()
    assert "Rows: seeds [10, 11, 12] · columns: seeds [13, 14, 15]" in image_with_caption(app, "Rows").captions[0]


def projected(app):
    """``app`` rerun once the session's projection (started by pressing Project) has ended."""
    job = app.session_state["explore_projection_job"][1]
    assert job.wait(timeout=300), "the projection ends"
    return app.run()


def test_projecting_a_test_image_and_an_upload(runs, monkeypatch, media):
    app = open_run(runs, "stylegan", monkeypatch)
    assert not app.get("progress") and "explore_projection_job" not in app.session_state, "nothing runs unasked"
    app.select_slider(key="explore_project_steps").set_value(50).run()
    assert "Press **Project** to project test\\-0\\.png (50 steps)." in [caption.value for caption in app.caption]
    app.button(key="explore_project_run").click().run()
    projected(app)
    assert not app.exception and not app.error and not app.get("progress")
    shown = image_with_caption(app, "Reconstruction")
    assert shown.captions == ["Target", "Reconstruction", "Error"]
    text = " ".join(caption.value for caption in app.caption)
    assert "test\\-0\\.png: Projected in w+ (a w per layer) with 50 steps" in text
    assert "best of 100 random latents" in text
    walk = image_with_caption(app, "projection")
    assert walk.captions[0] == "seed 0" and walk.captions[-1] == "projection"
    arrays = np.load(io.BytesIO(downloaded_bytes(app, "explore_project_npz", media)))
    assert set(arrays.files) == {"w_plus", "image", "error"}
    app.number_input(key="explore_seed_a").set_value(4).run()  # the walk starts from the new seed A, no projection
    assert image_with_caption(app, "projection").captions[0] == "seed 4" and not app.get("progress")
    assert image_with_caption(app, "Reconstruction").value == shown.value

    picture = encoded(Image.new("RGB", (90, 60), (200, 120, 40)))
    app.file_uploader(key="explore_project_upload").set_value(("mine.png", picture, "image/png")).run()
    assert not app.exception and not app.error
    assert "Press **Project** to project mine\\.png (50 steps)." in [caption.value for caption in app.caption]
    assert not any("Reconstruction" in image.captions for image in app.image), "the old result is not shown as new"
    app.button(key="explore_project_run").click().run()
    projected(app)
    assert not app.exception and not app.error
    assert image_with_caption(app, "Reconstruction").value[0] != shown.value[0], "the upload is the target now"

    app.file_uploader(key="explore_project_upload").set_value(("broken.png", b"not an image", "image/png")).run()
    app.button(key="explore_project_run").click().run()
    projected(app)
    assert not app.exception
    assert len(app.error) == 1 and app.error[0].value.startswith("broken\\.png: ")
