"""The Train page on a 1366×768 screen in Chromium (issue 29): Start on the first screen before the first run; the
progress and Stop on it while a run trains; after a refresh and Stop, the stopped run (Resume, Open in Explore,
downloads) stays above the form, in a second tab too. A fresh `streamlit run app.py` from tests/test_browser.py.
"""

import time

import pytest

from tests.test_browser import ARTIFACTS, chromium_page, require_chromium, streamlit_server, trained_steps

pytestmark = pytest.mark.browser

SCREEN = {"width": 1366, "height": 768}


def bottom(locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def test_train_fits_a_1366x768_screen_before_during_and_after_a_run(tmp_path):
    require_chromium()
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log") as url, chromium_page() as page:
        page.set_viewport_size(SCREEN)
        page.goto(f"{url}/train")
        page.get_by_text("No run yet").wait_for()  # below the form: the whole page is drawn
        start = page.get_by_role("button", name="Start training")
        page.screenshot(path=ARTIFACTS / "train-1366-first-visit.png")
        assert bottom(start) <= SCREEN["height"], f"Start is cut off: {start.bounding_box()}"

        # a short, small run: the test stops it after its first steps
        page.get_by_label("Steps", exact=True).fill("100000")
        page.get_by_label("Batch size", exact=True).fill("8")
        start.click()
        stop = page.get_by_role("button", name="Stop (saves a checkpoint)")
        stop.wait_for(timeout=90_000)
        deadline = time.time() + 90
        while trained_steps(page) < 1 and time.time() < deadline:
            page.wait_for_timeout(200)
        assert trained_steps(page) >= 1, "the run trains"
        page.screenshot(path=ARTIFACTS / "train-1366-training.png")
        assert bottom(page.get_by_test_id("stProgress").first) <= SCREEN["height"]
        assert bottom(stop) <= SCREEN["height"], f"Stop is below the first screen: {stop.bounding_box()}"

        # a refresh is a new session: it reattaches, and its Stop keeps the stopped run first
        page.reload()
        stop.wait_for()
        assert bottom(stop) <= SCREEN["height"]
        stop.click()
        resume = page.get_by_role("button", name="Resume")
        resume.wait_for(timeout=90_000)
        page.get_by_role("button", name="Open in Explore").wait_for()
        page.screenshot(path=ARTIFACTS / "train-1366-stopped.png")
        assert bottom(resume) <= SCREEN["height"], f"Resume is below the first screen: {resume.bounding_box()}"
        assert resume.bounding_box()["y"] < start.bounding_box()["y"], "the stopped run is above the form"

        second_tab = page.context.new_page()
        second_tab.goto(f"{url}/train")
        second_resume = second_tab.get_by_role("button", name="Resume")
        second_resume.wait_for()
        second_start = second_tab.get_by_role("button", name="Start training")
        assert second_resume.bounding_box()["y"] < second_start.bounding_box()["y"], "in a second tab too"
        assert bottom(second_resume) <= SCREEN["height"]
