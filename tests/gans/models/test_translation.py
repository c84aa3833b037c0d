"""Pix2Pix and CycleGAN: shapes on any multiple, one step, save → load, losses against hand values."""

import pytest
import torch
from torch import nn

import gans
from gans.data import Batch
from gans.errors import ConfigError
from gans.models.cyclegan import ImagePool, cycle_consistency_loss
from gans.training import TrainConfig
from tests.helpers import tiny_model

MODELS = gans.list_models(task="translate")


def test_registry_has_the_image_to_image_models():
    assert {"pix2pix", "cyclegan"} <= set(MODELS)
    assert not set(MODELS) & set(gans.list_models(task="generate"))


def pair_batch(model, n=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    size = model.config()["image_size"]
    a_channels, b_channels = model.channels("a2b")
    a = torch.rand(n, a_channels, size, size, generator=generator) * 2 - 1
    b = torch.rand(n, b_channels, size, size, generator=generator) * 2 - 1
    return Batch(a, None, b)


@pytest.mark.parametrize("name", MODELS)
def test_translate_keeps_the_size_for_every_multiple_and_refuses_others(name):
    model = tiny_model(name, image_size=32)
    multiple = model.input_multiple
    for direction in model.directions:
        in_channels, out_channels = model.channels(direction)
        for height, width in ((multiple, multiple), (3 * multiple, 5 * multiple), (64, 32)):
            out = model.translate(torch.zeros(2, in_channels, height, width), direction)
            assert out.shape == (2, out_channels, height, width)
            assert out.abs().max() <= 1
        with pytest.raises(ConfigError, match="multiples of"):
            model.translate(torch.zeros(1, in_channels, multiple + 1, multiple), direction)
    with pytest.raises(ConfigError, match="no direction"):
        model.translate(torch.zeros(1, 3, 32, 32), "sideways")
    assert not hasattr(model, "sample"), "image-to-image models have no latent space to sample"


@pytest.mark.parametrize("name", MODELS)
def test_translation_is_deterministic_in_eval_mode(name):
    model = tiny_model(name, image_size=32)
    images = torch.rand(2, model.channels()[0], 32, 32) * 2 - 1
    assert torch.equal(model.translate(images), model.translate(images)), "dropout must be off when translating"
    assert model.training, "translate() leaves the model's mode as it was"


@pytest.mark.parametrize("name", MODELS)
def test_one_train_step_changes_the_weights_and_returns_finite_losses(name):
    model = tiny_model(name, image_size=32)
    optimizers = model.configure_optimizers(TrainConfig(steps=10))
    before = {k: v.clone() for k, v in model.state_dict().items() if v.is_floating_point()}
    stats = model.train_step(pair_batch(model), optimizers, step=0)
    assert stats and all(torch.isfinite(torch.tensor(v)) for v in stats.values())
    changed = [k for k, v in model.state_dict().items() if k in before and not torch.equal(v, before[k])]
    for prefix in ("generator", "discriminator"):
        assert any(k.startswith(prefix) for k in changed), f"no {prefix} weight changed"


@pytest.mark.parametrize("name", MODELS)
def test_save_then_load_gives_identical_translations(name, tmp_path):
    model = tiny_model(name, image_size=32)
    model.train_step(pair_batch(model), model.configure_optimizers(TrainConfig(steps=10)), step=0)
    model.save_pretrained(tmp_path)
    loaded = gans.load(tmp_path)
    images = torch.rand(1, model.channels()[0], 32, 48) * 2 - 1
    for direction in model.directions:
        assert torch.equal(loaded.translate(images, direction), model.translate(images, direction))


def test_pix2pix_training_on_a_tiny_paired_set_drives_l1_down():
    torch.manual_seed(0)
    model = gans.create("pix2pix", image_size=32, in_channels=1, out_channels=1, width=8)
    # A task with real structure: B is A flipped upside down and inverted.
    a = torch.rand(8, 1, 32, 32) * 2 - 1
    a = (torch.nn.functional.avg_pool2d(a, 5, stride=1, padding=2) * 6).clamp(-1, 1)  # blobs, not pure noise
    batch = Batch(a, None, -a.flip(2))
    optimizers = model.configure_optimizers(TrainConfig(steps=120, lr=1e-3))
    l1 = [model.train_step(batch, optimizers, step)["l1"] for step in range(120)]
    assert sum(l1[-10:]) / 10 < 0.5 * sum(l1[:10]) / 10, l1[::10]


def test_pix2pix_discriminator_is_conditioned_on_the_input():
    model = tiny_model("pix2pix", image_size=32, in_channels=1, out_channels=3)
    assert model.discriminator.net[0].in_channels == 4, "D sees the input (1) and the output (3) together"


class Scale(nn.Module):
    def __init__(self, factor, shift=0.0):
        super().__init__()
        self.factor, self.shift = factor, shift

    def forward(self, x):
        return x * self.factor + self.shift


def test_cycle_and_identity_terms_match_hand_computed_values():
    model = tiny_model("cyclegan", image_size=32)
    model.generator_ab, model.generator_ba = Scale(0.5), Scale(1.0, 0.25)  # G(x) = x/2, F(y) = y + 1/4
    real_a = torch.full((2, 3, 32, 32), 0.5)
    real_b = torch.full((2, 3, 32, 32), -0.5)
    terms = model.generator_losses(real_a, real_b)
    # cycle A: F(G(0.5)) = 0.25 + 0.25 = 0.5 → |0.5 − 0.5| = 0
    assert terms["cycle_a"].item() == pytest.approx(0.0)
    # cycle B: G(F(−0.5)) = (−0.25) / 2 = −0.125 → |−0.5 + 0.125| = 0.375
    assert terms["cycle_b"].item() == pytest.approx(0.375)
    # identity: F(a) = 0.75 vs 0.5 → 0.25; G(b) = −0.25 vs −0.5 → 0.25
    assert terms["identity_a"].item() == pytest.approx(0.25)
    assert terms["identity_b"].item() == pytest.approx(0.25)
    assert cycle_consistency_loss(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 0.0])).item() == 1.0


