"""gans.models.footprint: a model's size and a training step's memory, estimated on the meta device before anything
is allocated — for every registered model by its networks' own forward passes (never the coarse fallback), without
touching the global random generator, and within the default work budget for every shipped run and every model at
the Train page's defaults."""

import json

import pytest
import torch

import gans
from gans.models import footprint as footprint_module
from gans.models.footprint import footprint
from gans.ops import budget
from gans.registry import create, create_saved, model_info
from tests.helpers import ROOT, tiny_model

SHIPPED = sorted(path for path in (ROOT / "checkpoints").iterdir() if (path / "config.json").is_file())


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch):
    for variable in ("GANS_MAX_PARAMETERS", "GANS_MAX_TRAIN_MEMORY_MB"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def probe_only(monkeypatch):
    """Fail a test whose model the probe cannot run (it would fall back to the coarse bound)."""
    def refuse(model, network):
        raise AssertionError(f"the probe could not run a network of {type(model).__name__}")

    monkeypatch.setattr(footprint_module, "_coarse_bytes", refuse)


def meta_model(name: str, **kwargs):
    with torch.device("meta"):
        return create(name, **kwargs)


@pytest.mark.parametrize("name", gans.list_models())
def test_every_model_is_measured_by_its_own_forward_passes_without_drawing_random_numbers(name, probe_only):
    model = meta_model(name)
    state = torch.random.get_rng_state()
    size = footprint(model, batch_size=4)
    assert torch.equal(state, torch.random.get_rng_state())
    assert size.parameters == sum(p.numel() for p in model.parameters()) > 0
    assert size.activation_bytes > 0 and size.train_bytes == size.state_bytes + size.activation_bytes
    assert footprint(model, batch_size=8).activation_bytes == 2 * size.activation_bytes


def test_a_real_model_and_its_meta_twin_have_the_same_footprint(probe_only):
    real = tiny_model("pix2pix", image_size=32)
    with torch.device("meta"):
        twin = create("pix2pix", **real.config())
    assert footprint(real, 4) == footprint(twin, 4)


def test_wider_and_larger_images_cost_more_in_the_estimate(probe_only):
    narrow, wide = footprint(meta_model("pix2pix", width=32), 16), footprint(meta_model("pix2pix", width=64), 16)
    small, large = (footprint(meta_model("cyclegan", image_size=size), 16) for size in (32, 64))
    assert wide.parameters > 3 * narrow.parameters and wide.activation_bytes > 1.5 * narrow.activation_bytes
    assert large.activation_bytes > 3 * small.activation_bytes and large.parameters == small.parameters


@pytest.mark.parametrize("name", gans.list_models())
def test_every_model_at_the_train_pages_defaults_is_within_the_default_budget(name):
    info = model_info(name)
    size = footprint(meta_model(name, image_size=info.image_size), info.batch_size)
    budget.check_model_size(name, size.parameters, size.train_bytes)


@pytest.mark.parametrize("run", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_run_is_within_the_default_budget_at_its_own_batch_size(run):
    config = json.loads((run / "config.json").read_text())
    with torch.device("meta"):
        model = create_saved(config["architecture"], config["model"])
    model_info(config["architecture"]).check_arguments(config["model"])
    size = footprint(model, config["train"]["batch_size"])
    budget.check_model_size(run.name, size.parameters, size.train_bytes)
