"""The Colorize page, driven by streamlit.testing: gray and colour uploads of any size and kind (16-bit, CMYK),
the metrics table, the render size, held-out photos, bad uploads that must leave the page working, and runs opened
from the Train page."""

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

import gans
from gans.training import TrainConfig, train
from tests.helpers import (  # noqa: F401
    ROOT,
    check_budget_and_busy_messages,
    downloaded_bytes,
    encoded,
    media,
    page_opener,
    random_photos,
    train_tiny_colorizer,
)

PAGE = str(ROOT / "pages" / "colorize.py")
METRIC_ROWS = ["colorizer", "baseline: zero chroma (gray)", "baseline: mean training chroma", "original photo"]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """A checkpoints folder holding one tiny colorizer."""
    folder = tmp_path_factory.mktemp("shipped")
    run = train_tiny_colorizer(folder / "tiny-colorizer", random_photos(tmp_path_factory.mktemp("photos")))
    # Two steps leave near-constant chroma; Kaiming weights make it depend on the input, as a trained model's does.
    model = gans.load(run)
    torch.manual_seed(0)
    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            torch.nn.init.kaiming_normal_(module.weight)
    model.save_pretrained(run)
    return folder


@pytest.fixture
def page(shipped, monkeypatch):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))

    return page_opener(PAGE)


def colour_noise(width: int, height: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(1).integers(0, 256, (height, width, 3), dtype=np.uint8))


def gray_gradient(width: int, height: int) -> Image.Image:
    return Image.fromarray(np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1)), "L")


def upload(app: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    app.get("file_uploader")[0].set_value((name, data, mime))
    return app.run()


def captions(app: AppTest) -> list[str]:
    """Captions of the result's pictures (not the training grid in the "What it learned" expander)."""
    return [image.captions[0] for image in app.image if not image.captions[0].startswith("rows:")]


def output_caption(app: AppTest) -> str:
    return next(caption for caption in captions(app) if caption.startswith("Colorized"))


def metric_rows(app: AppTest) -> list[str]:
    return list(app.table[0].value["result"]) if app.table else []


def offline_photos_available() -> bool:
    return any(info.name == "offline-photos" and info.available for info in gans.list_datasets())


def test_without_checkpoints_the_page_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "none"))
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception
    assert "No colorizer checkpoints yet" in app.info[0].value
    assert "python -m gans train colorizer --data offline-photos" in app.info[0].value


def test_a_gray_png_comes_back_in_colour_at_its_own_size_without_metrics(page, shipped):
    app = page()
    assert app.selectbox(key="colorize_checkpoint").value == str(shipped / "tiny-colorizer")
    facts = app.markdown[0].value
    assert "colorizer" in facts and "photo-folder" in facts and "32×32" in facts and "gray → colour" in facts
    assert app.image[0].captions[0] == "rows: gray input · colorized · original", "the run's own grid"
    app = upload(app, "old.png", encoded(gray_gradient(300, 200)))
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 300×200 px · network at 256×171 px"
    assert captions(app) == ["Gray input (old\\.png)", output_caption(app)], "no original beside a gray upload"
    download = app.get("download_button")[0]
    assert download.proto.label == "Download the result (300×200 PNG)"
    assert not app.table, "a gray photo has nothing to be compared with"


def test_a_colour_jpeg_gets_the_metrics_table_with_both_baselines_and_the_original(page):
    app = upload(page(), "holiday.jpg", encoded(colour_noise(120, 90), "JPEG"), "image/jpeg")
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 120×90 px · network at 120×90 px", "never above the photo's size"
    assert captions(app)[-1] == "Original"
    assert metric_rows(app) == METRIC_ROWS
    table = app.table[0].value.set_index("result")
    assert list(table.columns) == ["PSNR (dB)", "SSIM", "colourfulness"]
    assert table.loc["original photo", "colourfulness"] > 0 and np.isnan(table.loc["original photo", "PSNR (dB)"])
    assert table.loc["baseline: zero chroma (gray)", "colourfulness"] == 0
    assert any("PSNR and SSIM" in caption.value for caption in app.caption), "a sentence on how to read it"


