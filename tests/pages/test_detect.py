"""The Detect page, driven by streamlit.testing: good uploads show a score, a verdict, the reconstruction and a
heat map; a bad upload is one clear error line and leaves the page working; a run of another task is refused."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.helpers import ANOMALY_NORMAL_CLASS, ROOT, encoded, mini_images, page_opener, train_tiny_anomaly

PAGE = str(ROOT / "pages" / "detect.py")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """A checkpoints folder holding one small anomaly detector."""
    folder = tmp_path_factory.mktemp("shipped")
    train_tiny_anomaly(folder / "tiny-anomaly")
    return folder


@pytest.fixture
def open_page(shipped, monkeypatch):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))
    return page_opener(PAGE)


def upload(app: AppTest, *files: tuple[str, bytes]) -> AppTest:
    app.get("file_uploader")[0].set_value([(name, data, "image/png") for name, data in files])
    return app.run()


def as_shown(markdown: str) -> str:
    """What a Markdown body shows once its backslash escapes are read (CommonMark: any ASCII punctuation)."""
    return re.sub(r"\\([!-/:-@[-`{-~])", r"\1", markdown)


def normal_png() -> bytes:
    return encoded(mini_images(ANOMALY_NORMAL_CLASS, heldout_only=True)[0])


def bag_png() -> bytes:
    return encoded(mini_images(8)[0])


def test_without_checkpoints_the_page_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "none"))
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception
    assert "No anomaly detector checkpoints yet" in app.info[0].value
    assert "python -m gans train anomaly" in app.info[0].value


def test_before_an_upload_the_page_names_the_normal_class_and_asks_for_images(open_page):
    app = open_page()
    assert not app.exception and not app.error
    assert any("normal = class 1 (Trouser)" in caption.value for caption in app.caption)
    assert "Upload one or more images" in app.info[0].value


def test_good_uploads_show_scores_verdicts_reconstructions_and_heat_maps(open_page):
    app = upload(open_page(), ("trouser.png", normal_png()), ("bag.png", bag_png()))
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert list(table["image"]) == ["trouser.png", "bag.png"]
    assert list(table["verdict"]) == ["normal", "anomalous"]
    assert table["score"][0] < table["score"][1]
    assert app.subheader[0].value == "1 of 2 anomalous"
    captions = [image.captions[0] for image in app.image]
    assert captions == ["input (as the model sees it)", "reconstruction", "difference heat map"] * 2
    text = " ".join(block.value for block in app.markdown)
    assert "**trouser\\.png**" in text and ":green[**normal**]" in text and ":red[**anomalous**]" in text


CRAFTED = "![x](http://evil.invalid/x.png) <img src=x> :red[$x$].png"


def markdown_bodies(app: AppTest) -> list[str]:
    """Every text the page sends to be rendered as Markdown: paragraphs, captions, errors, image captions."""
    bodies = [element.value for kind in ("markdown", "caption", "error", "info", "subheader") for element in
              getattr(app, kind)]
    return bodies + [caption for image in app.image for caption in image.captions]


def test_file_names_are_shown_as_typed_never_as_markdown(open_page):
    """A crafted name (an image link, HTML, a colour directive and a formula) is text: the table holds it as
    typed, and every Markdown body that names it has each punctuation mark escaped, so the browser fetches
    nothing; a bad file's error line names it the same way."""
    from studio.common import plain

    app = upload(open_page(), (CRAFTED, normal_png()), ("[bad](http://evil.invalid/).png", b"not an image"))
    assert not app.exception
    assert list(app.dataframe[0].value["image"]) == [CRAFTED]
    bodies = markdown_bodies(app)
    assert not [body for body in bodies if re.search(r"\]\(http|(?<!\\)<img|:red\[", body)]
    assert any(f"**{plain(CRAFTED)}**" in body and CRAFTED in as_shown(body) for body in bodies)
    assert len(app.error) == 1 and as_shown(app.error[0].value).startswith("[bad](http://evil.invalid/).png: ")


def test_too_many_files_are_refused_in_one_line_before_any_is_scored(open_page, monkeypatch):
    monkeypatch.setenv("GANS_MAX_DETECT_IMAGES", "2")
    app = upload(open_page(), *[(f"{index}.png", normal_png()) for index in range(3)])
    assert not app.exception and len(app.error) == 1 and not app.dataframe
    assert app.error[0].value == ("3 images were given; this server scores at most 2 per request "
                                  "(GANS_MAX_DETECT_IMAGES); score fewer at a time")
    app = upload(app, *[(f"{index}.png", normal_png()) for index in range(2)])
    assert not app.exception and not app.error and len(app.dataframe[0].value) == 2


def test_a_bad_upload_is_one_error_line_and_the_good_ones_are_still_scored(open_page):
    app = upload(open_page(), ("notes.png", b"not an image"))
    assert not app.exception and len(app.error) == 1
    message = as_shown(app.error[0].value)
    assert message.startswith("notes.png: ") and "not an image" in message and "\n" not in message
    assert not app.dataframe
    app = upload(app, ("notes.png", b"not an image"), ("noise.png", encoded(Image.fromarray(
        np.random.default_rng(0).integers(0, 256, (30, 50, 3), dtype=np.uint8)))))
    assert not app.exception and len(app.error) == 1
    assert list(app.dataframe[0].value["image"]) == ["noise.png"]


def test_a_run_of_another_task_is_refused_with_one_line(open_page):
    app = open_page(detect_run=str(ROOT / "checkpoints" / "dcgan-fashion-mnist-mini"))
    assert not app.exception
    assert any("holds no anomaly detector" in warning.value for warning in app.warning)


def test_with_nothing_uploaded_the_shipped_detector_scores_held_out_test_images(monkeypatch):
    """The shipped trouser detector (trained on fashion-mnist, whose test split CI installs): three test trousers
    and one image of each of three other classes are scored before any upload, and the trousers are the normal
    ones."""
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(ROOT / "checkpoints"))
    app = page_opener(PAGE)()
    assert not app.exception and not app.error
    assert any("held-out test images of fashion-mnist" in caption.value for caption in app.caption)
    table = app.dataframe[0].value
    assert len(table) == 6
    verdicts = dict(zip(table["image"], table["verdict"]))
    assert [verdicts[name] for name in verdicts if "trouser" in name] == ["normal"] * 3
    assert [verdicts[name] for name in verdicts if "trouser" not in name] == ["anomalous"] * 3
    assert app.subheader[0].value == "3 of 6 anomalous"
