"""An upload's translation is bounded in work (``GANS_MAX_TRANSLATE_WORK``): over it, the picture is translated at
the largest size of its shape that fits, and the result says so; the work per pixel is counted from the model."""

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.tasks.translate import translate_file, work_per_pixel, working_size
from tests.helpers import ROOT, encoded


@pytest.fixture(scope="module")
def pix2pix():
    torch.manual_seed(0)
    return gans.create("pix2pix", image_size=32, width=4).eval()


def noise(width: int, height: int) -> bytes:
    return encoded(Image.fromarray(np.random.default_rng(1).integers(0, 256, (height, width, 3), dtype=np.uint8)))


def test_an_upload_over_the_work_limit_is_translated_smaller_and_the_result_says_why(pix2pix, monkeypatch):
    per_pixel = work_per_pixel(pix2pix, "a2b")
    assert per_pixel > 0
    monkeypatch.setenv("GANS_MAX_TRANSLATE_WORK", repr(per_pixel * 200 * 100 / 4 / 1e9))  # a quarter of 200×100
    result = translate_file(pix2pix, noise(200, 100))
    width, height = result.output.size
    assert (width, height) == result.input.size and 98 <= width <= 100 and 49 <= height <= 50
    assert per_pixel * width * height <= per_pixel * 200 * 100 / 4
    message = result.report.message
    assert message.startswith(f"The image (200×100) was translated at {width}×{height}: ")
    assert "GANS_MAX_TRANSLATE_WORK" in message and "\n" not in message


def test_an_upload_within_the_limit_keeps_its_size_and_says_nothing(pix2pix):
    result = translate_file(pix2pix, noise(200, 100))
    assert result.output.size == (200, 100) and result.report.message == ""


def test_the_probe_upload_fits_in_seconds_on_the_cyclegan_and_a_phone_photo_stays_whole_on_the_restorer():
    """The probe: 5000×5000 on the sneaker↔boot CycleGAN took 131 s; at the default limit it is translated at
    most 500 billion multiply-adds' worth. The photo restorer does twelve times less work a pixel, so a 4000×3000
    photo is translated whole."""
    cyclegan = gans.load(ROOT / "checkpoints" / "cyclegan-sneaker2boot", device="cpu")
    (width, height), reason = working_size(cyclegan, "a2b", 5000, 5000)
    assert width == height and work_per_pixel(cyclegan, "a2b") * width * height <= 500e9
    assert width < 2500 and "GANS_MAX_TRANSLATE_WORK" in reason
    restorer = gans.load(ROOT / "checkpoints" / "pix2pix-restore-photos", device="cpu")
    assert working_size(restorer, "a2b", 4000, 3000) == ((4000, 3000), "")