def test_a_16_bit_gray_png_works(page):
    pixels = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1))
    scan = Image.fromarray(pixels)
    assert scan.mode == "I;16"
    app = upload(page(), "scan16.png", encoded(scan))
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 64×48 px · network at 64×48 px"
    assert not app.table


def test_a_cmyk_jpeg_works(page):
    app = upload(page(), "print.jpg", encoded(colour_noise(80, 60).convert("CMYK"), "JPEG"), "image/jpeg")
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 80×60 px · network at 80×60 px"
    assert metric_rows(app) == METRIC_ROWS, "a colour print is compared with its colours"


@pytest.mark.parametrize("name, data, message", [
    ("notes.png", b"just some text, not pixels", "not an image"),
    ("cut.png", encoded(colour_noise(64, 64))[:300], "truncated or corrupt"),
    ("huge.png", encoded(Image.new("1", (10000, 6000))), "too large"),
])
def test_bad_uploads_show_a_clear_error_and_the_page_keeps_working(page, name, data, message):
    app = upload(page(), name, data)
    assert not app.exception
    assert message in app.error[0].value
    assert not app.get("download_button")
    app = upload(app, "fine.png", encoded(gray_gradient(40, 30)))
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 40×30 px · network at 40×30 px"


def test_the_render_size_caps_the_work_on_a_large_photo_and_changes_the_result(page):
    app = upload(page(), "wide.jpg", encoded(colour_noise(2400, 1200), "JPEG"), "image/jpeg")
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 2400×1200 px · network at 256×128 px"
    assert "full-resolution lightness" in app.slider(key="colorize_render_size").help
    output = next(image.value[0] for image in app.image if image.captions[0].startswith("Colorized"))
    app.slider(key="colorize_render_size").set_value(512).run()
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 2400×1200 px · network at 512×256 px"
    assert next(image.value[0] for image in app.image if image.captions[0].startswith("Colorized")) != output
    assert app.get("download_button")[0].proto.label == "Download the result (2400×1200 PNG)"


@pytest.mark.skipif(not offline_photos_available(), reason="offline-photos is not installed here")
def test_without_an_upload_a_held_out_photo_can_be_tried(page):
    app = page()
    assert not app.exception and not app.error
    example = app.radio(key="colorize_example")
    assert 1 <= len(example.options) <= 6
    assert output_caption(app).startswith("Colorized · ")
    assert metric_rows(app) == METRIC_ROWS, "held-out photos are in colour, so they are compared with it"
    if len(example.options) > 1:
        first = captions(app)[0]
        app.radio(key="colorize_example").set_value(1).run()
        assert captions(app)[0] != first


@pytest.fixture
def no_held_out_photos(monkeypatch):
    def missing(*args, **kwargs):
        raise gans.DatasetError("offline-photos is not on this machine")

    monkeypatch.setattr("gans.data.load_dataset", missing)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_without_held_out_photos_the_page_asks_for_an_upload(page, no_held_out_photos):
    app = page()
    assert not app.exception and not app.error
    assert "Upload a photo" in app.info[0].value
    assert not captions(app), "nothing to colour yet"


def test_a_run_opened_from_the_train_page_is_selected(page, tmp_path):
    run = train_tiny_colorizer(tmp_path / "elsewhere" / "my-colorizer", random_photos(tmp_path / "photos"))
    app = page(colorize_run=str(run))
    assert not app.exception and not app.error
    assert app.selectbox(key="colorize_checkpoint").value == str(run)


