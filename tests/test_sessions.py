"""Many sessions at once (issue 15): ten browser sessions of the studio — Streamlit runs each in its own thread
of one process — open different pages together while a training job runs, and none of them breaks; and the
same image translated or colorized from four threads through the library gives the command line's bytes."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from unittest.mock import MagicMock

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import gans
from gans.cli import main
from gans.io.images import png_bytes
from gans.tasks.colorize import colorize_file
from gans.tasks.translate import translate_file
from gans.training import DataConfig, TrainConfig
from gans.training.progress import read_progress
from tests.helpers import ROOT
from tests.test_concurrency import photo_bytes

SESSIONS = [  # (page file, its title): every page, ten sessions
    ("pages/home.py", "GAN Studio"), ("pages/train.py", "Train"), ("pages/explore.py", "Explore"),
    ("pages/compare.py", "Compare"), ("pages/translate.py", "Translate"), ("pages/colorize.py", "Colorize"),
    ("pages/train.py", "Train"), ("pages/explore.py", "Explore"), ("pages/translate.py", "Translate"),
    ("pages/colorize.py", "Colorize"),
]
SHIPPED = ROOT / "checkpoints"


@pytest.fixture
def running_job(tmp_path, monkeypatch):
    """The server's one job manager (``studio.common.job_manager``) training a tiny DCGAN in the background."""
    from studio.common import job_manager

    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(SHIPPED))
    st.cache_resource.clear()
    manager = job_manager()
    run = manager.start("dcgan", DataConfig("fashion-mnist-mini"),
                        TrainConfig(steps=100_000, batch_size=4, log_every=1, checkpoint_every=10_000),
                        {"width": 4, "image_size": 28})
    deadline = time.monotonic() + 120
    while read_progress(run).step < 1:  # the job is really training, not just starting
        assert manager.busy and time.monotonic() < deadline, manager.status()
        time.sleep(0.1)
    yield manager, run
    manager.stop(wait=True, timeout=120)
    st.cache_resource.clear()


@pytest.fixture
def one_server(monkeypatch):
    """One Streamlit runtime, script cache and pages flag for every session, as a real server has.

    ``AppTest`` is made for one session per process: each run installs a mock ``Runtime`` (and removes it when it
    ends), compiles the scripts into a cache of its own, resets ``PagesManager.uses_pages_directory`` and patches
    a config option for its duration. Ten runs at once in threads trip over those globals (one run's end removes
    the runtime another is using; concurrent compiles hit CPython 3.11.7's "AST constructor recursion depth
    mismatch") — the harness, not the app. A server has one runtime whose script cache compiles each page once
    under a lock, and the pages flag is False after the first ``st.navigation``; the sessions share the same here.
    """
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.runtime import Runtime
    from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
    from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test
    from streamlit.testing.v1.util import patch_config_options

    runtime = MagicMock(spec=Runtime)
    runtime.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    runtime.dataframe_source_mgr = DataframeSourceManager()
    runtime.cache_storage_manager = MemoryCacheStorageManager()
    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    runtime.bidi_component_registry = components
    monkeypatch.setattr(Runtime, "_instance", runtime)
    monkeypatch.setattr(app_test, "Runtime", type("PerRunRuntime", (), {"_instance": None}))  # runs set this one
    script_cache = ScriptCache()
    monkeypatch.setattr(app_test, "ScriptCache", lambda: script_cache)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    monkeypatch.setattr(app_test, "PagesManager", type("PerRunPagesManager", (PagesManager,), {}))
    with patch_config_options({"global.appTest": True}):
        monkeypatch.setattr(app_test, "patch_config_options", lambda options: contextlib.nullcontext())
        yield


