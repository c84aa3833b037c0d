"""The Explore page, driven by streamlit.testing: the shipped checkpoint, seed walks, the grid, a conditional run,
Hub ids, and opening a run from the Train page."""

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import gans
from gans.training import DataConfig, TrainConfig, train
from studio.common import HUB_CHOICE
from tests.helpers import ROOT

PAGE = str(ROOT / "pages" / "explore.py")
SHIPPED = ROOT / "checkpoints" / "dcgan-fashion-mnist"  # the unconditional generator the tests pick


def first_listed():
    """The shipped noise-to-image checkpoint with the lowest logged FD: the page's default (gans.views.catalog)."""
    from gans.views.catalog import list_checkpoints

    return list_checkpoints(include_runs=False, task="generate")[0]



def shipped_labels() -> list[str]:
    """Picker labels of the shipped noise-to-image checkpoints, in the order gans.views.catalog lists them."""
    from gans.views.catalog import list_checkpoints

    return [info.label for info in list_checkpoints(include_runs=False, task="generate")]


def open_page(**session) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in session.items():
        app.session_state[key] = value
    return app.run()


def large_frame(app: AppTest) -> str:
    """The URL of the frame at t. Streamlit names media by a hash of their bytes: same URL ⇔ same picture."""
    frames = [image for image in app.image if "between seed" in image.captions[0]]
    assert len(frames) == 1, "exactly one large frame"
    return frames[0].value[0]


def grid_caption(app: AppTest) -> str:
    return next(image.captions[0] for image in app.image if "samples" in image.captions[0])


def grid_url(app: AppTest) -> str:
    return next(image.value[0] for image in app.image if "samples" in image.captions[0])


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory) -> Path:
    """A tiny class-conditional run (2 steps on fashion-mnist-mini), trained once for this file."""
    runs = tmp_path_factory.mktemp("explore-runs")
    train("cgan", cfg=TrainConfig(steps=2, batch_size=8, device="cpu"), out=runs / "cgan",
          model_kwargs={"width": 4, "latent_dim": 8, "embed_dim": 4, "image_size": 28})
    return runs / "cgan"


@pytest.fixture(scope="module")
def translation_run(tmp_path_factory) -> Path:
    """A tiny pix2pix run (2 steps on edges2fashion): an image-to-image model, which has no latent space."""
    runs = tmp_path_factory.mktemp("translation-runs")
    train("pix2pix", DataConfig("edges2fashion"), TrainConfig(steps=2, batch_size=2, device="cpu"),
          out=runs / "pix2pix", model_kwargs={"width": 4, "image_size": 32})
    return runs / "pix2pix"


def test_page_opens_on_the_lowest_fd_shipped_checkpoint():
    from gans.views.catalog import list_checkpoints

    app = open_page()
    assert not app.exception and not app.error
    shipped = list_checkpoints(include_runs=False, task="generate")
    assert app.selectbox(key="explore_checkpoint").value == str(first_listed().path)
    assert shipped[0].lowest_fd == min(info.lowest_fd for info in shipped if info.lowest_fd is not None)
    assert large_frame(app)


def test_page_shows_a_shipped_checkpoint_with_its_facts_frame_walk_and_grid():
    app = open_page(explore_checkpoint=str(SHIPPED))
    assert not app.exception and not app.error
    assert app.selectbox(key="explore_checkpoint").value == str(SHIPPED)
    facts = app.markdown[0].value
    steps = max(e["step"] for e in gans.RunDir(SHIPPED).read_events() if "step" in e)  # from its log
    assert "dcgan" in facts and "fashion-mnist" in facts and f"{steps:,}" in facts and "32×32" in facts
    assert large_frame(app).endswith(".png")
    walk = next(image for image in app.image if image.captions[0] == "t = 0.00")
    assert len(walk.value) == 8, "a strip of 8 frames by default"
    assert grid_caption(app) == "36 samples · seed 0"
    assert app.get("download_button")[0].label.startswith("Download the walk")
    assert [box.key for box in app.selectbox] == ["explore_checkpoint"], "no class picker: unconditional"


def frame_of(app: AppTest, seed_a: int, seed_b: int, t: float) -> str:
    app.number_input(key="explore_seed_a").set_value(seed_a)
    app.number_input(key="explore_seed_b").set_value(seed_b)
    app.slider(key="explore_t").set_value(t).run()
    assert not app.exception and not app.error
    return large_frame(app)