def test_other_models_are_sent_to_their_page(page, tmp_path, monkeypatch):
    train("dcgan", cfg=TrainConfig(steps=1, batch_size=8, device="cpu"), out=tmp_path / "dcgan",
          model_kwargs={"width": 4, "latent_dim": 8, "image_size": 28})
    app = page(colorize_run=str(tmp_path / "dcgan"))
    assert not app.exception
    assert "no colorizer model" in app.warning[0].value

    real_load = gans.load
    monkeypatch.setattr(gans, "load", lambda *args, **kwargs: real_load(tmp_path / "dcgan", device="cpu"))
    app.selectbox(key="colorize_checkpoint").set_value("<hub>").run()
    app.text_input(key="colorize_hub_id").input("someone/dcgan").run()
    assert not app.exception
    assert "Explore page" in app.error[0].value


def test_the_page_works_inside_the_studio_router(shipped, monkeypatch):
    """Under st.navigation the page runs as __main__: what it caches must pickle without the page's own classes."""
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    app.switch_page("pages/colorize.py").run()
    assert not app.exception and [title.value for title in app.title] == ["Colorize"]
    app = upload(app, "router.jpg", encoded(colour_noise(70, 50), "JPEG"), "image/jpeg")
    assert not app.exception and not app.error
    assert output_caption(app) == "Colorized · 70×50 px · network at 70×50 px"
    assert metric_rows(app) == METRIC_ROWS


# ---- colour hints --------------------------------------------------------------------------------------------------
def result_pixels(app: AppTest, stores: list) -> np.ndarray:
    from gans.io.decode import decode_image

    return np.asarray(decode_image(downloaded_bytes(app, "colorize_download", stores))).astype(int)


def test_a_hint_placed_through_the_page_state_changes_the_output_there(page, media):
    import hashlib

    data = encoded(gray_gradient(160, 100))
    app = upload(page(), "gray.png", data)
    assert not app.exception and not app.error
    assert "Colour hints" in [header.value for header in app.subheader]
    automatic = result_pixels(app, media)
    photo = hashlib.sha256(data).hexdigest()
    app.session_state["colorize_hints"] = {"photo": photo, "hints": [{"id": 1, "x": 40, "y": 50, "colour": "#ff0000"}],
                                           "next": 2, "click": None}
    app.run()
    assert not app.exception and not app.error
    hinted = result_pixels(app, media)
    assert hinted.shape == automatic.shape == (100, 160, 3)
    near = np.abs(hinted[44:57, 34:47] - automatic[44:57, 34:47]).sum(-1).mean()
    assert near > 1, "the hint did not change the colour where it was placed"
    assert app.color_picker(key="colorize_hint_1").label == "Hint 1 at (40, 50)"

    app.color_picker(key="colorize_hint_1").pick("#0000ff").run()  # recoloured: the result follows at once
    assert app.session_state["colorize_hints"]["hints"][0]["colour"] == "#0000ff"
    blue = result_pixels(app, media)
    assert np.abs(blue[44:57, 34:47] - hinted[44:57, 34:47]).sum(-1).mean() > 1

    app.button(key="colorize_hint_remove_1").click().run()  # removed: the model's own colours again
    assert app.session_state["colorize_hints"]["hints"] == [] and not app.color_picker
    assert np.array_equal(result_pixels(app, media), automatic)


def test_hints_belong_to_their_photo_and_clear_hints_removes_them_all(page, media):
    import hashlib

    first = encoded(gray_gradient(90, 60))
    app = upload(page(), "first.png", first)
    hints = [{"id": 1, "x": 10, "y": 10, "colour": "#00ff00"}, {"id": 2, "x": 80, "y": 50, "colour": "#ff00ff"}]
    app.session_state["colorize_hints"] = {"photo": hashlib.sha256(first).hexdigest(), "hints": hints, "next": 3,
                                           "click": None}
    app.run()
    assert [picker.label for picker in app.color_picker] == ["Hint 1 at (10, 10)", "Hint 2 at (80, 50)"]
    app.button(key="colorize_hints_clear").click().run()
    assert not app.color_picker and app.session_state["colorize_hints"]["hints"] == []

    app.session_state["colorize_hints"] = {"photo": hashlib.sha256(first).hexdigest(), "hints": hints, "next": 3,
                                           "click": None}
    app = upload(app, "second.png", encoded(gray_gradient(91, 60)))  # another photo starts with no hints
    assert not app.exception and not app.color_picker


