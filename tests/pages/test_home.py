"""The Streamlit app's shell and home page, driven by streamlit.testing (each studio page has its own test file)."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import gans
from gans.registry import model_task
from gans.training import DataConfig, TrainConfig, train
from gans.views.catalog import TASK_WORDS, describe, list_checkpoints
from tests.helpers import ROOT, tiny_kwargs


def open_app() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    return app


def media_url(path: Path) -> str:
    """The URL Streamlit gives the PNG at ``path``: media are named by a hash of their bytes, so an image element
    with this URL shows exactly this file."""
    app = AppTest.from_string(f"import streamlit as st\nst.image({str(path)!r}, output_format='PNG')").run()
    return app.image[0].value[0]


def shipped_with_grids() -> list[str]:
    """Names of the shipped checkpoints the home page shows, in its order: of each task, the first with a sample
    grid (the lowest FD first for noise to image, then by name)."""
    from gans.views.catalog import TASK_ORDER

    order = {task: index for index, task in enumerate(TASK_ORDER)}

    def lowest_fd(info):  # noise-to-image runs: the lowest FD logged during training leads
        values = [json.loads(line).get("fd") for line in (info.path / "events.jsonl").read_text().splitlines()
                  if '"metric"' in line]
        return min(values, default=float("inf"))

    infos = sorted(list_checkpoints(include_runs=False),
                   key=lambda info: (order[info.task], lowest_fd(info), info.path.name))
    first = {}
    for info in infos:
        if info.latest_grid is not None:
            first.setdefault(info.task, info.path.name)
    return list(first.values())


def grids(app: AppTest) -> list[tuple[str, str]]:
    """(caption, URL) of every picture on the page, top to bottom."""
    return [(image.captions[0], image.value[0]) for image in app.image]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """A 2-step tiny DCGAN run with a sample grid, trained once for this file."""
    out = tmp_path_factory.mktemp("home-runs") / "dcgan-demo"
    train("dcgan", cfg=TrainConfig(steps=2, batch_size=8, device="cpu"), out=out, model_kwargs=tiny_kwargs("dcgan"))
    assert describe(out).latest_grid is not None
    return out


@pytest.fixture(scope="module")
def translation_runs(tmp_path_factory) -> Path:
    """Tiny pix2pix and CycleGAN runs (2 steps on the offline demos) in one runs folder."""
    runs = tmp_path_factory.mktemp("home-translation-runs")
    for name, data in (("pix2pix", "edges2fashion"), ("cyclegan", "sneaker2boot")):
        train(name, DataConfig(data), TrainConfig(steps=2, batch_size=2, device="cpu"), out=runs / name,
              model_kwargs={"width": 4, "image_size": 32})
    return runs


def test_home_page_offers_buttons_to_every_task_page_and_lists_models_datasets_and_commands():
    app = open_app()
    assert app.title[0].value.endswith("GAN Studio")
    buttons = {button.key: button for button in app.button if button.key.startswith("home_go_")}
    from studio.shell import PAGES

    assert list(buttons) == [f"home_go_{Path(path).stem}" for path, *_ in PAGES if path != "pages/home.py"]
    assert len(buttons) == 8, "a button for every task page"
    assert [button.label for button in buttons.values()][:4] == ["Train a GAN", "Explore a generator",
                                                                 "Compare runs", "Translate an image"]
    assert buttons["home_go_train"].proto.type == "primary", "the main way in stands out"
    assert not app.get("page_link"), "links that read as plain text are gone"
    models = app.dataframe[0].value
    assert set(models["model"]) == set(gans.list_models())
    tasks = dict(zip(models["model"], models["task"]))
    assert tasks == {name: TASK_WORDS.get(model_task(name), model_task(name)) for name in gans.list_models()}
    assert tasks["pix2pix"] == tasks["cyclegan"] == "image → image" and tasks["dcgan"] == "noise → image"
    assert tasks["colorizer"] == "gray → colour"
    datasets = app.dataframe[1].value
    assert "fashion-mnist-mini" in set(datasets["dataset"])
    assert "python -m gans train" in app.code[0].value
    assert any("Device:" in caption.value for caption in app.sidebar.caption)
    assert "on their way" not in " ".join(block.value for block in app.markdown)
    assert not app.info, "there is a shipped checkpoint, so nothing to apologise for"


def test_home_page_shows_the_shipped_grid_first_then_the_two_newest_runs(tiny_run, tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    for age, name in enumerate(["newest", "middle", "oldest"]):
        shutil.copytree(tiny_run, runs / name)
        weights = runs / name / "model.safetensors"
        os.utime(weights, (weights.stat().st_atime, weights.stat().st_mtime - 100 * age))
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_app()
    shown = grids(app)
    shipped = shipped_with_grids()
    # shipped_with_grids orders by the lowest FD in each log, read here independently of gans.views.catalog
    leader_grid = sorted((ROOT / "checkpoints" / shipped[0] / "samples").glob("step_*.png"))[-1]
    assert [caption.split(" ")[0] for caption, _ in shown] == [*shipped, "newest", "middle"]
    assert "shipped" in shown[0][0] and shown[0][1] == media_url(leader_grid), "the leader's own last grid"
    assert shown[len(shipped)][1] == media_url(describe(runs / "newest").latest_grid)


def test_home_page_without_any_checkpoint_points_to_the_train_page(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "no-shipped"))
    (tmp_path / "no-shipped").mkdir()
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "no-runs"))
    app = open_app()
    assert "Train page" in app.info[0].value
    assert not app.image
    assert app.button(key="home_go_train").label == "Train a GAN"
    assert app.dataframe[0].value is not None and app.code, "the tables and the commands are still there"


def test_translation_grids_say_what_their_rows_are(translation_runs, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(translation_runs))
    app = open_app()
    captions = {caption.split(" ")[0]: caption for caption, _ in grids(app)}
    assert set(captions) == {*shipped_with_grids(), "pix2pix", "cyclegan"}
    assert "image → image" not in captions[shipped_with_grids()[0]]
    assert captions["pix2pix"].endswith("image → image, rows: input · output · target")
    assert captions["cyclegan"].endswith(
        "image → image, rows: sneaker · sneaker → ankle boot · ankle boot · ankle boot → sneaker")


def test_colorizer_grids_say_what_their_rows_are(tmp_path, tmp_path_factory, monkeypatch):
    from tests.helpers import random_photos, train_tiny_colorizer

    train_tiny_colorizer(tmp_path / "runs" / "colorizer", random_photos(tmp_path_factory.mktemp("photos")))
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "runs"))
    app = open_app()
    captions = {caption.split(" ")[0]: caption for caption, _ in grids(app)}
    assert captions["colorizer"].endswith("gray → colour, rows: gray input · colorized · original")
    assert "rows:" not in captions[shipped_with_grids()[0]]


# ---- pages stay thin: widgets → gans → render ------------------------------------------------------------------
THIN_PAGES = sorted(path.name for path in (ROOT / "pages").glob("*.py"))  # every page, a new one too


def test_every_page_is_routed_there_is_no_views_folder_and_app_py_is_the_frame():
    from studio.shell import PAGES

    assert sorted(Path(path).name for path, *_ in PAGES) == THIN_PAGES
    assert not (ROOT / "views").exists()
    assert len((ROOT / "app.py").read_text().splitlines()) <= 60


def page_strings(page: str) -> list[str]:
    """Every string literal of a page, f-strings' literal parts included."""
    import ast

    tree = ast.parse((ROOT / "pages" / page).read_text())
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("page", THIN_PAGES)
def test_a_page_names_no_model_and_no_dataset(page):
    """Presets and examples live in gans (gans.views.compare, gans.views.catalog), so a new model or dataset needs
    no page edit.
    Dataset names that are plain words ("folder") only count as a whole literal."""
    import re

    names = set(gans.list_models()) | {dataset.name for dataset in gans.list_datasets()}
    worded = {name for name in names if name in gans.list_models() or re.search(r"[-\d]", name)}
    for text in page_strings(page):
        assert text not in names, f"{page} names {text!r}"
        for name in worded:
            assert not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE), \
                f"{page} names {name!r} in {text!r}"


