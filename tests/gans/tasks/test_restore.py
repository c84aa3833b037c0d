"""The old-photo flow (gans.tasks.restore), the aged-photos pairs and Pix2Pix's residual generator (issue 28)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.data.aged_photos import AgedPhotos
from gans.data.photos import PhotoData
from gans.errors import ConfigError, DatasetError, ImageError
from gans.ops import budget
from gans.ops.ageing import HELD_OUT_AGEINGS, Ageing
from gans.tasks import colorize, translate
from gans.tasks.restore import RestoreSettings, age_picture, is_monochrome, restore_file, restore_picture
from gans.training import DataConfig, TrainConfig, train
from tests.helpers import encoded, random_photos, train_tiny_colorizer, train_tiny_upscaler


# ---- aged-photos --------------------------------------------------------------------------------------------
def photo_data(count: int = 3) -> PhotoData:
    generator = torch.Generator().manual_seed(0)
    photos = [torch.randint(0, 256, (3, 48 + 8 * n, 64), generator=generator, dtype=torch.uint8)
              for n in range(count)]
    return PhotoData(photos, "test", [f"p{n}.png" for n in range(count)])


def test_aged_photos_pair_an_aged_crop_with_its_clean_crop_freshly_aged_every_batch():
    data = AgedPhotos(photo_data()).prepare(32, 3, 3)
    torch.manual_seed(0)
    first = data.batch(torch.arange(6))
    assert first.images.shape == first.targets.shape == (6, 3, 32, 32)
    assert first.images.min() >= -1 and first.images.max() <= 1
    assert not torch.equal(first.images, first.targets)  # aged
    torch.manual_seed(0)
    again = data.batch(torch.arange(6))
    assert torch.equal(again.images, first.images) and torch.equal(again.targets, first.targets)  # seeded
    later = data.batch(torch.arange(6))
    assert not torch.equal(later.images, first.images)  # a fresh ageing (and crop) every batch
    assert data.kind == "paired" and (data.channels_a, data.channels_b) == (3, 3) and data.image_size == 32


def test_aged_photos_examples_are_fixed_and_gray_channels_are_refused():
    data = AgedPhotos(photo_data()).prepare(32, 3, 3)
    one, two = data.examples(2), data.examples(2)
    assert torch.equal(one.images, two.images) and one.images.shape == (2, 3, 32, 32)
    with pytest.raises(DatasetError, match="RGB → RGB"):
        AgedPhotos(photo_data()).prepare(32, 1, 3)


# ---- Pix2Pix with a residual generator ----------------------------------------------------------------------
def test_a_residual_pix2pix_adds_its_correction_to_the_input():
    model = gans.create("pix2pix", image_size=32, width=8, residual=True, dropout=0.0).eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        expected = (x + 2 * model.generator(x)).clamp(-1, 1)
    assert torch.allclose(model.translate(x), expected, atol=2e-2)  # bf16 inference where the CPU has it
    with pytest.raises(ConfigError, match="as many input as output channels"):
        gans.create("pix2pix", image_size=32, in_channels=1, out_channels=3, residual=True)


def test_a_residual_pix2pix_trains_on_aged_photos_and_keeps_any_size(tmp_path):
    """On the offline photos (.ci/run installs their packages)."""
    train("pix2pix", DataConfig("aged-photos"),
          TrainConfig(steps=2, batch_size=2, device="cpu", sample_every=2, num_samples=2), tmp_path / "run",
          {"image_size": 32, "width": 8, "residual": True, "dropout": 0.0})
    model = gans.load(tmp_path / "run")
    assert model.residual and model.config()["residual"] is True
    odd = Image.fromarray(np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8))
    assert translate.translate_picture(model, odd).output.size == (53, 37)


# ---- the flow ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flow")
    photos = random_photos(folder / "photos")
    torch.manual_seed(0)
    restorer = gans.create("pix2pix", image_size=32, width=8, residual=True, dropout=0.0).eval()
    colorizer = gans.load(train_tiny_colorizer(folder / "colorizer", photos))
    upscaler = gans.load(train_tiny_upscaler(folder / "upscaler", photos))
    return {"restorer": restorer, "colorizer": colorizer, "upscaler": upscaler}


def colour_photo(width: int = 45, height: int = 30) -> Image.Image:
    rng = np.random.default_rng(3)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def sepia(image: Image.Image) -> Image.Image:
    return age_picture(image, Ageing(cast=1.0), gray=True)


def test_monochrome_means_gray_or_one_tint():
    photo = colour_photo()
    assert is_monochrome(photo.convert("L")) and is_monochrome(photo.convert("L").convert("RGB"))
    assert is_monochrome(sepia(photo))
    assert not is_monochrome(photo)


def test_every_step_runs_in_order_and_keeps_the_size_then_upscales(models):
    result = restore_picture(sepia(colour_photo()), RestoreSettings(upscale=4), **models)
    assert [name for name, _ in result.steps] == ["restored", "coloured", "upscaled ×4"]
    assert [picture.size for _, picture in result.steps] == [(45, 30), (45, 30), (180, 120)]
    assert result.output is result.steps[-1][1]


def test_each_step_can_be_turned_off(models):
    photo = sepia(colour_photo())
    only_colour = restore_picture(photo, RestoreSettings(restore=False), **models)
    assert [name for name, _ in only_colour.steps] == ["coloured"]
    halved = restore_picture(photo, RestoreSettings(colorize="no", upscale=2), **models)
    assert [name for name, _ in halved.steps] == ["restored", "upscaled ×2"] and halved.output.size == (90, 60)
    nothing = restore_picture(photo, RestoreSettings(restore=False, colorize="no"), **models)
    assert nothing.steps == [] and nothing.output is nothing.input


def test_auto_colour_skips_a_colour_photo_with_a_note_and_yes_colours_it(models):
    photo = colour_photo()
    auto = restore_picture(photo, RestoreSettings(), **models)
    assert [name for name, _ in auto.steps] == ["restored"] and "already in colour" in auto.notes[0]
    forced = restore_picture(photo, RestoreSettings(colorize="yes"), **models)
    assert [name for name, _ in forced.steps] == ["restored", "coloured"]


def test_hints_change_the_colour_step(models):
    photo = colour_photo().convert("L")
    plain = restore_picture(photo, RestoreSettings(restore=False), **models).output
    hinted = restore_picture(photo, RestoreSettings(restore=False, hints=(colorize.parse_hint("5,5,#ff0000"),)),
                             **models).output
    assert not np.array_equal(np.asarray(plain), np.asarray(hinted))


def test_bad_settings_and_missing_models_are_one_clear_line(models):
    with pytest.raises(ConfigError, match="upscale must be 1"):
        RestoreSettings(upscale=3)
    with pytest.raises(ConfigError, match="colour step"):
        RestoreSettings(colorize="no", reference=b"x")
    with pytest.raises(ConfigError, match="photo-restoration model"):
        restore_picture(colour_photo(), RestoreSettings(), colorizer=models["colorizer"])
    with pytest.raises(ConfigError, match="restoration model takes and returns colour"):
        gray_model = gans.create("pix2pix", image_size=32, width=8, in_channels=1, out_channels=3).eval()
        restore_picture(colour_photo(), RestoreSettings(), **{**models, "restorer": gray_model})
    with pytest.raises(ImageError, match="not an image"):
        restore_file(b"not an image", RestoreSettings(), **models)


def test_an_upscaling_over_the_budget_is_refused_before_any_step_runs(models, monkeypatch):
    monkeypatch.setenv("GANS_MAX_PIXELS", str(100 * 100))
    calls = []
    monkeypatch.setattr(translate, "translate_picture", lambda *a, **k: calls.append(1))
    with pytest.raises(budget.BudgetError, match="×4 upscaling"):
        restore_file(encoded(colour_photo(45, 30)), RestoreSettings(upscale=2), **models)  # ×4, then halved
    assert calls == []
    monkeypatch.undo()
    assert restore_file(encoded(colour_photo(45, 30)), RestoreSettings(colorize="no"), **models).output.size == (45, 30)


def test_the_held_out_mixes_are_not_what_training_draws():
    """Training draws each degradation on its own at a strength in [0.2, 1] or 0; the held-out mixes are fixed
    and each ages a photo visibly."""
    photo = colour_photo(64, 48)
    for name, ageing in HELD_OUT_AGEINGS.items():
        aged = np.asarray(age_picture(photo, ageing, seed=1)).astype(int)
        assert np.abs(aged - np.asarray(photo)).mean() > 2, name
        assert np.array_equal(aged, np.asarray(age_picture(photo, ageing, seed=1)))


def test_the_cli_writes_the_flow_s_output(models, tmp_path, capsys):
    from gans.cli import main

    for name, model in models.items():
        model.save_pretrained(tmp_path / name)
    source = tmp_path / "old.png"
    sepia(colour_photo()).save(source)
    out = tmp_path / "out.png"
    assert main(["restore", str(source), "-o", str(out), "--upscale", "2", "--restorer", str(tmp_path / "restorer"),
                 "--colorizer", str(tmp_path / "colorizer"), "--upscaler", str(tmp_path / "upscaler")]) == 0
    assert "restored → coloured → upscaled ×2" in capsys.readouterr().out
    assert Image.open(out).size == (90, 60)


def test_the_cli_refuses_hints_without_the_colour_step(tmp_path, capsys):
    from gans.cli import main

    source = tmp_path / "old.png"
    colour_photo().save(source)
    assert main(["restore", str(source), "-o", str(tmp_path / "o.png"), "--colorize", "no", "--hint",
                 "1,1,#ff0000"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0  # one line


def test_translate_offers_test_photos_aged_by_the_held_out_mixes_at_their_own_size():
    aged = translate.held_out_examples("aged-photos", "a2b", 256, count=2)
    clean = translate.held_out_examples("aged-photos", "b2a", 256, count=2)
    assert len(aged) == len(clean) == 2
    for old, new in zip(aged, clean):
        assert old.size == new.size and max(old.size) <= 512
        assert np.abs(np.asarray(old).astype(int) - np.asarray(new)).mean() > 2


def test_the_read_out_scales_the_broad_and_the_fine_correction_apart():
    from gans.models.pix2pix import residual_read_out

    x = torch.zeros(1, 3, 64, 64)
    flat = torch.full((1, 3, 64, 64), 0.1)  # a uniform correction has no fine part
    assert torch.allclose(residual_read_out(x, flat), x + 0.2)
    assert torch.allclose(residual_read_out(x, flat, broad=0.5, fine=0.0), x + 0.1, atol=1e-6)
    speckle = torch.zeros(1, 3, 64, 64)
    speckle[..., ::2, ::2] = 0.2  # mostly fine detail
    fine_only = residual_read_out(x, speckle, broad=0.0, fine=1.0)
    assert abs(fine_only.mean().item()) < 0.01 and fine_only.std() > 0.1
    assert torch.equal(residual_read_out(x, speckle, broad=0.0, fine=0.0), x)
    model = gans.create("pix2pix", image_size=32, width=8, residual=True, correction_broad=0.0, correction_fine=0.0)
    images = torch.rand(1, 3, 32, 32) * 2 - 1
    assert torch.allclose(model.eval().translate(images), images, atol=1e-6)  # no correction: the input
    with pytest.raises(ConfigError, match="correction_fine"):
        gans.create("pix2pix", image_size=32, residual=True, correction_fine=-1)
