"""The Colorize page compares the result with the gray input in one sentence (gans.views.colorize_report) and says when
the colour was computed smaller than the photo and enlarged (issue 15: sepia results, blurry colour unexplained)."""

import re

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.helpers import ROOT, encoded

PAGE = str(ROOT / "pages" / "colorize.py")


@pytest.fixture
def page(monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(ROOT / "checkpoints"))  # the shipped colorizer
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "runs"))
    return AppTest.from_file(PAGE, default_timeout=120).run()


def colour_photo(width: int, height: int) -> Image.Image:
    """Smooth colour blobs: something a colorizer can be right or wrong about."""
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    pixels = np.stack([np.sin(6 * x) * 0.5 + 0.5, np.cos(5 * y) * 0.5 + 0.5, x * y], -1)
    return Image.fromarray((pixels * 255).astype(np.uint8))


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.get("file_uploader")[0].set_value((name, data, "image/png"))
    return app.run()


def comparison(app: AppTest) -> str:
    return next(block.value for block in app.info if "the gray photo" in block.value)


def test_a_colour_photo_gets_one_sentence_against_the_gray_photo_and_a_note_on_the_render_size(page):
    app = page
    app.slider(key="colorize_render_size").set_value(128)
    app = upload(app, "blobs.png", encoded(colour_photo(600, 400)))
    assert not app.exception and not app.error
    sentence = comparison(app)
    assert re.fullmatch(r"(Closer to the original than|No closer to the original than|About as close to the "
                        r"original as) the gray photo: PSNR \*\*\d+\.\d dB\*\* vs \d+\.\d dB, SSIM \*\*0\.\d{3}\*\* vs "
                        r"0\.\d{3}; colourfulness \d+\.\d vs the original's \d+\.\d \(.*\)(; .*)?\.",
                        sentence), sentence
    notes = [caption.value for caption in app.caption if caption.value.startswith("Colour was computed")]
    assert notes == ["Colour was computed at 128×85 px and enlarged 4.7× onto the photo's 600×400 px lightness, "
                     "so fine colour detail is lost and edges may bleed; raise the render size for sharper colour."]


def test_a_gray_photo_gets_the_result_s_colourfulness_against_zero_and_a_small_photo_no_render_note(page):
    gray = colour_photo(96, 64).convert("L")
    app = upload(page, "old.png", encoded(gray))
    assert not app.exception and not app.error
    sentence = comparison(app)
    assert sentence.startswith("Colourfulness **") and "against 0 for the gray photo" in sentence
    assert not [caption for caption in app.caption if caption.value.startswith("Colour was computed")], \
        "the network ran at the photo's own size: nothing was enlarged"
