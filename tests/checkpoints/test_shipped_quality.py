"""The acceptance of the shipped noise-to-image checkpoints, measured with the evaluate protocol (n = 2000):

- every one has an FD at least 10× below an untrained generator of its architecture;
- every convolutional generator has an FD below the FD the plain-PyTorch
  reference DCGAN reached after 10 minutes of training on this machine (``benchmarks/time_to_quality.py``,
  stored in benchmarks/results/ttq/results.json);
- issue 31's bar, for the generators retrained that reach it: FD ≤ 20 (the others are listed in docs/RESULTS.md
  with their FD and what is left);
- the cGAN's samples are put in the requested class ≥ 90 % of the time overall, and for every class ≥ 95 % of the
  classifier's own accuracy on real test images of that class (resized as training resizes them).

(benchmarks/shipped_metrics.py writes the same numbers into the model cards and the README.)"""

import json

import pytest

from gans.metrics.evaluate import evaluate, evaluate_model, untrained_like
from gans.views.catalog import list_checkpoints
from tests.helpers import ROOT

N = 2000
RUNS = [info.path for info in list_checkpoints(include_runs=False, task="generate")]
REFERENCE = ROOT / "benchmarks" / "results" / "ttq" / "results.json"


# Every convolutional generator shipped (all trained with the current engine and recipe) comes in below the
# reference's 10-minute FD; vanilla is an MLP, not a convolutional generator.
BEAT_THE_REFERENCE = {"dcgan-fashion-mnist", "lsgan-fashion-mnist", "cgan-fashion-mnist", "wgan-gp-fashion-mnist",
                      "dcgan-fashion-mnist-mini", "sagan-fashion-mnist", "stylegan-fashion-mnist"}


# Issue 31: every shipped convolutional noise generator at FD ≤ 20 (n = 2000).
FD_AT_MOST_20 = {"cgan-fashion-mnist", "stylegan-fashion-mnist", "dcgan-fashion-mnist", "dcgan-fashion-mnist-mini",
                 "wgan-gp-fashion-mnist", "sagan-fashion-mnist", "lsgan-fashion-mnist"}


def reference_fd_after(minutes: int) -> float:
    rows = json.loads(REFERENCE.read_text())["rows"]["reference"]
    return next(row["fd"] for row in rows if row["minute"] == minutes)


def test_the_issue_s_five_objectives_ship():
    names = {run.name for run in RUNS}
    models = ("vanilla", "dcgan", "wgan-gp", "lsgan", "cgan", "sagan", "stylegan")
    assert {f"{m}-fashion-mnist" for m in models} <= names


@pytest.mark.parametrize("run", RUNS, ids=[run.name for run in RUNS])
def test_fd_beats_an_untrained_generator_and_convolutional_ones_beat_the_reference(run):
    trained = evaluate(str(run), n=N, seed=0, inception=False)
    untrained, dataset = untrained_like(run)
    baseline = evaluate_model(untrained, dataset, n=N, seed=0)
    assert baseline["fd"] >= 10 * trained["fd"], f"{run.name}: FD {trained['fd']:.1f} vs untrained {baseline['fd']:.1f}"
    if run.name in BEAT_THE_REFERENCE:
        bar = reference_fd_after(10)
        assert trained["fd"] < bar, f"{run.name}: FD {trained['fd']:.1f}, the reference's 10-minute FD {bar:.1f}"
    if run.name in FD_AT_MOST_20:
        assert trained["fd"] <= 20, f"{run.name}: FD {trained['fd']:.1f}"
    if run.name.startswith("vanilla"):  # issue 31's bar for the MLP
        assert trained["fd"] <= 60, f"{run.name}: FD {trained['fd']:.1f}"
    if run.name.startswith("cgan"):
        assert trained["class_accuracy"] >= 0.90 and len(trained["per_class_accuracy"]) == 10
        real = trained["classifier_per_class_accuracy"]
        assert real.keys() == trained["per_class_accuracy"].keys()
        low = {name: round(acc / real[name], 3) for name, acc in trained["per_class_accuracy"].items()
               if acc < 0.95 * real[name]}
        assert not low, f"classes under 95 % of the classifier's own accuracy: {low}"
        # the untrained generator is not class-true: the measure can tell
        assert baseline["class_accuracy"] < 0.3
