"""gans.tasks.explore: seed walks, class walks, enlarged frames and walk GIFs, on tiny untrained models."""

import io

import pytest
import torch
from PIL import Image

from gans.errors import ConfigError
from gans.tasks import explore
from tests.helpers import tiny_model

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


# ---- what the Explore page shows -------------------------------------------------------------------------------
def pixels(picture: Image.Image) -> torch.Tensor:
    import numpy as np

    return torch.from_numpy(np.asarray(picture).copy())


def test_frame_picture_is_the_frame_at_t_enlarged_to_about_256_px(dcgan):
    picture = explore.frame_picture(dcgan, 3, 7, 1.0, "slerp")
    assert picture.size == (256, 256)  # 32 px × 8
    assert torch.equal(pixels(picture), pixels(explore.enlarge(dcgan.sample(1, seed=7), 8)))
    assert not torch.equal(pixels(picture), pixels(explore.frame_picture(dcgan, 3, 7, 0.0, "slerp")))


def test_walk_strip_gives_one_enlarged_picture_per_frame_and_the_gif(dcgan):
    strip, gif = explore.walk_strip(dcgan, 3, 7, frames=5, mode="lerp", truncation=0.5)
    assert len(strip) == 5 and strip[0].size == (96, 96)  # 32 px × 3
    frames = explore.walk_images(dcgan, 3, 7, frames=5, mode="lerp", truncation=0.5)
    assert torch.equal(pixels(strip[-1]), pixels(explore.enlarge(frames[-1], 3)))
    assert gif == explore.walk_gif(frames, scale=3)
    assert explore.walk_positions(5) == ["t = 0.00", "t = 0.25", "t = 0.50", "t = 0.75", "t = 1.00"]


def test_class_walk_pictures_are_one_picture_per_class(cgan):
    pictures = explore.class_walk_pictures(cgan, seed=5)
    assert len(pictures) == 3 and pictures[0].size == (84, 84)  # 28 px × 3
    assert torch.equal(pixels(pictures[2]), pixels(explore.enlarge(cgan.sample(1, seed=5, labels=[2]), 3)))


def test_sample_grid_tiles_count_samples_of_the_seed(dcgan):
    from gans.io.images import grid_image

    grid = explore.sample_grid(dcgan, seed=4, count=9, truncation=0.7)
    assert grid.size == (2 * (3 * 34 + 2),) * 2  # 3 × 3 tiles of 32 px with 2 px padding, twice as large
    assert grid == grid_image(dcgan.sample(9, seed=4, truncation=0.7), scale=2)
    assert grid != explore.sample_grid(dcgan, seed=5, count=9, truncation=0.7)


def test_truncation_choices_run_from_off_to_two():
    assert explore.TRUNCATION_CHOICES[:3] == ["off", 0.1, 0.2] and explore.TRUNCATION_CHOICES[-1] == 2.0
    assert explore.truncation_value("off") is None and explore.truncation_value(0.7) == 0.7


def test_other_seed_is_never_the_old_one():
    import random

    rng = random.Random(0)
    assert all(explore.other_seed(1, 3, rng) in (0, 2) for _ in range(50))
    assert explore.other_seed(None, 2**31 - 1, rng) >= 0


def test_model_facts_and_the_message_for_models_without_a_latent_space(tmp_path):
    from gans.views.catalog import CheckpointInfo

    info = CheckpointInfo(path=tmp_path / "run", source="run", architecture="mygan", data="mydata", step=12345,
                          image_size=32, channels=1, num_classes=10)
    assert explore.model_facts(info) == ("**mygan** · data **mydata** · **12,345** steps · **32×32** px "
                                         "grayscale · 10 classes")
    info.channels, info.num_classes = 3, 0
    assert explore.model_facts(info).endswith("px RGB · unconditional")
    info.architecture, info.num_classes = "text2image", 10  # a model that parses prompts says where its box is
    assert explore.model_facts(info).endswith("· 10 classes · draws from text prompts (**From a text prompt**, below)")
    info.architecture = "cgan"
    assert explore.model_facts(info).endswith("· 10 classes")
    translate = explore.elsewhere_message("run", "mytranslator", "translate", "runs/run")
    assert "image-to-image" in translate and "**Translate** page" in translate
    assert "`python -m gans translate runs/run input.png -o output.png`" in translate
    colorize = explore.elsewhere_message("owner/repo", "mycolorizer", "colorize")
    assert "**Colorize** page" in colorize and "--checkpoint owner/repo`" in colorize