def test_moving_t_from_0_to_1_goes_from_seed_a_to_seed_b():
    app = open_page()
    start, end = frame_of(app, 5, 9, 0.0), frame_of(app, 5, 9, 1.0)
    assert end != start, "moving t changes the large frame"
    assert frame_of(app, 5, 9, 0.5) not in (start, end)
    # With seed A = seed B every t shows that seed's picture: this pins t=0 to seed A and t=1 to seed B.
    seed_5, seed_9 = frame_of(app, 5, 5, 0.0), frame_of(app, 9, 9, 0.0)
    assert frame_of(app, 5, 5, 1.0) == seed_5
    assert (start, end) == (seed_5, seed_9)


def test_mode_and_truncation_change_the_middle_frame():
    app = open_page()
    app.slider(key="explore_t").set_value(0.5).run()
    slerp_middle = large_frame(app)
    app.radio(key="explore_mode").set_value("lerp").run()
    lerp_middle = large_frame(app)
    assert lerp_middle != slerp_middle
    grid = grid_url(app)
    app.get("select_slider")[0].set_value(0.5).run()
    assert not app.exception and not app.error
    assert large_frame(app) != lerp_middle and grid_url(app) != grid, "truncation changes the frame and the grid"
    assert grid_caption(app) == "36 samples · seed 0"


def test_reseed_draws_a_new_grid_seed_and_shows_it():
    app = open_page()
    first, first_grid = app.session_state["explore_grid_seed"], grid_url(app)
    app.button(key="explore_reseed").click().run()
    second = app.session_state["explore_grid_seed"]
    assert second != first and grid_url(app) != first_grid
    assert grid_caption(app) == f"36 samples · seed {second}"
    assert not app.exception


def test_conditional_run_has_a_class_picker_and_a_class_walk(conditional_run, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(conditional_run.parent))
    app = open_page()
    app.selectbox(key="explore_checkpoint").set_value(str(conditional_run)).run()
    assert not app.exception and not app.error
    assert "10 classes" in app.markdown[0].value
    picker = app.selectbox(key="explore_class")
    assert picker.options[:2] == ["T-shirt/top", "Trouser"]
    class_walk = next(image for image in app.image if image.captions[0] == "T-shirt/top")
    assert len(class_walk.value) == 10 and class_walk.captions[-1] == "Ankle boot"

    first_class = large_frame(app)
    picker.set_value(9).run()
    assert large_frame(app) != first_class, "the picked class drives the interpolation"
    assert not app.exception


def test_a_walk_that_barely_moves_says_so_and_points_to_the_class_walk():
    """The shipped cGAN draws nearly the same sneaker from seed 3 to seed 4: the page says why the frames look the
    same (its T-shirts from seed 0 to seed 1 vary)."""
    cgan = ROOT / "checkpoints" / "cgan-fashion-mnist"
    if not (cgan / "model.safetensors").exists():
        pytest.skip("the cGAN checkpoint is not shipped in this checkout")
    app = open_page()
    app.selectbox(key="explore_checkpoint").set_value(str(cgan)).run()
    assert not app.exception and not app.error
    assert not [caption for caption in app.caption if "barely moves" in caption.value], "T-shirts vary"
    app.number_input(key="explore_seed_a").set_value(3).run()
    app.number_input(key="explore_seed_b").set_value(4).run()
    app.selectbox(key="explore_class").set_value(7).run()  # sneakers
    assert not app.exception
    notes = [caption.value for caption in app.caption if "barely moves" in caption.value]
    assert len(notes) == 1 and "class walk below" in notes[0]


def test_train_pages_explore_run_preselects_that_run(conditional_run, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(conditional_run.parent))
    app = open_page(explore_run=str(conditional_run))
    assert app.selectbox(key="explore_checkpoint").value == str(conditional_run)
    assert app.selectbox(key="explore_class")
    assert "explore_run" not in app.session_state, "the request is taken once"

    app.selectbox(key="explore_checkpoint").set_value(str(SHIPPED)).run()
    app.run()
    assert app.selectbox(key="explore_checkpoint").value == str(SHIPPED), "the user's own pick then sticks"

    app.session_state["explore_run"] = str(conditional_run)  # "Open in Explore" on the same run again
    app.run()
    assert app.selectbox(key="explore_checkpoint").value == str(conditional_run)
    assert not app.exception and not app.warning