def test_cyclegan_total_generator_loss_weights_the_terms_as_the_paper():
    torch.manual_seed(0)
    model = tiny_model("cyclegan", image_size=32)
    batch = pair_batch(model)
    optimizers = model.configure_optimizers(TrainConfig(steps=10))
    torch.manual_seed(1)
    terms = model.generator_losses(batch.images, batch.targets)
    expected = (terms["adversarial_ab"] + terms["adversarial_ba"] + 10 * (terms["cycle_a"] + terms["cycle_b"])
                + 0.5 * 10 * (terms["identity_a"] + terms["identity_b"])).item()
    torch.manual_seed(1)
    assert model.train_step(batch, optimizers, step=0)["loss_g"] == pytest.approx(expected, rel=1e-5)


def test_learning_rate_is_constant_then_decays_linearly_to_zero():
    model = tiny_model("cyclegan", image_size=32)
    optimizers = model.configure_optimizers(TrainConfig(steps=100, lr=1e-3))
    assert [model.lr_factor(s) for s in (0, 49, 50, 75, 100)] == pytest.approx([1, 1, 1, 0.5, 0])
    model.train_step(pair_batch(model), optimizers, step=75)
    assert optimizers["generator"].param_groups[0]["lr"] == pytest.approx(5e-4)


def test_image_pool_returns_new_images_until_full_then_mixes_history():
    torch.manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first), first), "while filling, the new images come back"
    second = torch.arange(10.0, 110.0).view(100, 1, 1, 1)
    out = pool.query(second).flatten()
    replaced = (out != second.flatten()).sum().item()
    assert 25 < replaced < 75, f"about half come from the history, got {replaced} of 100"
    assert (out < 10).any(), "old images are shown again"
    assert pool.images.size(0) == 4
    assert ImagePool(0).query(first) is first


