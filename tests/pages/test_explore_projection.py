"""Explore runs no projection until asked (issue 29): switching checkpoints projects nothing; Project runs it in
the background with a progress bar and the time left, while the t slider still answers; Stop ends it; an image
over the pixel budget is one clear line, refused before it is decoded."""

import threading
from pathlib import Path

import pytest
from PIL import Image

from gans.tasks import project as projection
from gans.training import DataConfig, TrainConfig, train
from tests.helpers import encoded
from tests.pages.test_explore import large_frame, open_page

JOB = "explore_projection_job"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Two tiny dcgan runs (1 step on fashion-mnist-mini, whose test images the page offers)."""
    folder = tmp_path_factory.mktemp("explore-projection-runs")
    for name in ("first", "second"):
        train("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"),
              folder / name, {"width": 4, "latent_dim": 8})
    return folder


@pytest.fixture
def calls(monkeypatch) -> list:
    """Every projection started, recorded (and still run)."""
    started = []
    real = projection.project_upload

    def recorded(*args, **kwargs):
        started.append(args[2])  # the steps
        return real(*args, **kwargs)

    monkeypatch.setattr(projection, "project_upload", recorded)
    return started


def opened(runs: Path, name: str, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_page(explore_run=str(runs / name))
    assert not app.exception and not app.error
    return app


def press_project(app, wait: bool = True):
    app.button(key="explore_project_run").click().run()
    if wait:
        assert app.session_state[JOB][1].wait(timeout=300), "the projection ends"
        app.run()
    return app


def captions(app) -> list[str]:
    return [caption.value for caption in app.caption]


def test_switching_checkpoints_projects_nothing_until_project_is_pressed(runs, calls, monkeypatch):
    app = opened(runs, "first", monkeypatch)
    assert not app.get("progress") and JOB not in app.session_state
    assert "Press **Project** to project test\\-0\\.png (300 steps)." in captions(app)
    app.selectbox(key="explore_checkpoint").set_value(str(runs / "second")).run()
    assert not app.exception and not app.error
    assert not app.get("progress") and JOB not in app.session_state and calls == []
    assert not any("Reconstruction" in image.captions for image in app.image)

    app.select_slider(key="explore_project_steps").set_value(50).run()
    press_project(app)
    assert calls == [50] and not app.exception and not app.error and not app.get("progress")
    shown = next(image for image in app.image if "Reconstruction" in image.captions)
    assert shown.captions == ["Target", "Reconstruction", "Error"]
    assert any(text.startswith("test\\-0\\.png: Projected in z with 50 steps") for text in captions(app))

    app.selectbox(key="explore_checkpoint").set_value(str(runs / "first")).run()
    assert JOB not in app.session_state, "another checkpoint: the projection is dropped"
    assert not any("Reconstruction" in image.captions for image in app.image) and calls == [50]


def test_a_running_projection_shows_its_progress_the_slider_still_answers_and_stop_ends_it(runs, monkeypatch):
    gate, reached = threading.Event(), threading.Event()
    real = projection.project

    def held(*args, progress=None, **kwargs):
        def report(done, total):
            progress(done, total)
            if done == 5:  # the test holds the projection at step 5
                reached.set()
                gate.wait(60)

        return real(*args, progress=report, **kwargs)

    monkeypatch.setattr(projection, "project", held)
    app = opened(runs, "first", monkeypatch)
    app.select_slider(key="explore_project_steps").set_value(50).run()
    press_project(app, wait=False)
    try:
        assert reached.wait(60)
        app.run()
        bar = app.get("progress")
        assert len(bar) == 1 and bar[0].value == 10
        assert bar[0].text.startswith("Projecting test\\-0\\.png: step 5 / 50, ") and bar[0].text.endswith(" left")
        start = large_frame(app)
        app.slider(key="explore_t").set_value(1.0).run()  # answered while the projection is held
        assert large_frame(app) != start and app.get("progress"), "the slider did not wait"
        app.button(key="explore_project_stop").click().run()
    finally:
        gate.set()
    job = app.session_state[JOB][1]
    assert job.wait(60) and job.state == "stopped"
    app.run()
    assert not app.exception and not app.get("progress")
    assert app.info[0].value == "The projection of test\\-0\\.png was stopped; press **Project** to start it again."


def test_an_image_over_the_pixel_budget_is_one_clear_line_and_is_never_decoded(runs, calls, monkeypatch, tmp_path):
    fitted, real_fit = [], projection.fit_target  # the sizes of the decoded images
    monkeypatch.setattr(projection, "fit_target", lambda model, image: fitted.append(image.size) or real_fit(model,
                                                                                                             image))
    Image.new("L", (7000, 7000)).save(tmp_path / "zeros.png", optimize=True)  # 49 megapixels in about 47 KB
    data = (tmp_path / "zeros.png").read_bytes()
    assert len(data) < 100_000
    app = opened(runs, "first", monkeypatch)
    app.file_uploader(key="explore_project_upload").set_value(("zeros.png", data, "image/png")).run()
    assert calls == [] and not app.error, "nothing is read before Project is pressed"
    press_project(app)
    assert not app.exception and len(app.error) == 1 and not fitted
    assert app.error[0].value == (
        "zeros\\.png: The image is 7000×7000 = 49 megapixels; this server allows at most 25 megapixels per request "
        "(GANS_MAX_PIXELS); projection shrinks every image to the model's size, so use a smaller copy")

    small = encoded(Image.new("L", (60, 60), 120))  # the next image is projected as usual
    app.file_uploader(key="explore_project_upload").set_value(("small.png", small, "image/png")).run()
    press_project(app)
    assert fitted == [(60, 60)] and not app.error and calls == [300, 300]
    assert any(text.startswith("small\\.png: Projected in z with 300 steps") for text in captions(app))


def test_an_upload_named_like_markdown_is_shown_as_plain_text(runs, calls, monkeypatch):
    """A crafted file name would make the browser fetch an outside image if shown as Markdown."""
    app = opened(runs, "first", monkeypatch)
    name = "![x](http://evil.example/x.png).png"
    app.file_uploader(key="explore_project_upload").set_value((name, encoded(Image.new("L", (60, 60), 120)),
                                                               "image/png")).run()
    shown = [text for text in captions(app) if "evil" in text]
    assert shown and all("![" not in text and "](" not in text for text in shown), shown
