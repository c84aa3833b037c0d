"""SRGAN: the SRResNet generator's shapes and bicubic start, the two training phases, any-size and tiled upscaling,
save/load."""

import pytest
import torch

import gans
from gans.data.batch import Batch
from gans.errors import ConfigError
from gans.models.srgan import downscale, upscale_bicubic
from gans.training import TrainConfig
from tests.helpers import tiny_model


def randomised(model):
    """``model`` with a non-zero output convolution, so its upscale differs from bicubic interpolation."""
    torch.manual_seed(1)
    torch.nn.init.normal_(model.generator.tail.weight, std=0.1)
    return model.eval()


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("size", [(5, 7), (16, 16), (23, 40)])
def test_output_is_exactly_scale_times_the_input_and_the_untrained_model_is_bicubic(scale, size):
    model = tiny_model("srgan", scale=scale).eval()
    x = torch.rand(2, 3, *size) * 2 - 1
    out = model.translate(x)
    assert out.shape == (2, 3, size[0] * scale, size[1] * scale)
    # the output convolution starts at zero: training starts from the bicubic upscale
    torch.testing.assert_close(out, upscale_bicubic(x, scale).clamp(-1, 1), atol=2e-2, rtol=0)
    assert model.output_scale == scale


def test_downscale_is_antialiased_bicubic_by_the_scale():
    x = torch.rand(1, 3, 32, 48)
    small = downscale(x, 4)
    assert small.shape == (1, 3, 8, 12)
    # antialiasing averages: a fine checkerboard becomes flat gray, which plain subsampling would not give
    board = (torch.arange(32)[:, None] + torch.arange(32)[None, :]).remainder(2).float().expand(1, 3, 32, 32)
    assert downscale(board, 4).std() < 0.05
    assert board[..., ::4, ::4].std() == 0 and board[..., ::4, ::4].mean() in (0.0, 1.0)


def test_pretraining_trains_g_on_mse_alone_then_d_joins_with_content_and_adversarial_terms():
    torch.manual_seed(0)
    model = tiny_model("srgan", image_size=32, pretrain_steps=1, d_width=4)
    optimizers = model.configure_optimizers(TrainConfig())
    batch = Batch(torch.rand(4, 3, 32, 32) * 2 - 1, None, None)
    g_before = [p.detach().clone() for p in model.generator.parameters()]
    d_before = [p.detach().clone() for p in model.discriminator.parameters()]
    stats = model.train_step(batch, optimizers, 0)
    assert stats["loss_d"] == 0 and stats["loss_g"] == stats["mse"] > 0
    assert any(not torch.equal(a, b) for a, b in zip(g_before, model.generator.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(d_before, model.discriminator.parameters()))
    stats = model.train_step(batch, optimizers, 1)
    assert all(torch.isfinite(torch.tensor(value)) for value in stats.values())
    assert stats["loss_d"] > 0 and stats["content"] > 0 and stats["loss_g"] > stats["mse"]
    assert any(not torch.equal(a, b) for a, b in zip(d_before, model.discriminator.parameters()))


def test_tiles_blend_into_the_single_pass_and_keep_the_exact_size():
    model = randomised(tiny_model("srgan", scale=4, blocks=1))
    x = torch.rand(1, 3, 45, 70) * 2 - 1
    whole, report = model.translate_tiled(x)
    tiled, tiled_report = model.translate_tiled(x, tile=32, overlap=12)
    assert not report.tiled and tiled_report.tiled and tiled_report.tiles == 6
    assert whole.shape == tiled.shape == (1, 3, 180, 280)
    # the generator sees a few pixels around each one, so tiles agree with one pass up to the blending near seams
    assert (whole - tiled).abs().mean() < 0.01


def test_save_then_load_gives_identical_upscales(tmp_path):
    model = randomised(tiny_model("srgan", scale=2))
    model.save_pretrained(tmp_path / "run")
    loaded = gans.load(tmp_path / "run")
    x = torch.rand(1, 3, 9, 11) * 2 - 1
    torch.testing.assert_close(loaded.translate(x), model.translate(x), atol=0, rtol=0)
    assert loaded.output_scale == 2 and loaded.task == "upscale"


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": 3}, "scale must be one of 2, 4"),
    ({"image_size": 50}, "image size 50 is not supported"),
    ({"adversarial_weight": -1}, ">= 0"),
    ({"loss": "hinge"}, "non-saturating bce"),
])
def test_invalid_settings_are_clear_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        gans.create("srgan", **kwargs)


def test_it_trains_on_photos_only():
    from gans.data import load_dataset

    model = tiny_model("srgan")
    with pytest.raises(ConfigError, match="trains on photos"):
        model.check_data(load_dataset("fashion-mnist-mini"))
