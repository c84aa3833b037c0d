"""Held-out evaluation of an image-to-image checkpoint on its dataset's test split: a before/after grid and
numbers, written into the checkpoint's model card (README.md) and folder.

- pix2pix: mean absolute error (0-255 scale) between the translation and the true target, beside two baselines:
  the mean training target (the best constant guess) and the input itself.
- cyclegan: the share of translations a nearest-class-mean pixel classifier (fit on the training split) puts in
  the target domain, beside the inputs untranslated; and the cycle error |F(G(a)) − a| on held-out images.

    python benchmarks/translation_heldout.py checkpoints/pix2pix-edges2fashion [--examples 8]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import gans  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.io.checkpoints import CARD_FILE, RunDir, atomic_write  # noqa: E402
from gans.io.images import grid_image, png_bytes  # noqa: E402

SECTION = "## Held-out evaluation"
GRID_FILE = "heldout.png"


def load_split(model, data_name: str, split: str):
    a_channels, b_channels = model.channels("a2b")
    data = load_dataset(data_name, split=split, download=False)
    return data.prepare(model.config()["image_size"], a_channels, b_channels, jitter=False)


def to_255(images: torch.Tensor) -> torch.Tensor:
    return (images.clamp(-1, 1) + 1) * 127.5


def evaluate_pix2pix(model, data_name: str, examples: int) -> tuple[list[str], list[torch.Tensor]]:
    test, train = load_split(model, data_name, "test"), load_split(model, data_name, "train")
    batch = test.examples(len(test))
    outputs = torch.cat([model.translate(chunk) for chunk in batch.images.split(128)])
    target = to_255(batch.targets)
    mean_target = to_255(train.examples(len(train)).targets).mean(0, keepdim=True)
    rows = [
        "| on the held-out test pairs | mean absolute error (0-255) ↓ |", "|---|---:|",
        f"| **{model.architecture} translation** | **{(to_255(outputs) - target).abs().mean():.1f}** |",
        f"| baseline: the mean training target | {(mean_target - target).abs().mean():.1f} |",
        f"| baseline: the input itself | {(to_255(batch.images) - target).abs().mean():.1f} |",
    ]
    n = min(examples, len(test))
    return rows, [batch.images[:n], outputs[:n], batch.targets[:n]]


def nearest_mean_share(images: torch.Tensor, mean_a: torch.Tensor, mean_b: torch.Tensor) -> float:
    """Share of ``images`` whose pixels are closer to domain B's mean image than to domain A's."""
    to_a = (images - mean_a).flatten(1).pow(2).sum(1)
    to_b = (images - mean_b).flatten(1).pow(2).sum(1)
    return (to_b < to_a).float().mean().item()


def evaluate_cyclegan(model, data_name: str, examples: int) -> tuple[list[str], list[torch.Tensor]]:
    test, train = load_split(model, data_name, "test"), load_split(model, data_name, "train")
    batch, train_batch = test.examples(len(test)), train.examples(len(train))
    mean_a, mean_b = train_batch.images.mean(0, keepdim=True), train_batch.targets.mean(0, keepdim=True)
    a2b, b2a = model.translate(batch.images, "a2b"), model.translate(batch.targets, "b2a")
    cycle_a = (model.translate(a2b, "b2a") - batch.images).abs().mean().item() * 127.5
    domains = RunDir(model.run_path).read_config().get("data", {}).get("domains") or ["A", "B"]
    rows = [
        "| on the held-out test images | classified as the target domain ↑ |", "|---|---:|",
        f"| **{domains[0]} → {domains[1]} translations** | **{nearest_mean_share(a2b, mean_a, mean_b):.0%}** |",
        f"| baseline: the {domains[0]} inputs untranslated | {nearest_mean_share(batch.images, mean_a, mean_b):.0%} |",
        f"| **{domains[1]} → {domains[0]} translations** | **{1 - nearest_mean_share(b2a, mean_a, mean_b):.0%}** |",
        f"| baseline: the {domains[1]} inputs untranslated | "
        f"{1 - nearest_mean_share(batch.targets, mean_a, mean_b):.0%} |",
        "", f"Classifier: nearest mean training image of each domain (pixels). Cycle error |F(G(a)) − a| on the "
        f"held-out {domains[0]} images: {cycle_a:.1f} of 255.",
    ]
    n = min(examples, len(batch.images))
    return rows, [batch.images[:n], a2b[:n], batch.targets[:n], b2a[:n]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--examples", type=int, default=8, help="columns of the before/after grid")
    args = parser.parse_args()
    run = RunDir(args.checkpoint)
    model = gans.load(run.path)
    data_name = run.read_config()["data"]["name"]
    evaluate = evaluate_pix2pix if model.architecture == "pix2pix" else evaluate_cyclegan
    rows, grid_rows = evaluate(model, data_name, args.examples)
    atomic_write(run.path / GRID_FILE, png_bytes(grid_image(torch.cat(grid_rows), nrow=grid_rows[0].size(0), scale=2)))
    what = "input, translation, true target" if len(grid_rows) == 3 else "A, A → B, B, B → A"
    section = [SECTION, "", f"The `test` split of `{data_name}` was never seen in training. "
               f"Grid rows: {what} (enlarged 2×):", "", f"![held-out translations]({GRID_FILE})", "", *rows, "",
               f"Reproduce: `python benchmarks/translation_heldout.py {args.checkpoint}`", ""]
    card = (run.path / CARD_FILE).read_text()
    card = card.split(SECTION)[0].rstrip() + "\n\n" + "\n".join(section)
    atomic_write(run.path / CARD_FILE, card)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
