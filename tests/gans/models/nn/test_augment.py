"""DiffAugment (Zhao et al. 2020): each transformation does what it says, keeps gradients, and is reproducible."""

import pytest
import torch

from gans.errors import ConfigError
from gans.models.nn.augment import color, cutout, diff_augment, parse_policy, translation
from tests.helpers import tiny_model


def test_policy_parsing():
    assert parse_policy("color, translation,cutout") == ("color", "translation", "cutout")
    assert parse_policy("") == () and parse_policy("none") == ()
    with pytest.raises(ConfigError, match="unknown augmentation 'flip'"):
        parse_policy("translation,flip")
    with pytest.raises(ConfigError, match="augment must be a text"):
        parse_policy(3)


def test_translation_shifts_each_image_by_a_whole_number_of_pixels_with_a_grey_border():
    torch.manual_seed(0)
    images = torch.rand(64, 1, 16, 16) + 0.5  # every pixel > 0, so the zero border is visible
    shifted = translation(images)
    found_shift = 0
    for original, result in zip(images, shifted):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if torch.equal(result[:, max(dy, 0):16 + min(dy, 0), max(dx, 0):16 + min(dx, 0)],
                                  original[:, max(-dy, 0):16 + min(-dy, 0), max(-dx, 0):16 + min(-dx, 0)])]
        assert len(matches) == 1, "each output is its image moved by one shift of at most 1/8 of the side"
        dy, dx = matches[0]
        border = (result == 0).sum().item()
        assert border == 16 * 16 - (16 - abs(dy)) * (16 - abs(dx))
        found_shift += (dy, dx) != (0, 0)
    assert found_shift > 32  # most images move


def test_cutout_blanks_one_square_of_half_the_side():
    torch.manual_seed(0)
    images = torch.ones(32, 3, 16, 16)
    out = cutout(images)
    for result in out:
        blank = (result[0] == 0).nonzero()
        rows, cols = blank[:, 0], blank[:, 1]
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert len(blank) == height * width  # a rectangle
        assert height <= 8 and width <= 8  # half the side, clipped at the image's edge
        assert torch.equal(result[0], result[2])  # the same place in every channel


def test_color_changes_brightness_saturation_and_contrast_per_image():
    torch.manual_seed(0)
    images = torch.rand(8, 3, 8, 8) * 2 - 1
    out = color(images)
    assert out.shape == images.shape
    shifts = (out.mean(dim=(1, 2, 3)) - images.mean(dim=(1, 2, 3))).abs()
    assert shifts.max() > 0.05 and len(set(shifts.tolist())) == 8


def test_gradients_flow_through_every_augmentation():
    images = (torch.rand(4, 3, 16, 16) * 2 - 1).requires_grad_(True)
    diff_augment(images, ("color", "translation", "cutout")).sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_same_seed_same_augmentation():
    images = torch.rand(4, 1, 16, 16)
    torch.manual_seed(5)
    first = diff_augment(images, ("color", "translation", "cutout"))
    torch.manual_seed(5)
    assert torch.equal(first, diff_augment(images, ("color", "translation", "cutout")))


def test_a_model_with_a_policy_shows_d_augmented_real_and_fake_images():
    torch.manual_seed(0)
    model = tiny_model("dcgan", image_size=28, augment="translation,cutout")
    seen = []
    model.discriminator.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    real = torch.rand(8, 1, 28, 28) + 0.5  # no zeros: any zero D sees comes from the augmentation
    from gans.data.batch import Batch

    model.train_step(Batch(real), model.configure_optimizers(type("cfg", (), {"lr": None, "lr_d": None})), 0)
    assert len(seen) == 3  # D on real, on fake (its update), on fake (G's update)
    assert (seen[0] == 0).any()
    with pytest.raises(ConfigError, match="unknown augmentation"):
        tiny_model("dcgan", augment="rotate")


def test_one_generator_forward_per_step():
    """The fakes D trains on also serve G's update: one G forward per step (n_critic for WGAN critics)."""
    from gans.data.batch import Batch

    cfg = type("cfg", (), {"lr": None, "lr_d": None})
    for name, expected in (("dcgan", 1), ("wgan", 5)):
        model = tiny_model(name, image_size=28)
        calls = []
        model.generator.register_forward_hook(lambda module, args, out: calls.append(torch.is_grad_enabled()))
        model.train_step(Batch(torch.rand(8 * model.batches_per_step, 1, 28, 28)), model.configure_optimizers(cfg), 0)
        assert len(calls) == expected, name
        assert calls[-1] is True  # the last one keeps its graph for G's update
