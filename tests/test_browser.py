"""The newcomer's path in a real browser: `streamlit run app.py` on 127.0.0.1 and Debian's Chromium via Playwright.

Open the app → Train → Start on the default dataset → the loss chart updates → Stop → Explore → move the
interpolation slider → the picture changes. Deep links and outside requests too; tests/test_browser_colorize.py
clicks a colour hint onto the Colorize page. Screenshots go to artifacts/browser/ (kept by CI as test artifacts).
In CI (CI=true) a missing Chromium fails the test; locally it skips.
"""

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from studio.shell import PAGES
from tests.helpers import ROOT, free_port

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def require_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run must install Debian's chromium package")
        pytest.skip("Chromium not installed (apt install chromium)")


@contextlib.contextmanager
def streamlit_server(runs: Path, log_path: Path, **environment):
    """A fresh `streamlit run app.py` on 127.0.0.1 with ``runs`` as its runs folder (and these extra environment
    variables); yields its URL."""
    port = free_port()
    env = {**os.environ, "GANS_RUNS_DIR": str(runs), "HF_HUB_OFFLINE": "1", **environment}
    log = open(log_path, "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        log.seek(0)
        pytest.fail(f"streamlit did not start:\n{log.read()[-3000:]}")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def chromium_page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real Streamlit server on 127.0.0.1 with its own runs folder."""
    require_chromium()
    runs = tmp_path_factory.mktemp("browser-runs")
    with streamlit_server(runs, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url, runs


@pytest.fixture(scope="module")
def page(server):
    with chromium_page() as page:
        yield page


def trained_steps(page) -> int:
    """The step in the Train page's status line ("step 12 of 100000 · ..."), 0 before it shows."""
    found = re.search(r"step (\d+) of \d+", page.get_by_test_id("stMain").inner_text())
    return int(found.group(1)) if found else 0


def chart_points(page) -> int:
    """How many steps the live loss chart currently plots."""
    return page.evaluate(
        "() => { const p = document.querySelector('.js-plotly-plot'); "
        "return p && p.data && p.data.length ? p.data[0].x.length : 0 }"
    )


# Every page of the router (studio/shell.py), by the URL Streamlit gives it and the title it shows (the home page's
# heading is the studio's name): a new page is walked too.
DEEP_LINKS = [("", "GAN Studio")] + [(Path(file).stem, title) for file, title, *_ in PAGES if title != "Home"]


# A fresh server (about 9 s each) for the home page, the first page and a photo page. Every page starts with the same
# ensure_shell() call (tests/pages/test_home.py checks each one), so these three walk the mechanism for all of them.
FRESH_SERVER_LINKS = [link for link in DEEP_LINKS if link[0] in ("", "train", "colorize")]
assert len(FRESH_SERVER_LINKS) == 3, "a page walked on a fresh server was renamed: name another"


@pytest.mark.parametrize("path, title", FRESH_SERVER_LINKS, ids=[path or "home" for path, _ in FRESH_SERVER_LINKS])
def test_a_deep_link_on_a_fresh_server_gets_the_whole_studio(path, title, tmp_path):
    """The first request of a fresh server straight to a page's URL: the page runs inside the shell (sidebar
    navigation with every page, device caption), not alone, which is what Streamlit's legacy mode does on a fresh
    server when a pages/ folder sits beside app.py."""
    require_chromium()
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log") as url, chromium_page() as page:
        page.goto(f"{url}/{path}")
        page.get_by_text("Device:").first.wait_for()
        page.get_by_role("heading", name=title).first.wait_for()
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert all(name in nav for _, name in DEEP_LINKS[1:]) and "Home" in nav, nav
        assert "common" not in nav and "shell" not in nav
        page.screenshot(path=ARTIFACTS / f"deep-link-{path or 'home'}.png")


def test_an_unknown_address_shows_the_studio_s_own_no_such_page_with_the_sidebar(tmp_path):
    """/nonexistent, first on a fresh server (Streamlit's legacy mode) and then again: the studio's "No such page"
    with the sidebar and a button to every page, not a blank page or Home under a wrong address; a button works.
    Only the fresh server's very first request also gets Streamlit's own "Page not found" notice (sent by its
    legacy mode before any script of ours runs); it closes with Escape, and no later visit gets it."""
    require_chromium()
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log") as url, chromium_page() as page:
        for attempt in ("fresh server", "again"):
            page.goto(f"{url}/nonexistent")
            page.get_by_role("heading", name="No such page").wait_for()
            if attempt == "fresh server" and page.get_by_role("dialog").count():
                page.keyboard.press("Escape")
                page.get_by_role("dialog").wait_for(state="detached")
            assert page.get_by_role("dialog").count() == 0, attempt
            page.get_by_text("Device:").first.wait_for()
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
            assert all(name in nav for _, name in DEEP_LINKS[1:]) and "No such page" not in nav, (attempt, nav)
            for *_, label in PAGES:
                page.get_by_role("button", name=label).first.wait_for()  # the buttons render after the heading
                assert page.get_by_role("button", name=label).count() == 1, label
        page.screenshot(path=ARTIFACTS / "no-such-page.png")
        page.get_by_role("button", name="Train a GAN").click()
        page.get_by_role("heading", name="Train").first.wait_for()
        assert page.url.rstrip("/").endswith("/train")
        page.set_viewport_size({"width": 1366, "height": 768})  # Home links every page, on its first screen
        page.goto(url)
        page.get_by_role("heading", name="GAN Studio").first.wait_for()
        for *_, label in PAGES[1:]:
            button = page.get_by_role("button", name=label)
            button.wait_for()
            box = button.bounding_box()
            assert box and box["y"] + box["height"] <= 768, (label, box)


def test_no_page_requests_any_host_but_the_app_s_own_and_no_deploy_button(tmp_path):
    """Every request of every page (documents, scripts, fonts, icons, websockets) goes to the app's own host, and
    visitors get no Deploy button or developer menu (.streamlit/config.toml: toolbarMode viewer)."""
    require_chromium()
    with streamlit_server(tmp_path / "runs", tmp_path / "streamlit.log") as url, chromium_page() as page:
        own = url.split("/")[2]
        outside: list[str] = []
        seen: list[str] = []

        def record(request):
            if request.url.startswith(("data:", "blob:")):
                return
            seen.append(request.url)
            if request.url.split("/")[2] != own:
                outside.append(request.url)

        page.on("request", record)
        page.on("websocket", lambda socket: record(type("R", (), {"url": socket.url})()))
        for path, title in DEEP_LINKS:
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=title).first.wait_for()
            page.get_by_text("Device:").first.wait_for()
            page.wait_for_load_state("networkidle")
            assert page.get_by_test_id("stAppDeployButton").count() == 0, f"/{path} shows a Deploy button"
        assert any("/_stcore/stream" in request for request in seen), "websocket traffic was recorded"
        assert any(request.endswith(".js") for request in seen), "script requests were recorded"
        assert not outside, f"requests to other hosts: {sorted(set(outside))}"


