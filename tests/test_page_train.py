"""The Train page through streamlit.testing: start a tiny run, watch curves and grid appear, stop, errors."""

import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gans.training.progress import read_progress

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The whole app on the Train page, with a fresh job manager and runs in tmp_path."""
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("views/train.py").run()
    yield at
    from views.common import job_manager

    job_manager().stop(wait=True, timeout=120)
    st.cache_resource.clear()


def fill_tiny_settings(at, steps=4000):
    at.number_input(key="train_steps").set_value(steps)
    at.number_input(key="train_batch_size").set_value(8)
    at.selectbox(key="train_image_size_dcgan").set_value(28)


def wait_for(condition, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_start_watch_stop_resume(app, tmp_path):
    assert not app.exception
    assert app.selectbox(key="train_dataset").value == "fashion-mnist-mini", "the embedded default is preselected"
    fill_tiny_settings(app)
    app.button[0].click().run()  # the form's Start button
    assert not app.exception and not app.error
    assert wait_for(lambda: [p for p in tmp_path.iterdir() if p.is_dir()])
    runs = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(runs) == 1
    assert wait_for(lambda: read_progress(runs[0]).step >= 3 and read_progress(runs[0]).latest_sample is not None)
    app.run()
    assert app.get("plotly_chart"), "the loss chart is shown"
    assert app.get("image"), "the sample grid is shown"

    app.button(key="train_stop").click().run()
    assert not app.exception
    assert wait_for(lambda: read_progress(runs[0]).state == "stopped"), "Stop saves a checkpoint and ends the job"
    from views.common import job_manager

    assert wait_for(lambda: not job_manager().busy)  # the job's process has exited
    app.run()
    assert app.button(key="train_resume") is not None
    assert app.get("download_button"), "checkpoint, GIF and grid downloads are offered"


def test_a_second_start_is_refused_while_a_job_runs(app, tmp_path):
    fill_tiny_settings(app)
    app.button[0].click().run()
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    second.switch_page("views/train.py").run()
    fill_tiny_settings(second)
    second.button[0].click().run()
    assert not second.exception
    assert any("already running" in w.value for w in second.warning)
    assert wait_for(lambda: [p for p in tmp_path.iterdir() if p.is_dir()])
    time.sleep(0.5)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1
    # the second session sees the running job's progress too
    second.run()
    assert any("Run " in s.value for s in second.subheader)


@pytest.mark.parametrize("widget, value, message", [
    ("train_batch_size", 0, "batch size must be at least 1"),
    ("train_steps", 0, "steps must be at least 1"),
    ("train_lr_dcgan", -0.001, "learning rate must be > 0"),
])
def test_bad_values_show_a_clear_error(app, tmp_path, widget, value, message):
    app.number_input(key=widget).set_value(value)
    app.button[0].click().run()
    assert not app.exception
    assert any(message in e.value for e in app.error), [e.value for e in app.error]
    assert not [p for p in tmp_path.iterdir() if p.is_dir()], "nothing was started"
