"""The colorizer: the model, full-resolution colorization (gans.tasks.colorize), the CLI, and training on photos."""

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.cli import main
from gans.data import Batch
from gans.errors import ConfigError
from gans.io.checkpoints import RunDir
from gans.ops.color import rgb_to_l
from gans.tasks.colorize import colorize_picture, render_dimensions
from gans.training import DataConfig, TrainConfig
from gans.training.api import resume, train

TINY = {"width": 4, "image_size": 32}


def colour_photo(width, height, seed=0) -> Image.Image:
    """Smooth colour gradients with noise: colour that varies with position, like a photo."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1),
                       np.full_like(x, 128 + 60 * seed % 127)], -1) + rng.normal(0, 10, (height, width, 3))
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    for index in range(4):
        colour_photo(48 + 8 * index, 40, seed=index).save(folder / f"photo{index}.png")
    return folder


@pytest.fixture(scope="module")
def colorizer_run(photo_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("colorizer") / "run"
    train("colorizer", DataConfig("photo-folder", str(photo_folder)),
          TrainConfig(steps=3, batch_size=2, device="cpu", sample_every=3, num_samples=2), out, TINY)
    return out


def test_the_colorizer_is_registered_as_its_own_task():
    assert gans.list_models(task="colorize") == ["colorizer"]
    model = gans.create("colorizer", **TINY)
    assert isinstance(model, gans.ImageToImageGAN) and not hasattr(model, "sample")


def test_predict_ab_keeps_the_size_and_refuses_other_multiples():
    model = gans.create("colorizer", **TINY)
    multiple = model.input_multiple
    assert model.predict_ab(torch.zeros(2, 1, multiple * 3, multiple * 2)).shape == (2, 2, multiple * 3, multiple * 2)
    with pytest.raises(ConfigError, match="multiples"):
        model.predict_ab(torch.zeros(1, 1, multiple + 1, multiple))


def test_chroma_scale_pales_every_prediction_by_its_factor_and_is_saved(tmp_path):
    torch.manual_seed(0)
    full = gans.create("colorizer", **TINY)
    torch.manual_seed(0)
    pale = gans.create("colorizer", **TINY, chroma_scale=0.5)
    light = torch.rand(2, 1, 32, 32) * 2 - 1
    assert full.predict_ab(light).abs().amax() > 0
    assert torch.allclose(pale.predict_ab(light), 0.5 * full.predict_ab(light))
    pale.save_pretrained(tmp_path / "pale")
    again = gans.load(tmp_path / "pale")
    assert again.config()["chroma_scale"] == 0.5 and torch.equal(again.predict_ab(light), pale.predict_ab(light))


def test_chroma_scale_does_not_change_training():
    """The factor is applied to predictions only: the loss still compares the raw network output."""
    stats = []
    for scale in (1.0, 0.3):
        torch.manual_seed(0)
        model = gans.create("colorizer", **TINY, chroma_scale=scale, pretrain_steps=5)
        optimizers = model.configure_optimizers(TrainConfig(steps=2))
        stats.append(model.train_step(structured_batch(4), optimizers, step=0)["l1"])
    assert stats[0] == stats[1]


@pytest.mark.parametrize("scale", [0, -0.5, 1.5, True, "half"])
def test_chroma_scale_outside_zero_to_one_is_refused(scale):
    with pytest.raises(ConfigError, match="chroma_scale"):
        gans.create("colorizer", **TINY, chroma_scale=scale)


def structured_batch(n=8, size=32, seed=0):
    """Colour follows lightness (bright → warm, dark → blue): something an L → ab network can learn."""
    generator = torch.Generator().manual_seed(seed)
    light = torch.nn.functional.avg_pool2d(torch.rand(n, 1, size, size, generator=generator), 5, 1, 2)
    light = (light - light.amin()) / (light.amax() - light.amin())
    rgb = torch.cat([light, light * 0.6, 1 - light], 1)
    return Batch(rgb * 2 - 1)


def test_l1_falls_during_a_short_training_run():
    torch.manual_seed(0)
    model = gans.create("colorizer", **TINY, pretrain_steps=20, output="regression")
    optimizers = model.configure_optimizers(TrainConfig(steps=60, lr=1e-3))
    batch = structured_batch(n=4)
    l1 = [model.train_step(batch, optimizers, step)["l1"] for step in range(60)]
    assert np.mean(l1[-10:]) < 0.5 * np.mean(l1[:10]), l1[::10]


def test_colour_classes_learn_the_colour_distribution():
    """The default output: cross-entropy over colour bins falls, and so does the L1 of its mean."""
    torch.manual_seed(0)
    model = gans.create("colorizer", **TINY, pretrain_steps=60)
    assert model.output == "classes"
    optimizers = model.configure_optimizers(TrainConfig(steps=60, lr=5e-3))
    batch = structured_batch(n=4)
    stats = [model.train_step(batch, optimizers, step) for step in range(60)]
    entropy, l1 = [s["cross_entropy"] for s in stats], [s["l1"] for s in stats]
    assert np.mean(entropy[-10:]) < 0.9 * np.mean(entropy[:10]), entropy[::10]
    assert np.mean(l1[-10:]) < 0.85 * np.mean(l1[:10]), l1[::10]


def test_pretraining_steps_leave_the_discriminator_alone():
    model = gans.create("colorizer", **TINY, pretrain_steps=5)
    optimizers = model.configure_optimizers(TrainConfig(steps=10))
    before = {k: v.clone() for k, v in model.discriminator.state_dict().items()}
    stats = model.train_step(structured_batch(4), optimizers, step=0)
    assert stats["adversarial"] == 0.0
    assert all(torch.equal(v, before[k]) for k, v in model.discriminator.state_dict().items())
    model.train_step(structured_batch(4), optimizers, step=5)
    assert any(not torch.equal(v, before[k]) for k, v in model.discriminator.state_dict().items())


def test_mean_chroma_of_the_training_photos_is_tracked():
    model = gans.create("colorizer", **TINY)
    optimizers = model.configure_optimizers(TrainConfig(steps=10))
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(2, 3, 32, 32)  # pure red in [-1, 1]
    model.train_step(Batch(red.contiguous()), optimizers, step=0)
    assert model.mean_ab == pytest.approx(torch.tensor([80.09, 67.20]), abs=0.2), "CIE a*b* of sRGB red"


def test_save_and_load_keep_predictions_and_mean_chroma(colorizer_run):
    model = gans.load(colorizer_run)
    assert model.mean_ab.abs().sum() > 0
    again = gans.load(colorizer_run)
    light = torch.rand(1, 1, 32, 64) * 2 - 1
    assert torch.equal(model.predict_ab(light), again.predict_ab(light))


@pytest.mark.parametrize("size", [(1, 1), (317, 451), (64, 20)])
def test_output_has_the_input_size_and_keeps_its_lightness(colorizer_run, size):
    model = gans.load(colorizer_run)
    image = colour_photo(*size).convert("L")
    result = colorize_picture(model, image, render_size=64)
    assert result.output.size == size and result.output.mode == "RGB"
    assert not result.was_colour and result.metrics == {}
    original_l = rgb_to_l(torch.from_numpy(np.array(image.convert("RGB"))).permute(2, 0, 1).float() / 255)
    output_l = rgb_to_l(torch.from_numpy(np.array(result.output)).permute(2, 0, 1).float() / 255)
    assert (original_l - output_l).abs().mean() < 1.5, "the full-resolution lightness is kept (L* in 0..100)"


def test_render_size_caps_the_network_work_and_never_upscales(colorizer_run):
    model = gans.load(colorizer_run)
    assert render_dimensions(4000, 3000, 256) == (256, 192)
    assert render_dimensions(100, 50, 256) == (100, 50)
    result = colorize_picture(model, Image.new("L", (4000, 3000), 90), render_size=256)
    assert result.render_size == (256, 192) and result.output.size == (4000, 3000)
    with pytest.raises(ConfigError, match="render size"):
        colorize_picture(model, Image.new("L", (8, 8)), render_size=8)


def test_a_colour_photo_is_compared_with_both_baselines(colorizer_run):
    model = gans.load(colorizer_run)
    result = colorize_picture(model, colour_photo(80, 60), render_size=64)
    assert result.was_colour
    assert set(result.metrics) == {"colorizer", "zero chroma (gray)", "mean training chroma", "original"}
    assert result.metrics["zero chroma (gray)"]["colorfulness"] < 0.5
    assert result.metrics["original"]["colorfulness"] > 20
    assert all(0 < row["psnr"] < 60 and -1 <= row["ssim"] <= 1 for name, row in result.metrics.items()
               if name != "original")
    assert colorize_picture(model, colour_photo(80, 60).convert("L").convert("RGB")).metrics == {}, \
        "a gray photo saved as RGB has no colour to compare with"


def test_a_noise_model_cannot_colorize():
    model = gans.create("dcgan", width=4, latent_dim=8)
    with pytest.raises(ConfigError, match="`colorize` needs a colorizer run"):
        colorize_picture(model, Image.new("L", (8, 8)))


def test_stop_and_resume_equals_a_straight_run(photo_folder, tmp_path):
    cfg = dict(batch_size=2, seed=1, sample_every=100, checkpoint_every=100, num_samples=2, device="cpu")
    kwargs = {**TINY, "pretrain_steps": 2}
    data = DataConfig("photo-folder", str(photo_folder))
    train("colorizer", data, TrainConfig(steps=5, **cfg), tmp_path / "straight", kwargs)
    calls = iter(range(100))
    train("colorizer", data, TrainConfig(steps=5, **cfg), tmp_path / "split", kwargs,
          should_stop=lambda: next(calls) >= 3)
    resume(tmp_path / "split")
    a, b = RunDir(tmp_path / "straight").weights_path.read_bytes(), RunDir(tmp_path / "split").weights_path.read_bytes()
    assert a == b


# ---- CLI --------------------------------------------------------------------------------------------------------


def test_cli_colorize_uses_the_shipped_colorizer_by_default(colorizer_run, tmp_path, monkeypatch, capsys):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "colorizer").symlink_to(colorizer_run, target_is_directory=True)
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))
    source = tmp_path / "photo.jpg"
    colour_photo(123, 77).save(source)
    out = tmp_path / "out.png"
    assert main(["colorize", str(source), "-o", str(out), "--render-size", "64"]) == 0
    assert Image.open(out).size == (123, 77)
    printed = capsys.readouterr().out
    assert "colour predicted at 64×40" in printed and "zero chroma" in printed


def test_cli_colorize_errors_are_one_line(colorizer_run, tmp_path, monkeypatch, capsys):
    source = tmp_path / "gray.png"
    Image.new("L", (20, 20), 100).save(source)
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "nothing"))
    assert main(["colorize", str(source), "-o", str(tmp_path / "o.png")]) == 2
    assert "no shipped colorizer" in capsys.readouterr().err
    dcgan = tmp_path / "dcgan"
    gans.create("dcgan", width=4, latent_dim=8).save_pretrained(dcgan)
    assert main(["colorize", str(source), "-o", str(tmp_path / "o.png"), "--checkpoint", str(dcgan)]) == 2
    assert "`colorize` needs a colorizer run" in capsys.readouterr().err
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    assert main(["colorize", str(text), "-o", str(tmp_path / "o.png"), "--checkpoint", str(colorizer_run)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "not an image" in err


# ---- what the Colorize page shows (gans.tasks.colorize) ------------------------------------------------------------
def test_metric_rows_name_each_result_and_leave_the_originals_scores_empty(colorizer_run):
    from gans.tasks.colorize import METRIC_LABELS, metric_rows

    result = colorize_picture(gans.load(colorizer_run), colour_photo(80, 60), render_size=64)
    rows = metric_rows(result.metrics)
    assert [row["result"] for row in rows] == list(METRIC_LABELS.values())
    assert all(set(row) == {"result", "PSNR (dB)", "SSIM", "colourfulness"} for row in rows)
    assert rows[-1]["PSNR (dB)"] is None and rows[-1]["SSIM"] is None and rows[-1]["colourfulness"] > 0
    assert metric_rows({}) == []


def test_previews_are_at_most_their_side_and_keep_the_aspect():
    from gans.tasks.colorize import preview

    small = Image.new("RGB", (300, 200))
    assert preview(small, 1024) is small
    assert preview(Image.new("RGB", (4000, 3000)), 1024).size == (1024, 768)


def test_colorizer_facts_and_held_out_photos(colorizer_run, monkeypatch):
    from gans.tasks.colorize import EXAMPLE_DATASET, colorizer_facts, held_out_photos
    from gans.views.catalog import describe

    assert colorizer_facts(describe(colorizer_run)) == ("**colorizer** · data **photo-folder** · **3** steps · "
                                                        "trained on **32×32** px crops · gray → colour")
    uncalibrated = gans.create("colorizer", **TINY)
    assert colorizer_facts(describe(colorizer_run), uncalibrated).endswith("gray → colour")
    calibrated = gans.create("colorizer", **TINY, caution=1.0)
    assert "stays pale wherever it is unsure" in colorizer_facts(describe(colorizer_run), calibrated)
    if any(info.name == EXAMPLE_DATASET and info.available for info in gans.list_datasets()):
        from gans.tasks.colorize import EXAMPLE_PHOTOS
        names = [name for name, _ in held_out_photos()]
        here = [photo.rsplit("/", 1)[-1].rsplit(".", 1)[0] for photo in EXAMPLE_PHOTOS]
        assert 1 <= len(names) <= len(EXAMPLE_PHOTOS)
        assert names == [name for name in here if name in names] or len(set(names) & set(here)) == 0, \
            "the examples come in EXAMPLE_PHOTOS' order"
    regression = gans.create("colorizer", **TINY, output="regression", caution=1.0)
    assert "stays pale" not in colorizer_facts(describe(colorizer_run), regression)
    if any(info.name == EXAMPLE_DATASET and info.available for info in gans.list_datasets()):
        photos = held_out_photos()
        assert photos and all(picture.mode == "RGB" and "/" not in name and "." not in name
                               for name, picture in photos)

    def missing(*args, **kwargs):
        raise gans.DatasetError(f"{EXAMPLE_DATASET} is not on this machine")

    monkeypatch.setattr("gans.data.load_dataset", missing)
    assert held_out_photos() == []


def test_colour_classes_keep_the_size_learn_the_training_prior_and_save_the_read_out(tmp_path):
    torch.manual_seed(0)
    model = gans.create("colorizer", **TINY, pretrain_steps=10)
    assert model.generator.output_stride == 4
    light = torch.rand(1, 1, 32, 64) * 2 - 1
    assert model.predict_ab(light).shape == (1, 2, 32, 64)
    before = model.bin_prior.clone()
    optimizers = model.configure_optimizers(TrainConfig(steps=2))
    model.train_step(structured_batch(4), optimizers, step=0)
    assert not torch.equal(model.bin_prior, before) and model.bin_prior.sum() == pytest.approx(1, abs=1e-4)
    read_out = {"prior_shift": 1.0, "gray_sigma": 10.0, "caution": 0.5, "temperature": 0.8}
    calibrated = gans.create("colorizer", **TINY, **read_out)
    calibrated.load_state_dict(model.state_dict())
    calibrated.save_pretrained(tmp_path / "run")
    loaded = gans.load(tmp_path / "run")
    assert {name: getattr(loaded, name) for name in read_out} == read_out
    assert torch.equal(loaded.bin_prior, model.bin_prior)
    assert torch.allclose(loaded.predict_ab(light), calibrated.predict_ab(light), atol=1e-6)
    assert not torch.allclose(loaded.predict_ab(light), model.predict_ab(light), atol=1e-4)


def test_a_gray_prior_shift_pales_the_automatic_colour():
    torch.manual_seed(0)
    model = gans.create("colorizer", **TINY)
    light = torch.rand(1, 1, 32, 32) * 2 - 1
    with torch.no_grad():  # a model that knows nothing: every bin as likely as in training (uniform)
        model.generator.head[-1].bias.zero_()
    plain = model.predict_ab(light).norm()
    assert plain > 0.1 * 32  # the bins' average is a tint (about 16 a*b* units)
    model.prior_shift, model.gray_sigma = 1.0, 5.0
    assert model.predict_ab(light).norm() < 0.5 * plain


@pytest.mark.parametrize("setting", [{"output": "histogram"}, {"temperature": 0}, {"caution": -1},
                                     {"prior_shift": 2}, {"gray_sigma": 0}, {"output_stride": 3}])
def test_bad_read_out_settings_are_refused(setting):
    with pytest.raises(ConfigError):
        gans.create("colorizer", **TINY, **setting)