def test_newcomer_trains_then_explores(server, page):
    url, runs = server
    page.goto(url)
    page.get_by_text("GAN Studio").first.wait_for()
    page.screenshot(path=ARTIFACTS / "1-home.png")

    page.get_by_role("button", name="Train a GAN").click()  # the home page's button
    page.get_by_role("button", name="Start training").wait_for()
    page.get_by_label("Batch size", exact=True).fill("16")
    page.get_by_label("Steps", exact=True).fill("100000")
    page.get_by_role("button", name="Start training").click()

    page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
    first = chart_points(page)
    deadline = time.time() + 60
    while chart_points(page) <= first and time.time() < deadline:
        page.wait_for_timeout(500)
    assert chart_points(page) > first, "the loss chart keeps updating while training"
    page.screenshot(path=ARTIFACTS / "2-training.png")

    # a refresh comes back attached to the same run, with its whole curve
    before_reload = chart_points(page)
    page.reload()
    page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
    deadline = time.time() + 30
    while chart_points(page) < before_reload and time.time() < deadline:
        page.wait_for_timeout(300)
    assert chart_points(page) >= before_reload
    assert len([p for p in runs.iterdir() if p.is_dir()]) == 1

    # enough steps that two seeds draw different pictures (at a dozen steps the generator can still give every
    # latent the same 8-bit image, and a loaded machine trains slowly): wait for the status line's step
    deadline = time.time() + 120
    while trained_steps(page) < 60 and time.time() < deadline:
        page.wait_for_timeout(500)
    page.get_by_role("button", name="Stop (saves a checkpoint)").click()
    page.get_by_role("button", name="Resume").wait_for(timeout=120_000)
    page.screenshot(path=ARTIFACTS / "3-stopped.png")
    run_dirs = [p for p in runs.iterdir() if (p / "trainer_state.pt").exists()]
    assert len(run_dirs) == 1

    # Explore the run just trained: moving the interpolation slider changes the picture
    page.get_by_role("button", name="Open in Explore").click()
    slider = page.get_by_role("slider", name="t: from seed A")
    slider.wait_for()
    picker = page.get_by_role("combobox", name="Checkpoint")
    deadline = time.time() + 30
    while run_dirs[0].name not in picker.input_value() and time.time() < deadline:
        page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "4-explore.png")
    assert run_dirs[0].name in picker.input_value(), "Explore opens on the run just trained"
    big_frame = page.get_by_test_id("stImage").first.locator("img")
    before = big_frame.get_attribute("src")
    deadline = time.time() + 90
    while big_frame.get_attribute("src") == before and time.time() < deadline:
        if not page.get_by_text("t = 1.00 between seed").count():
            # a rerun that was still drawing the page can replace the slider and drop the key: press again
            slider.focus()
            page.keyboard.press("End")  # t = 1: seed B
        page.wait_for_timeout(200)
    page.screenshot(path=ARTIFACTS / "5-explore-moved.png")
    assert big_frame.get_attribute("src") != before, "the frame changes when t moves"
    page.screenshot(path=ARTIFACTS / "5-explore-moved.png")
