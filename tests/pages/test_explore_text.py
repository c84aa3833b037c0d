"""Explore's prompt box for a text-to-image run (issue 19, part 4): the grid follows the prompt, the vocabulary is
shown, unknown words are reported, an empty or all-unknown prompt gets a clear message and never a traceback."""

from pathlib import Path

import pytest

from gans.training import DataConfig, TrainConfig, train
from tests.pages.test_explore import open_page


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("explore-text-runs")
    train("text2image", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"),
          folder / "t2i", {"width": 4, "latent_dim": 8, "embed_dim": 4})
    return folder


def prompt_grid(app):
    return next((image for image in app.image if " samples of " in image.captions[0]), None)


def opened(runs, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_page(explore_run=str(runs / "t2i"))
    assert not app.exception and not app.error
    return app


def test_a_prompt_renders_its_grid_and_the_vocabulary_is_shown(runs, monkeypatch):
    app = opened(runs, monkeypatch)
    assert any(header.value == "From a text prompt" for header in app.subheader)
    assert app.text_input(key="explore_prompt").value == "a dark ankle boot"
    grid = prompt_grid(app)
    assert grid.captions[0] == "36 samples of 'dark ankle-boot' · seed 0 · truncation 1.0"
    vocabulary = " ".join(block.value for block in app.expander[0].markdown)
    assert "`ankle-boot`" in vocabulary and "`dark`" in vocabulary and "`patterned`" in vocabulary
    app.text_input(key="explore_prompt").input("Light sneakers").run()
    assert not app.exception and not app.error and not app.warning
    other = prompt_grid(app)
    assert other.captions[0] == "36 samples of 'light sneaker' · seed 0 · truncation 1.0"
    assert other.value[0] != grid.value[0]
    app.number_input(key="explore_prompt_seed").set_value(3).run()
    reseeded = prompt_grid(app)
    assert reseeded.captions[0].endswith("seed 3 · truncation 1.0") and reseeded.value[0] != other.value[0]
    app.select_slider(key="explore_prompt_truncation").set_value("off").run()  # the full variety
    untruncated = prompt_grid(app)
    assert untruncated.captions[0].endswith("seed 3 · truncation off") and untruncated.value[0] != reseeded.value[0]


def test_unknown_words_are_reported_and_left_out(runs, monkeypatch):
    app = opened(runs, monkeypatch)
    app.text_input(key="explore_prompt").input("a shiny dark ankle boot").run()
    assert not app.exception and not app.error and len(app.warning) == 1
    assert app.warning[0].value == ("Unknown word left out: 'shiny'; the prompt was read as 'dark ankle-boot'.")
    assert prompt_grid(app).captions[0] == "36 samples of 'dark ankle-boot' · seed 0 · truncation 1.0"


@pytest.mark.parametrize("prompt, kind, message", [
    ("", "info", "Type a prompt to draw it, e.g. 'a dark ankle boot'."),
    ("   ", "info", "Type a prompt to draw it, e.g. 'a dark ankle boot'."),
    ("zzz qqq", "error", "no word of the prompt 'zzz qqq' is in the model's vocabulary; use words such as t-shirt, "),
])
def test_an_empty_or_all_unknown_prompt_gets_a_clear_message_and_no_grid(runs, monkeypatch, prompt, kind, message):
    app = opened(runs, monkeypatch)
    app.text_input(key="explore_prompt").input(prompt).run()
    assert not app.exception
    shown = [element.value for element in getattr(app, kind)]
    assert any(text.startswith(message) for text in shown), shown
    assert prompt_grid(app) is None
    if kind == "info":
        assert not app.error


def test_a_model_without_text_has_no_prompt_box(tmp_path, monkeypatch):
    train("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"),
          tmp_path / "dcgan", {"width": 4, "latent_dim": 8})
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    app = open_page(explore_run=str(tmp_path / "dcgan"))
    assert not app.exception and not any(header.value == "From a text prompt" for header in app.subheader)
    assert prompt_grid(app) is None


def test_the_prompt_box_is_the_first_input_after_the_checkpoint_and_its_message_is_right_under_it(runs,
                                                                                                  monkeypatch):
    from streamlit.testing.v1.element_tree import Widget

    app = opened(runs, monkeypatch)
    widgets = [node.key for node in app.main if isinstance(node, Widget)]
    assert widgets[:2] == ["explore_checkpoint", "explore_prompt"], widgets
    assert widgets.index("explore_prompt") < widgets.index("explore_seed_a") < widgets.index("explore_project_run")
    for prompt, kind in (("a shiny dark ankle boot", "warning"), ("zzz qqq", "error"), ("", "info")):
        app.text_input(key="explore_prompt").input(prompt).run()
        order = [node.type if node.type in ("warning", "error", "info") else node.key for node in app.main
                 if isinstance(node, Widget) or node.type in ("warning", "error", "info")]
        below = order[order.index("explore_prompt") + 1]
        assert below == kind, f"{prompt!r}: the {kind} comes right under the prompt box, not {below}"
