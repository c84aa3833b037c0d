"""Colour from a reference photo (issue 27, part 4): the matching, any sizes and modes of photo and reference, a
person's hints taking precedence, bad and gray references, the command line's --reference."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.cli import main
from gans.errors import ConfigError, ImageError
from gans.ops.budget import BudgetError
from gans.ops.color import l_to_gray, lab_to_rgb, normalize_l, rgb_to_lab
from gans.tasks import reference as reference_photo
from gans.tasks.colorize import ColourHint, colorize_file, colorize_picture, hint_maps

TINY = {"width": 4, "image_size": 32}


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return gans.create("colorizer", **TINY)


def lab_picture(lightness: np.ndarray, a: np.ndarray, b: np.ndarray) -> Image.Image:
    lab = torch.from_numpy(np.stack([lightness, a, b]).astype(np.float32))
    return Image.fromarray((lab_to_rgb(lab).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))


def textured_and_smooth(height: int, width: int, seed: int, horizontal: bool) -> tuple[np.ndarray, np.ndarray]:
    """Lightness around 50: one half textured (noise), the other smooth; and the textured half's mask."""
    rng = np.random.default_rng(seed)
    textured = np.zeros((height, width), bool)
    if horizontal:
        textured[:, : width // 2] = True
    else:
        textured[: height // 2] = True
    lightness = np.where(textured, 50 + rng.uniform(-20, 20, (height, width)), 50.0)
    return lightness, textured


def red_and_blue_reference(height=60, width=80) -> Image.Image:
    """Top half red and textured, bottom half blue and smooth, at the same mean lightness."""
    lightness, textured = textured_and_smooth(height, width, seed=1, horizontal=False)
    return lab_picture(lightness, np.where(textured, 60.0, 5.0), np.where(textured, 40.0, -50.0))


def gray_target(height=48, width=64) -> tuple[torch.Tensor, np.ndarray]:
    """Normalised L (1, 1, H, W) of a gray photo whose left half is textured and right half smooth."""
    lightness, textured = textured_and_smooth(height, width, seed=2, horizontal=True)
    return normalize_l(torch.from_numpy(lightness).float()[None, None]), textured


def png(picture: Image.Image, format="PNG") -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format)
    return buffer.getvalue()


# ---- the matching ---------------------------------------------------------------------------------------------------
def test_matching_takes_each_region_s_colour_from_the_region_that_looks_like_it(model):
    """Left half textured → the reference's textured red; right half smooth → its smooth blue (a different layout
    in the reference: top and bottom), and the hints are normalised a*b* where the mask is."""
    lightness, textured = gray_target()
    ab, mask = reference_photo.reference_hints(model, lightness, red_and_blue_reference())
    assert ab.shape == (1, 2, 48, 64) and mask.shape == (1, 1, 48, 64)
    hinted = mask[0, 0].numpy() > 0
    left, right = hinted & textured, hinted & ~textured
    assert left.sum() > 20 and right.sum() > 20, "sure matches on both halves"
    a, b = ab[0, 0].numpy(), ab[0, 1].numpy()
    assert a[left].mean() > 0.3 and b[left].mean() > 0.2, "textured half: red (a*, b* > 0)"
    assert b[right].mean() < -0.3, "smooth half: blue (b* < 0)"
    assert (ab * (1 - mask)).abs().max() == 0, "no colour outside the mask"


def test_luminance_remapping_gives_the_target_s_mean_and_spread():
    reference = torch.linspace(60, 90, 100).view(1, 1, 10, 10)
    target = torch.linspace(20, 40, 100).view(1, 1, 10, 10)
    remapped = reference_photo.remap_lightness(reference, target)
    assert remapped.mean().item() == pytest.approx(target.mean().item(), abs=1e-3)
    assert remapped.std().item() == pytest.approx(target.std().item(), abs=1e-3)
    assert reference_photo.remap_lightness(torch.full((1, 1, 1, 1), 70.0), target).item() == pytest.approx(
        target.mean().item(), abs=1e-3), "one pixel: no spread to match"


def test_texture_is_the_neighbourhood_s_standard_deviation():
    flat = torch.full((1, 1, 9, 9), 40.0)
    assert reference_photo.texture(flat).abs().max() < 1e-3
    checker = torch.from_numpy(np.indices((9, 9)).sum(0) % 2 * 20.0).float()[None, None]
    assert reference_photo.texture(checker)[0, 0, 4, 4].item() == pytest.approx(np.std([0] * 12 + [20] * 13), 1e-3)


def test_a_person_s_hints_take_precedence_over_the_reference(model):
    lightness, _ = gray_target()
    person = [ColourHint(10, 24, "#20c020")]  # green, where the reference would say red
    person_ab, person_mask = hint_maps(person, (64, 48), (64, 48))
    ab, mask = reference_photo.reference_hints(model, lightness, red_and_blue_reference(), person_ab, person_mask)
    on_person = person_mask[0, 0] > 0
    assert torch.equal(ab[0, :, on_person], person_ab[0, :, on_person]), "the person's colour is kept as given"
    clearance = reference_photo._share(reference_photo.CLEARANCE_SHARE, 64, 48)
    near = torch.zeros(48, 64, dtype=torch.bool)
    near[max(0, 24 - clearance):24 + clearance + 1, max(0, 10 - clearance):10 + clearance + 1] = True
    assert torch.equal(mask[0, 0, near] > 0, on_person[near]), "no reference hint beside the person's"
    assert mask[0, 0, ~near].sum() > 20, "the reference still colours the rest"


def test_colorize_picture_sends_the_merged_hints_to_the_network(model, monkeypatch):
    seen = {}
    predict = model.predict_ab

    def spy(lightness, hint_ab=None, hint_mask=None):
        seen["mask"] = hint_mask
        return predict(lightness, hint_ab, hint_mask)

    monkeypatch.setattr(model, "predict_ab", spy)
    photo = Image.fromarray(l_to_gray(torch.from_numpy(gray_target()[0].numpy() * 50 + 50))[0, 0].mul(255)
                            .byte().numpy())
    result = colorize_picture(model, photo, reference=red_and_blue_reference(), hints=[ColourHint(3, 3, "#00ff00")])
    assert result.output.size == photo.size
    assert seen["mask"][0, 0, 3, 3] == 1 and seen["mask"].sum() > 30, "the person's hint and the reference's"


# ---- sizes, modes and bad references ------------------------------------------------------------------------------
@pytest.mark.parametrize("photo", [Image.new("L", (1, 1), 90), Image.new("RGB", (300, 7), (10, 200, 30)),
                                   Image.new("RGB", (3000, 3), (10, 200, 30)), Image.new("L", (3, 3000), 90),
                                   Image.new("RGB", (1024, 16), (10, 200, 30)),
                                   Image.fromarray(np.random.default_rng(0).integers(0, 255, (33, 97), np.uint8))])
def test_any_photo_size_with_any_reference_size_and_mode(model, photo):
    colour = red_and_blue_reference(40, 52)
    references = [colour, colour.resize((1, 1)), colour.resize((2000, 30)), png(colour.convert("RGBA")),
                  png(colour.convert("P"), "GIF"), png(colour.convert("CMYK"), "JPEG")]
    for reference in references:
        assert colorize_picture(model, photo, with_metrics=False, reference=reference).output.size == photo.size


@pytest.mark.parametrize("width, height, step", [(256, 4, 8), (256, 1, 8), (1, 1, 8), (5, 300, 8), (64, 64, 8)])
def test_the_grid_has_a_point_on_every_axis_however_thin_the_picture(width, height, step):
    points = reference_photo._grid_points(width, height, step)
    assert len(points) >= max(1, width // step) * max(1, height // step)
    assert points[:, 0].max() < width and points[:, 1].max() < height and points.min() >= 0


def test_a_large_reference_is_matched_at_a_bounded_size():
    big = Image.fromarray(np.random.default_rng(4).integers(0, 256, (900, 1500, 3), dtype=np.uint8))
    for source in (big, png(big, "JPEG")):
        assert max(reference_photo.load_reference(source).size) <= reference_photo.REFERENCE_SIDE


@pytest.mark.parametrize("reference", [Image.new("L", (30, 20), 100), Image.new("RGB", (30, 20), (90, 90, 90)),
                                       png(Image.new("L", (30, 20), 100))])
def test_a_gray_reference_is_refused_in_one_line(model, reference):
    with pytest.raises(ConfigError, match="reference photo is gray") as error:
        colorize_picture(model, Image.new("L", (16, 16)), reference=reference)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("reference", [b"not an image", b"", png(Image.new("RGB", (40, 40), "red"))[:60],
                                       "missing-reference.jpg"])
def test_a_bad_reference_file_gets_one_line_naming_the_reference(model, reference, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImageError) as error:
        colorize_file(model, png(Image.new("L", (16, 16))), reference=reference)
    assert "reference photo" in str(error.value).lower() and "\n" not in str(error.value)


def test_a_reference_over_the_pixel_budget_is_refused_from_its_header(model, monkeypatch):
    monkeypatch.setenv("GANS_MAX_PIXELS", "1000")
    with pytest.raises((BudgetError, ImageError), match="reference photo is too large .*the limit is 0.001 megapix"):
        colorize_picture(model, Image.new("L", (16, 16)), reference=png(Image.new("RGB", (100, 100), "red")))


def test_a_colorizer_without_hints_cannot_take_a_reference():
    plain = gans.create("colorizer", **TINY, hints=False)
    with pytest.raises(ConfigError, match="reference photo"):
        colorize_picture(plain, Image.new("L", (16, 16)), reference=Image.new("RGB", (8, 8), "red"))


# ---- the command line ---------------------------------------------------------------------------------------------
def test_cli_reference_with_hints_is_the_library_s_result(model, tmp_path, capsys):
    run = tmp_path / "run"
    model.save_pretrained(run)
    photo, reference = tmp_path / "in.png", tmp_path / "ref.jpg"
    Image.fromarray(np.random.default_rng(5).integers(0, 255, (30, 40), np.uint8)).save(photo)
    red_and_blue_reference().save(reference)
    args = ["colorize", str(photo), "-o", str(tmp_path / "out.png"), "--checkpoint", str(run),
            "--reference", str(reference), "--hint", "3,4,#00ff00"]
    assert main(args) == 0, capsys.readouterr().err
    assert "coloured like ref.jpg" in capsys.readouterr().out
    expected = colorize_file(gans.load(run), photo, hints=[ColourHint(3, 4, "#00ff00")], reference=reference)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out.png")), np.asarray(expected.output))

    (tmp_path / "bad.jpg").write_bytes(b"not a photo")
    assert main(args[:-4] + ["--reference", str(tmp_path / "bad.jpg")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error:") and "reference photo" in error and "\n" not in error


def test_a_person_s_hint_keeps_its_colour_in_the_output_beside_a_reference():
    """Precedence at the output, not only in the hint maps: a green hint on a photo the red-and-blue reference
    colours everywhere comes out green where it was placed."""
    torch.manual_seed(0)
    plain = gans.create("colorizer", **TINY)
    photo = l_to_gray_picture(np.full((48, 64), 55.0))
    hint = ColourHint(20, 20, "#20c020")
    result = colorize_picture(plain, photo, with_metrics=False, reference=red_and_blue_reference(), hints=[hint])
    asked = rgb_to_lab(torch.tensor(hint.rgb, dtype=torch.float32).view(3, 1, 1) / 255)[1:].flatten()
    got = rgb_to_lab(torch.from_numpy(np.asarray(result.output)[20, 20] / 255.0).float().view(3, 1, 1))[1:].flatten()
    assert (got - asked).norm() < 0.25 * asked.norm(), (got, asked)


def l_to_gray_picture(lightness: np.ndarray) -> Image.Image:
    gray = l_to_gray(torch.from_numpy(lightness.astype(np.float32))[None, None])[0, 0]
    return Image.fromarray((gray.numpy() * 255).round().astype(np.uint8))
