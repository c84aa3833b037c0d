"""The Train page through streamlit.testing: start a tiny run, watch curves and grid appear, stop, errors."""

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import gans
from gans.training.progress import read_progress
from tests.helpers import ROOT


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The whole app on the Train page, with a fresh job manager and runs in tmp_path."""
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/train.py").run()
    yield at
    from studio.common import job_manager

    job_manager().stop(wait=True, timeout=120)
    st.cache_resource.clear()


def fill_tiny_settings(at, steps=4000):
    at.number_input(key="train_steps_dcgan").set_value(steps)
    at.number_input(key="train_batch_size_dcgan").set_value(8)
    at.selectbox(key="train_image_size_dcgan").set_value(28)


def start(app) -> None:
    """Press the form's Start button (while a job runs, the live view's Stop button comes first on the page)."""
    next(button for button in app.button if button.label == "Start training").click().run()


def page_order(app) -> list[tuple[str, str]]:
    """The page's elements top to bottom as (type, key or text)."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return [(node.type, getattr(node, "key", None) or str(getattr(node, "value", ""))) for node in walk(app.main)]


def wait_for(condition, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False



def start_and_finish(app, runs):
    """Press Start, wait for the run (in ``runs``) to finish with a grid and the job to end; the page re-run."""
    from studio.common import job_manager

    start(app)
    assert not app.exception and not app.error
    assert wait_for(lambda: [p for p in runs.iterdir() if p.is_dir()])
    run = next(p for p in runs.iterdir() if p.is_dir())
    assert wait_for(lambda: read_progress(run).state == "finished" and read_progress(run).latest_sample is not None,
                    timeout=300), read_progress(run)
    assert wait_for(lambda: not job_manager().busy)
    app.run()
    assert not app.exception and not app.error
    return run

def test_start_watch_stop_resume(app, tmp_path):
    assert not app.exception
    assert app.selectbox(key="train_dataset_dcgan").value == "fashion-mnist-mini", "the embedded default first"
    fill_tiny_settings(app)
    assert app.selectbox(key="train_precision").value == "auto"
    app.selectbox(key="train_precision").set_value("fp32")
    start(app)
    assert not app.exception and not app.error
    assert wait_for(lambda: [p for p in tmp_path.iterdir() if p.is_dir()])
    runs = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(runs) == 1
    assert wait_for(lambda: read_progress(runs[0]).step >= 3 and read_progress(runs[0]).latest_sample is not None)
    app.run()
    assert app.get("plotly_chart"), "the loss chart is shown"
    assert app.get("image"), "the sample grid is shown"
    assert any("· fp32" in caption.value for caption in app.caption), "the page says which precision the job uses"
    order = page_order(app)
    assert order.index(("subheader", f"Run {runs[0].name}")) < order.index(("selectbox", "train_model")), \
        "while a job runs its live view comes first, where it is seen without scrolling"
    assert ("subheader", "Next run") in order and any("One job at a time" in c.value for c in app.caption)

    app.button(key="train_stop").click().run()
    assert not app.exception
    assert wait_for(lambda: read_progress(runs[0]).state == "stopped"), "Stop saves a checkpoint and ends the job"
    from studio.common import job_manager

    assert wait_for(lambda: not job_manager().busy)  # the job's process has exited
    app.run()
    assert app.button(key="train_resume") is not None
    assert app.button(key="train_open_explore").label == "Open in Explore"
    assert app.get("download_button"), "checkpoint, GIF and grid downloads are offered"


def test_the_fd_curve_is_plotted_and_best_is_kept(app, tmp_path):
    fill_tiny_settings(app, steps=30)
    app.number_input(key="train_metric_every_dcgan").set_value(10)
    start(app)
    assert not app.exception and not app.error
    assert wait_for(lambda: [p for p in tmp_path.iterdir() if p.is_dir()])
    run = next(p for p in tmp_path.iterdir() if p.is_dir())
    assert wait_for(lambda: read_progress(run).state == "finished", timeout=240)
    app.run()
    charts = app.get("plotly_chart")
    assert len(charts) == 2, "the loss chart and the FD chart"
    fd = read_progress(run).metrics
    assert fd["step"] == [10.0, 20.0, 30.0]
    assert "FD" in charts[1].proto.spec and (run / "best" / "metric.json").exists()


def test_a_second_start_is_refused_while_a_job_runs(app, tmp_path):
    fill_tiny_settings(app)
    start(app)
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    second.switch_page("pages/train.py").run()
    fill_tiny_settings(second)
    start(second)
    assert not second.exception
    assert any("already running" in w.value for w in second.warning)
    assert wait_for(lambda: [p for p in tmp_path.iterdir() if p.is_dir()])
    time.sleep(0.5)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1
    # the second session sees the running job's progress too
    second.run()
    assert any("Run " in s.value for s in second.subheader)


@pytest.mark.parametrize("widget, value, message", [
    ("train_batch_size_dcgan", 0, "batch size must be at least 1"),
    ("train_steps_dcgan", 0, "steps must be at least 1"),
    ("train_lr_dcgan", -0.001, "learning rate must be > 0"),
])
def test_bad_values_show_a_clear_error(app, tmp_path, widget, value, message):
    app.number_input(key=widget).set_value(value)
    start(app)
    assert not app.exception
    assert any(message in e.value for e in app.error), [e.value for e in app.error]
    assert not [p for p in tmp_path.iterdir() if p.is_dir()], "nothing was started"


def test_the_advanced_settings_are_the_models_declared_ones_with_its_defaults(app):
    choose_model(app, "wgan")
    assert app.selectbox(key="train_loss_wgan").value == "wasserstein"
    assert app.selectbox(key="train_loss_wgan").options == ["bce", "ls", "wasserstein", "hinge"]
    assert app.number_input(key="train_n_critic_wgan").value == 5
    assert app.number_input(key="train_clip_value_wgan").value == 0.01
    assert app.multiselect(key="train_augment_wgan").value == ["translation", "cutout"]
    assert app.checkbox(key="train_spectral_norm_wgan").value is False
    assert app.number_input(key="train_lr_wgan").value == 5e-5
    choose_model(app, "vanilla")
    keys = {widget.key for widget in app.number_input}
    assert "train_ema_decay_vanilla" in keys and "train_n_critic_vanilla" not in keys, "vanilla has no critic steps"
    assert app.selectbox(key="train_image_size_vanilla").value == 28
    choose_model(app, "sagan")  # two time-scale learning rates: D starts at its own default
    assert app.number_input(key="train_lr_sagan").value == 4e-4
    assert app.number_input(key="train_lr_d_sagan").value == 1e-3
    assert app.selectbox(key="train_attention_size_sagan").value == 16
    choose_model(app, "stylegan")
    assert app.number_input(key="train_mapping_layers_stylegan").value == 4
    assert app.number_input(key="train_r1_gamma_stylegan").value == 1.0
    assert app.selectbox(key="train_image_size_stylegan").options == ["32", "64"]
    choose_model(app, "dcgan")
    assert app.number_input(key="train_lr_d_dcgan").value == 0.0, "0: D learns at G's rate"


@pytest.mark.parametrize("model, setting", [("pix2pix", "width"), ("srgan", "blocks"), ("stylegan", "mapping_layers"),
                                            ("colorizer", "width"), ("cyclegan", "width")])
def test_every_advanced_number_box_stops_at_the_maximum_the_model_declares(app, model, setting):
    """The probe's Advanced widths, residual blocks and mapping layers had no maximum (pix2pix width 2048 was
    accepted); the box now carries the model's own (``gans.models.info`` ``Setting.max_value``)."""
    from gans.registry import model_info

    choose_model(app, model)
    declared = {item.name: item for item in model_info(model).settings}
    assert declared[setting].max_value is not None
    box = app.number_input(key=f"train_{setting}_{model}")
    assert box.max == declared[setting].max_value
    assert app.number_input(key="train_seed").min == 0


def test_the_page_names_no_model_and_no_dataset():
    """What the page offers comes from the registries: its source spells no registered model or dataset."""
    import ast
    import re

    names = set(gans.list_models()) | {info.name for info in gans.list_datasets()}
    for path in (ROOT / "pages" / "train.py", ROOT / "studio" / "train_widgets.py"):
        texts = [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        spelled = {name for name in names for text in texts
                   if text == name or (name != "folder" and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text))}
        assert not spelled, f"{path.name} spells {sorted(spelled)}"


# ---- image-to-image models -------------------------------------------------------------------------------------
def datasets_of(kind: str) -> list[str]:
    return [info.name for info in gans.list_datasets() if info.kind == kind]


def offered(box) -> list[str]:
    """The dataset names a picker offers (its labels may add "(not on this machine)")."""
    return [label.split(" ")[0] for label in box.options]


def choose_model(app, name: str) -> None:
    app.selectbox(key="train_model").set_value(name).run()
    assert not app.exception


def test_every_registered_model_is_offered(app):
    options = app.selectbox(key="train_model").options
    assert [option.split(" ")[0] for option in options] == gans.list_models()
    assert {"dcgan (noise → image)", "pix2pix (image → image)", "cyclegan (image → image)"} <= set(options)
    assert offered(app.selectbox(key="train_dataset_dcgan")) == datasets_of("images")
    assert app.selectbox(key="train_image_size_dcgan").options == ["28", "32", "64"]
    assert app.number_input(key="train_batch_size_dcgan").value == 64


def test_pix2pix_offers_paired_datasets_translation_sizes_and_its_own_settings(app):
    choose_model(app, "pix2pix")
    dataset = app.selectbox(key="train_dataset_pix2pix")
    assert dataset.value == "edges2fashion", "the offline paired demo is preselected"
    assert offered(dataset) == datasets_of("paired") and "fashion-mnist-mini" not in offered(dataset)
    size = app.selectbox(key="train_image_size_pix2pix")
    assert size.options == ["32", "64", "128", "256"] and size.value == 64
    assert app.number_input(key="train_batch_size_pix2pix").value == 16
    assert app.number_input(key="train_l1_weight_pix2pix").value == 100
    assert app.selectbox(key="train_loss_pix2pix").options == ["bce", "ls", "hinge"]
    assert app.number_input(key="train_width_pix2pix").value == 64
    keys = {widget.key for widget in app.number_input}
    assert "train_ema_decay_pix2pix" not in keys and "train_n_critic_pix2pix" not in keys, "no noise-model settings"


def test_cyclegan_offers_unpaired_datasets_and_its_loss_weights(app):
    choose_model(app, "cyclegan")
    dataset = app.selectbox(key="train_dataset_cyclegan")
    assert dataset.value == "sneaker2boot"
    assert offered(dataset) == datasets_of("unpaired")
    assert app.selectbox(key="train_image_size_cyclegan").options == ["32", "64", "128", "256"]
    assert app.number_input(key="train_cycle_weight_cyclegan").value == 10
    assert app.number_input(key="train_identity_weight_cyclegan").value == 0.5
    assert app.number_input(key="train_pool_size_cyclegan").value == 50
    app.selectbox(key="train_dataset_cyclegan").set_value("unpaired-folder").run()
    assert "trainA/" in app.text_input(key="train_folder_unpaired").label
    choose_model(app, "dcgan")
    assert app.selectbox(key="train_dataset_dcgan").value == "fashion-mnist-mini", "back to the noise models' data"


def test_a_tiny_pix2pix_run_shows_chart_and_grid_then_opens_in_translate(app, tmp_path):
    choose_model(app, "pix2pix")
    app.number_input(key="train_steps_pix2pix").set_value(6)
    app.number_input(key="train_batch_size_pix2pix").set_value(2)
    app.selectbox(key="train_image_size_pix2pix").set_value(32)
    app.number_input(key="train_width_pix2pix").set_value(4)
    run = start_and_finish(app, tmp_path)
    assert app.get("plotly_chart"), "the loss chart is shown"
    grid = app.image[0]
    assert "rows: input · output · target" in grid.captions[0], grid.captions
    assert "pix2pix on edges2fashion" in " ".join(caption.value for caption in app.caption)
    assert app.button(key="train_open_translate").label == "Open in Translate"
    assert "train_open_explore" not in {button.key for button in app.button}, "Explore only handles noise models"
    app.button(key="train_open_translate").click().run()
    assert not app.exception
    if "pages/translate.py" in (ROOT / "studio" / "shell.py").read_text():
        assert [title.value for title in app.title] == ["Translate"], "the Translate page opened"
        assert app.selectbox(key="translate_checkpoint").value == str(run), "on the run just trained"
    else:  # a router without the Translate page: a clear message instead
        assert app.session_state["translate_run"] == str(run)
        assert any("Translate page is not available" in error.value for error in app.error)


@pytest.mark.parametrize("model, widget, value, message", [
    ("pix2pix", "train_l1_weight_pix2pix", -1.0, "l1_weight must be >= 0"),
    ("cyclegan", "train_pool_size_cyclegan", -1, "pool_size must be >= 0"),
    ("cyclegan", "train_cycle_weight_cyclegan", -10.0, "cycle_weight and identity_weight must be >= 0"),
])
def test_bad_translation_settings_show_a_clear_error(app, tmp_path, model, widget, value, message):
    choose_model(app, model)
    app.number_input(key=widget).set_value(value)
    start(app)
    assert not app.exception
    assert any(message in e.value for e in app.error), [e.value for e in app.error]
    assert not [p for p in tmp_path.iterdir() if p.is_dir()], "nothing was started"


def test_a_folder_dataset_without_a_path_is_an_error(app, tmp_path):
    choose_model(app, "pix2pix")
    app.selectbox(key="train_dataset_pix2pix").set_value("paired-folder")
    start(app)
    assert not app.exception
    assert any("needs a path" in e.value for e in app.error), [e.value for e in app.error]
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]


