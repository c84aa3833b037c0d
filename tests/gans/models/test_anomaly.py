"""The anomaly model (gans.models.anomaly): one training step, the plain-autoencoder setting, one-class data with a
held-out slice, the calibrated score, save → load."""

import pytest
import torch

import gans
from gans.data.image_data import ImageData
from gans.errors import ConfigError
from gans.models.base import Batch
from gans.training import TrainConfig
from tests.helpers import tiny_model


def labelled_data(n_per_class=20, classes=3, size=28) -> ImageData:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n_per_class * classes, 1, size, size), generator=generator, dtype=torch.uint8)
    labels = torch.arange(classes).repeat_interleave(n_per_class)
    return ImageData(images, labels, [f"c{i}" for i in range(classes)], "toy")


def batch(model, n=8):
    cfg = model.config()
    return Batch(torch.rand(n, cfg["channels"], cfg["image_size"], cfg["image_size"],
                            generator=torch.Generator().manual_seed(1)) * 2 - 1)


def parameters(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module):
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


def test_one_step_trains_encoder_generator_and_discriminator_with_finite_losses():
    model = tiny_model("anomaly")
    before = {name: parameters(getattr(model, name)) for name in ("encoder", "generator", "discriminator")}
    stats = model.train_step(batch(model), model.configure_optimizers(TrainConfig()), step=0)
    assert {"loss_d", "loss_g", "loss_reconstruction", "loss_adversarial"} <= stats.keys()
    assert all(torch.isfinite(torch.tensor(value)) for value in stats.values())
    assert all(changed(before[name], getattr(model, name)) for name in before)


def test_without_adversarial_terms_it_is_a_plain_autoencoder_scored_by_reconstruction():
    model = tiny_model("anomaly", adversarial_weight=0.0, feature_weight=0.0, latent_weight=0.0)
    before = parameters(model.discriminator)
    stats = model.train_step(batch(model), model.configure_optimizers(TrainConfig()), step=0)
    assert not changed(before, model.discriminator) and "loss_adversarial" not in stats
    terms = model.score_terms(batch(model).images)
    assert torch.equal(terms.feature, torch.zeros_like(terms.feature))
    assert torch.allclose(model.score(batch(model).images), terms.pixel / model.score_scale[0])


def test_the_score_is_the_weighted_geometric_mean_of_the_normalised_terms():
    model = tiny_model("anomaly", feature_weight=0.5, latent_weight=0.25)
    model.score_scale.copy_(torch.tensor([0.1, 2.0, 0.5]))
    terms = model.score_terms(batch(model, 4).images)
    expected = ((terms.pixel / 0.1) * (terms.feature / 2.0) ** 0.5 * (terms.latent / 0.5) ** 0.25) ** (1 / 1.75)
    assert torch.allclose(model.combine(terms), expected, rtol=1e-5)


def test_prepare_data_keeps_the_normal_class_and_holds_out_its_last_tenth():
    data = labelled_data()
    model = tiny_model("anomaly", normal_class=2)
    prepared = model.prepare_data(data)
    normal = data.images[data.labels == 2]
    assert torch.equal(prepared.images, normal[:18]) and torch.equal(prepared.heldout, normal[18:])
    model.check_data(prepared)
    with pytest.raises(ConfigError, match="held-out"):
        model.check_data(data)
    with pytest.raises(ConfigError, match="normal_class 3 is not a class"):
        tiny_model("anomaly", normal_class=3).prepare_data(data)
    unlabelled = ImageData(data.images, None, None, "folder")
    with pytest.raises(ConfigError, match="normal_class=-1"):
        model.prepare_data(unlabelled)
    assert model.settings_for_data(unlabelled) == {"channels": 1, "normal_class": -1}
    everything = tiny_model("anomaly", normal_class=-1).prepare_data(unlabelled)
    assert len(everything) + len(everything.heldout) == len(data)


def test_calibrate_makes_held_out_scores_average_one_and_sets_the_quantile_threshold():
    data = labelled_data()
    model = tiny_model("anomaly", normal_class=0, threshold_quantile=0.9)
    prepared = model.prepare_data(data)
    model.calibrate(prepared)
    terms = model.score_terms(prepared.heldout.float() / 127.5 - 1)
    geometric_means = torch.stack([terms.pixel, terms.feature, terms.latent]).log().mean(dim=1).exp()
    assert torch.allclose(model.score_scale, geometric_means, rtol=1e-5)
    scores = model.score(prepared.heldout.float() / 127.5 - 1)
    assert scores.log().mean().item() == pytest.approx(0.0, abs=1e-5), "a typical normal image scores 1"
    assert float(model.threshold) == pytest.approx(float(torch.quantile(scores, 0.9)), rel=1e-5)


@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3), (64, 1)])
def test_sizes_and_preview_rows(size, channels):
    model = tiny_model("anomaly", image_size=size, channels=channels)
    images = batch(model, 3).images
    terms = model.score_terms(images)
    assert terms.pixel.shape == terms.feature.shape == terms.latent.shape == (3,)
    assert terms.reconstruction.shape == images.shape
    grid = model.preview_grid(images)
    assert grid.size == (3 * (size + 2) + 2, 3 * (size + 2) + 2), "rows: input, reconstruction, difference"


def test_save_then_load_gives_identical_scores_and_threshold(tmp_path):
    model = tiny_model("anomaly")
    model.train_step(batch(model), model.configure_optimizers(TrainConfig()), step=0)
    model.calibrate(model.prepare_data(labelled_data()))
    model.save_pretrained(tmp_path / "run")
    loaded = gans.load(tmp_path / "run")
    assert loaded.config() == model.config() and torch.equal(loaded.threshold, model.threshold)
    assert torch.equal(loaded.score(batch(model).images), model.score(batch(model).images))


@pytest.mark.parametrize("arguments", [{"normal_class": -2}, {"heldout_fraction": 0.0}, {"threshold_quantile": 0.0},
                                       {"feature_weight": -1.0}, {"latent_weight": -0.5}, {"image_size": 48},
                                       {"reconstruction_weight": 0.0, "adversarial_weight": 0.0}])
def test_bad_settings_are_refused(arguments):
    with pytest.raises(ConfigError):
        gans.create("anomaly", **arguments)
