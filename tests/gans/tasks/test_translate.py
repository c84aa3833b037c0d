"""Translating any image: library (gans.tasks.translate) and CLI (python -m gans translate)."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.cli import main
from gans.errors import ConfigError
from gans.io.uploads import UploadError
from gans.tasks.translate import translate_file, translate_picture
from tests.helpers import tiny_model


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def noise_image(width, height, mode="RGB", seed=0):
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4}[mode]
    return Image.fromarray(rng.integers(0, 256, (height, width, channels), dtype=np.uint8), mode)


@pytest.fixture(scope="module")
def pix2pix_run(tmp_path_factory):
    torch.manual_seed(0)
    model = gans.create("pix2pix", image_size=32, width=4)
    # Kaiming instead of N(0, 0.02) weights: the output then varies strongly with the input, as a trained
    # network's does, so the tiling test below compares real pictures rather than near-constant ones.
    for module in model.generator.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            torch.nn.init.kaiming_normal_(module.weight)
    path = tmp_path_factory.mktemp("pix2pix")
    model.save_pretrained(path)
    return model, path


@pytest.fixture(scope="module")
def cyclegan_run(tmp_path_factory):
    torch.manual_seed(0)
    model = gans.create("cyclegan", image_size=32, width=4, blocks=1, channels_a=3, channels_b=1, identity_weight=0)
    path = tmp_path_factory.mktemp("cyclegan")
    model.save_pretrained(path)
    return model, path


@pytest.mark.parametrize("size, mode, fmt", [((317, 451), "RGBA", "PNG"), ((1, 1), "RGB", "JPEG")])
def test_odd_sizes_translate_to_the_same_size_untiled(pix2pix_run, size, mode, fmt):
    model, _ = pix2pix_run
    result = translate_file(model, encoded(noise_image(*size, mode), fmt))
    assert result.output.size == size and result.output.mode == "RGB"
    assert not result.report.tiled and result.report.message == ""


def test_a_4000_by_3000_jpeg_is_tiled_and_the_user_is_told(pix2pix_run):
    model, _ = pix2pix_run
    photo = Image.new("RGB", (4000, 3000), (90, 140, 200))
    result = translate_file(model, encoded(photo, "JPEG"))
    assert result.output.size == (4000, 3000)
    assert result.report.tiled and result.report.tiles > 1
    assert "4000×3000" in result.report.message and "tiles" in result.report.message


def test_tiled_and_untiled_translations_agree(pix2pix_run):
    model, _ = pix2pix_run
    image = noise_image(200, 150)
    whole = np.asarray(translate_picture(model, image).output, np.int16)
    assert whole.std() > 20, "the network's output depends on its input"
    tiled = translate_picture(model, image, tile=128, overlap=48)
    assert tiled.report.tiled and tiled.report.tiles == 4
    difference = np.abs(whole - np.asarray(tiled.output, np.int16))
    assert difference.mean() < 0.5 and np.percentile(difference, 99) <= 3, (difference.mean(), difference.max())
    # Without overlap the seams show: the blending is what makes the tiles agree.
    seams = np.abs(whole - np.asarray(translate_picture(model, image, tile=128, overlap=0).output, np.int16))
    assert seams.mean() > 4 * difference.mean()


def test_cyclegan_directions_convert_channels(cyclegan_run):
    model, _ = cyclegan_run
    image = noise_image(40, 30)
    to_b = translate_picture(model, image, "a2b")
    assert to_b.output.mode == "L" and to_b.output.size == (40, 30)
    back = translate_picture(model, to_b.output, "b2a")
    assert back.output.mode == "RGB" and back.output.size == (40, 30)
    assert translate_picture(model, image.convert("L"), "a2b").output.size == (40, 30), "gray input → 3 channels"


def test_a_noise_model_cannot_translate():
    with pytest.raises(ConfigError, match="`translate` needs a cyclegan or pix2pix run"):
        translate_picture(tiny_model("dcgan"), Image.new("RGB", (8, 8)))


def test_bad_uploads_raise_upload_errors(pix2pix_run):
    model, _ = pix2pix_run
    with pytest.raises(UploadError):
        translate_file(model, b"this is not an image")
    png = encoded(noise_image(64, 64), "PNG")
    with pytest.raises(UploadError, match="truncated|corrupt"):
        translate_file(model, png[: len(png) // 2])


# ---- CLI --------------------------------------------------------------------------------------------------


def test_cli_translate_writes_an_image_of_the_input_size(pix2pix_run, tmp_path, capsys):
    _, run = pix2pix_run
    source = tmp_path / "in.png"
    noise_image(317, 451, "RGBA").save(source)
    out = tmp_path / "out.png"
    assert main(["translate", str(run), str(source), "-o", str(out)]) == 0
    assert Image.open(out).size == (317, 451)
    assert "317×451" in capsys.readouterr().out
    # Same input, same output: translation is deterministic.
    again = tmp_path / "again.png"
    assert main(["translate", str(run), str(source), "-o", str(again)]) == 0
    assert out.read_bytes() == again.read_bytes()


def test_cli_translate_tiles_on_request_and_says_so(pix2pix_run, tmp_path, capsys):
    _, run = pix2pix_run
    source = tmp_path / "in.jpg"
    noise_image(300, 200).save(source)
    out = tmp_path / "out.jpg"
    assert main(["translate", str(run), str(source), "-o", str(out), "--tile", "128"]) == 0
    assert Image.open(out).size == (300, 200)
    assert "tiles of 128 px" in capsys.readouterr().out


def test_cli_translate_b2a_on_cyclegan(cyclegan_run, tmp_path):
    _, run = cyclegan_run
    source = tmp_path / "gray.png"
    noise_image(50, 20).convert("L").save(source)
    out = tmp_path / "out.png"
    assert main(["translate", str(run), str(source), "-o", str(out), "--direction", "b2a"]) == 0
    assert Image.open(out).size == (50, 20) and Image.open(out).mode == "RGB"


@pytest.mark.parametrize("extra, message", [
    (["--direction", "b2a"], "no direction 'b2a'"),
    (["--tile", "100"], "multiple of 8"),
])
def test_cli_translate_errors_are_one_line(pix2pix_run, tmp_path, capsys, extra, message):
    _, run = pix2pix_run
    source = tmp_path / "in.png"
    noise_image(16, 16).save(source)
    assert main(["translate", str(run), str(source), "-o", str(tmp_path / "o.png"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and "Traceback" not in err


def test_cli_translate_refuses_bad_inputs(pix2pix_run, tmp_path, capsys):
    _, run = pix2pix_run
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert main(["translate", str(run), str(text), "-o", str(tmp_path / "o.png")]) == 2
    assert "not an image" in capsys.readouterr().err
    assert main(["translate", str(run), str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_translate_refuses_a_noise_model(tmp_path, capsys):
    model = tiny_model("dcgan")
    model.save_pretrained(tmp_path / "dcgan")
    source = tmp_path / "in.png"
    noise_image(16, 16).save(source)
    assert main(["translate", str(tmp_path / "dcgan"), str(source), "-o", str(tmp_path / "o.png")]) == 2
    assert "draws images from noise; `translate` needs a" in capsys.readouterr().err


# ---- what the Translate page shows (gans.tasks.translate) ----------------------------------------------------------
def test_directions_are_named_after_the_domains_when_the_run_knows_them():
    from gans.tasks.translate import direction_label

    assert direction_label("a2b") == "A → B" and direction_label("b2a", []) == "B → A"
    assert direction_label("a2b", ["sneaker", "ankle boot"]) == "sneaker → ankle boot"
    assert direction_label("b2a", ("sneaker", "ankle boot")) == "ankle boot → sneaker"


def test_translator_facts_say_architecture_data_steps_size_and_channels(cyclegan_run):
    from gans.tasks.translate import translator_facts
    from gans.views.catalog import CheckpointInfo

    model, path = cyclegan_run
    info = CheckpointInfo(path=path, source="run", architecture="cyclegan", data="sneaker2boot", step=1234,
                          image_size=32, channels=1, num_classes=0, task="translate")
    assert translator_facts(model, info) == ("**cyclegan** · data **sneaker2boot** · **1,234** steps · trained on "
                                             "**32×32** px crops · RGB → gray")


def test_held_out_examples_come_from_the_test_split_at_the_model_size():
    from gans.tasks.translate import held_out_examples

    a = held_out_examples("edges2fashion", "a2b", 48, count=3)
    b = held_out_examples("edges2fashion", "b2a", 48, count=3)
    assert len(a) == 3 and all(picture.size == (48, 48) for picture in a + b)
    assert [picture.tobytes() for picture in a] != [picture.tobytes() for picture in b], "one domain per direction"
    assert held_out_examples("no-such-data", "a2b", 32) == [], "nothing to offer, no error"