# ---- the colorizer ----------------------------------------------------------------------------------------------
def test_the_colorizer_offers_photos_datasets_colorization_sizes_and_its_own_settings(app):
    choose_model(app, "colorizer")
    assert app.selectbox(key="train_model").value == "colorizer"
    assert "colorizer (gray → colour)" in app.selectbox(key="train_model").options
    dataset = app.selectbox(key="train_dataset_colorizer")
    assert offered(dataset) == datasets_of("photos") and {"offline-photos", "photo-folder"} <= set(offered(dataset))
    offline = next(info for info in gans.list_datasets() if info.name == "offline-photos")
    assert dataset.value == ("offline-photos" if offline.available else "photo-folder")
    dataset.set_value("photo-folder").run()
    assert "colour photos" in app.text_input(key="train_folder_photos").label
    size = app.selectbox(key="train_image_size_colorizer")
    assert size.options == ["32", "64", "128", "256"] and size.value == 64
    assert app.number_input(key="train_batch_size_colorizer").value == 16
    assert app.number_input(key="train_l1_weight_colorizer").value == 100
    assert app.selectbox(key="train_loss_colorizer").options == ["bce", "ls", "hinge"]
    assert app.number_input(key="train_width_colorizer").value == 32
    assert app.number_input(key="train_pretrain_steps_colorizer").value == 0
    keys = {widget.key for widget in app.number_input}
    assert "train_cycle_weight_colorizer" not in keys and "train_ema_decay_colorizer" not in keys