def test_a_run_outside_the_runs_folder_can_be_opened_too(conditional_run, tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "elsewhere"))
    app = open_page(explore_run=str(conditional_run))
    assert app.selectbox(key="explore_checkpoint").value == str(conditional_run)
    assert not app.exception and not app.error


def test_a_run_without_weights_yet_is_a_warning_and_the_shipped_checkpoint_shows(tmp_path):
    (tmp_path / "starting").mkdir()
    app = open_page(explore_run=str(tmp_path / "starting"))
    assert not app.exception and not app.error
    assert "no saved model yet" in app.warning[0].value
    assert app.selectbox(key="explore_checkpoint").value == str(first_listed().path)
    assert large_frame(app)


def test_the_pick_survives_a_new_run_appearing(conditional_run, tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_page(explore_run=str(conditional_run))
    shutil.copytree(conditional_run, runs / "cgan-copy")
    app.run()
    assert app.selectbox(key="explore_checkpoint").value == str(conditional_run)
    assert len(app.selectbox(key="explore_checkpoint").options) == len(shipped_labels()) + 3  # new run, opened run, Hub
    assert not app.exception and not app.error


def test_an_unreachable_hub_id_is_an_error_message_and_the_page_keeps_working():
    app = open_page()
    app.selectbox(key="explore_checkpoint").set_value(HUB_CHOICE).run()
    assert not app.exception and not app.error
    app.text_input(key="explore_hub_id").input("nobody/no-such-gan").run()
    assert not app.exception
    message = app.error[0].value
    assert message.startswith("'nobody/no-such-gan' could not be fetched from the Hugging Face Hub: "), message
    assert "local" not in message and "directory" not in message, "a typed Hub id was never a folder"
    assert not app.image

    app.selectbox(key="explore_checkpoint").set_value(str(SHIPPED)).run()
    assert not app.exception and not app.error
    assert large_frame(app)


@pytest.mark.parametrize("text", ["../../etc", "/etc", "~/runs", "checkpoints/../runs", "checkpoints"])
def test_the_hub_box_takes_only_hub_repo_ids_never_a_server_path(text, monkeypatch):
    import gans

    loaded = []
    monkeypatch.setattr(gans, "load", lambda *args, **kwargs: loaded.append(args) or pytest.fail("gans.load called"))
    app = open_page()
    app.selectbox(key="explore_checkpoint").set_value(HUB_CHOICE).run()
    app.text_input(key="explore_hub_id").input(text).run()
    assert not app.exception
    assert [error.value for error in app.error] == ["Enter a Hugging Face Hub repo id such as owner/name"]
    assert not loaded and not app.image and not app.markdown


def test_the_widgets_use_material_icons_not_emoji():
    app = open_page()
    assert app.button(key="explore_reseed").icon == ":material/casino:"
    assert app.get("download_button")[0].proto.icon == ":material/download:"


def test_without_any_checkpoint_the_page_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "no-shipped"))
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "no-runs"))
    app = open_page()
    assert not app.exception and not app.error
    assert "No checkpoints yet" in app.info[0].value
    assert app.text_input(key="explore_hub_id"), "the Hub box is still offered"
    assert not app.image


def test_open_in_explore_from_another_page_keeps_the_explorer_settings(conditional_run, tmp_path, monkeypatch):
    """Through st.navigation, as in the app: the Train page sets ``explore_run`` and switches to Explore."""
    monkeypatch.setenv("GANS_RUNS_DIR", str(conditional_run.parent))
    (tmp_path / "other.py").write_text("import streamlit as st\nst.write('another page')\n")
    (tmp_path / "app.py").write_text(
        "import streamlit as st\n"
        f"st.navigation([st.Page({str(tmp_path / 'other.py')!r}, default=True), st.Page({PAGE!r})]).run()\n"
    )
    app = AppTest.from_file(str(tmp_path / "app.py"), default_timeout=60).run()
    app.switch_page(PAGE).run()
    assert app.selectbox(key="explore_checkpoint").value == str(first_listed().path)
    app.number_input(key="explore_seed_a").set_value(42).run()

    app.switch_page(str(tmp_path / "other.py")).run()
    app.session_state["explore_run"] = str(conditional_run)
    app.switch_page(PAGE).run()
    assert not app.exception and not app.error
    assert app.selectbox(key="explore_checkpoint").value == str(conditional_run)
    assert app.number_input(key="explore_seed_a").value == 42, "the seeds survive the visit to another page"


