"""FD, KID and precision/recall against hand-computed values; the evaluation protocol on the shipped feature
network (deterministic, real ≈ real, noise far from real, class accuracy of class-true images)."""

import math

import pytest
import torch

from gans.data import load_dataset
from gans.data.image_data import to_model_range
from gans.errors import ConfigError
from gans.metrics.distances import frechet_distance, kernel_distance, precision_recall
from gans.metrics.evaluate import evaluate_model
from gans.metrics.features import MetricUnavailableError, has_feature_network, load_feature_network


def column(*values):
    return torch.tensor(values, dtype=torch.float64)[:, None]


# ---- the distances ------------------------------------------------------------------------------------------
def test_frechet_distance_of_two_one_dimensional_sets_by_hand():
    # real {0, 2}: mean 1, (unbiased) variance 2; fake {1, 5}: mean 3, variance 8.
    # FD = (1 - 3)² + 2 + 8 - 2·sqrt(2·8) = 4 + 10 - 8 = 6
    assert frechet_distance(column(0, 2), column(1, 5)) == pytest.approx(6.0)


def test_frechet_distance_of_diagonal_gaussians_is_the_sum_over_dimensions():
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(4000, 3, generator=generator, dtype=torch.float64) * torch.tensor([1.0, 2.0, 0.5])
    fake = torch.randn(4000, 3, generator=generator, dtype=torch.float64) * torch.tensor([3.0, 2.0, 1.0]) + 1.0
    mean_r, mean_f, std_r, std_f = real.mean(0), fake.mean(0), real.std(0), fake.std(0)
    # For (nearly) independent dimensions: Σ (Δμ² + (σ_r − σ_f)²); the sample covariances are only nearly
    # diagonal, hence the tolerance.
    expected = ((mean_r - mean_f) ** 2 + (std_r - std_f) ** 2).sum().item()
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=0.02)
    assert expected > 5  # the test would notice a distance that ignores the spread


def test_frechet_distance_is_zero_for_the_same_set_and_the_squared_shift_for_a_moved_one():
    points = torch.randn(500, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert frechet_distance(points, points) == pytest.approx(0.0, abs=1e-8)
    shift = torch.tensor([1.0, -2.0, 0.0, 0.5], dtype=torch.float64)
    assert frechet_distance(points, points + shift) == pytest.approx((shift ** 2).sum().item())


def test_kid_by_hand_on_two_tiny_sets():
    # k(a, b) = (a·b / 1 + 1)³. x = {0, 1}: off-diagonal k(0,1) = 1 → mean 1. y = {0, 2}: k(0,2) = 1 → 1.
    # cross: k(0,0)=1, k(0,2)=1, k(1,0)=1, k(1,2)=27 → mean 7.5. MMD² = 1 + 1 − 2·7.5 = −13.
    assert kernel_distance(column(0, 1), column(0, 2), subsets=1, subset_size=2) == pytest.approx(-13.0)


def test_kid_is_near_zero_for_one_distribution_and_larger_for_another():
    generator = torch.Generator().manual_seed(2)
    a, b = (torch.randn(800, 8, generator=generator) for _ in range(2))
    same = kernel_distance(a, b, subsets=5, subset_size=400)
    moved = kernel_distance(a, b + 1.0, subsets=5, subset_size=400)
    assert abs(same) < 0.01 and moved > 0.1
    assert kernel_distance(a, b, seed=3) == kernel_distance(a, b, seed=3)


def test_precision_and_recall_by_hand():
    def points(*xs):
        return torch.tensor([[x, 0.0] for x in xs], dtype=torch.float64)

    real = points(*range(10))  # k=1 radius of every real point: 1
    fake = points(0.5, 1.5, 2.5, 100, 101, 102)  # k=1 radius of every fake point: 1
    precision, recall = precision_recall(real, fake, k=1)
    assert precision == pytest.approx(3 / 6)  # the three fakes near 0..3 are inside real balls
    assert recall == pytest.approx(4 / 10)  # reals 0, 1, 2, 3 are within 1 of a near fake


# ---- the protocol on the shipped feature network ---------------------------------------------------------------
class StandIn:
    """A 'generator' that returns given images, to test the protocol without training anything."""

    task, architecture = "generate", "stand-in"

    def __init__(self, images, labels=None):
        self.images, self.labels = images, labels
        self.conditional = labels is not None
        self.num_classes = 10 if self.conditional else 0

    def latent(self, seed, n):
        return torch.arange(n)[:, None].float()

    def generate(self, z, labels=None):
        index = z[:, 0].long()
        if labels is None:
            return self.images[index]
        # for each requested label, an image of that class (the k-th of its class)
        out = []
        for k, label in zip(index.tolist(), labels.tolist()):
            of_class = (self.labels == label).nonzero().flatten()
            out.append(self.images[of_class[k % len(of_class)]])
        return torch.stack(out)


@pytest.fixture(scope="module")
def test_images():
    data = load_dataset("fashion-mnist-mini", download=False)
    return to_model_range(data.images[-1000:]), data.labels[-1000:]


def test_the_feature_network_ships_and_reports_its_accuracy():
    assert has_feature_network("fashion-mnist") and has_feature_network("fashion-mnist-mini")
    _, facts = load_feature_network("fashion-mnist")
    assert facts["test_accuracy"] > 0.85 and facts["test_images"] == 10000


def test_real_images_score_close_and_noise_scores_far_and_results_repeat(test_images):
    images, _ = test_images
    real_like = evaluate_model(StandIn(images), "fashion-mnist-mini", n=400, seed=0)
    noise = evaluate_model(StandIn(torch.rand_like(images) * 2 - 1), "fashion-mnist-mini", n=400, seed=0)
    assert real_like["fd"] * 10 < noise["fd"]
    # Noise images all land in one corner of the feature space: recall (coverage) sees it. (Precision alone does
    # not: a collapsed set may sit inside the balls of the real outliers.)
    assert real_like["precision"] > 0.5 and real_like["recall"] > 0.5 and noise["recall"] < 0.1
    assert real_like == evaluate_model(StandIn(images), "fashion-mnist-mini", n=400, seed=0)  # deterministic
    assert real_like["protocol"]["n"] == 400 and "class_accuracy" not in real_like


def test_class_accuracy_of_class_true_images_is_high_and_of_wrong_classes_low(test_images):
    images, labels = test_images
    right = evaluate_model(StandIn(images, labels), "fashion-mnist-mini", n=200, seed=0)
    assert right["class_accuracy"] > 0.8 and len(right["per_class_accuracy"]) == 10
    assert "Trouser" in right["per_class_accuracy"]
    shifted = StandIn(images, (labels + 1) % 10)  # asked for class c, shows an image of class c - 1
    wrong = evaluate_model(shifted, "fashion-mnist-mini", n=200, seed=0)
    assert wrong["class_accuracy"] < 0.2
    assert math.isclose(sum(right["per_class_accuracy"].values()) / 10, right["class_accuracy"], rel_tol=1e-9)


def test_unmeasurable_cases_say_why(test_images):
    images, _ = test_images
    with pytest.raises(MetricUnavailableError, match="no feature network"):
        evaluate_model(StandIn(images), "cifar10", n=100)
    with pytest.raises(ConfigError, match="at least 10"):
        evaluate_model(StandIn(images), "fashion-mnist-mini", n=5)
