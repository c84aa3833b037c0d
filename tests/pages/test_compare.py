"""The Compare page, driven by streamlit.testing: two to four runs side by side (same-seed grids, loss and metric
curves, a table of final and best metrics), the shipped preset, and runs that vanish or cannot be read."""

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import gans
from gans.io.checkpoints import RunDir
from gans.training import TrainConfig, train
from tests.helpers import ROOT

PAGE = str(ROOT / "pages" / "compare.py")
PRESET = ("dcgan-fashion-mnist", "lsgan-fashion-mnist", "wgan-gp-fashion-mnist")
TINY = {"width": 4, "latent_dim": 8, "image_size": 28}
# Hand-written metric events (the training loop's format), appended to the runs' logs.
DCGAN_METRICS = [{"type": "metric", "step": 2, "time": 1.0, "fd": 20.0, "kid": 0.5, "precision": 0.1, "recall": 0.2},
                 {"type": "metric", "step": 3, "time": 2.0, "fd": 8.25, "kid": 0.25, "precision": 0.3, "recall": 0.25},
                 {"type": "metric", "step": 4, "time": 3.0, "fd": 9.5, "kid": 0.125, "precision": 0.4, "recall": 0.5}]
CGAN_METRICS = [{"type": "metric", "step": 2, "time": 1.0, "fd": 30.0, "kid": 0.75, "precision": 0.2, "recall": 0.1,
                 "class_accuracy": 0.125},
                {"type": "metric", "step": 4, "time": 2.0, "fd": 15.5, "kid": 0.5, "precision": 0.25, "recall": 0.2,
                 "class_accuracy": 0.375}]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Three tiny 4-step runs, trained once for this file: dcgan-a (with metric events), lsgan-b (none) and the
    class-conditional cgan-c (with metric events including class accuracy)."""
    folder = tmp_path_factory.mktemp("compare-runs")
    for name, architecture, extra, metrics in (("dcgan-a", "dcgan", {}, DCGAN_METRICS),
                                               ("lsgan-b", "lsgan", {}, []),
                                               ("cgan-c", "cgan", {"embed_dim": 4}, CGAN_METRICS)):
        train(architecture, cfg=TrainConfig(steps=4, batch_size=8, device="cpu"), out=folder / name,
              model_kwargs={**TINY, **extra})
        for event in metrics:
            RunDir(folder / name).append_event(event)
    return folder


@pytest.fixture
def local_runs(runs, tmp_path, monkeypatch) -> Path:
    """The tiny runs as the local runs folder, and no shipped checkpoints."""
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "no-shipped"))
    return runs


@pytest.fixture
def copied_runs(runs, tmp_path, monkeypatch) -> Path:
    """A writable copy of the tiny runs as the local runs folder (for tests that damage or delete runs)."""
    folder = tmp_path / "runs"
    shutil.copytree(runs, folder)
    monkeypatch.setenv("GANS_RUNS_DIR", str(folder))
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "no-shipped"))
    return folder


def open_page(**session) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in session.items():
        app.session_state[key] = value
    return app.run()


def compare(app: AppTest, *folders: Path) -> AppTest:
    app.multiselect(key="compare_runs").set_value([str(folder) for folder in folders]).run()
    return app


def grids(app: AppTest) -> dict[str, str]:
    """Caption (the run name) → media URL of each sample grid. Streamlit names media by a hash of their bytes."""
    return {image.captions[0]: image.value[0] for image in app.image}


def figures(app: AppTest) -> dict[str, dict]:
    """The plotly figures on the page by their y axis title ("loss", "FD (lower is better)", ...)."""
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    return {spec["layout"]["yaxis"]["title"]["text"]: spec for spec in specs}


def traces(figure: dict) -> dict[str, dict]:
    return {trace["name"]: trace for trace in figure["data"]}


def table(app: AppTest) -> dict[str, dict]:
    """Run name → its row of the metrics table."""
    frame = app.dataframe[0].value
    return {row["run"]: row for row in frame.to_dict("records")}


def logged_losses(run: Path) -> tuple[list[int], list[float]]:
    steps = [event for event in RunDir(run).read_events() if event.get("type") == "step"]
    return [event["step"] for event in steps], [event["loss_d"] for event in steps]


def assert_clean(app: AppTest) -> None:
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]


# ---- two runs side by side ----------------------------------------------------------------------------------------
def test_two_runs_show_their_grids_loss_and_metric_curves_and_a_table(local_runs):
    app = compare(open_page(), local_runs / "dcgan-a", local_runs / "lsgan-b")
    assert_clean(app)
    assert not app.warning
    assert list(grids(app)) == ["dcgan-a", "lsgan-b"], "one grid per run, captioned with its name"

    loss = traces(figures(app)["loss"])
    assert set(loss) == {"dcgan-a · D loss", "dcgan-a · G loss", "lsgan-b · D loss", "lsgan-b · G loss"}
    app.slider(key="compare_smoothing").set_value(0.0).run()
    for run in ("dcgan-a", "lsgan-b"):
        steps, loss_d = logged_losses(local_runs / run)
        trace = traces(figures(app)["loss"])[f"{run} · D loss"]
        assert trace["x"] == steps and trace["y"] == pytest.approx(loss_d), "x = step, unsmoothed = the log"

    fd = traces(figures(app)["FD (lower is better)"])
    assert list(fd) == ["dcgan-a"], "only the run that logged metrics has a trace"
    assert fd["dcgan-a"]["x"] == [2, 3, 4] and fd["dcgan-a"]["y"] == [20.0, 8.25, 9.5]
    assert {"KID (lower is better)", "precision (higher is better)", "recall (higher is better)"} <= set(figures(app))
    assert any("No metric events" in caption.value and "lsgan-b" in caption.value for caption in app.caption)

    rows = table(app)
    assert list(rows) == ["dcgan-a", "lsgan-b"]
    assert rows["dcgan-a"]["model"] == "dcgan" and rows["dcgan-a"]["dataset"] == "fashion-mnist-mini"
    assert float(rows["dcgan-a"]["best FD"]) == min(event["fd"] for event in DCGAN_METRICS) == 8.25
    assert rows["dcgan-a"]["best FD step"] == "3"
    assert float(rows["dcgan-a"]["final FD"]) == 9.5 and float(rows["dcgan-a"]["final recall"]) == 0.5
    assert rows["lsgan-b"]["model"] == "lsgan" and rows["lsgan-b"]["steps"] == "4"
    assert rows["lsgan-b"]["best FD"] == rows["lsgan-b"]["final FD"] == rows["lsgan-b"]["best FD step"] == "—"


def test_same_seed_gives_the_same_pictures_and_another_seed_other_pictures(local_runs):
    app = compare(open_page(), local_runs / "dcgan-a", local_runs / "lsgan-b")
    first = grids(app)
    app.run()
    assert grids(app) == first, "a rerun with the same seed draws the same pictures"
    app.number_input(key="compare_seed").set_value(7).run()
    assert_clean(app)
    other = grids(app)
    assert other["dcgan-a"] != first["dcgan-a"] and other["lsgan-b"] != first["lsgan-b"]
    app.number_input(key="compare_seed").set_value(0).run()
    assert grids(app) == first, "back to seed 0: the same pictures again"


def test_one_run_is_an_info_and_a_fifth_run_cannot_be_picked(local_runs, copied_runs):
    app = compare(open_page(), copied_runs / "dcgan-a")
    assert not app.exception and not app.error
    assert "at least two runs" in app.info[0].value
    assert not app.image and not app.get("plotly_chart")

    for index in range(2):
        shutil.copytree(copied_runs / "dcgan-a", copied_runs / f"dcgan-copy-{index}")
    app = open_page()
    picker = app.multiselect(key="compare_runs")
    assert picker.max_selections == 4, "the picker itself stops at four runs"
    assert "remove one to pick another" in picker.help
    app = compare(app, *sorted(path for path in copied_runs.iterdir()))  # five, as an older session could hold
    assert_clean(app)
    assert len(app.multiselect(key="compare_runs").value) == 4 and len(app.image) == 4
    assert any("first 4 of the 5 runs" in caption.value for caption in app.caption)


def test_a_conditional_run_shows_every_class_and_its_class_accuracy(local_runs):
    app = compare(open_page(), local_runs / "cgan-c", local_runs / "dcgan-a")
    assert_clean(app)
    assert list(grids(app)) == ["cgan-c", "dcgan-a"]
    assert any("10 classes" in caption.value for caption in app.caption)
    accuracy = traces(figures(app)["class accuracy (higher is better)"])
    assert list(accuracy) == ["cgan-c"] and accuracy["cgan-c"]["y"] == [0.125, 0.375]
    assert set(traces(figures(app)["FD (lower is better)"])) == {"cgan-c", "dcgan-a"}
    rows = table(app)
    assert float(rows["cgan-c"]["final class accuracy"]) == 0.375
    assert rows["dcgan-a"]["final class accuracy"] == "—"
    assert float(rows["cgan-c"]["best FD"]) == 15.5 and rows["cgan-c"]["best FD step"] == "4"


def test_runs_without_any_metric_events_compare_too(local_runs, copied_runs):
    shutil.copytree(copied_runs / "lsgan-b", copied_runs / "lsgan-b2")
    app = compare(open_page(), copied_runs / "lsgan-b", copied_runs / "lsgan-b2")
    assert_clean(app)
    assert len(app.image) == 2 and "loss" in figures(app)
    assert not [title for title in figures(app) if title != "loss"], "no metric chart without metrics"
    assert any("No metric events" in caption.value for caption in app.caption)
    assert {row["best FD"] for row in table(app).values()} == {"—"}


def test_best_metric_json_gives_the_best_row_when_the_log_has_none(copied_runs):
    best = copied_runs / "lsgan-b" / "best"
    best.mkdir()
    (best / "metric.json").write_text(json.dumps({"step": 3, "fd": 7.5}))
    app = compare(open_page(), copied_runs / "dcgan-a", copied_runs / "lsgan-b")
    assert_clean(app)
    rows = table(app)
    assert rows["lsgan-b"]["best FD"] == "7.5" and rows["lsgan-b"]["best FD step"] == "3"
    assert rows["lsgan-b"]["final FD"] == "—"

    (best / "metric.json").write_text("{not json")
    app.run()
    assert not app.exception
    assert any("lsgan-b" in warning.value and "metric.json" in warning.value for warning in app.warning)
    assert table(app)["lsgan-b"]["best FD"] == "—"


def test_runs_of_different_datasets_are_flagged_as_not_comparable(local_runs, copied_runs):
    config = json.loads((copied_runs / "lsgan-b" / "config.json").read_text())
    config["data"]["name"] = "fashion-mnist"  # a full-dataset run beside a mini-subset one
    (copied_runs / "lsgan-b" / "config.json").write_text(json.dumps(config))
    app = compare(open_page(), copied_runs / "dcgan-a", copied_runs / "lsgan-b")
    assert not app.exception
    warnings = [warning.value for warning in app.warning]
    assert any("Not comparable across datasets" in text and "fashion-mnist-mini: dcgan-a" in text
               and "fashion-mnist: lsgan-b" in text for text in warnings), warnings
    assert any("Not comparable across datasets" in caption.value for caption in app.caption), "beside the curves"
    same = compare(open_page(), copied_runs / "dcgan-a", copied_runs / "cgan-c")
    assert not [w for w in same.warning if "Not comparable" in w.value], "one dataset: no note"


def test_each_run_has_its_own_loss_panel_so_a_critics_scale_flattens_nothing(local_runs):
    app = compare(open_page(), local_runs / "dcgan-a", local_runs / "lsgan-b", local_runs / "cgan-c")
    assert_clean(app)
    loss = figures(app)["loss"]
    axes = {trace["name"].split(" · ")[0]: trace["yaxis"] for trace in loss["data"]}
    assert axes == {"dcgan-a": "y", "lsgan-b": "y2", "cgan-c": "y3"}
    assert [note["text"] for note in loss["layout"]["annotations"]] == ["<b>dcgan-a</b>", "<b>lsgan-b</b>",
                                                                         "<b>cgan-c</b>"]
    assert any("its own loss scale" in caption.value for caption in app.caption)


# ---- the default pick and the shipped preset ----------------------------------------------------------------------
def test_without_the_preset_the_first_two_runs_are_picked_and_the_preset_says_it_is_missing(local_runs):
    app = open_page()
    assert_clean(app)
    options = app.multiselect(key="compare_runs").options
    assert len(options) == 3
    assert len(app.multiselect(key="compare_runs").value) == 2 and len(app.image) == 2
    assert not [button for button in app.button if button.key == "compare_preset"]
    assert any("not available yet" in caption.value and "lsgan-fashion-mnist" in caption.value
               for caption in app.caption)


def test_the_shipped_preset_is_the_default_and_its_button_picks_it_again(runs, tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    for name, source in zip(PRESET, ("dcgan-a", "lsgan-b", "dcgan-a")):
        shutil.copytree(runs / source, shipped / name)
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(shipped))
    monkeypatch.setenv("GANS_RUNS_DIR", str(runs))
    app = open_page()
    assert_clean(app)
    preset = [str(shipped / name) for name in PRESET]
    assert app.multiselect(key="compare_runs").value == preset
    assert list(grids(app)) == list(PRESET)

    compare(app, runs / "cgan-c", runs / "dcgan-a")
    assert list(grids(app)) == ["cgan-c", "dcgan-a"]
    app.button(key="compare_preset").click().run()
    assert_clean(app)
    assert app.multiselect(key="compare_runs").value == preset
    assert list(grids(app)) == list(PRESET)


# ---- bad states ---------------------------------------------------------------------------------------------------
def test_a_run_deleted_between_reruns_is_a_warning(copied_runs):
    app = compare(open_page(), copied_runs / "dcgan-a", copied_runs / "lsgan-b", copied_runs / "cgan-c")
    assert len(app.image) == 3
    shutil.rmtree(copied_runs / "lsgan-b")
    app.run()
    assert_clean(app)
    assert "lsgan-b" in app.warning[0].value and "No longer available" in app.warning[0].value
    assert list(grids(app)) == ["dcgan-a", "cgan-c"], "the other runs are still compared"
    assert set(table(app)) == {"dcgan-a", "cgan-c"}


def test_damaged_weights_are_a_warning_and_the_other_runs_still_compare(copied_runs):
    (copied_runs / "lsgan-b" / "model.safetensors").write_bytes(b"not safetensors")
    app = compare(open_page(), copied_runs / "dcgan-a", copied_runs / "lsgan-b", copied_runs / "cgan-c")
    assert_clean(app)
    assert any("Could not load" in warning.value and "lsgan-b" in warning.value for warning in app.warning)
    assert list(grids(app)) == ["dcgan-a", "cgan-c"]


def test_an_unreadable_log_is_read_around_not_a_traceback(copied_runs):
    (copied_runs / "lsgan-b" / "events.jsonl").write_bytes(b"\xff\xfe\x00 not text\n")
    with open(copied_runs / "dcgan-a" / "events.jsonl", "a") as log:  # torn and odd lines are skipped
        log.write('[1, 2]\n"text"\n{"type": "metric", "step": 5, "fd": "n/a"}\n{"type": "metric", "st')
    app = open_page()
    assert not app.exception
    # the damaged log reads as empty (gans.io.checkpoints.RunDir.read_events): the run is still listed
    assert any("lsgan-b" in option for option in app.multiselect[0].options)
    app = compare(app, copied_runs / "dcgan-a", copied_runs / "cgan-c")
    assert not app.exception
    assert list(grids(app)) == ["dcgan-a", "cgan-c"]
    assert float(table(app)["dcgan-a"]["best FD"]) == 8.25, "the odd lines did not change the metrics"


def test_step_less_infinite_and_nan_metric_lines_do_not_break_the_page(copied_runs):
    with open(copied_runs / "dcgan-a" / "events.jsonl", "a") as log:
        log.write('{"type": "metric", "fd": 1.0}\n{"type": "metric", "step": Infinity, "fd": 2.0}\n'
                  '{"type": "step", "step": Infinity, "loss_d": 1, "loss_g": 1}\n'
                  '{"type": "metric", "step": 5, "fd": NaN, "kid": NaN, "precision": 0.0, "recall": 0.0}\n')
    app = compare(open_page(), copied_runs / "dcgan-a", copied_runs / "cgan-c")
    assert_clean(app)
    row = table(app)["dcgan-a"]
    assert float(row["best FD"]) == 8.25 and row["best FD step"] == "3", "no FD from a line without a finite step"
    assert row["final FD"] == "—", "the last measurement (a diverged NaN) is shown as missing, not an older value"
    assert traces(figures(app)["FD (lower is better)"])["dcgan-a"]["x"] == [2, 3, 4, 5]


def test_a_run_trained_again_under_the_same_name_shows_only_its_new_log(copied_runs):
    app = compare(open_page(), copied_runs / "dcgan-a", copied_runs / "cgan-c")
    assert float(table(app)["dcgan-a"]["best FD"]) == 8.25
    shutil.rmtree(copied_runs / "dcgan-a")
    # a longer log than the old one (a reader that only notices a shorter file would join the two)
    train("dcgan", cfg=TrainConfig(steps=12, batch_size=8, device="cpu"), out=copied_runs / "dcgan-a",
          model_kwargs=TINY)
    RunDir(copied_runs / "dcgan-a").append_event({"type": "metric", "step": 12, "time": 1.0, "fd": 50.0})
    app.run()
    assert_clean(app)
    row = table(app)["dcgan-a"]
    assert float(row["best FD"]) == 50.0 and row["best FD step"] == "12", "nothing of the old run's log"
    app.slider(key="compare_smoothing").set_value(0.0).run()
    steps, loss_d = logged_losses(copied_runs / "dcgan-a")
    trace = traces(figures(app)["loss"])["dcgan-a · D loss"]
    assert trace["x"] == steps and trace["y"] == pytest.approx(loss_d)


# ---- the real app -------------------------------------------------------------------------------------------------
def test_it_opens_with_the_real_shipped_checkpoints():
    """Today checkpoints/ holds one noise → image run (fewer than two: an info); once the preset's runs ship, they
    are compared by default."""
    app = open_page()
    assert_clean(app)
    assert app.image or "at least two" in app.info[0].value


def test_the_real_shipped_checkpoint_compares_with_a_local_run(local_runs, monkeypatch):
    monkeypatch.delenv("GANS_CHECKPOINTS_DIR")
    app = open_page()
    mini = ROOT / "checkpoints" / "dcgan-fashion-mnist-mini"
    app = compare(app, mini, local_runs / "dcgan-a")
    assert_clean(app)
    assert list(grids(app)) == ["dcgan-fashion-mnist-mini", "dcgan-a"]
    last_step = max(e["step"] for e in gans.RunDir(mini).read_events() if "step" in e)  # from its log
    assert table(app)["dcgan-fashion-mnist-mini"]["steps"] == f"{last_step:,}"


def test_the_router_has_the_compare_page_after_explore():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    router = (ROOT / "studio" / "shell.py").read_text()
    assert router.index('"Explore"') < router.index('"Compare"')
    app.switch_page(str(ROOT / "pages" / "compare.py")).run()
    assert not app.exception
    assert app.title[0].value == "Compare"


# ---- any registered noise → image model -------------------------------------------------------------------------
def test_a_model_registered_later_is_offered_on_compare_and_explore(runs, tmp_path, monkeypatch):
    """The pickers read gans.views.catalog / gans.registry: a run of a model class registered now is listed, drawn and
    compared with no page edit."""
    from gans.models.dcgan import DCGAN
    from gans.registry import register, unregister

    class ThrowawayGAN(DCGAN):
        """A model registered for this test only."""

    register("throwaway-gan")(ThrowawayGAN)
    try:
        folder = tmp_path / "runs"
        train("throwaway-gan", cfg=TrainConfig(steps=2, batch_size=8, device="cpu"), out=folder / "throwaway",
              model_kwargs=TINY)
        shutil.copytree(runs / "dcgan-a", folder / "dcgan-a")
        monkeypatch.setenv("GANS_RUNS_DIR", str(folder))
        monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "no-shipped"))
        app = compare(open_page(), folder / "throwaway", folder / "dcgan-a")
        assert_clean(app)
        assert list(grids(app)) == ["throwaway", "dcgan-a"]
        assert table(app)["throwaway"]["model"] == "throwaway-gan"

        explore = AppTest.from_file(str(ROOT / "pages" / "explore.py"), default_timeout=60).run()
        assert "throwaway (run: throwaway-gan on fashion-mnist-mini, step 2)" in \
            explore.selectbox(key="explore_checkpoint").options
        explore.selectbox(key="explore_checkpoint").set_value(str(folder / "throwaway")).run()
        assert not explore.exception and not explore.error
        assert "**throwaway-gan**" in explore.markdown[0].value and explore.image
    finally:
        unregister("throwaway-gan")