# ---- image-to-image models go to the Translate page -----------------------------------------------------------
def test_a_translation_run_is_not_offered(translation_run, conditional_run, tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    shutil.copytree(translation_run, runs / "pix2pix")
    shutil.copytree(conditional_run, runs / "cgan")
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_page()
    assert not app.exception and not app.error
    options = app.selectbox(key="explore_checkpoint").options
    assert options[0] == first_listed().label and options[0].startswith(f"{first_listed().path.name} (shipped: ")
    assert options == [*shipped_labels(), "cgan (run: cgan on fashion-mnist-mini, step 2)",
                       "A Hugging Face Hub repo id…"]
    assert not any("pix2pix" in option for option in options)
    assert large_frame(app), "the shipped generator is shown"


def test_opening_a_translation_run_points_to_the_translate_page(translation_run, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(translation_run.parent))
    app = open_page(explore_run=str(translation_run))
    assert not app.exception and not app.error and not app.warning
    assert "image-to-image" in app.info[0].value and "Translate" in app.info[0].value
    assert app.button(key="explore_open_translate")
    assert str(translation_run) not in app.selectbox(key="explore_checkpoint").options
    assert app.selectbox(key="explore_checkpoint").value == str(first_listed().path), "the explorer still works below"
    assert large_frame(app)

    app.button(key="explore_open_translate").click().run()  # no Translate page in this bare test app
    assert not app.exception
    assert app.session_state["translate_run"] == str(translation_run)
    assert "Translate page is not available" in app.error[0].value

    app.selectbox(key="explore_checkpoint").set_value(HUB_CHOICE).run()
    assert not app.info, "picking another checkpoint dismisses the notice"


def test_a_hub_id_of_a_translation_model_points_to_the_translate_page(translation_run, monkeypatch):
    import gans

    real_load = gans.load
    monkeypatch.setattr(gans, "load", lambda *args, **kwargs: real_load(translation_run, device="cpu"))
    app = open_page()
    app.selectbox(key="explore_checkpoint").set_value(HUB_CHOICE).run()
    app.text_input(key="explore_hub_id").input("someone/pix2pix-edges").run()
    assert not app.exception and not app.error
    assert "someone/pix2pix-edges" in app.info[0].value and "**Translate** page" in app.info[0].value
    assert "python -m gans translate someone/pix2pix-edges" in app.info[0].value
    assert not app.image, "no latent walk is attempted"


# ---- colorizers go to the Colorize page -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def colorizer_run(tmp_path_factory) -> Path:
    """A tiny colorizer run (2 steps on a folder of random colour photos): it colours photos, no latent space."""
    from tests.helpers import random_photos, train_tiny_colorizer

    runs = tmp_path_factory.mktemp("colorizer-runs")
    return train_tiny_colorizer(runs / "colorizer", random_photos(tmp_path_factory.mktemp("photos")))


def test_opening_a_colorizer_run_points_to_the_colorize_page(colorizer_run, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(colorizer_run.parent))
    app = open_page(explore_run=str(colorizer_run))
    assert not app.exception and not app.error and not app.warning
    assert "colorizer" in app.info[0].value and "**Colorize** page" in app.info[0].value
    assert "Translate" not in app.info[0].value
    assert "explore_open_translate" not in {button.key for button in app.button}
    assert str(colorizer_run) not in app.selectbox(key="explore_checkpoint").options
    assert large_frame(app), "the explorer still works below"

    app.button(key="explore_open_colorize").click().run()  # no Colorize page in this bare test app
    assert not app.exception
    assert app.session_state["colorize_run"] == str(colorizer_run)
    assert "Colorize page is not available" in app.error[0].value


def test_a_hub_id_of_a_colorizer_points_to_the_colorize_page(colorizer_run, monkeypatch):
    import gans

    real_load = gans.load
    monkeypatch.setattr(gans, "load", lambda *args, **kwargs: real_load(colorizer_run, device="cpu"))
    app = open_page()
    app.selectbox(key="explore_checkpoint").set_value(HUB_CHOICE).run()
    app.text_input(key="explore_hub_id").input("someone/colorizer").run()
    assert not app.exception and not app.error
    assert "someone/colorizer" in app.info[0].value and "**Colorize** page" in app.info[0].value
    assert "--checkpoint someone/colorizer" in app.info[0].value
    assert not app.image, "no latent walk is attempted"