def test_cyclegan_identity_loss_needs_equal_channels():
    with pytest.raises(ConfigError, match="identity"):
        gans.create("cyclegan", channels_a=1, channels_b=3)
    model = gans.create("cyclegan", channels_a=1, channels_b=3, identity_weight=0, width=4, image_size=32)
    assert model.channels("b2a") == (3, 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"image_size": 48}, "image size 48"),
    ({"image_size": 32, "depth": 6}, "depth 6"),
    ({"in_channels": 2}, "channels"),
    ({"l1_weight": -1}, "l1_weight"),
    ({"loss": "wasserstein"}, "losses"),
    ({"dropout": 1.0}, "dropout"),
])
def test_pix2pix_rejects_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        gans.create("pix2pix", **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"decay_start": 2}, "decay_start"),
    ({"pool_size": -1}, "pool_size"),
    ({"cycle_weight": -1}, "cycle_weight"),
])
def test_cyclegan_rejects_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        gans.create("cyclegan", **kwargs)


# ---- training through the library's Trainer on the offline demo tasks --------------------------------------

from gans.io.checkpoints import RunDir  # noqa: E402
from gans.training import DataConfig  # noqa: E402
from gans.training.api import resume, train  # noqa: E402

DEMO_DATA = {"pix2pix": "edges2fashion", "cyclegan": "sneaker2boot"}
TINY = {"pix2pix": {"width": 4}, "cyclegan": {"width": 4, "blocks": 1, "pool_size": 4}}  # pool full by step 2


def weights(path):
    from safetensors.torch import load_file

    return load_file(RunDir(path).weights_path)


@pytest.mark.parametrize("name", MODELS)
def test_stop_and_resume_equals_a_straight_run_on_the_demo_task(name, tmp_path):
    cfg = dict(batch_size=4, seed=3, log_every=1, sample_every=4, checkpoint_every=100, num_samples=4)
    kwargs = {**TINY[name], "image_size": 32}
    data = DataConfig(DEMO_DATA[name])
    train(name, data, TrainConfig(steps=6, **cfg), tmp_path / "straight", kwargs)
    # Stopped (as the studio's Stop does) after 3 of 6 steps: CycleGAN's lr schedule still plans for 6.
    calls = iter(range(100))
    stopped = train(name, data, TrainConfig(steps=6, **cfg), tmp_path / "split", kwargs,
                    should_stop=lambda: next(calls) >= 3)
    assert stopped["status"] == "stopped" and stopped["step"] == 3
    resume(tmp_path / "split")
    straight, split = weights(tmp_path / "straight"), weights(tmp_path / "split")
    assert straight.keys() == split.keys()
    for key in straight:
        assert torch.equal(straight[key], split[key]), key
    grid = RunDir(tmp_path / "split").sample_paths()[-1]
    assert grid.read_bytes() == RunDir(tmp_path / "straight").sample_paths()[-1].read_bytes()
    config = RunDir(tmp_path / "straight").read_config()
    assert config["model"]["image_size"] == 32 and config["data"]["name"] == DEMO_DATA[name]
    # The demo data is gray: the model followed it (1 channel in and out).
    assert gans.load(tmp_path / "straight").channels("a2b") == (1, 1)


def test_a_translation_model_refuses_noise_data_and_a_noise_model_refuses_pairs(tmp_path):
    with pytest.raises(ConfigError, match="paired"):
        train("pix2pix", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1), tmp_path / "a", {"width": 4})
    with pytest.raises(ConfigError, match="images data"):
        train("dcgan", DataConfig("edges2fashion"), TrainConfig(steps=1), tmp_path / "b", {"width": 4})
    with pytest.raises(ConfigError, match="unpaired"):
        train("cyclegan", DataConfig("edges2fashion"), TrainConfig(steps=1), tmp_path / "c", {"width": 4})
