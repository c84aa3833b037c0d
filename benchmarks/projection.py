"""Projection (GAN inversion) on held-out images: how close each shipped noise → image checkpoint can draw
Fashion-MNIST *test* images (never seen in training), against the best of 100 random latents.

    python benchmarks/projection.py [--images 20] [--steps 300] [RUN ...]

For each run (default: every shipped noise → image checkpoint trained on Fashion-MNIST): the first ``--images``
test images, each projected with ``gans.tasks.project.project`` (its default space: z, or w+ for StyleGAN; pixel MSE +
our classifier's feature loss; a class-conditional model gets the classifier's guess as its class), and the
lowest MSE among the images of 100 random latents (seeds 0-99, the same class). Prints a Markdown table of mean
MSE (pixels in [-1, 1]) and seconds per image, and writes benchmarks/results/projection/results.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.data.image_data import to_model_range  # noqa: E402
from gans.tasks.project import project, random_baseline  # noqa: E402
from gans.views.catalog import describe, list_checkpoints  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="*", type=Path)
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "projection")
    args = parser.parse_args(argv)
    print(machine_line(), flush=True)
    runs = args.runs or [info.path for info in list_checkpoints(include_runs=False, task="generate")
                         if info.data.startswith("fashion-mnist")]
    test = load_dataset("fashion-mnist", split="test")
    rows = []
    for run in runs:
        model, info = gans.load(run), describe(run)
        size = model.config()["image_size"]
        images = to_model_range(test.images[: args.images])
        targets = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
        projected, baseline, seconds = [], [], 0.0
        for target in targets:
            started = time.perf_counter()
            result = project(model, target[None], steps=args.steps, feature_network=info.data)
            seconds += time.perf_counter() - started
            projected.append(result.error)
            baseline.append(random_baseline(model, target[None], label=result.label))
        row = {"run": run.name, "architecture": info.architecture, "space": result.space, "images": len(targets),
               "steps": args.steps, "projected_mse": sum(projected) / len(projected),
               "random_best_mse": sum(baseline) / len(baseline), "seconds_per_image": seconds / len(targets),
               "better_than_random": sum(p < b for p, b in zip(projected, baseline))}
        rows.append(row)
        print(f"  {run.name}: projected {row['projected_mse']:.4f}, best of 100 random {row['random_best_mse']:.4f}",
              flush=True)
    print("\n| run | space | projected MSE | best of 100 random latents | projection better on | s per image |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row['run']} | {row['space']} | {row['projected_mse']:.4f} | {row['random_best_mse']:.4f} | "
              f"{row['better_than_random']}/{row['images']} | {row['seconds_per_image']:.1f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps({"machine": machine_line(), "date": time.strftime("%Y-%m-%d"),
                                                       "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