def test_ten_sessions_on_every_page_while_a_job_trains(running_job, one_server):
    manager, run = running_job
    # One visit per page first, one after the other, as the first visitors of a server: each page is compiled
    # into the shared script cache and the modules it imports lazily are loaded. CPython 3.11.7 can fail a
    # compile ("AST constructor recursion depth mismatch") while another thread compiles source, e.g. a first
    # import; the ten sessions below then meet a warm server.
    for page in dict(SESSIONS):
        warm = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
        if page != "pages/home.py":
            warm.switch_page(page).run()
        assert not warm.exception, (page, [exception.message for exception in warm.exception])
    results: list[tuple] = [None] * len(SESSIONS)  # page, title shown, exceptions, errors, sidebar captions
    failures = []
    start = threading.Barrier(len(SESSIONS))

    def session(index: int, page: str) -> None:
        try:
            app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
            start.wait()
            app.run()
            if page != "pages/home.py":
                app.switch_page(page).run()
            results[index] = (page, app.title[0].value if app.title else "", list(app.exception),
                              [error.value for error in app.error], [c.value for c in app.sidebar.caption])
        except Exception as error:  # noqa: BLE001  reported below
            failures.append((page, repr(error)))

    threads = [threading.Thread(target=session, args=(index, page)) for index, (page, _) in enumerate(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    for (page, title), (shown_page, shown_title, exceptions, errors, sidebar) in zip(SESSIONS, results):
        assert not exceptions, (page, [exception.message for exception in exceptions])
        assert not errors, (page, errors)
        assert shown_title.endswith(title), (page, shown_title)
        assert any(f"Training **{run.name}**" in caption for caption in sidebar), (page, sidebar)
    assert manager.busy and read_progress(run).state == "running", "the job kept training through it all"


@pytest.fixture(scope="module")
def picture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sessions") / "photo.png"
    path.write_bytes(photo_bytes(160))
    return path


CALLS = {
    "translate": (["translate", str(SHIPPED / "pix2pix-edges2fashion")], "pix2pix-edges2fashion",
                  lambda model, data: translate_file(model, data).output),
    "colorize": (["colorize", "--checkpoint", str(SHIPPED / "colorizer-offline-photos")], "colorizer-offline-photos",
                 lambda model, data: colorize_file(model, data).output),
}


@pytest.mark.parametrize("task", CALLS)
def test_four_threads_give_the_command_line_s_bytes(task, picture, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANS_BUSY_WAIT_SECONDS", "120")  # the busy gate may queue them; never refuse here
    command, checkpoint, call = CALLS[task]
    output = tmp_path / "cli.png"
    args = [*command, str(picture), "-o", str(output)] if task == "translate" else \
        [command[0], str(picture), *command[1:], "-o", str(output)]
    assert main(args) == 0, capsys.readouterr().err
    expected = output.read_bytes()

    model, data = gans.load(SHIPPED / checkpoint), picture.read_bytes()
    outputs, errors = [], []
    start = threading.Barrier(4)

    def worker():
        try:
            start.wait()
            for _ in range(2):
                outputs.append(png_bytes(call(model, data)))
        except Exception as error:  # noqa: BLE001  reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and len(outputs) == 8, errors
    assert all(result == expected for result in outputs), "a thread's picture differs from the command line's"


def test_ten_threads_importing_the_heavy_modules_at_once_all_get_complete_modules(tmp_path):
    """The Train page once raised "partially initialized module 'pandas'" when ten sessions opened at once: the
    shell imports pandas, plotly, torch and gans one thread at a time (studio.shell.import_heavy_modules). In a
    fresh interpreter, ten threads call it together and each then uses every module."""
    import subprocess
    import sys

    script = (
        "import threading, sys\n"
        "from studio.shell import import_heavy_modules\n"
        "errors = []\n"
        "def session():\n"
        "    try:\n"
        "        import_heavy_modules()\n"
        "        import pandas, plotly.graph_objects, torch, gans\n"
        "        pandas.DataFrame({'a': [1]}); plotly.graph_objects.Figure(); torch.zeros(1); gans.list_models()\n"
        "    except Exception as error:\n"
        "        errors.append(repr(error))\n"
        "threads = [threading.Thread(target=session) for _ in range(10)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(errors); sys.exit(1 if errors else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
