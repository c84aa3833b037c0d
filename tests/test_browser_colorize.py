"""The Colorize page's colour hints in a real browser: a fresh `streamlit run app.py` on 127.0.0.1 with a tiny
colorizer trained with hints, Debian's Chromium via Playwright (tests/test_browser.py's server and browser). Its own
module: test_browser.py's module-wide browser would still be open, and Playwright's sync API does not nest."""

import pytest
from PIL import Image

from tests.helpers import random_photos, train_tiny_colorizer
from tests.test_browser import ARTIFACTS, chromium_page, require_chromium, streamlit_server

pytestmark = pytest.mark.browser


def test_a_click_on_the_colorized_photo_places_a_colour_hint(tmp_path):
    """Colorize with a colorizer trained with hints: clicking the picture in the hints section (the
    streamlit-image-coordinates component, an iframe) lists "Hint 1" with a colour picker and a Remove button;
    then a "Colour like this photo" upload colours it like a reference photo."""
    require_chromium()
    shipped = tmp_path / "shipped"
    train_tiny_colorizer(shipped / "tiny-colorizer", random_photos(tmp_path / "photos"))
    photo = next((tmp_path / "photos").glob("*.png"))
    reference = tmp_path / "reference.png"
    Image.new("RGB", (60, 40), (200, 40, 40)).save(reference)
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log", GANS_CHECKPOINTS_DIR=str(shipped)) as url, \
            chromium_page() as page:
        page.goto(f"{url}/colorize")
        page.get_by_role("heading", name="Colorize").first.wait_for()
        page.locator('input[type="file"]').first.set_input_files(str(photo))
        page.get_by_role("heading", name="Colour hints").wait_for()
        picture = page.frame_locator('iframe[title*="image_coordinates"]').locator("img")
        picture.wait_for()
        box = picture.bounding_box()
        picture.click(position={"x": box["width"] / 2, "y": box["height"] / 3})
        page.get_by_text("Hint 1 at (").wait_for()
        page.get_by_role("button", name="Remove", exact=True).wait_for()
        page.screenshot(path=ARTIFACTS / "colorize-hint.png")
        page.get_by_role("button", name="Remove", exact=True).click()
        page.get_by_text("No hints yet").wait_for()
        # "Colour like this photo": a reference upload colours the result again, and its caption says so.
        page.locator('input[type="file"]').nth(1).set_input_files(str(reference))
        page.get_by_text("colours like reference.png").wait_for()