def test_a_tiny_colorizer_run_on_a_photo_folder_opens_in_colorize(app, tmp_path, tmp_path_factory):
    from tests.helpers import random_photos

    photos = random_photos(tmp_path_factory.mktemp("my-photos"))
    choose_model(app, "colorizer")
    app.selectbox(key="train_dataset_colorizer").set_value("photo-folder").run()  # its folder box appears
    app.text_input(key="train_folder_photos").input(str(photos))
    app.number_input(key="train_steps_colorizer").set_value(4)
    app.number_input(key="train_batch_size_colorizer").set_value(2)
    app.selectbox(key="train_image_size_colorizer").set_value(32)
    app.number_input(key="train_width_colorizer").set_value(4)
    app.number_input(key="train_pretrain_steps_colorizer").set_value(2)
    run = start_and_finish(app, tmp_path)
    assert "rows: gray input · colorized · original" in app.image[0].captions[0]
    assert gans.RunDir(run).read_config()["model"]["pretrain_steps"] == 2
    assert {"train_open_translate", "train_open_explore"}.isdisjoint(button.key for button in app.button)
    app.button(key="train_open_colorize").click().run()
    assert not app.exception
    assert [title.value for title in app.title] == ["Colorize"], "the Colorize page opened"
    assert app.selectbox(key="colorize_checkpoint").value == str(run), "on the run just trained"


