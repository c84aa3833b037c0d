"""The Restore page (issue 28): one flow for an old photo, each step optional, one download that is the CLI's file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.cli import main
from gans.ops.ageing import Ageing
from gans.tasks.restore import age_picture
from tests.helpers import (  # noqa: F401
    ROOT,
    downloaded_bytes,
    encoded,
    media,
    page_opener,
    random_photos,
    train_tiny_colorizer,
    train_tiny_upscaler,
)

PAGE = ROOT / "pages" / "restore.py"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """A checkpoints folder with a tiny restorer (its name says restore), colorizer and ×4 upscaler."""
    folder = tmp_path_factory.mktemp("shipped")
    photos = random_photos(tmp_path_factory.mktemp("photos"))
    torch.manual_seed(0)
    gans.create("pix2pix", image_size=32, width=8, residual=True, dropout=0.0).save_pretrained(
        folder / "pix2pix-restore-tiny")
    train_tiny_colorizer(folder / "tiny-colorizer", photos)
    train_tiny_upscaler(folder / "tiny-upscaler", photos)
    return folder


@pytest.fixture
def page(shipped, monkeypatch):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))
    return page_opener(PAGE)


def old_print(width: int = 60, height: int = 40) -> Image.Image:
    """A gray photo tinted sepia and faded: monochrome, so the colour step runs in auto mode."""
    rng = np.random.default_rng(2)
    photo = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    return age_picture(photo, Ageing(fade=0.5, cast=1.0), gray=True)


def upload(app, name: str, data: bytes):
    app.get("file_uploader")[0].set_value((name, data, "image/png"))
    return app.run()


def captions(app) -> list[str]:
    return [image.captions[0] for image in app.image]


def test_an_old_gray_print_is_restored_coloured_and_upscaled_with_one_download(page):
    app = page()
    app.radio(key="restore_upscale").set_value(2)
    app = upload(app.run(), "grandma.png", encoded(old_print()))
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert captions(app) == ["Input (grandma\\.png) · 60×40 px", "Restored", "Coloured", "Upscaled ×2"]
    assert app.get("download_button")[0].proto.label == "Download the result (120×80 PNG)"


def test_each_step_can_be_turned_off(page):
    app = upload(page(), "grandma.png", encoded(old_print()))
    app.toggle(key="restore_restore").set_value(False).run()
    assert captions(app) == ["Input (grandma\\.png) · 60×40 px", "Coloured"]
    app.radio(key="restore_colorize").set_value("no").run()
    assert not app.exception and app.warning[0].value == "Every step is off: turn one on."
    assert app.get("download_button")[0].proto.label == "Download the result (60×40 PNG)"


def test_a_colour_photo_is_not_coloured_in_auto_mode_and_the_page_says_why(page):
    rng = np.random.default_rng(4)
    app = upload(page(), "holiday.png", encoded(Image.fromarray(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8))))
    assert captions(app) == ["Input (holiday\\.png) · 60×40 px", "Restored"]
    assert "already in colour" in app.info[0].value


@pytest.mark.parametrize("data, message", [(b"just text", "not an image"),
                                           (encoded(Image.new("1", (10000, 6000))), "too large")])
def test_a_bad_upload_is_one_line_and_the_page_keeps_working(page, data, message):
    app = upload(page(), "bad.png", data)
    assert not app.exception and len(app.error) == 1 and message in app.error[0].value
    assert not app.get("download_button")
    app = upload(app, "fine.png", encoded(old_print()))
    assert not app.exception and not app.error


def test_without_an_upload_an_aged_held_out_photo_can_be_tried(page):
    app = page()
    assert not app.exception and not app.error
    labels = app.radio(key="restore_example").options
    assert labels and "gray" in labels[0]
    assert captions(app)[1:] == ["Restored", "Coloured"]


def test_without_a_restorer_the_page_says_which_model_is_missing(monkeypatch, tmp_path, shipped):
    import shutil

    shutil.copytree(shipped / "tiny-colorizer", tmp_path / "tiny-colorizer")
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path))
    app = upload(page_opener(PAGE)(), "grandma.png", encoded(old_print()))
    assert not app.exception and "photo-restoration model" in app.error[0].value


def test_the_page_s_download_is_the_cli_s_output_file(page, shipped, media, tmp_path, capsys):  # noqa: F811
    source = tmp_path / "grandma.png"
    source.write_bytes(encoded(old_print()))
    app = page()
    app.radio(key="restore_upscale").set_value(2)
    app = upload(app.run(), "grandma.png", source.read_bytes())
    out = tmp_path / "cli.png"
    assert main(["restore", str(source), "-o", str(out), "--upscale", "2"]) == 0, capsys.readouterr().err
    assert downloaded_bytes(app, "restore_download", media) == out.read_bytes()
