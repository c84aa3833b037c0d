"""``python -m gans upscale``: exactly scale × larger, the shipped upscaler by default, one-line errors."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gans.cli import main
from tests.helpers import ROOT, random_photos, train_tiny_upscaler


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return train_tiny_upscaler(tmp_path_factory.mktemp("shipped") / "tiny-srgan",
                               random_photos(tmp_path_factory.mktemp("photos")))


@pytest.fixture
def picture(tmp_path) -> Path:
    path = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (19, 33), dtype=np.uint8), "L").save(path)
    return path


def test_upscale_writes_exactly_four_times_the_input_with_the_shipped_upscaler(run, picture, monkeypatch, capsys):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(run.parent))
    out = picture.with_name("large.png")
    assert main(["upscale", str(picture), "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (132, 76) and image.mode == "L"
    assert "132×76: 33×19 upscaled ×4 by tiny-srgan" in capsys.readouterr().out


def test_tiles_are_reported(run, picture, capsys):
    out = picture.with_name("tiled.png")
    assert main(["upscale", str(picture), "-o", str(out), "--checkpoint", str(run), "--tile", "16"]) == 0
    assert "was processed in 6 tiles of 16 px" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.size == (132, 76)


def test_errors_are_one_line(run, picture, tmp_path, monkeypatch, capsys):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "none"))
    cases = [
        (["upscale", str(text), "-o", "x.png", "--checkpoint", str(run)], "is not an image"),
        (["upscale", str(picture), "-o", "x.png", "--checkpoint", str(run), "--scale", "2"],
         "upscales ×4, not ×2"),
        (["upscale", str(picture), "-o", "x.png", "--checkpoint", str(ROOT / "checkpoints" / "dcgan-fashion-mnist")],
         "which draws images from noise; `upscale` needs a srgan"),
        (["upscale", str(picture), "-o", "x.png"], "no shipped upscaler was found"),
        (["upscale", str(tmp_path / "missing.png"), "-o", "x.png", "--checkpoint", str(run)], "missing.png"),
        (["upscale", str(picture), "-o", str(tmp_path / "x.txt"), "--checkpoint", str(run)], "use a .png"),
    ]
    for args, message in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, (args, err)
