"""The metric in the training loop (metric events, best/ = the lowest logged FD) and `python -m gans evaluate`."""

import json

import pytest

import gans
from gans.cli import main
from gans.errors import ConfigError
from gans.io.checkpoints import RunDir
from gans.training import DataConfig, TrainConfig, resume, train
from tests.helpers import random_photos

TINY = {"width": 4, "latent_dim": 8, "image_size": 28}


def metric_events(run):
    return [e for e in RunDir(run).read_events() if e["type"] == "metric"]


@pytest.fixture(scope="module")
def measured_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("metric") / "dcgan"
    train("dcgan", cfg=TrainConfig(steps=6, batch_size=8, device="cpu", metric_every=2, metric_samples=60),
          out=run, model_kwargs=TINY)
    return run


def test_the_loop_logs_the_metric_and_keeps_the_lowest_fd_in_best(measured_run):
    events = metric_events(measured_run)
    assert [e["step"] for e in events] == [2, 4, 6]
    assert all({"fd", "kid", "precision", "recall"} <= e.keys() for e in events)
    best = json.loads((measured_run / "best" / "metric.json").read_text())
    lowest = min(events, key=lambda e: e["fd"])
    assert best["fd"] == lowest["fd"] and best["step"] == lowest["step"]
    # best/ is a loadable model whose weights give back the logged FD
    from gans.metrics.evaluate import evaluate_model

    again = evaluate_model(gans.load(measured_run / "best"), "fashion-mnist-mini", n=60, seed=0)
    assert again["fd"] == pytest.approx(best["fd"], rel=1e-6)


def test_measuring_does_not_change_the_training(measured_run, tmp_path):
    plain = train("dcgan", cfg=TrainConfig(steps=6, batch_size=8, device="cpu"), out=tmp_path / "plain",
                  model_kwargs=TINY)
    end = next(e for e in RunDir(measured_run).read_events() if e["type"] == "end")
    assert plain["weights_sha256"] == end["weights_sha256"]


def test_a_resumed_run_keeps_best_as_the_minimum_over_the_whole_log(tmp_path):
    run = tmp_path / "run"
    cfg = TrainConfig(steps=4, batch_size=8, device="cpu", metric_every=2, metric_samples=40, checkpoint_every=2)
    train("dcgan", cfg=cfg, out=run, model_kwargs=TINY)
    resume(run, steps=8)
    events = metric_events(run)
    assert [e["step"] for e in events] == [2, 4, 6, 8]
    best = json.loads((run / "best" / "metric.json").read_text())
    assert best["fd"] == min(e["fd"] for e in events)


def test_progress_reads_the_metric_curve(measured_run):
    from gans.training.progress import read_progress

    metrics = read_progress(measured_run).metrics
    assert metrics["step"] == [2.0, 4.0, 6.0] and len(metrics["fd"]) == 3


def test_asking_for_a_metric_without_a_feature_network_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="noise-to-image"):
        train("pix2pix", DataConfig("edges2fashion"), TrainConfig(steps=2, batch_size=2, device="cpu", metric_every=1),
              out=tmp_path / "p", model_kwargs={"width": 4, "image_size": 32})
    photos = random_photos(tmp_path / "photos", count=8)
    with pytest.raises(ConfigError, match="no feature network"):
        train("dcgan", DataConfig("folder", str(photos)), TrainConfig(steps=2, batch_size=2, device="cpu",
                                                                     metric_every=1),
              out=tmp_path / "d", model_kwargs=TINY)
    with pytest.raises(ConfigError, match="metric_every"):
        TrainConfig(metric_every=-1).validate()


def test_cli_evaluate_prints_one_json_object_that_repeats(measured_run, capsys):
    assert main(["evaluate", str(measured_run), "--n", "50", "--seed", "3"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["step"] == 6 and first["architecture"] == "dcgan" and first["protocol"]["n"] == 50
    assert main(["evaluate", str(measured_run), "--n", "50", "--seed", "3"]) == 0
    assert json.loads(capsys.readouterr().out) == first


def test_cli_evaluate_explains_what_it_cannot_measure(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing")]) != 0
    assert "error:" in capsys.readouterr().err
