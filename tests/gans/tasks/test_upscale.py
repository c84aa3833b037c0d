"""gans.tasks.upscale: any upload made exactly scale × larger, tiled above the memory guard (and saying so), the budget
checked before any work, the side-by-side zoom, and the quality measure against bicubic interpolation."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.errors import ConfigError
from gans.io.uploads import UploadError
from gans.ops import budget
from gans.tasks import upscale
from tests.helpers import encoded, random_photos, train_tiny_upscaler


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("upscalers")
    return train_tiny_upscaler(folder / "tiny-srgan", random_photos(tmp_path_factory.mktemp("photos")))


@pytest.fixture(scope="module")
def model(run):
    return gans.load(run)


def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    channels = {"RGB": 3, "RGBA": 4}.get(mode)
    shape = (height, width, channels) if channels else (height, width)
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8), mode)


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
def test_any_mode_comes_out_exactly_four_times_larger_and_gray_stays_gray(model, mode):
    result = upscale.upscale_file(model, encoded(noise(37, 21, mode)))
    assert result.output.size == result.bicubic.size == (148, 84)
    assert result.output.mode == ("L" if mode == "L" else "RGB")
    assert not result.report.tiled and result.report.message == ""
    assert np.asarray(result.output).std() > 0  # a picture, not a blank
    assert not np.array_equal(np.asarray(result.output.convert("RGB")), np.asarray(result.bicubic.convert("RGB")))


def test_an_input_over_the_memory_guard_is_tiled_and_the_user_is_told(model, monkeypatch):
    monkeypatch.setattr(upscale, "MAX_UNTILED_INPUT_PIXELS", 40 * 40)
    picture = noise(90, 50)
    result = upscale.upscale_picture(model, picture)
    assert result.output.size == (360, 200)
    assert result.report.tiled and "was processed in" in result.report.message and "tiles" in result.report.message
    whole = upscale.upscale_picture(model, picture, tile=128)  # one tile: the same picture, blended seams aside
    difference = np.abs(np.asarray(whole.output, np.int16) - np.asarray(result.output, np.int16))
    assert difference.mean() < 2


def test_bad_uploads_and_oversized_results_are_one_clear_line(model, monkeypatch):
    with pytest.raises(UploadError, match="not an image"):
        upscale.upscale_file(model, b"this is text, not a PNG")
    monkeypatch.setenv("GANS_MAX_PIXELS", "20000")
    upscale.upscale_file(model, encoded(noise(35, 35)))  # 140² = 19,600 output pixels: allowed
    with pytest.raises(budget.BudgetError) as refused:
        upscale.upscale_file(model, encoded(noise(40, 40)))  # 160² = 25,600: the result is too large
    message = str(refused.value)
    assert message.startswith("The ×4 result is 160×160 = 25,600 pixels") and "or a ×2 upscaler" in message
    assert "\n" not in message
    monkeypatch.setenv("GANS_MAX_PIXELS", "25000000")
    monkeypatch.setenv("GANS_MAX_TILES", "1")  # a tiled upscale over the tile budget says what it was doing
    with pytest.raises(budget.BudgetError, match="^upscaling this 40×40 image") as refused:
        upscale.upscale_file(model, encoded(noise(40, 40)), tile=16)
    assert "translating" not in str(refused.value)


def test_only_upscalers_are_accepted():
    with pytest.raises(ConfigError, match="`upscale` needs a srgan run"):
        upscale.upscale_picture(gans.load(Path(__file__).parents[3] / "checkpoints" / "dcgan-fashion-mnist"),
                                noise(8, 8))


def test_the_zoom_shows_the_same_square_of_both_upscales(model):
    result = upscale.upscale_picture(model, noise(30, 20))  # 120×80 out
    assert upscale.zoom_box((120, 80), (0.5, 0.5), 40) == (40, 20, 80, 60)
    assert upscale.zoom_box((120, 80), (1.0, 0.0), 40) == (80, 0, 120, 40)  # kept inside the image
    assert upscale.zoom_box((120, 80), (0.5, 0.5), 512) == (0, 0, 120, 80)  # never larger than the image
    bicubic, upscaled = upscale.zoomed(result, (0.25, 0.75), 32)
    assert bicubic.size == upscaled.size == (32, 32)
    assert np.array_equal(np.asarray(upscaled), np.asarray(result.output.crop((14, 44, 46, 76))))


@pytest.mark.parametrize("mode, center, side",
                         [("RGB", (0.3, 0.6), 64), ("L", (1.0, 0.0), 128), ("RGB", (0.5, 0.5), 512)])
def test_the_zoom_of_a_result_kept_as_png_is_the_zoom_of_the_pictures(model, mode, center, side):
    """What the studio caches is PNG bytes: the squares cut from them (the bicubic one made from the upload's
    region alone) are pixel for pixel those of the whole upscale and the whole bicubic upscale."""
    from gans.io.images import png_bytes

    data = encoded(noise(53, 37, mode))
    result = upscale.upscale_file(model, data)
    expected = upscale.zoomed(result, center, side)
    found = upscale.zoomed_png(data, png_bytes(result.output), center, side)
    for picture, reference in zip(found, expected):
        assert picture.mode == reference.mode and picture.size == reference.size
        assert np.array_equal(np.asarray(picture), np.asarray(reference))


def test_measure_scores_bicubic_and_the_model_on_the_same_downscaled_photos(model):
    photos = [torch.from_numpy(np.array(noise(64, 48))).permute(2, 0, 1).contiguous()]
    scores = upscale.measure(model, photos)
    assert set(scores) == {"bicubic", "model"} and set(scores["model"]) == {"psnr", "ssim", "sharpness"}
    untrained = gans.create("srgan", width=4, blocks=1)  # its output convolution is zero: exactly bicubic
    same = upscale.measure(untrained, photos)
    assert same["model"]["psnr"] == pytest.approx(same["bicubic"]["psnr"], abs=0.05)
    assert same["bicubic"] == scores["bicubic"]
    assert 0 < scores["bicubic"]["sharpness"] < 1  # a bicubic upscale is blurrier than the original


def test_the_default_upscaler_is_the_shipped_one_of_the_asked_scale(run, monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(run.parent))
    assert upscale.default_upscaler() == str(run) == upscale.default_upscaler(4)
    with pytest.raises(ConfigError, match="no shipped ×2 upscaler was found.*the shipped ones are ×4"):
        upscale.default_upscaler(2)
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="no shipped upscaler was found"):
        upscale.default_upscaler()


def test_held_out_examples_are_the_test_photos_made_smaller():
    examples = upscale.held_out_examples(4)
    if not examples:
        pytest.skip("the offline photos are not installed here (CI installs them)")
    from gans.data.photos import load_offline_photos

    photos = load_offline_photos("test").photos
    for (name, small), photo in zip(examples, photos):
        assert small.size == (photo.shape[2] // 4, photo.shape[1] // 4) and name