# ---- the picker's choices (gans.views.catalog) -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A runs folder with a tiny unconditional run and a tiny conditional one (1 step each), and one more run
    outside it."""
    from gans.training import TrainConfig, train

    runs = tmp_path_factory.mktemp("picker-runs")
    for name, architecture in (("a", "dcgan"), ("b", "cgan"), ("elsewhere/c", "dcgan")):
        train(architecture, cfg=TrainConfig(steps=1, batch_size=4, device="cpu"), out=runs / name,
              model_kwargs={"width": 4, "latent_dim": 8, "image_size": 28})
    return runs


def test_checkpoint_choices_list_a_task_then_a_run_opened_from_elsewhere(two_runs, tmp_path, monkeypatch):
    from gans.views import catalog

    monkeypatch.setenv("GANS_RUNS_DIR", str(two_runs))
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "no-shipped"))
    listed = list(catalog.checkpoint_choices("generate"))
    assert sorted(listed) == [str(two_runs / "a"), str(two_runs / "b")]
    assert catalog.checkpoint_choices("translate") == {}
    opened = catalog.checkpoint_choices("generate", also=two_runs / "elsewhere" / "c")
    assert list(opened)[:2] == listed and list(opened)[2] == str(two_runs / "elsewhere" / "c")
    assert opened[str(two_runs / "a")].architecture == "dcgan"
    again = catalog.checkpoint_choices("generate", also=f"{two_runs}/./a")  # already listed, spelled otherwise
    assert list(again) == listed
    assert list(catalog.checkpoint_choices("generate", also=tmp_path / "nothing")) == listed


def test_find_choice_matches_any_spelling_of_the_folder(tmp_path):
    from gans.views import catalog

    (tmp_path / "run").mkdir()
    choices = [str(tmp_path / "other"), str(tmp_path / "run")]
    assert catalog.find_choice(f"{tmp_path}/x/../run", choices) == str(tmp_path / "run")
    assert catalog.find_choice(str(tmp_path / "run"), choices) == str(tmp_path / "run")
    assert catalog.find_choice(str(tmp_path / "missing"), choices) is None
    assert catalog.find_choice(None, choices) is None and catalog.find_choice("", choices) is None
    assert catalog.same_folder(tmp_path / "run", f"{tmp_path}/run/") and not catalog.same_folder(tmp_path, choices[1])


# ---- a model's own views: SAGAN's attention, StyleGAN's styles ------------------------------------------------
def test_attention_pictures_mark_the_pixel_and_follow_it():
    model = tiny_model("sagan")
    marked, heat, caption = explore.attention_pictures(model, 0, 5, 20)
    assert marked.size == heat.size == (256, 256) and marked.mode == heat.mode == "RGB"
    assert "Pixel (5, 20) lies in cell 162 of the 16×16 attention map" in caption and "8×8 pooled places" in caption
    other = explore.attention_pictures(model, 0, 30, 2)[1]
    assert list(heat.getdata()) != list(other.getdata())
    with pytest.raises(ConfigError, match="inside the 32×32 image"):
        explore.attention_pictures(model, 0, 32, 0)
    with pytest.raises(ConfigError, match="no attention maps"):
        explore.attention_pictures(tiny_model("dcgan"), 0, 1, 1)


def test_style_mix_picture_and_noise_pictures():
    model = tiny_model("stylegan")
    grid = explore.style_mix_picture(model, [0, 1], [2, 3, 4], "middle", 0.7)
    scale = explore.display_scale(32, target_pixels=96)
    assert grid.size == ((4 * 34 + 2) * scale, (3 * 34 + 2) * scale), "a header row and column (2 px padding)"
    pictures = explore.noise_pictures(model, 3, count=2)
    assert len(pictures) == 3
    with pytest.raises(ConfigError, match="no styles"):
        explore.style_mix_picture(tiny_model("dcgan"), [0], [1])
    assert explore.has_styles(model) and not explore.has_attention(model)
