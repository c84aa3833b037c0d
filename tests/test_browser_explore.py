"""Explore in a real browser at 1366×768 (issue 29): a fresh `streamlit run app.py` on 127.0.0.1 with a tiny run as
the only shipped noise → image checkpoint, Debian's Chromium via Playwright (tests/test_browser.py's server and
browser). Nothing projects until Project is pressed; while it runs, its progress bar says the step and the time
left and the t slider still answers; Stop ends it. A text-to-image model's prompt box, and its message, are on
the first screen. Its own module: Playwright's sync API does not nest with test_browser.py's module-wide browser."""

import re

import pytest
from PIL import Image

from gans.training import DataConfig, TrainConfig, train
from tests.test_browser import ARTIFACTS, chromium_page, require_chromium, streamlit_server

pytestmark = pytest.mark.browser
SCREEN = {"width": 1366, "height": 768}


def set_steps(page, key: str) -> None:
    """Move the Optimisation steps select-slider to its first (Home) or last (End) value."""
    steps = page.get_by_role("slider", name="Optimisation steps")
    steps.focus()
    page.keyboard.press(key)


def test_projection_waits_for_project_shows_its_progress_and_never_blocks_the_t_slider(tmp_path):
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
        page.set_viewport_size(SCREEN)
        page.goto(f"{url}/explore")
        page.get_by_role("heading", name="Start from a real image").wait_for()
        page.get_by_text("Press Project to project test-0.png (300 steps).").wait_for()
        page.get_by_text("t = 0.00 between seed").wait_for()
        page.wait_for_load_state("networkidle")
        assert page.get_by_text("Projecting").count() == 0, "nothing projects until asked"
        assert page.get_by_test_id("stProgress").count() == 0

        # the longest projection: while it runs, the bar says how far it is and t still moves the frame
        set_steps(page, "End")
        page.get_by_text("Press Project to project test-0.png (1000 steps).").wait_for()
        page.get_by_role("button", name="Project").click()
        page.get_by_text(re.compile(r"Projecting test-0\.png: step \d+ / 1000, (about|under) .* left")).wait_for()
        page.screenshot(path=ARTIFACTS / "explore-projecting.png")
        slider = page.get_by_role("slider", name="t: from seed A")
        slider.focus()
        page.keyboard.press("End")
        page.get_by_text("t = 1.00 between seed").wait_for(timeout=15_000)
        assert page.get_by_test_id("stProgress").count() == 1, "t moved while the projection still ran"
        page.get_by_role("button", name="Stop").click()
        page.get_by_text("The projection of test-0.png was stopped").wait_for()
        assert page.get_by_test_id("stProgress").count() == 0

        set_steps(page, "Home")  # 50 steps
        page.locator('input[type="file"]').first.set_input_files(str(photo))
        page.get_by_text("Or a test image").wait_for(state="detached")  # the upload replaces the examples
        page.get_by_text("Press Project to project photo.jpg (50 steps).").wait_for()
        page.get_by_role("button", name="Project").click()
        page.get_by_text("photo.jpg: Projected in w+ (a w per layer) with 50 steps").wait_for()
        page.get_by_role("button", name="Download the latent (.npz)").wait_for()
        page.screenshot(path=ARTIFACTS / "explore-projection.png", full_page=True)
        page.locator('input[type="file"]').first.set_input_files(str(bad))
        page.get_by_text("Press Project to project broken.png").wait_for()
        page.get_by_role("button", name="Project").click()
        page.get_by_text("broken.png: ").wait_for()
        assert page.get_by_text("Traceback").count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0


def test_a_text_model_s_prompt_box_and_its_message_are_on_the_first_screen(tmp_path):
    require_chromium()
    shipped = tmp_path / "shipped"
    train("text2image", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"),
          shipped / "tiny-t2i", {"width": 4, "latent_dim": 8, "embed_dim": 4})
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log", GANS_CHECKPOINTS_DIR=str(shipped)) as url, \
            chromium_page() as page:
        page.set_viewport_size(SCREEN)
        page.goto(f"{url}/explore")
        prompt = page.get_by_role("textbox", name="Prompt")
        prompt.wait_for()
        page.get_by_text(" samples of 'dark ankle-boot'").wait_for()
        box = prompt.bounding_box()
        assert box["y"] + box["height"] <= SCREEN["height"], f"the prompt box ends at y {box['y'] + box['height']}"
        prompt.fill("a shiny dark ankle boot")
        prompt.press("Enter")
        warning = page.get_by_text("Unknown word left out: 'shiny'")
        warning.wait_for()
        page.screenshot(path=ARTIFACTS / "explore-text-first-screen.png")
        box = warning.bounding_box()
        assert box["y"] + box["height"] <= SCREEN["height"], f"the warning ends at y {box['y'] + box['height']}"
        assert page.evaluate("window.scrollY") == 0, "seen without scrolling"
