"""gans.explore: seed walks, class walks, enlarged frames and walk GIFs, on tiny untrained models."""

import io

import pytest
import torch
from PIL import Image

from gans import explore
from gans.errors import ConfigError

from .helpers import tiny_model

# Batched and single-image convolutions may round differently in the last bits.
TOLERANCE = dict(atol=1e-5, rtol=0)


@pytest.fixture(scope="module")
def dcgan():
    return tiny_model("dcgan")


@pytest.fixture(scope="module")
def cgan():
    return tiny_model("cgan", num_classes=3, image_size=28)


@pytest.mark.parametrize("mode", ["slerp", "lerp"])
def test_walk_ends_are_the_samples_of_seed_a_and_seed_b(dcgan, mode):
    frames = explore.walk_images(dcgan, seed_a=3, seed_b=7, frames=5, mode=mode)
    assert frames.shape == (5, 1, 32, 32)
    assert torch.allclose(frames[0], dcgan.sample(1, seed=3)[0], **TOLERANCE)
    assert torch.allclose(frames[-1], dcgan.sample(1, seed=7)[0], **TOLERANCE)
    assert not torch.allclose(frames[0], frames[-1], **TOLERANCE)


def test_truncation_applies_to_both_ends_of_the_walk(dcgan):
    frames = explore.walk_images(dcgan, 3, 7, frames=3, truncation=0.5)
    assert torch.allclose(frames[0], dcgan.sample(1, seed=3, truncation=0.5)[0], **TOLERANCE)
    assert torch.allclose(frames[-1], dcgan.sample(1, seed=7, truncation=0.5)[0], **TOLERANCE)
    assert not torch.allclose(frames[0], dcgan.sample(1, seed=3)[0], **TOLERANCE)


def test_image_at_t_matches_the_walk_frame_at_the_same_position(dcgan):
    frames = explore.walk_images(dcgan, 3, 7, frames=5, mode="slerp")
    for index, t in enumerate([0.0, 0.25, 0.5, 0.75, 1.0]):
        assert torch.allclose(explore.image_at(dcgan, 3, 7, t, "slerp")[0], frames[index], **TOLERANCE)


def test_latent_at_ends_is_exactly_seed_a_and_seed_b(dcgan):
    a, b = explore.seed_latents(dcgan, 3, 7)
    assert torch.equal(explore.latent_at(dcgan, 3, 7, 0.0), a)
    assert torch.equal(explore.latent_at(dcgan, 3, 7, 1.0), b)
    middle_lerp = explore.latent_at(dcgan, 3, 7, 0.5, "lerp")
    assert torch.allclose(middle_lerp, (a + b) / 2)
    assert not torch.allclose(explore.latent_at(dcgan, 3, 7, 0.5, "slerp"), middle_lerp)


@pytest.mark.parametrize("bad", [dict(t=-0.1), dict(t=1.5), dict(mode="cubic")])
def test_bad_position_or_mode_is_a_config_error(dcgan, bad):
    arguments = dict(t=0.5, mode="slerp") | bad
    with pytest.raises(ConfigError):
        explore.image_at(dcgan, 0, 1, **arguments)


def test_conditional_walk_uses_the_picked_class(cgan):
    frames = explore.walk_images(cgan, 3, 7, frames=4, label=2)
    assert frames.shape == (4, 1, 28, 28)
    assert torch.allclose(frames[0], cgan.sample(1, seed=3, labels=[2])[0], **TOLERANCE)
    assert torch.allclose(frames[-1], cgan.sample(1, seed=7, labels=[2])[0], **TOLERANCE)
    assert torch.allclose(explore.image_at(cgan, 3, 7, 1.0, label=2)[0], frames[-1], **TOLERANCE)
    default = explore.walk_images(cgan, 3, 7, frames=4)
    assert torch.allclose(default[-1], cgan.sample(1, seed=7, labels=[0])[0], **TOLERANCE), "class 0 by default"


def test_a_class_on_an_unconditional_model_is_a_config_error(dcgan):
    with pytest.raises(ConfigError, match="not class-conditional"):
        explore.walk_images(dcgan, 0, 1, frames=3, label=1)


def test_class_walk_draws_the_same_latent_as_every_class(cgan):
    images = explore.class_walk(cgan, seed=5, truncation=0.7)
    assert images.shape == (3, 1, 28, 28)
    for label in range(3):
        expected = cgan.sample(1, seed=5, labels=[label], truncation=0.7)[0]
        assert torch.allclose(images[label], expected, **TOLERANCE)
    assert not torch.allclose(images[0], images[1], **TOLERANCE), "the class changes the image"


def test_class_walk_needs_a_conditional_model(dcgan):
    with pytest.raises(ConfigError, match="conditional"):
        explore.class_walk(dcgan, seed=0)


def test_enlarge_keeps_pixels_crisp():
    image = torch.tensor([[[-1.0, 1.0], [1.0, -1.0]]])  # (1, 2, 2): a 2x2 checkerboard
    picture = explore.enlarge(image, scale=8)
    assert picture.size == (16, 16) and picture.mode == "L"
    assert picture.getpixel((0, 0)) == 0 and picture.getpixel((7, 7)) == 0
    assert picture.getpixel((8, 0)) == 255 and picture.getpixel((15, 7)) == 255


def test_display_scale_makes_small_images_readable():
    assert explore.display_scale(32) == 8
    assert explore.display_scale(64) == 4
    assert explore.display_scale(512) == 1


def test_walk_gif_bounces_back_to_the_start(dcgan):
    frames = explore.walk_images(dcgan, 0, 1, frames=4)
    gif = Image.open(io.BytesIO(explore.walk_gif(frames, scale=2)))
    assert gif.size == (64, 64)
    assert gif.n_frames == 6  # A, 1, 2, B, 2, 1: the loop returns to A without a jump
    once = Image.open(io.BytesIO(explore.walk_gif(frames, scale=2, bounce=False)))
    assert once.n_frames == 4
