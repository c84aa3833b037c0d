"""Projection (GAN inversion): the latent of an image, in z or StyleGAN's w / w+, from the library and the CLI."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from gans import cli
from gans.errors import ConfigError
from gans.project import fit_target, npz_bytes, project, projected_images, random_baseline
from tests.helpers import tiny_model


def varied(name: str, **kwargs):
    """A tiny untrained model whose samples differ visibly between seeds (DCGAN-style weights are tiny at init)."""
    model = tiny_model(name, ema_decay=0.0, **kwargs)
    if name != "stylegan":
        with torch.no_grad():
            for parameter in model.generator.parameters():
                if parameter.dim() > 1:
                    parameter.mul_(10)
    return model


@pytest.mark.parametrize("name, space", [("dcgan", "z"), ("cgan", "z"), ("stylegan", "w_plus"), ("stylegan", "w")])
def test_projecting_a_sample_of_the_model_itself_brings_the_error_near_zero(name, space):
    model = varied(name)
    label = 3 if model.conditional else None
    target = model.sample(1, seed=6, labels=label)
    state = {key: value.clone() for key, value in model.state_dict().items()}
    result = project(model, target, steps=300, space=space, label=label)
    start = result.losses[0]
    assert start > 0.01, "the start (seed 0, or the mean w) is not the target already"
    assert result.error < 0.02 * start, "near zero"
    assert result.error < 0.5 * random_baseline(model, target, label=label), "far closer than any of 100 random draws"
    assert result.space == space and result.label == label
    assert torch.allclose(model.sample(1, seed=6, labels=label), target), "the model is unchanged"
    assert all(torch.equal(value, model.state_dict()[key]) for key, value in state.items())
    assert all(parameter.grad is None for parameter in model.parameters())
    expected_shape = {"z": (1, model.config()["latent_dim"]), "w": (1, model.config()["latent_dim"]),
                      "w_plus": (1, getattr(model, "num_ws", 0), model.config()["latent_dim"])}[space]
    assert tuple(result.latent.shape) == expected_shape
    walk = projected_images(model, result, seed=0, frames=5)
    assert walk.shape == (5, *target.shape[1:])
    assert torch.equal(walk[-1:], result.image), "the walk ends at the projection"


def test_the_npz_holds_the_latent_under_its_space_the_image_and_the_error():
    model = varied("stylegan")
    result = project(model, model.sample(1, seed=2), steps=5)
    arrays = np.load(io.BytesIO(npz_bytes(result)))
    assert set(arrays.files) == {"w_plus", "image", "error"}
    assert arrays["image"].shape == (1, 32, 32) and -1 <= arrays["image"].min() and arrays["image"].max() <= 1
    assert float(arrays["error"]) == pytest.approx(result.error)


def test_fit_target_crops_the_centre_square_and_matches_the_model():
    model = tiny_model("dcgan")  # 32 px, 1 channel
    picture = Image.new("RGB", (300, 100), "white")
    picture.paste((0, 0, 0), (100, 0, 200, 100))  # a black centre square between white sides
    target = fit_target(model, picture)
    assert target.shape == (1, 1, 32, 32) and target.max() <= -0.95, "only the black centre is kept"


def test_bad_requests_get_clear_messages():
    model = tiny_model("dcgan")
    target = model.sample(1)
    with pytest.raises(ConfigError, match="projected in z"):
        project(model, target, space="w_plus")
    with pytest.raises(ConfigError, match="steps must be between"):
        project(model, target, steps=0)
    with pytest.raises(ConfigError, match="must be a"):
        project(model, torch.zeros(1, 3, 32, 32))
    with pytest.raises(ConfigError, match="needs the class"):
        project(tiny_model("cgan"), tiny_model("cgan").sample(1))


def test_cli_project_writes_the_npz_and_says_how_it_compares(tmp_path, capsys):
    model = varied("dcgan")
    model.save_pretrained(tmp_path / "run")
    picture = tmp_path / "target.png"
    from gans.uploads import tensor_to_image

    tensor_to_image(model.sample(1, seed=9)).resize((64, 64)).save(picture)
    assert cli.main(["project", str(tmp_path / "run"), str(picture), "-o", str(tmp_path / "p.npz"),
                     "--steps", "50"]) == 0
    arrays = np.load(tmp_path / "p.npz")
    assert set(arrays.files) == {"z", "image", "error"} and arrays["z"].shape == (1, 8)
    out = capsys.readouterr().out
    assert "reconstruction error" in out and "best of 100 random latents" in out
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert cli.main(["project", str(tmp_path / "run"), str(tmp_path / "bad.png"), "-o", str(tmp_path / "q.npz")]) != 0
    assert "error" in capsys.readouterr().err.lower() and not (tmp_path / "q.npz").exists()
