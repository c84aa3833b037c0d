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


def halve(folder: Path) -> float:
    """Rewrite ``folder/model.safetensors`` in fp16; the largest change of 64 samples (seed 0), in [-1, 1] units."""
    before = gans.load(folder).sample(64, seed=0)
    path = folder / "model.safetensors"
    tensors = {name: tensor.half() if tensor.is_floating_point() else tensor for name, tensor in load_file(path).items()}
    save_file(tensors, str(path))
    after = gans.load(folder).sample(64, seed=0)
    return (before - after).abs().max().item()


if __name__ == "__main__":
    for run in map(Path, sys.argv[1:]):
        for folder in (run, run / "best"):
            if (folder / "model.safetensors").exists():
                size = (folder / "model.safetensors").stat().st_size
                change = halve(folder)
                print(f"{folder}: {size / 1e6:.1f} MB -> {(folder / 'model.safetensors').stat().st_size / 1e6:.1f} MB, "
                      f"largest sample change {change:.5f}")
