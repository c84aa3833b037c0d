"""Train the feature network that FD, KID, precision/recall and class accuracy are measured with.

    python -m gans.metrics.train_classifier fashion-mnist [--epochs 4] [--seed 0]

Trains ``FeatureClassifier`` on the dataset's full training split (random flips and ±2 px shifts), measures its
accuracy on the test split (never used for any choice), and writes ``<name>-classifier.safetensors`` and
``<name>-classifier.json`` (config, test accuracy, command, time) into ``gans/metrics/assets``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from ..data import load_dataset
from ..data.image_data import to_model_range
from .features import ASSETS, FeatureClassifier, embed


def shifted(images: torch.Tensor, generator: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Each image moved by up to ``pixels`` in x and y (zero padding) and mirrored left-right half of the time."""
    n, _, h, w = images.shape
    padded = F.pad(images, (pixels,) * 4, value=-1.0)  # -1 is black background in the models' range
    dx = torch.randint(0, 2 * pixels + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * pixels + 1, (n,), generator=generator)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def accuracy(network: FeatureClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    network.eval()
    _, scores = embed(network, images)
    return (scores.argmax(1) == labels).float().mean().item()


def train_classifier(dataset: str, epochs: int = 4, batch_size: int = 128, seed: int = 0) -> dict:
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    train = load_dataset(dataset, split="train", download=False)
    test = load_dataset(dataset, split="test", download=False)
    images, labels = to_model_range(train.images), train.labels
    network = FeatureClassifier(num_classes=train.num_classes)
    steps = epochs * (len(images) // batch_size)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    started, step = time.time(), 0
    for epoch in range(epochs):
        network.train()
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(order) - batch_size + 1, batch_size):
            index = order[start:start + batch_size]
            loss = F.cross_entropy(network(shifted(images[index], generator)), labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if step % 100 == 0:
                print(f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f}", flush=True)
    test_accuracy = accuracy(network, to_model_range(test.images), test.labels)
    facts = {
        "dataset": dataset, "config": network.config, "class_names": train.class_names,
        "test_accuracy": round(test_accuracy, 4), "train_images": len(images), "test_images": len(test),
        "epochs": epochs, "batch_size": batch_size, "seed": seed, "seconds": round(time.time() - started),
        "command": f"python -m gans.metrics.train_classifier {dataset} --epochs {epochs} --seed {seed}",
        "torch": torch.__version__,
    }
    ASSETS.mkdir(exist_ok=True)
    save_file({k: v.contiguous() for k, v in network.state_dict().items()},
              ASSETS / f"{dataset}-classifier.safetensors")
    (ASSETS / f"{dataset}-classifier.json").write_text(json.dumps(facts, indent=2) + "\n")
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    facts = train_classifier(args.dataset, epochs=args.epochs, seed=args.seed)
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
