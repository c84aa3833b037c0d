"""The acceptance of the shipped noise-to-image checkpoints, measured with the evaluate protocol (n = 2000):
every one has an FD at least 10× below an untrained generator of its architecture, and the cGAN's samples are put
in the requested class ≥ 85 % of the time on average by our classifier. (benchmarks/shipped_metrics.py writes the
same numbers into the model cards and the README.)"""

import pytest

from gans.catalog import list_checkpoints
from gans.metrics.evaluate import evaluate, evaluate_model, untrained_like

N = 2000
RUNS = [info.path for info in list_checkpoints(include_runs=False, task="generate")]


def test_the_issue_s_five_objectives_ship():
    names = {run.name for run in RUNS}
    assert {f"{m}-fashion-mnist" for m in ("vanilla", "dcgan", "wgan-gp", "lsgan", "cgan")} <= names


@pytest.mark.parametrize("run", RUNS, ids=[run.name for run in RUNS])
def test_fd_is_at_least_ten_times_below_an_untrained_generator(run):
    trained = evaluate(str(run), n=N, seed=0, inception=False)
    untrained, dataset = untrained_like(run)
    baseline = evaluate_model(untrained, dataset, n=N, seed=0)
    assert baseline["fd"] >= 10 * trained["fd"], f"{run.name}: FD {trained['fd']:.1f} vs untrained {baseline['fd']:.1f}"
    if run.name.startswith("cgan"):
        assert trained["class_accuracy"] >= 0.85 and len(trained["per_class_accuracy"]) == 10
        # the untrained generator is not class-true: the measure can tell
        assert baseline["class_accuracy"] < 0.3
