"""Build the embedded ``fashion-mnist-mini`` dataset from the official Fashion-MNIST training files.

    python -m gans.data.make_mini [--source /usr/share/datasets/fashion-mnist] [--per-class 600]

Takes the first ``per_class`` images of each class in file order (keeping that order) and writes them as IDX
files gzip-compressed with mtime 0, so the same source always gives the same bytes (with the same zlib).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .idx import read_idx, write_idx
from .mnist import FASHION_MNIST_CLASSES, MINI_DIR, find_split_files

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")  # apt install dataset-fashion-mnist
PER_CLASS = 600


def first_indices_per_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` samples of every class, in ascending (file) order."""
    chosen = []
    for class_index in np.unique(labels):
        indices = np.flatnonzero(labels == class_index)
        if len(indices) < per_class:
            raise ValueError(f"class {class_index} has only {len(indices)} samples, fewer than {per_class}")
        chosen.append(indices[:per_class])
    return np.sort(np.concatenate(chosen))


def make_mini(source: Path = DEBIAN_DIR, output: Path = MINI_DIR, per_class: int = PER_CLASS) -> list[Path]:
    """Write the subset's images and labels files into ``output``; return their paths."""
    files = find_split_files(source, "train")
    if files is None:
        raise SystemExit(f"no Fashion-MNIST training files in {source}; apt install dataset-fashion-mnist")
    images, labels = read_idx(files[0]), read_idx(files[1])
    indices = first_indices_per_class(labels, per_class)
    output.mkdir(parents=True, exist_ok=True)
    written = [output / "train-images-idx3-ubyte.gz", output / "train-labels-idx1-ubyte.gz"]
    write_idx(written[0], images[indices])
    write_idx(written[1], labels[indices])
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEBIAN_DIR, help="folder with the official train-*.gz")
    parser.add_argument("--output", type=Path, default=MINI_DIR)
    parser.add_argument("--per-class", type=int, default=PER_CLASS)
    arguments = parser.parse_args()
    for path in make_mini(arguments.source, arguments.output, arguments.per_class):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    print(f"{arguments.per_class} images per class x {len(FASHION_MNIST_CLASSES)} classes")


if __name__ == "__main__":
    main()
