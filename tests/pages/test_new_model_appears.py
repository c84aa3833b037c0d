"""A new model needs one registry call and no page edit: a throwaway noise → image model, registered here, is
offered by the Train page with the defaults it declares, and a run of it is offered by Explore and Compare."""


import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import gans
from gans.models.vanilla import VanillaGAN
from gans.registry import model_info, register, unregister
from gans.training import DataConfig, TrainConfig, train
from tests.helpers import ROOT, random_photos

NAME = "throwaway-mlp"


class ThrowawayMLP(VanillaGAN):
    """A throwaway MLP GAN that exists only in this test (tiny, 64 px by default)"""

    # What it declares for forms (gans.models.info): each differs from dcgan's, so the page must read them.
    default_dataset = "folder"
    image_sizes = (28, 64)
    default_steps, default_batch_size = 7, 12
    default_metric_every = 25

    # Its init arguments are its whole config (saved with a run, read back by gans.load): all of vanilla's, with
    # its own defaults.
    def __init__(self, latent_dim: int = 8, image_size: int = 64, channels: int = 1, hidden: int = 4,
                 batchnorm: bool = False, loss: str = "hinge", spectral_norm: bool = False, optimizer: str = "adam",
                 lr: float = 3e-4, betas: tuple = (0.5, 0.999), ema_decay: float = 0.0, augment: str = ""):
        super().__init__(latent_dim=latent_dim, image_size=image_size, channels=channels, hidden=hidden,
                         batchnorm=batchnorm, loss=loss, spectral_norm=spectral_norm, optimizer=optimizer, lr=lr,
                         betas=betas, ema_decay=ema_decay, augment=augment)


@pytest.fixture
def registered():
    register(NAME)(ThrowawayMLP)  # the one registry call a new model needs
    try:
        yield NAME
    finally:
        unregister(NAME)
    assert NAME not in gans.list_models()


@pytest.fixture
def runs(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    monkeypatch.setenv("GANS_RUNS_DIR", str(folder))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield folder
    st.cache_resource.clear()
    st.cache_data.clear()


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_the_library_reads_its_declaration(registered):
    info = model_info(NAME)
    assert (info.task, info.data_kind, info.default_dataset) == ("generate", "images", "folder")
    assert (info.steps, info.batch_size, info.metric_every) == (7, 12, 25)
    assert (info.image_sizes, info.image_size) == ((28, 64), 64)
    settings = {setting.name: setting.default for setting in info.settings}
    assert settings == {"loss": "hinge", "spectral_norm": False, "ema_decay": 0.0, "augment": ""}


def test_the_train_page_offers_it_with_its_declared_defaults(registered, runs):
    at = open_page("pages/train.py")
    assert f"{NAME} (noise → image)" in at.selectbox(key="train_model").options
    at.selectbox(key="train_model").set_value(NAME).run()
    assert not at.exception
    assert at.number_input(key=f"train_steps_{NAME}").value == 7
    assert at.number_input(key=f"train_batch_size_{NAME}").value == 12
    assert at.number_input(key=f"train_metric_every_{NAME}").value == 25
    assert at.selectbox(key=f"train_dataset_{NAME}").value == "folder"
    size = at.selectbox(key=f"train_image_size_{NAME}")
    assert size.options == ["28", "64"] and size.value == 64
    assert at.selectbox(key=f"train_loss_{NAME}").value == "hinge"
    assert at.number_input(key=f"train_lr_{NAME}").value == 3e-4
    keys = {widget.key for widget in at.number_input}
    assert f"train_ema_decay_{NAME}" in keys and f"train_n_critic_{NAME}" not in keys, "only arguments it takes"
    at.selectbox(key="train_model").set_value("dcgan").run()  # and the built-in model keeps its own
    assert at.number_input(key="train_steps_dcgan").value == 2000
    assert at.selectbox(key="train_dataset_dcgan").value == "fashion-mnist-mini"


def test_a_run_of_it_is_offered_by_explore_and_compare(registered, runs, tmp_path):
    photos = random_photos(tmp_path / "photos")
    run = runs / f"{NAME}-run"
    train(NAME, DataConfig("folder", str(photos)),
          TrainConfig(steps=2, batch_size=2, device="cpu", sample_every=2, num_samples=4), run)
    assert gans.load(run).architecture == NAME
    label = f"{run.name} (run: {NAME} on folder, step 2)"

    explore = open_page("pages/explore.py")
    picker = explore.selectbox(key="explore_checkpoint")
    assert label in picker.options, picker.options
    picker.set_value(str(run)).run()
    assert not explore.exception and not explore.error, [e.value for e in explore.error]
    assert explore.get("image"), "its samples are drawn"

    compare = open_page("pages/compare.py")
    assert label in compare.multiselect(key="compare_runs").options
