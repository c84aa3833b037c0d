"""The Translate page's sketch pad in a real browser: a fresh `streamlit run app.py` on 127.0.0.1 with the shipped
edges → garment model, Debian's Chromium via Playwright (tests/test_browser.py's server and browser). The mouse
draws on the pad (streamlit-drawable-canvas), and the model's output changes when the stroke ends; Undo and the
Blank button work; the example the pad opens with is where gans.tasks.sketch drew it; nothing is asked of another host.
Its own module: Playwright's sync API does not nest inside test_browser.py's module-wide browser."""

import base64
import io
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from gans.tasks.sketch import CANVAS_SIZE, EXAMPLES, draw_strokes, example_strokes
from tests.helpers import ROOT
from tests.test_browser import ARTIFACTS, chromium_page, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

OUTPUT_CAPTION = "the model's 32×32 px output, enlarged"


def output_source(page) -> str:
    """The src of the picture captioned as the model's output ("" while there is none)."""
    return page.evaluate(
        """(caption) => {
            for (const image of document.querySelectorAll('[data-testid="stImage"]')) {
                if (image.innerText.includes(caption)) {
                    const img = image.querySelector('img');
                    return img ? img.src : '';
                }
            }
            return '';
        }""", OUTPUT_CAPTION)


def wait_for_new_output(page, old: str) -> str:
    """Wait (no fixed sleep) until the output picture is there and differs from ``old``; its src."""
    page.wait_for_function(
        """([caption, old]) => [...document.querySelectorAll('[data-testid="stImage"]')].some(
            (image) => image.innerText.includes(caption) && image.querySelector('img')
                       && image.querySelector('img').src !== old)""", arg=[OUTPUT_CAPTION, old])
    return output_source(page)


def ink(picture: Image.Image) -> np.ndarray:
    return np.asarray(picture.convert("L").resize((CANVAS_SIZE, CANVAS_SIZE))) < 128


def overlap(a: np.ndarray, b: np.ndarray, reach: int = 3) -> float:
    """The fraction of a's ink within ``reach`` pixels of b's, the smaller of both ways round."""
    def grown(mask):
        return F.max_pool2d(torch.from_numpy(mask.astype(np.float32))[None, None], 2 * reach + 1, 1,
                            reach)[0, 0].numpy() > 0

    return min((a & grown(b)).sum() / max(1, a.sum()), (b & grown(a)).sum() / max(1, b.sum()))


def test_drawing_on_the_pad_with_the_mouse_changes_the_output(tmp_path):
    require_chromium()
    shipped = tmp_path / "shipped"
    shutil.copytree(ROOT / "checkpoints" / "pix2pix-edges2fashion", shipped / "pix2pix-edges2fashion")
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log", GANS_CHECKPOINTS_DIR=str(shipped)) as url, \
            chromium_page() as page:
        own = url.split("/")[2]
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{url}/translate")
        page.get_by_role("heading", name="Translate").first.wait_for()
        pad = page.locator("canvas.upper-canvas")
        pad.wait_for()
        first = wait_for_new_output(page, "")

        # The pad opens on the first example where gans.tasks.sketch draws it (what the page translated so far).
        data_url = page.locator("canvas.dc-canvas.lower-canvas").evaluate("(canvas) => canvas.toDataURL('image/png')")
        drawn = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
        expected = draw_strokes(example_strokes(next(iter(EXAMPLES))))
        assert overlap(ink(drawn), ink(expected)) > 0.95
        page.screenshot(path=ARTIFACTS / "sketch-example.png")

        # A stroke with the mouse: the output changes when it ends.
        box = pad.bounding_box()
        page.mouse.move(box["x"] + 40, box["y"] + 40)
        page.mouse.down()
        for step in range(1, 21):
            page.mouse.move(box["x"] + 40 + 10 * step, box["y"] + 40 + 3 * step)
        page.mouse.up()
        second = wait_for_new_output(page, first)
        page.screenshot(path=ARTIFACTS / "sketch-stroke.png")

        # Undo in the pad's toolbar takes the stroke back; Blank empties the pad.
        page.get_by_role("button", name="Undo", exact=True).click()
        wait_for_new_output(page, second)
        page.get_by_role("button", name="Blank").click()
        page.get_by_text("The pad is blank").wait_for()
        assert output_source(page) == ""
        page.screenshot(path=ARTIFACTS / "sketch-blank.png")
    strangers = [request for request in requests if request.split("/")[2] != own and not request.startswith("data:")]
    assert not strangers, strangers
