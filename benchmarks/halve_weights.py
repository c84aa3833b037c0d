"""Store a shipped run's float weights in fp16 (model.safetensors and best/model.safetensors) to keep
checkpoints/ under its 100 MB budget, and print how much the samples move (they are computed in fp32 after
loading either way).

    python benchmarks/halve_weights.py checkpoints/vanilla-fashion-mnist
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import gans  # noqa: E402


def outputs(folder: Path) -> torch.Tensor:
    """64 samples (seed 0) of a noise-to-image model; an image-to-image model's translation of 4 fixed images."""
    model = gans.load(folder)
    if hasattr(model, "sample"):
        return model.sample(64, seed=0)
    inputs = torch.rand(4, model.channels()[0], 64, 64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    return model.translate(inputs)


def halve(folder: Path) -> float:
    """Rewrite ``folder/model.safetensors`` in fp16; the largest change of the outputs, in [-1, 1] units."""
    before = outputs(folder)
    path = folder / "model.safetensors"
    tensors = {name: tensor.half() if tensor.is_floating_point() else tensor
               for name, tensor in load_file(path).items()}
    save_file(tensors, str(path))
    return (before - outputs(folder)).abs().max().item()


if __name__ == "__main__":
    for run in map(Path, sys.argv[1:]):
        for folder in (run, run / "best"):
            if (folder / "model.safetensors").exists():
                size = (folder / "model.safetensors").stat().st_size
                change = halve(folder)
                print(f"{folder}: {size / 1e6:.1f} MB -> {(folder / 'model.safetensors').stat().st_size / 1e6:.1f} MB, "
                      f"largest output change {change:.5f}")