def paired_zip() -> bytes:
    """A .zip in the official pix2pix layout: train/ with side-by-side A|B images (A dark, B light)."""
    import io
    import zipfile

    from PIL import Image

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(4):
            pair = Image.new("RGB", (64, 32), (20 * index, 0, 0))
            pair.paste(Image.new("RGB", (32, 32), (255, 200, 20 * index)), (32, 0))
            png = io.BytesIO()
            pair.save(png, "PNG")
            archive.writestr(f"facades-mini/train/{index}.png", png.getvalue())
    return buffer.getvalue()


def test_an_uploaded_zip_of_pairs_trains_pix2pix(app, tmp_path):
    choose_model(app, "pix2pix")
    app.selectbox(key="train_dataset_pix2pix").set_value("paired-folder").run()  # its .zip upload appears
    app.number_input(key="train_steps_pix2pix").set_value(2)
    app.number_input(key="train_batch_size_pix2pix").set_value(2)
    app.selectbox(key="train_image_size_pix2pix").set_value(32)
    app.number_input(key="train_width_pix2pix").set_value(4)
    upload = paired_zip()
    app.get("file_uploader")[0].set_value(("my pairs.zip", upload, "application/zip"))
    start(app)
    assert not app.exception and not app.error
    stored = list((tmp_path / "uploads").glob("*.zip"))
    assert len(stored) == 1 and stored[0].read_bytes() == upload and stored[0].name.endswith("-my-pairs.zip")
    assert wait_for(lambda: [p for p in tmp_path.iterdir() if p.is_dir() and p.name != "uploads"])
    run = next(p for p in tmp_path.iterdir() if p.is_dir() and p.name != "uploads")
    assert wait_for(lambda: read_progress(run).state == "finished", timeout=300), read_progress(run)
    data = gans.io.checkpoints.RunDir(run).read_config()["data"]
    assert data["name"] == "paired-folder" and data["path"] == str(stored[0])


