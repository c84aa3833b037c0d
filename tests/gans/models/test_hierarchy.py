"""The model hierarchy: ``gans.GAN`` (small base) → ``NoiseToImageGAN`` (sample) or ``ImageToImageGAN`` (translate).

No model inherits a method only to raise; noise-to-image models have no ``translate``, image-to-image models no
``sample``; every shipped checkpoint loads as the right base and produces output.
"""

import ast
import inspect
import textwrap

import pytest
import torch

import gans
from gans.models._template import TemplateGAN
from gans.registry import model_class
from tests.helpers import ROOT, tiny_model

CHECKPOINTS = sorted(path for path in (ROOT / "checkpoints").iterdir()
                     if (path / "config.json").exists())
MODEL_CLASSES = sorted({model_class(name) for name in gans.list_models()} | {TemplateGAN}, key=lambda c: c.__name__)
NOISE_ONLY = ("sample", "generate", "latent", "default_labels", "interpolate")
IMAGE_ONLY = ("translate", "translate_tiled", "check_direction", "input_multiple")


def only_raises(function) -> bool:
    """True when ``function``'s body (docstring aside) is a single ``raise`` statement."""
    if isinstance(function, property):
        function = function.fget
    function = inspect.unwrap(function)
    if not inspect.isfunction(function):
        return False
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def raising_stubs(cls) -> list[str]:
    """Methods and properties ``cls`` gets from one of the library's classes whose body only raises."""
    stubs = []
    for name in dir(cls):
        owner = next((klass for klass in cls.__mro__ if name in klass.__dict__), None)
        if owner is None or not owner.__module__.startswith("gans."):
            continue  # nn.Module's own (e.g. forward) and the Hub mixin's are not ours
        if only_raises(owner.__dict__[name]):
            stubs.append(f"{name} (from {owner.__name__})")
    return stubs


def test_the_stub_detector_finds_the_protocol_stubs_of_the_bases():
    """The bases declare the protocol with stubs that raise; the detector must see them, or the test below
    would pass vacuously."""
    assert {"train_step (from GAN)", "check_data (from GAN)", "preview_grid (from GAN)"} <= set(raising_stubs(gans.GAN))
    assert "_translate (from ImageToImageGAN)" in raising_stubs(gans.ImageToImageGAN)
    assert "input_multiple (from ImageToImageGAN)" in raising_stubs(gans.ImageToImageGAN)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_no_model_inherits_a_method_only_to_raise(cls):
    assert raising_stubs(cls) == []


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_every_model_is_exactly_one_kind_with_only_its_own_generation_methods(cls):
    assert issubclass(cls, gans.GAN)
    noise, image = issubclass(cls, gans.NoiseToImageGAN), issubclass(cls, gans.ImageToImageGAN)
    if cls.task == "detect":  # the third kind: scores images (gans.tasks.detect); neither samples nor translates
        assert not noise and not image and callable(cls.score)
        assert [name for name in NOISE_ONLY + IMAGE_ONLY if hasattr(cls, name)] == []
        return
    assert noise != image, f"{cls.__name__} must be noise-to-image or image-to-image"
    if noise:
        assert cls.task == "generate"
        assert [name for name in IMAGE_ONLY if hasattr(cls, name)] == []
    else:
        assert cls.task in ("translate", "colorize", "upscale")
        assert [name for name in NOISE_ONLY if hasattr(cls, name)] == []


def test_the_small_base_has_no_generation_methods():
    assert [name for name in NOISE_ONLY + IMAGE_ONLY if hasattr(gans.GAN, name)] == []
    assert gans.models.base.GAN is gans.GAN


@pytest.mark.parametrize("path", CHECKPOINTS, ids=lambda path: path.name)
def test_every_shipped_checkpoint_loads_as_its_base_and_produces_output(path):
    model = gans.load(path)
    size = model.config()["image_size"]
    if model.task == "generate":
        assert isinstance(model, gans.NoiseToImageGAN) and not isinstance(model, gans.ImageToImageGAN)
        images = model.sample(2, seed=0)
        assert images.shape == (2, model.config()["channels"], size, size)
        assert torch.equal(images, model.sample(2, seed=0))
        assert images.min() >= -1 and images.max() <= 1
    elif model.task == "detect":
        images = torch.linspace(-1, 1, 2 * model.config()["channels"] * size * size).reshape(2, -1, size, size)
        scores = model.score(images)
        assert scores.shape == (2,) and torch.isfinite(scores).all() and torch.equal(scores, model.score(images))
        assert torch.isfinite(model.threshold) and model.threshold > 0, "a threshold measured when it was trained"
    else:
        assert isinstance(model, gans.ImageToImageGAN) and not isinstance(model, gans.NoiseToImageGAN)
        for direction in model.directions:
            in_channels, out_channels = model.channels(direction)
            images = torch.linspace(-1, 1, 2 * in_channels * size * size).reshape(2, in_channels, size, size)
            out = model.translate(images, direction)
            side = size * model.output_scale  # an upscaler's output is scale times larger
            assert out.shape == (2, out_channels, side, side)
            assert torch.equal(out, model.translate(images, direction))
            assert out.min() >= -1 and out.max() <= 1
            odd_size = torch.zeros(1, in_channels, size + 3, size - 5)  # any size, through the tiling
            scale = model.output_scale
            assert model.translate_tiled(odd_size, direction)[0].shape == (1, out_channels, (size + 3) * scale,
                                                                            (size - 5) * scale)


@pytest.mark.parametrize("mode", ["slerp", "lerp"])
def test_interpolate_walks_from_the_sample_of_seed_a_to_that_of_seed_b(mode):
    model = tiny_model("cgan", num_classes=3, image_size=28)
    frames = model.interpolate(3, 7, frames=4, mode=mode, label=2, truncation=0.7)
    assert frames.shape == (4, 1, 28, 28)
    tolerance = dict(atol=1e-5, rtol=0)  # batched and single-image convolutions may round differently
    assert torch.allclose(frames[0], model.sample(1, seed=3, labels=[2], truncation=0.7)[0], **tolerance)
    assert torch.allclose(frames[-1], model.sample(1, seed=7, labels=[2], truncation=0.7)[0], **tolerance)
    assert torch.allclose(model.interpolate(3, 7, frames=4, mode=mode)[0], model.sample(1, seed=3, labels=[0])[0],
                          **tolerance), "class 0 when no class is given"


def test_the_colorizer_translates_gray_to_colour_keeping_the_lightness():
    model = tiny_model("colorizer", image_size=32)
    gray = torch.rand(2, 1, 32, 48) * 2 - 1
    colour = model.translate(gray)
    assert colour.shape == (2, 3, 32, 48) and colour.min() >= -1 and colour.max() <= 1
    lightness, _ = model.split_lab(colour)
    expected, _ = model.split_lab(gray.expand(-1, 3, -1, -1))
    assert torch.allclose(lightness, expected, atol=0.02), "the colorizer keeps the photo's own L*"


def test_ema_calibration_uses_the_noise_of_noise_models_only():
    noise_model = tiny_model("dcgan")
    z, labels = noise_model.ema_calibration_inputs(torch.Generator().manual_seed(0), 4)
    assert z.shape == (4, noise_model.config()["latent_dim"]) and labels is None
    assert tiny_model("pix2pix", image_size=32).ema_calibration_inputs(torch.Generator(), 4) is None
