"""The Translate page, driven by streamlit.testing: held-out examples, uploads of any size, CycleGAN's two
directions, downloads, and bad uploads that must leave the page working."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

import gans
from gans.training import DataConfig, TrainConfig, train
from tests.helpers import ROOT, check_budget_and_busy_messages, encoded, page_opener

PAGE = str(ROOT / "pages" / "translate.py")
TINY_CFG = dict(batch_size=4, device="cpu", sample_every=2, num_samples=4)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """A checkpoints folder with a tiny pix2pix (edges2fashion) and a tiny cyclegan (sneaker2boot) run."""
    folder = tmp_path_factory.mktemp("shipped")
    train("pix2pix", DataConfig("edges2fashion"), TrainConfig(steps=2, **TINY_CFG), folder / "a-pix2pix",
          {"width": 4, "image_size": 32})
    train("cyclegan", DataConfig("sneaker2boot"), TrainConfig(steps=2, **TINY_CFG), folder / "b-cyclegan",
          {"width": 4, "blocks": 1, "image_size": 32})
    for run in ("a-pix2pix", "b-cyclegan"):
        # Two steps leave near-constant outputs; Kaiming weights make them depend on the input (as a trained
        # model's do), so pictures of different inputs or directions really differ.
        model = gans.load(folder / run)
        torch.manual_seed(0)
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                torch.nn.init.kaiming_normal_(module.weight)
        model.save_pretrained(folder / run)
    return folder


@pytest.fixture
def page(shipped, monkeypatch):
    """The page opened on the uploads (an edge model opens on its sketch pad: tests/pages/test_translate_sketch.py)."""
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))
    open_page = page_opener(PAGE)
    return lambda **session: open_page(**{"translate_input": "Upload", **session})


def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    channels = {"RGB": 3, "RGBA": 4}[mode]
    pixels = np.random.default_rng(0).integers(0, 256, (height, width, channels), dtype=np.uint8)
    return Image.fromarray(pixels, mode)


def upload(app: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    app.get("file_uploader")[0].set_value((name, data, mime))
    return app.run()


def output_caption(app: AppTest) -> str:
    return next(image.captions[0] for image in app.image if image.captions[0].startswith("Output"))


def tiling_notes(app: AppTest) -> list[str]:
    """The info boxes that say the image was tiled (the page also shows one about what to give the model)."""
    return [box.value for box in app.info if "processed in" in box.value]


def test_without_checkpoints_the_page_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "none"))
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception
    assert "No image-to-image checkpoints yet" in app.info[0].value


def test_pix2pix_translates_a_held_out_example_without_any_upload(page, shipped):
    app = page()
    assert not app.exception and not app.error
    assert app.selectbox(key="translate_checkpoint").value == str(shipped / "a-pix2pix")
    facts = app.markdown[0].value
    assert "pix2pix" in facts and "edges2fashion" in facts and "gray → gray" in facts
    assert len(app.radio(key="translate_example").options) == 8
    assert output_caption(app) == "Output: edge drawing → garment · 32×32 px"
    assert app.get("download_button")[0].label == "Download the result (PNG)"
    first = next(image.value[0] for image in app.image if image.captions[0].startswith("Input"))
    app.radio(key="translate_example").set_value(3).run()
    assert next(image.value[0] for image in app.image if image.captions[0].startswith("Input")) != first


def test_an_odd_sized_rgba_upload_comes_back_at_its_own_size(page):
    app = upload(page(), "logo.png", encoded(noise(317, 451, "RGBA")))
    assert not app.exception and not app.error
    assert output_caption(app) == "Output: edge drawing → garment · 317×451 px"
    assert not tiling_notes(app), "a small image is not tiled"
    assert app.get("download_button")[0].proto.label == "Download the result (PNG)"


def test_a_large_photo_is_tiled_and_the_user_is_told(page):
    app = upload(page(), "photo.jpg", encoded(Image.new("RGB", (4000, 3000), (120, 80, 40)), "JPEG"), "image/jpeg")
    assert not app.exception and not app.error
    assert output_caption(app) == "Output: edge drawing → garment · 4000×3000 px"
    notes = tiling_notes(app)
    assert len(notes) == 1 and "tiles" in notes[0]


def test_cyclegan_offers_both_directions_named_after_its_domains(page, shipped):
    app = page(translate_checkpoint=str(shipped / "b-cyclegan"))
    assert not app.exception and not app.error
    direction = app.radio(key="translate_direction")
    assert direction.options == ["sneaker → ankle boot", "ankle boot → sneaker"]
    app = upload(app, "shoe.png", encoded(noise(40, 24)))
    assert output_caption(app) == "Output: sneaker → ankle boot · 40×24 px"
    output = next(image.value[0] for image in app.image if image.captions[0].startswith("Output"))
    app.radio(key="translate_direction").set_value("b2a").run()
    assert not app.exception and not app.error
    assert output_caption(app) == "Output: ankle boot → sneaker · 40×24 px"
    assert next(image.value[0] for image in app.image if image.captions[0].startswith("Output")) != output


@pytest.mark.parametrize("name, data, message", [
    ("notes.png", b"just some text, not pixels", "not an image"),
    ("cut.png", encoded(noise(64, 64))[:300], "truncated or corrupt"),
    ("huge.png", encoded(Image.new("1", (10000, 6000))), "too large"),
])
def test_bad_uploads_show_a_clear_error_and_the_page_keeps_working(page, name, data, message):
    app = upload(page(), name, data)
    assert not app.exception
    assert message in app.error[0].value
    app = upload(app, "fine.png", encoded(noise(20, 20)))
    assert not app.exception and not app.error
    assert output_caption(app) == "Output: edge drawing → garment · 20×20 px"


def test_a_noise_model_is_sent_to_explore(page, tmp_path):
    train("dcgan", cfg=TrainConfig(steps=1, batch_size=8, device="cpu"), out=tmp_path / "dcgan",
          model_kwargs={"width": 4, "latent_dim": 8, "image_size": 28})
    app = page(translate_run=str(tmp_path / "dcgan"))
    assert not app.exception
    assert "no image-to-image model" in app.warning[0].value


# ---- the server's work budget (gans.ops.budget) ---------------------------------------------------------------------
def test_an_image_over_the_servers_budget_or_a_busy_server_is_one_clear_line_and_the_page_keeps_working(
        page, monkeypatch):
    check_budget_and_busy_messages(page, upload, lambda w, h: encoded(noise(w, h)), output_caption, "image",
                                   monkeypatch)



def test_studio_common_keeps_the_names_pages_import_and_takes_its_words_from_gans():
    import studio.common as common
    from gans.views import catalog

    for name in ["COLORIZE_ROWS", "TASK_LABELS", "dataset_table", "hub_id_box", "job_manager", "load_picked",
                 "model_table", "open_in", "pick_task_checkpoint", "sidebar_status",
                 "task_checkpoint_choices", "translation_rows"]:
        assert name in common.__all__ and hasattr(common, name), name
    assert common.TASK_LABELS is catalog.TASK_WORDS and common.COLORIZE_ROWS == catalog.COLORIZE_ROWS
    assert common.translation_rows("pix2pix") == "input · output · target"
    assert common.translation_rows("cyclegan", ["x", "y"]) == "x · x → y · y · y → x"
    assert [row["model"] for row in common.model_table()] == gans.list_models()
    assert [row["dataset"] for row in common.dataset_table()] == [info.name for info in gans.list_datasets()]