def test_the_folder_and_zip_inputs_show_only_for_the_dataset_that_reads_them(app):
    """A demo dataset reads no folder: its form has no path box and no .zip upload."""
    assert "train_folder_images" not in {box.key for box in app.text_input}
    assert not app.get("file_uploader")
    app.selectbox(key="train_dataset_dcgan").set_value("folder").run()
    assert not app.exception
    assert app.text_input(key="train_folder_images") and len(app.get("file_uploader")) == 1
    choose_model(app, "pix2pix")  # edges2fashion preselected: no folder box, until the paired folder is chosen
    assert not app.get("file_uploader")
    app.selectbox(key="train_dataset_pix2pix").set_value("paired-folder").run()
    assert "A|B" in app.text_input(key="train_folder_paired").label


def test_an_uploaded_zip_needs_a_folder_dataset():
    from gans.errors import ConfigError
    from gans.views.train_form import train_form, train_request

    with pytest.raises(ConfigError, match="read by the paired-folder dataset"):
        train_request(train_form("pix2pix"), dataset="edges2fashion", upload=("pairs.zip", paired_zip()), steps=2,
                      batch_size=2, image_size=32, lr=2e-4)


# ---- a run's state in the live view (a run folder written by hand) ------------------------------------------------
def hand_written_run(folder, end: str | None, warning: str | None = None):
    """A run folder with a log of 40 of 100 steps (ended with ``end``, or still running) and one grid."""
    from PIL import Image

    run = gans.RunDir(folder)
    run.samples_dir.mkdir(parents=True)
    Image.new("L", (8, 8)).save(run.sample_path(40))
    run.append_event({"type": "start", "step": 0, "steps": 100, "time": 0.0})
    for step in range(1, 41):
        run.append_event({"type": "step", "step": step, "time": step * 0.1, "loss_d": 1.0, "loss_g": 1.0})
    if warning:
        run.append_event({"type": "warning", "step": 40, "time": 4.0, "message": warning})
    if end:
        run.append_event({"type": "end", "step": 40, "time": 4.1, "status": end})
    return folder


