"""Colour hints (issue 16): the model's hint inputs and training simulation, full-resolution colorization with
hints, the command line's --hint, the page helpers (a click → a hint, markers), and old hint-less colorizers."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.cli import main
from gans.errors import CheckpointError, ConfigError
from gans.models.colorizer import MAX_HINT_PATCH, MAX_HINTS, simulate_hints
from gans.tasks.colorize import (
    ColourHint,
    check_hints,
    colorize_picture,
    hint_from_click,
    hint_maps,
    hint_side,
    mark_hints,
    parse_hint,
)
from gans.training import DataConfig, TrainConfig
from gans.training.api import train
from tests.gans.models.test_colorizer import TINY, colour_photo


@pytest.fixture(scope="module")
def hint_run(tmp_path_factory):
    """A tiny colorizer (with hints, the default) trained two steps on photos and saved as a run."""
    folder = tmp_path_factory.mktemp("hint_photos")
    for index in range(3):
        colour_photo(48, 40, seed=index).save(folder / f"photo{index}.png")
    out = tmp_path_factory.mktemp("hint_colorizer") / "run"
    train("colorizer", DataConfig("photo-folder", str(folder)),
          TrainConfig(steps=2, batch_size=2, device="cpu", sample_every=2, num_samples=2), out, TINY)
    return out


def gray(width, height, level=128) -> Image.Image:
    return Image.new("L", (width, height), level)


# ---- the model ----------------------------------------------------------------------------------------------------
def test_a_new_colorizer_sees_lightness_hint_colour_and_mask():
    model = gans.create("colorizer", **TINY)
    assert model.hints and model.config()["hints"] is True
    assert model.generator.encoder[0][1].in_channels == 4
    plain = gans.create("colorizer", **TINY, hints=False)
    assert plain.generator.encoder[0][1].in_channels == 1


def test_network_input_puts_hints_only_where_the_mask_is():
    model = gans.create("colorizer", **TINY)
    light = torch.zeros(1, 1, 32, 32)
    ab = torch.full((1, 2, 32, 32), 0.5)
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 3, 4] = 1
    x = model.network_input(light, ab, mask)
    assert x.shape == (1, 4, 32, 32)
    assert x[0, 1:3, 3, 4].tolist() == [0.5, 0.5] and x[0, 1:3].abs().sum() == 1.0, "hint colour outside the mask"
    assert torch.equal(model.network_input(light)[:, 1:], torch.zeros(1, 3, 32, 32)), "no hints: zero maps"
    with pytest.raises(ConfigError, match="do not match"):
        model.network_input(light, ab[..., :16], mask)


def test_hints_change_the_prediction_and_go_in_divided_by_the_chroma_scale():
    torch.manual_seed(0)
    model = gans.create("colorizer", **TINY, chroma_scale=0.5)
    light = torch.rand(1, 1, 32, 32) * 2 - 1
    ab, mask = torch.zeros(1, 2, 32, 32), torch.zeros(1, 1, 32, 32)
    ab[:, :, 8:11, 8:11], mask[..., 8:11, 8:11] = 0.4, 1
    automatic = model.predict_ab(light)
    hinted = model.predict_ab(light, ab, mask)
    assert not torch.allclose(automatic, hinted)
    torch.manual_seed(0)
    unscaled = gans.create("colorizer", **TINY)
    # what the scaled model shows is half of what the unscaled network makes of the hint doubled
    assert torch.allclose(hinted, 0.5 * unscaled.predict_ab(light, ab * 2, mask), atol=1e-6)
    assert torch.allclose(automatic, 0.5 * unscaled.predict_ab(light), atol=1e-6)
    ab[:, :, 8:11, 8:11] = 0.9  # doubled beyond the a*b* range: clamped to it
    assert torch.allclose(model.predict_ab(light, ab, mask), 0.5 * unscaled.predict_ab(light, ab.clamp(max=0.5) * 2,
                                                                                         mask), atol=1e-6)


def test_simulated_hints_copy_the_patch_mean_and_leave_half_the_crops_without_any():
    torch.manual_seed(0)
    ab = torch.rand(400, 2, 16, 16) * 2 - 1
    hint, mask = simulate_hints(ab)
    hinted = mask.flatten(1).any(1)
    assert 0.4 < hinted.float().mean() < 0.6, "about half the crops get hints"
    assert torch.equal(hint * (1 - mask), torch.zeros_like(hint)), "hint colour outside the mask"
    # one hinted crop, one patch: its colour is the patch's own mean a*b*
    torch.manual_seed(1)
    flat = torch.zeros(1, 2, 16, 16)
    flat[:, 0], flat[:, 1] = 0.25, -0.5
    for _ in range(20):
        hint, mask = simulate_hints(flat)
        if mask.any():
            break
    assert mask.any()
    assert torch.allclose(hint[0, :, mask[0, 0] > 0], torch.tensor([[0.25], [-0.5]]).expand(2, int(mask.sum())))
    assert 1 <= mask.sum().item() <= MAX_HINTS * MAX_HINT_PATCH**2


def test_simulated_hints_use_only_torch_s_global_rng():
    ab = torch.rand(8, 2, 16, 16)
    torch.manual_seed(3)
    first = simulate_hints(ab)
    torch.manual_seed(3)
    second = simulate_hints(ab)
    assert all(torch.equal(a, b) for a, b in zip(first, second))


def test_a_training_step_with_hints_runs_and_learns():
    torch.manual_seed(0)
    model = gans.create("colorizer", **TINY, pretrain_steps=10)
    optimizers = model.configure_optimizers(TrainConfig(steps=10))
    photos = torch.stack([torch.from_numpy(np.array(colour_photo(32, 32, seed))).permute(2, 0, 1) for seed in
                          range(4)]).float() / 127.5 - 1
    from gans.data import Batch
    losses = [model.train_step(Batch(images=photos), optimizers, step)["l1"] for step in range(10)]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


# ---- old colorizers --------------------------------------------------------------------------------------------------
def test_a_colorizer_saved_before_hints_existed_still_loads_and_refuses_hints(tmp_path):
    old = gans.create("colorizer", **TINY, hints=False)
    old.save_pretrained(tmp_path / "old")
    config_file = tmp_path / "old" / "config.json"
    config = json.loads(config_file.read_text())
    del config["model"]["hints"]  # as a run saved before this setting existed
    config_file.write_text(json.dumps(config))
    model = gans.load(tmp_path / "old")
    assert model.hints is False
    assert colorize_picture(model, gray(40, 30)).output.size == (40, 30)
    with pytest.raises(ConfigError, match="trained without colour hints"):
        colorize_picture(model, gray(40, 30), hints=[ColourHint(1, 1, "#ff0000")])


def test_a_hint_model_with_hint_less_weights_is_a_clear_error(tmp_path):
    gans.create("colorizer", **TINY, hints=False).save_pretrained(tmp_path / "run")
    config_file = tmp_path / "run" / "config.json"
    config = json.loads(config_file.read_text())
    config["model"]["hints"] = True
    config_file.write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="does not match"):
        gans.load(tmp_path / "run")


# ---- parsing and checking ------------------------------------------------------------------------------------------
def test_parse_hint_reads_x_y_and_a_hex_colour():
    assert parse_hint("120,40,#a05030") == ColourHint(120, 40, "#a05030")
    assert parse_hint(" 0, 7 ,#FFFFFF").rgb == (255, 255, 255)


@pytest.mark.parametrize("text, message", [
    ("120,40", "x,y,#rrggbb"), ("a,b,#000000", "x,y,#rrggbb"), ("-1,4,#000000", "x,y,#rrggbb"),
    ("1.5,4,#000000", "x,y,#rrggbb"), ("1,2,red", "#rrggbb"), ("1,2,#12345", "#rrggbb"), ("1,2,#1234567", "#rrggbb"),
    ("", "x,y,#rrggbb"),
])
def test_bad_hints_are_one_line_errors(text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        parse_hint(text)
    assert "\n" not in str(caught.value)


def test_hints_outside_the_photo_are_refused_with_the_photo_s_size():
    assert check_hints([ColourHint(39, 29, "#000000")], 40, 30)
    with pytest.raises(ConfigError, match=r"hint 2 at \(40, 3\) is outside the 40×30 photo"):
        check_hints([ColourHint(0, 0, "#000000"), ColourHint(40, 3, "#000000")], 40, 30)
    with pytest.raises(ConfigError, match="at most"):
        check_hints([ColourHint(0, 0, "#000000")] * 65, 40, 30)
    with pytest.raises(ConfigError, match="whole number"):
        ColourHint(-1, 0, "#000000")


def test_hint_maps_put_each_hint_at_its_place_at_the_render_size():
    ab, mask = hint_maps([ColourHint(200, 100, "#ff0000")], (400, 200), (100, 50))
    assert ab.shape == (1, 2, 50, 100) and mask.shape == (1, 1, 50, 100)
    assert hint_side((100, 50)) == 3 and hint_side((256, 100)) == 7 and hint_side((20, 10)) == 1
    assert mask.sum() == 3**2 and mask[0, 0, 25, 50] == 1
    assert ab[0, 0, 25, 50] > 0.5 and ab[0, 1, 25, 50] > 0.3, "red: a* and b* both positive"
    corner, corner_mask = hint_maps([ColourHint(399, 199, "#0000ff")], (400, 200), (100, 50))
    assert corner_mask[0, 0, 49, 99] == 1 and corner[0, 1, 49, 99] < 0, "blue: b* negative; clipped at the edge"


# ---- full resolution ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size, mode", [((37, 23), "L"), ((300, 200), "RGB"), ((64, 64), "RGB"), ((5, 90), "L")])
def test_output_is_exactly_the_input_size_with_and_without_hints(hint_run, size, mode):
    model = gans.load(hint_run)
    image = colour_photo(*size) if mode == "RGB" else gray(*size)
    hints = [ColourHint(0, 0, "#ff0000"), ColourHint(size[0] - 1, size[1] - 1, "#00ff00"),
             ColourHint(size[0] // 2, size[1] // 2, "#2050c0")]
    for given in ([], hints):
        result = colorize_picture(model, image, render_size=64, hints=given)
        assert result.output.size == size and result.output.mode == "RGB" and result.hints == given


@pytest.mark.parametrize("mode, fmt", [("RGBA", "PNG"), ("P", "PNG"), ("CMYK", "JPEG"), ("I;16", "PNG"), ("1", "PNG"),
                                       ("LA", "PNG")])
def test_files_of_every_mode_come_back_at_their_size_with_and_without_hints(hint_run, mode, fmt):
    from gans.tasks.colorize import colorize_file
    from tests.helpers import encoded

    picture = colour_photo(53, 31).convert(mode) if mode != "I;16" else Image.fromarray(
        np.asarray(colour_photo(53, 31).convert("L")).astype(np.uint16) * 257)
    assert picture.mode == mode
    data = encoded(picture, fmt)
    model = gans.load(hint_run)
    for hints in ([], [ColourHint(52, 30, "#ff8000"), ColourHint(0, 0, "#0080ff")]):
        assert colorize_file(model, data, render_size=64, hints=hints).output.size == (53, 31)


def test_a_hint_changes_the_colour_where_it_is(hint_run):
    model = gans.load(hint_run)
    with torch.no_grad():  # an untrained-looking net: make its output follow its input strongly
        model.generator.decoder[-1][1].weight.mul_(20)
    photo = gray(96, 64)
    plain = np.asarray(colorize_picture(model, photo, render_size=64).output).astype(int)
    hinted = np.asarray(colorize_picture(model, photo, render_size=64,
                                         hints=[ColourHint(30, 20, "#ff0000")]).output).astype(int)
    near = np.abs(hinted[14:27, 24:37] - plain[14:27, 24:37]).sum(-1).mean()
    assert near > 1, "the hint changed nothing where it was placed"


# ---- the command line ---------------------------------------------------------------------------------------------
def test_cli_hint_is_the_library_s_result(hint_run, tmp_path, capsys):
    source = tmp_path / "in.png"
    colour_photo(120, 80).save(source)
    out = tmp_path / "out.png"
    args = ["colorize", str(source), "-o", str(out), "--checkpoint", str(hint_run), "--render-size", "64",
            "--hint", "10,20,#a05030", "--hint", "100,70,#2050c0"]
    assert main(args) == 0, capsys.readouterr().err
    expected = colorize_picture(gans.load(hint_run), colour_photo(120, 80), render_size=64,
                                hints=[ColourHint(10, 20, "#a05030"), ColourHint(100, 70, "#2050c0")])
    assert np.array_equal(np.asarray(Image.open(out)), np.asarray(expected.output))


@pytest.mark.parametrize("hint, message", [("500,20,#a05030", "outside the 120×80 photo"),
                                           ("10,20,#zz0000", "#rrggbb"), ("10;20;#a05030", "x,y,#rrggbb")])
def test_cli_hint_errors_are_one_line(hint_run, tmp_path, capsys, hint, message):
    source = tmp_path / "in.png"
    colour_photo(120, 80).save(source)
    args = ["colorize", str(source), "-o", str(tmp_path / "o.png"), "--checkpoint", str(hint_run), "--hint", hint]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "o.png").exists()


# ---- what the page uses ---------------------------------------------------------------------------------------------
def test_a_click_on_a_shown_preview_is_a_hint_in_photo_pixels_with_the_result_s_colour_there():
    preview = Image.new("RGB", (100, 50), (10, 20, 30))
    preview.putpixel((75, 25), (200, 100, 50))
    hint = hint_from_click({"x": 300, "y": 100, "width": 400, "height": 200, "unix_time": 1}, preview, (1000, 500))
    assert hint == ColourHint(750, 250, "#c86432")
    assert hint_from_click({"x": 0, "y": 0, "width": 400, "height": 200}, preview, (1000, 500)).colour == "#0a141e"
    for bad in (None, {}, {"x": 5, "y": 5, "width": 0, "height": 0}, {"x": 500, "y": 5, "width": 400, "height": 200},
                {"x": "a", "y": 1, "width": 4, "height": 4}):
        assert hint_from_click(bad, preview, (1000, 500)) is None


def test_markers_are_drawn_where_the_hints_are_in_their_colour():
    picture = Image.new("RGB", (200, 100), (128, 128, 128))
    marked = mark_hints(picture, [ColourHint(500, 250, "#ff0000")], (1000, 500))
    assert marked.size == picture.size and marked.getpixel((100, 50)) == (255, 0, 0)
    assert marked.getpixel((10, 10)) == (128, 128, 128) and picture.getpixel((100, 50)) == (128, 128, 128)
    corner = mark_hints(picture, [ColourHint(0, 0, "#0000ff")], (1000, 500))
    assert corner.getpixel((7, 7)) == (0, 0, 255), "a hint at the edge is drawn whole, just inside"
