"""The Upscale page, driven by streamlit.testing: an upload made exactly 4× larger, bicubic and the model side by
side at the same zoom, the full-size download, held-out photos, and bad or oversized uploads as one clear line."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.helpers import ROOT, downloaded_bytes, encoded, media, page_opener, random_photos, train_tiny_upscaler  # noqa: F401

PAGE = str(ROOT / "pages" / "upscale.py")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """A checkpoints folder holding one tiny ×4 upscaler."""
    folder = tmp_path_factory.mktemp("shipped")
    train_tiny_upscaler(folder / "tiny-srgan", random_photos(tmp_path_factory.mktemp("photos")))
    return folder


@pytest.fixture
def open_page(shipped, monkeypatch):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))
    return page_opener(PAGE)


def noise(width: int, height: int) -> bytes:
    return encoded(Image.fromarray(np.random.default_rng(2).integers(0, 256, (height, width, 3), dtype=np.uint8)))


def upload(app: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    app.get("file_uploader")[0].set_value((name, data, mime))
    return app.run()


def captions(app: AppTest) -> list[str]:
    """Captions of the pictures (including the training grid's in the "What it learned" expander)."""
    return [image.captions[0] for image in app.image]


def test_an_upload_is_shown_beside_bicubic_at_the_same_zoom_and_downloads_at_four_times_its_size(open_page, media):
    app = open_page()
    assert not app.exception and not app.error
    assert "×**4**" in app.markdown[0].value
    app = upload(app, "mine.png", noise(50, 30))
    assert not app.exception and not app.error
    shown = captions(app)
    assert "Bicubic interpolation (200×120 px crop)" in shown  # the default square (256) is larger than the result
    assert "The model (200×120 px crop of mine\\.png)" in shown  # the name as typed (Markdown escaped)
    assert "The whole result: 50×30 px → 200×120 px (shown smaller; the download is full size)" in shown
    with Image.open(io.BytesIO(downloaded_bytes(app, "upscale_download", media))) as result:
        assert result.size == (200, 120)
    app.select_slider(key="upscale_zoom").set_value(128).run()
    app.slider(key="upscale_x").set_value(0).run()
    assert not app.exception
    assert "Bicubic interpolation (128×120 px crop)" in captions(app)


def test_bad_and_oversized_uploads_are_one_clear_line_and_the_page_keeps_working(open_page, monkeypatch):
    app = upload(open_page(), "notes.png", b"this is not an image")
    assert not app.exception and len(app.error) == 1 and "not an image" in app.error[0].value
    monkeypatch.setenv("GANS_MAX_PIXELS", "20000")
    app = upload(app, "big.png", noise(40, 40))  # 160² = 25,600 pixels out
    assert not app.exception and len(app.error) == 1
    assert app.error[0].value.startswith("The ×4 result is 160×160 = 25,600 pixels; this server allows at most "
                                         "20,000 pixels per request (GANS_MAX_PIXELS)")
    app = upload(app, "fine.png", noise(30, 30))
    assert not app.exception and not app.error
    assert any("30×30 px → 120×120 px" in caption for caption in captions(app))


def test_held_out_photos_can_be_tried_without_an_upload(open_page):
    from gans.tasks.upscale import held_out_examples

    if not held_out_examples(4):
        pytest.skip("the offline photos are not installed here (CI installs them)")
    app = open_page()
    assert app.radio(key="upscale_example").options  # the held-out photos, made 4× smaller
    assert not app.exception and not app.error
    assert any("The whole result:" in caption for caption in captions(app))


def test_a_run_opened_from_the_train_page_is_picked_and_one_of_another_task_is_refused(open_page, shipped):
    run = str(shipped / "tiny-srgan")
    app = open_page(upscale_run=run)
    assert not app.exception and app.selectbox(key="upscale_checkpoint").value == run
    app = open_page(upscale_run=str(ROOT / "checkpoints" / "dcgan-fashion-mnist"))
    assert not app.exception and "holds no upscaler model yet" in app.warning[0].value
    assert app.selectbox(key="upscale_checkpoint").value == run
