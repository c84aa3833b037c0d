"""gans.views.compare: the default pick, run names, grids, reading logs back, figures and the summary table; and the
catalog's listing that leaves unreadable run folders out (Compare and Explore list runs through it)."""

import json
import math
from pathlib import Path

import pytest

from gans.io.checkpoints import RunDir
from gans.io.images import grid_image
from gans.training import TrainConfig, train
from gans.training.progress import RunProgress
from gans.views import compare
from gans.views.catalog import CheckpointInfo, list_checkpoints
from tests.helpers import tiny_model


def info(path: Path, source: str = "run", **facts) -> CheckpointInfo:
    return CheckpointInfo(path=path, source=source, **{"architecture": "mygan", "data": "mydata", "step": 4,
                                                        "image_size": 28, "channels": 1, "num_classes": 0, **facts})


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Two tiny 3-step runs: "a" with hand-written metric events appended, "b" with none."""
    folder = tmp_path_factory.mktemp("compare-lib-runs")
    for name in ("a", "b"):
        train("dcgan", cfg=TrainConfig(steps=3, batch_size=4, device="cpu"), out=folder / name,
              model_kwargs={"width": 4, "latent_dim": 8, "image_size": 28})
    for step, fd in ((1, 30.0), (2, 12.5), (3, 14.0)):
        RunDir(folder / "a").append_event({"type": "metric", "step": step, "time": 1.0, "fd": fd, "kid": fd / 100})
    return folder


# ---- which runs ----------------------------------------------------------------------------------------------------
def test_the_shipped_comparison_is_the_default_pick_when_two_of_its_runs_ship(tmp_path):
    first, second, third = compare.SHIPPED_COMPARISON
    infos = {str(tmp_path / name): info(tmp_path / name, "shipped") for name in (second, "other", first)}
    infos[str(tmp_path / "runs" / third)] = info(tmp_path / "runs" / third, "run")  # a local run: not the preset
    present, missing = compare.shipped_comparison(infos)
    assert present == [str(tmp_path / first), str(tmp_path / second)], "in the comparison's order"
    assert missing == [third]
    assert compare.default_pick(infos) == present

    del infos[str(tmp_path / first)]
    assert compare.shipped_comparison(infos)[0] == [str(tmp_path / second)]
    assert compare.default_pick(infos) == list(infos)[:2], "fewer than two: the first two runs listed"
    assert compare.default_pick({}) == []


def test_run_names_tell_a_shipped_and_a_local_run_of_one_name_apart(tmp_path):
    infos = {str(tmp_path / "s" / "x"): info(tmp_path / "s" / "x", "shipped"),
             str(tmp_path / "r" / "x"): info(tmp_path / "r" / "x", "run"),
             str(tmp_path / "r" / "y"): info(tmp_path / "r" / "y", "run")}
    assert list(compare.run_names(infos).values()) == ["x (shipped)", "x (run)", "y"]


def test_pick_problem_wants_two_to_four_runs():
    assert "at least two" in compare.pick_problem(0) and "at least two" in compare.pick_problem(1)
    assert compare.pick_problem(2) is None and compare.pick_problem(compare.MAX_RUNS) is None
    assert compare.pick_problem(5) == "Pick at most 4 runs: 5 are picked. Remove 1."


# ---- the pictures ----------------------------------------------------------------------------------------------
def test_an_unconditional_grid_is_4_by_4_samples_of_the_seed():
    model = tiny_model("dcgan", image_size=28)
    grid = compare.comparison_grid(model, seed=3)
    assert grid == grid_image(model.sample(16, seed=3), scale=2)  # 28 px → about 64: twice as large
    assert grid != compare.comparison_grid(model, seed=4)


def test_a_conditional_grid_has_one_column_per_class_twice():
    model = tiny_model("cgan", num_classes=3, image_size=28)
    grid = compare.comparison_grid(model, seed=3)
    assert grid == grid_image(model.sample(6, seed=3, labels=[0, 1, 2, 0, 1, 2]), nrow=3, scale=2)
    assert grid.size == (2 * (3 * 30 + 2), 2 * (2 * 30 + 2))


def test_grid_caption_says_model_data_step_and_classes(tmp_path):
    assert compare.grid_caption(info(tmp_path, step=12345)) == "mygan · mydata · step 12,345"
    assert compare.grid_caption(info(tmp_path, num_classes=10)).endswith("· 10 classes, one per column")


# ---- reading a run's log ---------------------------------------------------------------------------------------
def test_history_of_keeps_losses_and_metric_events_with_a_finite_value():
    progress = RunProgress(run_dir=Path("x"), curves={"step": [1.0, 2.0], "loss_d": [0.5, 0.25]},
                           metrics={"step": [1.0, 2.0, 3.0], "time": [0.0, 0.0, 0.0], "fd": [9.0, math.nan, math.nan],
                                    "recall": [0.1, 0.2, math.nan]})
    history = compare.history_of(progress)
    assert history["losses"]["step"] == [1, 2] and history["losses"]["loss_d"] == [0.5, 0.25]
    assert all(math.isnan(value) for value in history["losses"]["loss_g"]), "a loss never logged is NaN"
    assert [event["step"] for event in history["metrics"]] == [1, 2], "step 3 has no finite value"
    assert math.isnan(history["metrics"][1]["fd"]) and history["metrics"][1]["recall"] == 0.2
    assert "time" not in history["metrics"][0]


def test_read_histories_reads_each_log_and_reports_one_that_cannot_be_read(runs, tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "events.jsonl").mkdir()  # a folder where the log should be: unreadable
    histories, problems = compare.read_histories({"a": info(runs / "a"), "b": info(runs / "b"),
                                                  "broken": info(tmp_path / "broken")})
    steps = [event["step"] for event in RunDir(runs / "a").read_events() if event.get("type") == "step"]
    assert histories["a"]["losses"]["step"] == steps
    assert [(event["step"], event["fd"]) for event in histories["a"]["metrics"]] == [(1, 30.0), (2, 12.5), (3, 14.0)]
    assert histories["b"]["metrics"] == [] and histories["b"]["losses"]["step"] == steps
    assert histories["broken"] == compare.EMPTY_HISTORY
    assert len(problems) == 1 and "**broken**" in problems[0]


def test_final_and_best_metrics():
    metrics = [{"step": 1, "fd": 5.0, "kid": 0.5}, {"step": 2, "fd": 3.0}, {"step": 3, "fd": 3.0, "kid": 0.25},
               {"step": 4, "fd": math.nan}]
    final = compare.final_metrics(metrics)
    assert math.isnan(final["fd"]) and final["kid"] == 0.25, "the last value logged, a NaN included"
    assert compare.best_fd(metrics) == (3.0, 2), "the lowest FD, first reached at step 2"
    assert compare.best_fd([{"step": 1, "fd": math.nan}]) is None and compare.best_fd([]) is None


def test_metric_names_titles_and_numbers():
    histories = [{"metrics": [{"step": 1, "recall": 0.5, "zeta": 1.0}]}, {"metrics": [{"step": 1, "fd": 2.0}]}]
    assert compare.metric_names(histories) == ["fd", "recall", "zeta"], "known ones in order, then others by name"
    assert compare.metric_title("fd") == "FD (lower is better)"
    assert compare.metric_title("class_accuracy") == "class accuracy (higher is better)"
    assert compare.metric_title("zeta") == "zeta"
    assert [compare.number(v) for v in (None, math.nan, math.inf, 8.25, 0.123456, 123456.0)] == \
        ["—", "—", "—", "8.25", "0.1235", "123,456"]


def test_saved_best_reads_best_metric_json(tmp_path):
    assert compare.saved_best(tmp_path) is None
    (tmp_path / "best").mkdir()
    path = RunDir(tmp_path).best.metric_path
    path.write_text(json.dumps({"step": 3, "fd": 7.5}))
    assert compare.saved_best(tmp_path) == {"step": 3, "fd": 7.5}
    path.write_text("{not json")
    with pytest.raises(ValueError, match="unreadable"):
        compare.saved_best(tmp_path)


# ---- the charts --------------------------------------------------------------------------------------------------
def test_loss_figure_has_d_and_g_traces_per_run_smoothed_with_the_weight():
    runs = {"a": {"step": [1, 2, 3], "loss_d": [1.0, 0.0, 1.0], "loss_g": [2.0, 2.0, 2.0]},
            "b": {"step": [1], "loss_d": [5.0], "loss_g": [6.0]}}
    raw = {trace["name"]: trace for trace in compare.loss_figure(runs, 0.0)["data"]}
    assert list(raw) == ["a · D loss", "a · G loss", "b · D loss", "b · G loss"]
    assert raw["a · D loss"]["x"] == [1, 2, 3] and raw["a · D loss"]["y"] == [1.0, 0.0, 1.0]
    assert raw["a · G loss"]["line"]["dash"] == "dash" and raw["a · D loss"]["line"]["dash"] == "solid"
    assert raw["a · D loss"]["line"]["color"] != raw["b · D loss"]["line"]["color"], "one colour per run"
    smooth = {trace["name"]: trace for trace in compare.loss_figure(runs, 0.5)["data"]}
    assert smooth["a · D loss"]["y"][0] == 1.0 and 0.0 < smooth["a · D loss"]["y"][1] < 1.0
    assert compare.loss_figure(runs, 0.5)["layout"]["yaxis"]["title"]["text"] == "loss"


def test_each_run_gets_its_own_loss_panel_and_y_axis():
    """A WGAN critic's loss (hundreds) beside a BCE loss (around 1): on one shared axis the BCE run is a flat line;
    each run gets a panel and a y axis of its own (small multiples, two a row)."""
    runs = {"wgan": {"step": [1, 2, 3], "loss_d": [-400.0, -650.0, -900.0], "loss_g": [300.0, 500.0, 800.0]},
            "dcgan": {"step": [1, 2, 3], "loss_d": [1.4, 0.9, 1.1], "loss_g": [0.7, 1.6, 1.2]},
            "lsgan": {"step": [1, 2], "loss_d": [0.5, 0.25], "loss_g": [0.5, 0.4]}}
    figure = compare.loss_figure(runs, 0.0)
    axes = {trace["name"]: (trace["xaxis"], trace["yaxis"]) for trace in figure["data"]}
    assert axes["wgan · D loss"] == axes["wgan · G loss"] == ("x", "y")
    assert axes["dcgan · D loss"] == ("x2", "y2") and axes["lsgan · G loss"] == ("x3", "y3")
    layout = figure["layout"]
    assert {key: layout["grid"][key] for key in ("rows", "columns", "pattern")} == {"rows": 2, "columns": 2,
                                                                                     "pattern": "independent"}
    assert {"yaxis", "yaxis2", "yaxis3"} <= set(layout) and "yaxis4" not in layout
    assert "matches" not in layout["yaxis2"], "no shared scale"
    assert [note["text"] for note in layout["annotations"]] == ["<b>wgan</b>", "<b>dcgan</b>", "<b>lsgan</b>"]
    assert compare.loss_figure({"only": runs["dcgan"]}, 0.0)["layout"]["grid"]["columns"] == 1
    assert "own loss scale" in compare.LOSS_SCALES_NOTE


def test_metric_figure_has_a_trace_per_run_that_logged_the_metric():
    logged = [{"step": 1, "fd": 3.0}, {"step": 2, "kid": 1.0}, {"step": 3, "fd": 2.0}]
    figure = compare.metric_figure("fd", {"a": logged, "b": [{"step": 1, "kid": 0.5}]})
    assert [(trace["name"], trace["x"], trace["y"]) for trace in figure["data"]] == [("a", [1, 3], [3.0, 2.0])]
    assert figure["layout"]["yaxis"]["title"]["text"] == "FD (lower is better)"


# ---- the table ---------------------------------------------------------------------------------------------------
def test_summary_rows_show_final_and_best_metrics_and_note_a_disagreeing_best_file(tmp_path):
    (tmp_path / "a" / "best").mkdir(parents=True)
    RunDir(tmp_path / "a").best.metric_path.write_text(json.dumps({"step": 1, "fd": 2.0}))
    (tmp_path / "b" / "best").mkdir(parents=True)
    RunDir(tmp_path / "b").best.metric_path.write_text(json.dumps({"step": 7, "fd": 4.5}))
    (tmp_path / "c" / "best").mkdir(parents=True)
    RunDir(tmp_path / "c").best.metric_path.write_text("{torn")
    history_a = {"metrics": [{"step": 1, "fd": 3.0, "class_accuracy": 0.5}, {"step": 2, "fd": 4.0, "zeta": 12345.0}]}
    rows, notes = compare.summary_rows({"a": (info(tmp_path / "a", step=1200), history_a),
                                        "b": (info(tmp_path / "b"), {"metrics": []}),
                                        "c": (info(tmp_path / "c"), {"metrics": []})})
    a, b, c = rows
    assert a["run"] == "a" and a["model"] == "mygan" and a["dataset"] == "mydata" and a["steps"] == "1,200"
    assert (a["final FD"], a["best FD"], a["best FD step"]) == ("4", "3", "1"), "the log's best wins"
    assert a["final zeta"] == "12,345" and a["final KID"] == "—"
    assert a["final class accuracy"] == "0.5" and b["final class accuracy"] == "—", "a column once a run logs it"
    assert (b["best FD"], b["best FD step"], b["final FD"]) == ("4.5", "7", "—"), "best/metric.json fills in"
    assert c["best FD"] == "—"
    assert ("caption", "a: best/metric.json says FD 2 at step 1; the log's best is shown.") in notes
    assert [kind for kind, text in notes if "c:" in text] == ["warning"]


def test_runs_of_different_datasets_get_a_note_that_their_fds_are_not_comparable(tmp_path):
    mini, full = info(tmp_path / "a", data="fashion-mnist-mini"), info(tmp_path / "b", data="fashion-mnist")
    note = compare.dataset_note({"a": mini, "b": full, "c": mini})
    assert note.startswith("Not comparable across datasets")
    assert "fashion-mnist-mini: a, c; fashion-mnist: b" in note
    assert compare.dataset_note({"a": mini, "c": mini}) is None
    empty = {"metrics": []}
    _, notes = compare.summary_rows({"a": (mini, empty), "b": (full, empty)})
    assert notes == [("warning", note.replace("a, c", "a"))]
    _, notes = compare.summary_rows({"a": (mini, empty), "c": (mini, empty)})
    assert notes == []


# ---- the catalog leaves unreadable folders out -----------------------------------------------------------------
def test_list_checkpoints_leaves_an_unreadable_run_out_and_says_which(runs, tmp_path, monkeypatch):
    import shutil

    folder = tmp_path / "runs"
    for name in ("a", "b"):
        shutil.copytree(runs / name, folder / name)
    config = json.loads(RunDir(folder / "b").config_path.read_text())
    config["model"]["image_size"] = "big"  # a damaged config: its facts cannot be read
    RunDir(folder / "b").config_path.write_text(json.dumps(config))
    monkeypatch.setenv("GANS_RUNS_DIR", str(folder))
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(tmp_path / "no-shipped"))
    problems: list[str] = []
    assert [info.path.name for info in list_checkpoints(problems=problems)] == ["a"]
    assert len(problems) == 1 and "**b**" in problems[0] and "cannot be read" in problems[0]
    assert [info.path.name for info in list_checkpoints(task="generate")] == ["a"], "without a list: left out quietly"