@pytest.mark.parametrize("end, title", [("stopped", "Last grid (stopped at step 40)"), ("finished", "Final grid")])
def test_the_last_grid_is_titled_by_the_runs_state(app, tmp_path, end, title):
    run = hand_written_run(tmp_path / "hand", end)
    app.session_state["train_run"] = str(run)
    app.run()
    assert not app.exception
    assert app.image[0].captions[0] == f"{title} · fixed noise · grid of step 40", app.image[0].captions
    assert app.get("download_button")[-1].proto.label == f"{title} · PNG"


def test_the_runs_warnings_are_shown(app, tmp_path):
    message = "loss_d reached 3e+07 at step 40: the run has probably diverged; try a lower learning rate"
    app.session_state["train_run"] = str(hand_written_run(tmp_path / "hand", "finished", message))
    app.run()
    assert not app.exception
    assert message in [warning.value for warning in app.warning]


def test_a_finished_run_of_this_session_comes_before_the_form(app, tmp_path):
    app.session_state["train_run"] = str(hand_written_run(tmp_path / "hand", "finished"))
    app.run()
    order = page_order(app)
    assert order.index(("subheader", "Run hand")) < order.index(("subheader", "New run")) < \
        order.index(("selectbox", "train_model"))


def fresh_session() -> AppTest:
    """Another browser tab, or the same one after a refresh: a new session of the same server."""
    session = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    session.switch_page("pages/train.py").run()
    assert not session.exception
    return session


def test_a_run_stopped_after_a_refresh_stays_above_the_form_in_every_session(app, tmp_path):
    """Issue 29: after a refresh (a new session, no train_run of its own) Stop switched the page to the idle
    layout, the form first and the stopped run with Resume far below it."""
    from studio.common import job_manager

    fill_tiny_settings(app)
    start(app)
    assert wait_for(lambda: [p for p in tmp_path.iterdir() if p.is_dir()])
    run = next(p for p in tmp_path.iterdir() if p.is_dir())
    assert wait_for(lambda: read_progress(run).step >= 1)
    refreshed = fresh_session()
    order = page_order(refreshed)
    assert order.index(("subheader", f"Run {run.name}")) < order.index(("button", "train_stop")) < \
        order.index(("selectbox", "train_model"))
    refreshed.button(key="train_stop").click().run()
    assert wait_for(lambda: not job_manager().busy)
    for session in (refreshed.run(), fresh_session(), app.run()):
        assert not session.exception and not session.error
        order = page_order(session)
        assert order.index(("subheader", f"Run {run.name}")) < order.index(("button", "train_resume")) < \
            order.index(("button", "train_open_explore")) < order.index(("subheader", "New run")) < \
            order.index(("selectbox", "train_model")), order


def test_a_stop_right_after_start_ends_stopped_for_every_visitor(app, tmp_path):
    """Issue 29: Stop pressed within a second of Start left the job failed ("exit code -15: no output") for
    every visitor and a run folder holding only job.json."""
    from studio.common import job_manager

    fill_tiny_settings(app)
    start(app)
    job_manager().stop(wait=False)  # the page's Stop, while the job process is still importing (as a rule)
    assert wait_for(lambda: not job_manager().busy)
    runs = [p for p in tmp_path.iterdir() if p.is_dir()]
    for session in (app.run(), fresh_session()):
        assert not session.exception and not session.error, [e.value for e in session.error]
        order = page_order(session)
        if runs:  # the Stop reached the job's handler: a whole run, stopped at its step-0 checkpoint, comes first
            assert order.index(("subheader", f"Run {runs[0].name}")) < order.index(("button", "train_resume")) < \
                order.index(("selectbox", "train_model"))
        else:
            assert "The last job was stopped before training began: nothing was saved." in \
                [info.value for info in session.info]
            assert order.index(("subheader", "New run")) < order.index(("selectbox", "train_model"))
    assert all((run / "trainer_state.pt").exists() for run in runs), "no half-made run folder"


# ---- the library side of the live view (gans.views.run_view) ---------------------------------------------------------
def test_the_watched_run_is_the_servers_job_else_this_sessions(tmp_path):
    from gans.views.run_view import watched_run

    mine, server = tmp_path / "mine", tmp_path / "server"
    mine.mkdir(), server.mkdir()
    assert watched_run({"busy": True, "run_dir": str(server)}, str(mine)) == server, "a refresh reattaches"
    assert watched_run({"busy": False, "run_dir": str(server)}, str(mine)) == server, \
        "the server's ended job stays first in every session, until a new one starts"
    assert watched_run({"busy": False, "run_dir": str(server)}, str(tmp_path / "gone")) == server
    assert watched_run({"busy": False, "run_dir": None}, str(mine)) == mine, "no job since the server started"
    assert watched_run({"busy": False, "run_dir": str(tmp_path / "gone")}, str(mine)) == mine
    assert watched_run({"busy": True, "run_dir": str(tmp_path / "not-yet")}, str(mine)) is None