@pytest.mark.parametrize("page", THIN_PAGES)
def test_a_page_is_short_starts_its_shell_and_holds_no_torch_code(page):
    source = (ROOT / "pages" / page).read_text()
    assert len(source.splitlines()) <= 150, f"{page} grew past 150 lines: move its helpers into gans"
    assert re.search(r"^from studio\.shell import [\w, ]*\bensure_shell\b", source, re.M)
    assert "\nensure_shell()" in source
    assert "import torch" not in source and "gans.create(" not in source


# ---- what the home page shows (gans.views.catalog) -------------------------------------------------------------------
def catalog_info(folder: Path, name: str, source: str, task: str = "generate", grid: bool = True, **facts):
    from gans.views.catalog import CheckpointInfo

    if grid:
        gans.RunDir(folder / name).sample_path(5).parent.mkdir(parents=True, exist_ok=True)
        gans.RunDir(folder / name).sample_path(5).write_bytes(b"")
    return CheckpointInfo(path=folder / name, source=source, architecture=facts.pop("architecture", "mygan"),
                          data="mydata", step=5, image_size=32, channels=3, num_classes=0, task=task, **facts)


@pytest.mark.parametrize("key, title", [(f"home_go_{name.lower()}", name) for name in
                                        ["Train", "Explore", "Compare", "Translate", "Restore", "Colorize",
                                         "Upscale", "Detect"]])
