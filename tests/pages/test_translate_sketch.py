"""The Translate page's sketch pad and its fit check (issue 28, parts 1 and 5), driven by streamlit.testing.

The pad is a custom component (streamlit-drawable-canvas, Streamlit Components v2): AppTest does not run its
JavaScript, but its value lives in the session state under its key, as the browser would send it — {"drawing":
{"raw": Fabric.js objects, "data": the pad's PNG as a data URL}, "backgroundFit": None} — so a test draws a stroke
by setting that value and rerunning, exactly what a mouse-up does in the browser (tests/test_browser_sketch.py
draws with the mouse in Chromium)."""

import base64
import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import gans
from gans.io.images import png_bytes
from gans.tasks.sketch import PEN_WIDTH, draw_strokes, enlarge, example_strokes, translate_sketch
from gans.views.catalog import describe
from tests.helpers import ROOT, encoded, media  # noqa: F401  media is a fixture

PAGE = str(ROOT / "pages" / "translate.py")
SHIPPED = ROOT / "checkpoints"
EDGES, CYCLE = SHIPPED / "pix2pix-edges2fashion", SHIPPED / "cyclegan-sneaker2boot"
OUTPUT = "edge drawing → garment · the model's 32×32 px output, enlarged"


@pytest.fixture
def open_page(monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(SHIPPED))
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "runs"))

    def run(checkpoint=EDGES, **session) -> AppTest:
        app = AppTest.from_file(PAGE, default_timeout=120)
        app.session_state["translate_checkpoint"] = str(checkpoint)
        for key, value in session.items():
            app.session_state[key] = value
        return app.run()

    return run


def picture(app: AppTest, caption: str) -> str:
    """The media URL of the image captioned ``caption`` (a new picture gets a new URL)."""
    return next(image.value[0] for image in app.image if image.captions and image.captions[0].startswith(caption))


def media_bytes(url: str, stores) -> bytes:
    """The bytes of the picture at media ``url``, from the media stores of the ``media`` fixture."""
    for store in reversed(stores):
        try:
            return bytes(store.get_file(url.rsplit("/", 1)[-1]).content)
        except Exception:  # noqa: BLE001, S112  not in this run's store
            continue
    raise AssertionError(f"no media file {url}")


def pad_value(drawing: Image.Image, objects: list) -> dict:
    """What the pad sends on a mouse-up: its Fabric.js objects and its PNG as a data URL."""
    url = "data:image/png;base64," + base64.b64encode(encoded(drawing)).decode("ascii")
    return {"drawing": {"raw": {"objects": objects, "background": "#ffffff"}, "data": url}, "backgroundFit": None}


def with_a_stroke(strokes, stroke) -> Image.Image:
    """The pad's PNG after drawing ``stroke`` over ``strokes``: black ink on transparent paper, as a browser's."""
    ink = draw_strokes([*strokes, stroke])
    drawing = Image.new("RGBA", ink.size, (0, 0, 0, 0))
    drawing.putalpha(Image.eval(ink, lambda value: 255 - value))
    return drawing


def test_the_edge_model_opens_on_the_pad_with_an_example_and_its_output_shown_large(open_page):
    app = open_page()
    assert not app.exception and not app.error
    assert app.get("button_group")[0].value == "Draw", "Draw first for an edges model"
    assert not app.get("file_uploader"), "the uploader waits behind Upload"
    assert app.session_state["translate_sketch_pad_0"]["drawing"]["raw"]["objects"], "the pad opens on an example"
    assert [button.label for button in app.button][:7] == ["sneaker", "ankle boot", "T-shirt", "trousers", "bag",
                                                           "dress", "Blank"]
    picture(app, OUTPUT)
    picture(app, "What the model sees: your drawing as its training edges look (32 px)")
    assert not app.warning, "the example fits the model"


def test_a_stroke_drawn_through_the_pad_s_state_changes_the_output_which_is_the_library_s(
        open_page, media):  # noqa: F811  media is the fixture
    app = open_page()
    before = picture(app, OUTPUT)
    strokes = example_strokes("sneaker")
    stroke = [(60.0, 60.0), (140.0, 40.0), (220.0, 60.0)]  # a line over the shoe
    drawing = with_a_stroke(strokes, stroke)
    path = {"type": "Path", "path": [["M", 60, 60], ["Q", 140, 40, 220, 60]], "strokeWidth": PEN_WIDTH}
    app.session_state["translate_sketch_pad_0"] = pad_value(drawing, [{"type": "Path"}, path])
    app.run()
    assert not app.exception and not app.error
    after = picture(app, OUTPUT)
    assert after != before, "the output follows the stroke"
    expected = translate_sketch(gans.load(EDGES, device="cpu"), describe(EDGES), encoded(drawing)).output
    shown = Image.open(io.BytesIO(media_bytes(after, media)))
    assert np.array_equal(np.asarray(shown.convert("L")), np.asarray(enlarge(expected))), "the page = gans.tasks.sketch"