def test_run_view_texts_and_figures():
    from types import SimpleNamespace

    from gans.views.run_view import (
        loss_figure,
        metric_figure,
        progress_line,
        resume_target,
        run_summary,
    )

    progress = SimpleNamespace(step=40, steps=200, images_per_sec=812.4, eta_seconds=12, state="running")
    assert progress_line(progress) == "step 40 of 200 · 812 images/s · ETA about 10 s · running"
    assert resume_target(progress) == 200 and resume_target(SimpleNamespace(step=200, steps=200)) == 1200
    config = {"architecture": "dcgan", "data": {"name": "mnist"}, "model": {"image_size": 28},
              "train": {"steps": 9, "batch_size": 8, "seed": 3, "precision": "auto", "precision_used": "fp32"}}
    assert run_summary(config) == "dcgan on mnist · 9 steps · batch 8 · 28 px · seed 3 · fp32" and run_summary({}) == ""
    figure = loss_figure({"step": [1, 2, 3], "loss_d": [1.0, 0.0, 1.0], "loss_g": [2.0, 2.0, 2.0], "gp": [0, 0, 0]},
                         0.5)
    assert [trace["name"] for trace in figure["data"]] == ["D loss", "G loss"]
    assert figure["data"][0]["y"][0] == 1.0 and figure["data"][0]["y"][1] < 1.0, "smoothed"
    fd = metric_figure({"step": [10, 20, 30], "fd": [9.0, 4.0, 6.0]})
    assert fd["data"][1]["x"] == [20] and "best (step 20" in fd["data"][1]["name"]


def test_the_eta_is_rounded_as_far_as_an_estimate_deserves():
    from gans.training.progress import format_eta

    assert [format_eta(s) for s in (None, 4, 12, 43, 57.6, 125, 204, 1490, 7490)] == [
        "–", "under 10 s", "about 10 s", "about 45 s", "about 55 s", "about 2 min", "about 3 min 20 s",
        "about 25 min", "about 2 h 05 min"]
    assert len({format_eta(s) for s in (1488, 1493, 1502, 1511)}) == 1, "seconds of jitter do not change it"


def test_the_grid_title_says_whether_the_run_finished_or_stopped_short():
    from types import SimpleNamespace

    from gans.views.run_view import grid_title

    assert grid_title(SimpleNamespace(state="finished", step=200)) == "Final grid"
    assert grid_title(SimpleNamespace(state="stopped", step=1234)) == "Last grid (stopped at step 1,234)"
    assert grid_title(SimpleNamespace(state="interrupted", step=40)) == "Last grid (interrupted at step 40)"
    assert grid_title(SimpleNamespace(state="running", step=40)) == "Grid at step 40"


def test_a_tiny_anomaly_run_trains_on_its_normal_class_and_opens_in_detect(app, tmp_path):
    """A new task needs no page edit: the form shows the model's declared settings, the run calibrates its threshold
    and the finished run opens on the page of its task."""
    choose_model(app, "anomaly")
    app.number_input(key="train_steps_anomaly").set_value(6)
    app.number_input(key="train_batch_size_anomaly").set_value(8)
    app.number_input(key="train_normal_class_anomaly").set_value(1)
    run = start_and_finish(app, tmp_path)
    assert gans.RunDir(run).read_config()["model"]["normal_class"] == 1
    assert float(gans.load(run).threshold) != 1.0, "the threshold was measured on held-out images"
    assert "rows: held-out normal input · reconstruction · |difference|" in app.image[0].captions[0]
    app.button(key="train_open_detect").click().run()
    assert not app.exception
    assert [title.value for title in app.title] == ["Detect"]
    assert app.selectbox(key="detect_checkpoint").value == str(run), "on the run just trained"
