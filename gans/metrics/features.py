"""The feature network behind GAN Studio's Fréchet distance, KID, precision/recall and class accuracy.

Inception-v3 weights cannot be downloaded everywhere (not on an offline machine, not in CI), so FD here is
measured in the feature space of a small classifier that we train ourselves on the real training set of the
dataset and ship with the package (``gans/metrics/assets``). Its numbers are comparable between runs of
the same dataset measured with the same protocol, not with published Inception FIDs.

Images of any size and 1 or 3 channels go in (in [-1, 1], as models produce them); they are turned to gray
(ITU-R 601 luma) and resized to 32 × 32 before the network.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from ..errors import GansError

ASSETS = Path(__file__).resolve().parent / "assets"
INPUT_SIZE = 32
LUMA = (0.299, 0.587, 0.114)
#: Which shipped feature network measures which dataset (subsets share their full dataset's network).
FEATURE_NETWORKS = {"fashion-mnist": "fashion-mnist", "fashion-mnist-mini": "fashion-mnist"}


class MetricUnavailableError(GansError):
    """No feature network exists for a dataset (or model kind), so FD / KID cannot be measured."""


class FeatureClassifier(nn.Module):
    """Three conv blocks (32 → 16 → 8 → 4 px) and a 128-d feature layer before the class scores.

    ``features`` (the 128-d ReLU layer) is the space FD, KID and precision/recall are measured in;
    ``forward`` gives the class scores used for the accuracy of class-conditional samples.
    """

    def __init__(self, num_classes: int = 10, width: int = 32, feature_dim: int = 128):
        super().__init__()
        self.config = {"num_classes": num_classes, "width": width, "feature_dim": feature_dim}

        def block(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                 nn.MaxPool2d(2))

        # (N, 4w, 4, 4)
        self.body = nn.Sequential(block(1, width), block(width, 2 * width), block(2 * width, 4 * width))
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(4 * width * 16, feature_dim), nn.ReLU())  # (N, 128)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(to_network_input(images)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(images)))


def to_network_input(images: torch.Tensor) -> torch.Tensor:
    """(N, 1 or 3, H, W) in [-1, 1] → (N, 1, 32, 32): gray by luma, bilinear resize (antialiased when shrinking)."""
    images = images.float()
    if images.shape[1] == 3:
        images = (images * torch.tensor(LUMA, device=images.device).view(1, 3, 1, 1)).sum(1, keepdim=True)
    if tuple(images.shape[2:]) != (INPUT_SIZE, INPUT_SIZE):
        images = F.interpolate(images, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False,
                               antialias=images.shape[2] > INPUT_SIZE)
    return images


def feature_network_name(dataset: str) -> str:
    """The shipped feature network for ``dataset``; ``MetricUnavailableError`` says what exists when none."""
    if dataset not in FEATURE_NETWORKS:
        raise MetricUnavailableError(
            f"no feature network is shipped for the dataset {dataset!r}, so FD/KID cannot be measured for it; "
            f"metrics exist for: {', '.join(sorted(FEATURE_NETWORKS))}")
    return FEATURE_NETWORKS[dataset]


def has_feature_network(dataset: str) -> bool:
    return dataset in FEATURE_NETWORKS and (ASSETS / f"{FEATURE_NETWORKS[dataset]}-classifier.safetensors").exists()


@lru_cache(maxsize=4)
def load_feature_network(name: str) -> tuple[FeatureClassifier, dict]:
    """(classifier in eval mode on the CPU, its facts: dataset, test accuracy, training command)."""
    weights = ASSETS / f"{name}-classifier.safetensors"
    facts_path = ASSETS / f"{name}-classifier.json"
    if not weights.exists() or not facts_path.exists():
        raise MetricUnavailableError(f"the feature network {weights.name} is missing from {ASSETS}; "
                                     f"train it with `python -m gans.metrics.train_classifier {name}`")
    facts = json.loads(facts_path.read_text())
    with torch.random.fork_rng(devices=[]):  # building it draws random initial weights: keep training's RNG as is
        network = FeatureClassifier(**facts["config"])
    network.load_state_dict(load_file(weights))
    return network.eval(), facts


@torch.no_grad()
def embed(network: FeatureClassifier, images: torch.Tensor, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """(features (N, 128) float64, class scores (N, classes)) of images in [-1, 1], computed in batches."""
    features, scores = [], []
    for chunk in images.split(batch_size):
        feature = network.features(chunk.cpu())
        features.append(feature.double())
        scores.append(network.head(feature))
    return torch.cat(features), torch.cat(scores)
