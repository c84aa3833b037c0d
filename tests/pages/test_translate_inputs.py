"""The Translate page says what each model expects (issue 15): above the uploader, a sentence from the run's
dataset (gans.tasks.describe_input) beside a held-out input, and captions in the domains' names, not "A → B"."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import ROOT

PAGE = str(ROOT / "pages" / "translate.py")
SHIPPED = ROOT / "checkpoints"


@pytest.fixture
def open_page(monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(SHIPPED))
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "runs"))

    def run(checkpoint: str) -> AppTest:
        app = AppTest.from_file(PAGE, default_timeout=120)
        app.session_state["translate_checkpoint"] = str(SHIPPED / checkpoint)
        app.session_state["translate_input"] = "Upload"  # the held-out examples (the edge model opens on its pad)
        return app.run()

    return run


def output_caption(app: AppTest) -> str:
    return next(image.captions[0] for image in app.image if image.captions[0].startswith("Output"))


def hint(app: AppTest) -> str:
    return next(block.value for block in app.info if "**Give it**" in block.value)


def test_the_edge_model_asks_for_an_edge_drawing_on_white_and_shows_one(open_page):
    app = open_page("pix2pix-edges2fashion")
    assert not app.exception and not app.error
    assert hint(app).startswith("**Give it** an edge drawing") and "white background" in hint(app)
    assert "noise" in hint(app), "says why a photo gives noise"
    assert any(image.captions[0] == "For example (held out)" for image in app.image)
    assert output_caption(app).startswith("Output: edge drawing → garment · ")


def test_the_two_way_model_names_its_domains_and_the_hint_follows_the_direction(open_page):
    app = open_page("cyclegan-sneaker2boot")
    assert not app.exception and not app.error
    assert app.radio(key="translate_direction").options == ["sneaker → ankle boot", "ankle boot → sneaker"]
    assert "picture of a sneaker" in hint(app).split("**It returns**")[0]
    app.radio(key="translate_direction").set_value("b2a").run()
    assert "picture of an ankle boot" in hint(app).split("**It returns**")[0]
    assert output_caption(app).startswith("Output: ankle boot → sneaker · ")
