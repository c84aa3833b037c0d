"""Explore's projection in a real browser: a fresh `streamlit run app.py` on 127.0.0.1 with a tiny StyleGAN run
as the only shipped noise → image checkpoint, Debian's Chromium via Playwright (tests/test_browser.py's server and
browser). Its own module: Playwright's sync API does not nest with test_browser.py's module-wide browser."""

import pytest
from PIL import Image

from gans.training import TrainConfig, train
from tests.test_browser import ARTIFACTS, chromium_page, require_chromium, streamlit_server

pytestmark = pytest.mark.browser


def test_an_uploaded_photo_is_projected_and_a_bad_upload_gets_one_clear_message(tmp_path):
    require_chromium()
    shipped = tmp_path / "shipped"
    train("stylegan", cfg=TrainConfig(steps=2, batch_size=8, device="cpu"), out=shipped / "tiny-stylegan",
          model_kwargs={"width": 4, "latent_dim": 8})
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (120, 80), (220, 200, 180)).save(photo)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"this is not a PNG")
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log", GANS_CHECKPOINTS_DIR=str(shipped)) as url, \
            chromium_page() as page:
        page.goto(f"{url}/explore")
        page.get_by_role("heading", name="Start from a real image").wait_for()
        page.get_by_text("Projected in w+ (a w per layer)").wait_for()  # the first test image, projected
        page.locator('input[type="file"]').first.set_input_files(str(photo))
        page.get_by_text("Or a test image").wait_for(state="detached")  # the upload replaces the examples
        page.get_by_text("Projected in w+ (a w per layer)").wait_for()
        page.get_by_role("button", name="Download the latent (.npz)").wait_for()
        page.screenshot(path=ARTIFACTS / "explore-projection.png", full_page=True)
        page.locator('input[type="file"]').first.set_input_files(str(bad))
        page.get_by_text("broken.png: ").wait_for()
        assert page.get_by_text("Traceback").count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