def test_a_colorizer_without_hints_shows_no_hint_editor(tmp_path, monkeypatch):
    run = train_tiny_colorizer(tmp_path / "old" / "old-colorizer", random_photos(tmp_path / "photos"), hints=False)
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(run.parent))
    app = upload(page_opener(PAGE)(), "gray.png", encoded(gray_gradient(90, 60)))
    assert not app.exception and not app.error
    assert "Colour hints" not in [header.value for header in app.subheader]
    assert len(app.get("file_uploader")) == 1, "nor a reference photo upload (it reaches the network as hints)"
    assert output_caption(app).startswith("Colorized")


# ---- the server's work budget (gans.ops.budget) ---------------------------------------------------------------------
def test_an_image_over_the_servers_budget_or_a_busy_server_is_one_clear_line_and_the_page_keeps_working(
        page, monkeypatch):
    check_budget_and_busy_messages(page, upload, lambda w, h: encoded(colour_noise(w, h)), output_caption, "photo",
                                   monkeypatch)


# ---- colour from a reference photo (gans.tasks.reference) ------------------------------------------------------------
def red_and_blue(width: int, height: int) -> Image.Image:
    """A colour reference: a red top half, a blue bottom half."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[: height // 2] = (200, 40, 40)
    pixels[height // 2:] = (40, 60, 200)
    return Image.fromarray(pixels)


def upload_reference(app: AppTest, name: str, data: bytes | None, mime: str = "image/png") -> AppTest:
    app.get("file_uploader")[1].set_value(None if data is None else (name, data, mime))
    return app.run()


def test_a_reference_photo_colours_the_result_and_is_part_of_its_cache_key(page, media):
    app = upload(page(), "gray.png", encoded(gray_gradient(160, 100)))
    assert app.get("file_uploader")[1].proto.label.startswith("Colour like this photo")
    automatic = result_pixels(app, media)
    app = upload_reference(app, "ref.png", encoded(red_and_blue(90, 70)))
    assert not app.exception and not app.error
    assert output_caption(app).endswith(" · colours like ref\\.png")
    red_blue = result_pixels(app, media)
    assert red_blue.shape == automatic.shape and np.abs(red_blue - automatic).sum(-1).mean() > 1
    app = upload_reference(app, "ref2.jpg", encoded(red_and_blue(90, 70).transpose(Image.Transpose.ROTATE_90),
                                                    "JPEG"), "image/jpeg")
    assert not app.exception and not app.error
    assert not np.array_equal(result_pixels(app, media), red_blue), "another reference, another result"
    app = upload_reference(app, "", None)  # removed: the model's own colours again
    assert not app.exception and output_caption(app) == "Colorized · 160×100 px · network at 160×100 px"
    assert np.array_equal(result_pixels(app, media), automatic)


@pytest.mark.parametrize("data, message", [(b"these are not pixels", "not an image"),
                                           (encoded(gray_gradient(40, 30)), "is gray")], ids=["not an image", "gray"])
def test_a_bad_or_gray_reference_is_one_error_line_and_the_photo_is_still_coloured(page, data, message):
    app = upload_reference(upload(page(), "gray.png", encoded(gray_gradient(60, 40))), "ref.png", data)
    assert not app.exception
    assert len(app.error) == 1 and message in app.error[0].value and "reference photo" in app.error[0].value
    assert "\n" not in app.error[0].value and "coloured without it" in app.error[0].value
    assert output_caption(app) == "Colorized · 60×40 px · network at 60×40 px"