def test_each_home_button_opens_its_page(key, title):
    app = open_app()
    app.button(key=key).click().run()
    assert not app.exception and not app.error
    assert app.title[0].value == title


def test_home_page_shows_one_grid_per_task_not_six_variants_of_one(monkeypatch, tmp_path):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "no-runs"))
    shown = [caption.split(" ")[0] for caption, _ in grids(open_app())]
    tasks = [describe(ROOT / "checkpoints" / name).task for name in shown]
    assert len(tasks) == len(set(tasks)) == len({info.task for info in list_checkpoints(include_runs=False)})
    assert shown == shipped_with_grids(), "the noise-to-image run with the lowest FD first"


def test_showcase_orders_shipped_by_task_then_the_newest_runs_with_grids(tmp_path):
    from gans.views.catalog import showcase

    listed = [catalog_info(tmp_path, "s-translate", "shipped", "translate"),
              catalog_info(tmp_path, "s-colorize", "shipped", "colorize"),
              catalog_info(tmp_path, "s-generate-1", "shipped"),
              catalog_info(tmp_path, "s-no-grid", "shipped", grid=False),
              catalog_info(tmp_path, "s-generate-2", "shipped"),
              catalog_info(tmp_path, "r-newest", "run"), catalog_info(tmp_path, "r-middle", "run", grid=False),
              catalog_info(tmp_path, "r-oldest", "run")]
    names = [info.path.name for info in showcase(listed, recent_runs=2)]
    assert names == ["s-generate-1", "s-translate", "s-colorize", "r-newest"], \
        "one shipped run per task (the catalog's first with a grid); the two newest runs, of which one has a grid"
    no_grid_first = [catalog_info(tmp_path, "g-no-grid", "shipped", grid=False), *listed]
    assert [info.path.name for info in showcase(no_grid_first)][0] == "s-generate-1"
    assert [info.path.name for info in showcase(listed, recent_runs=3)][-2:] == ["r-newest", "r-oldest"]
    assert showcase([]) == []


def test_grid_captions_say_what_the_rows_of_a_grid_are(tmp_path):
    from gans.views.catalog import grid_caption, grid_rows

    sample = catalog_info(tmp_path, "g", "run", architecture="dcgan")
    assert grid_rows(sample) is None and grid_caption(sample) == sample.label
    one_way = catalog_info(tmp_path, "p", "run", "translate", architecture="pix2pix")
    assert grid_caption(one_way) == f"{one_way.label} · image → image, rows: input · output · target"
    two_way = catalog_info(tmp_path, "c", "run", "translate", architecture="cyclegan", domains=["day", "night"])
    assert grid_rows(two_way) == "day · day → night · night · night → day"
    two_way.domains = []
    assert grid_rows(two_way) == "A · A → B · B · B → A"
    unknown = catalog_info(tmp_path, "u", "run", "translate", architecture="no-such-model")
    assert grid_rows(unknown) == "input · output · target", "an unknown architecture: the one-way wording"
    colorizer = catalog_info(tmp_path, "z", "run", "colorize", architecture="colorizer")
    assert grid_caption(colorizer).endswith("gray → colour, rows: gray input · colorized · original")


def test_model_and_dataset_rows_and_example_commands():
    from gans.registry import default_model, model_factory, model_info
    from gans.views.catalog import command_examples, dataset_rows, example_model, model_rows, train_command

    rows = {row["model"]: row for row in model_rows()}
    assert list(rows) == gans.list_models()
    assert rows["dcgan"]["what"] == model_factory("dcgan").__doc__.strip().splitlines()[0]
    datasets = {row["dataset"]: row for row in dataset_rows()}
    assert list(datasets) == [dataset.name for dataset in gans.list_datasets()]
    assert datasets["fashion-mnist-mini"]["available"] == "yes" and datasets["fashion-mnist-mini"]["classes"] == "10"
    commands = command_examples().splitlines()
    assert commands[0] == "python -m gans list" and train_command() in commands
    assert commands.index(train_command("generate")) < commands.index(train_command("translate")) \
        < commands.index(train_command("colorize"))
    for task in ("generate", "translate", "colorize"):
        model = example_model(task)
        assert model_task(model) == task, f"the {task} example is a {task} model"
        info = model_info(model)
        assert train_command(task) == (f"python -m gans train {model} --data {info.default_dataset} "
                                       f"--steps {info.steps} --out runs/my-{model}")
        assert command_examples(task).splitlines()[0] == train_command(task)
        assert all(f"runs/my-{model}" in line for line in command_examples(task).splitlines()[1:])
    assert example_model("generate") == default_model(), "the studio's default model when it draws from noise"
    with pytest.raises(gans.UnknownNameError):
        example_model("no-such-task")