def test_blank_then_an_example_and_a_pad_without_ink_or_with_junk_say_so_in_one_line(open_page):
    app = open_page()
    app.button(key="translate_sketch_clear").click().run()
    assert not app.exception and not app.error
    assert app.session_state["translate_sketch"] == {"start": "", "version": 1}
    assert [box.value for box in app.info if "The pad is blank" in box.value]
    assert not [image for image in app.image if image.captions and image.captions[0].startswith("edge drawing")]
    dot = Image.new("L", (280, 280), 255)
    dot.putpixel((100, 100), 0)  # a click, not a drawing
    app.session_state["translate_sketch_pad_1"] = pad_value(dot, [{"type": "Path"}])
    app.run()
    assert not app.exception and [error.value for error in app.error] == [
        "Nothing is drawn yet: draw an outline with the mouse, or start from an example."]
    app.session_state["translate_sketch_pad_1"] = {"drawing": {"raw": {"objects": [{"type": "Path"}]},
                                                               "data": "data:image/png;base64,@@@"}}
    app.run()
    assert not app.exception and len(app.error) == 1 and "is empty (0 bytes)" in app.error[0].value
    app.button(key="translate_sketch_bag").click().run()
    assert not app.exception and not app.error
    assert app.session_state["translate_sketch"] == {"start": "bag", "version": 2}
    picture(app, OUTPUT)


def test_a_colour_photo_for_the_edge_model_is_flagged_before_its_noise_and_the_pad_is_offered(open_page):
    photo = Image.fromarray(np.random.default_rng(1).integers(0, 256, (120, 160, 3), dtype=np.uint8))
    app = open_page(translate_input="Upload")
    app.get("file_uploader")[0].set_value(("holiday.jpg", encoded(photo, "JPEG"), "image/jpeg"))
    app.run()
    assert not app.exception and not app.error
    assert len(app.warning) == 1 and app.warning[0].value.startswith(
        "This looks like a colour photo, but the model takes an edge drawing of a garment")
    main = [element for element in app.main if type(element).__name__ in ("Warning", "Image")]
    assert type(main[-3]).__name__ == "Warning", "the warning comes before the input and output pictures"
    app.button(key="translate_fit_draw").click().run()
    assert not app.exception and app.get("button_group")[0].value == "Draw"
    picture(app, OUTPUT)


def test_a_line_drawing_for_the_garment_model_offers_the_edge_model_and_a_large_drawing_can_be_shrunk(open_page):
    drawing = png_bytes(draw_strokes(example_strokes("ankle boot")))  # 280 px
    app = open_page(CYCLE)
    app.get("file_uploader")[0].set_value(("boot.png", drawing, "image/png"))
    app.run()
    assert not app.exception and not app.error
    assert app.warning[0].value.startswith("This looks like a line drawing, but the model takes a small gray picture")
    offer = next(button for button in app.button if button.label.startswith("Use pix2pix-edges2fashion"))
    offer.click().run()
    assert not app.exception and app.selectbox(key="translate_checkpoint").value == str(EDGES)
    app.get("button_group")[0].set_value("Upload").run()
    app.get("file_uploader")[0].set_value(("boot.png", drawing, "image/png"))
    app.run()
    assert "is 280×280 px, but the model learnt from 28×28 px ones" in app.warning[0].value
    assert picture(app, "Output: edge drawing → garment · 280×280 px")
    app.toggle(key="translate_shrink").set_value(True).run()
    assert not app.exception and not app.error
    assert picture(app, "Output: edge drawing → garment · 32×32 px"), "shrunk as the pad does"


def test_the_held_out_examples_get_no_warning(open_page):
    for checkpoint, session in ((EDGES, {"translate_input": "Upload"}), (CYCLE, {})):
        app = open_page(checkpoint, **session)
        assert not app.exception and not app.error and not app.warning
        picture(app, "Output")
