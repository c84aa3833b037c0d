"""CPU latency of translating one image with an image-to-image checkpoint (goal: 512×512 in under a second).

Times ``gans.tasks.translate.translate_file`` end to end — decode, tensor conversion, padded (or tiled) network pass,
encode back to a PIL image — for a few image sizes, on each checkpoint given (default: the shipped ones).

    python benchmarks/translate_speed.py [--checkpoints checkpoints/pix2pix-edges2fashion,...] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import gans  # noqa: E402
from gans.tasks.translate import translate_file  # noqa: E402
from gans.views.catalog import list_checkpoints  # noqa: E402

SIZES = ((256, 256), (512, 512), (1024, 768), (4000, 3000))


def photo_bytes(width: int, height: int) -> bytes:
    """A JPEG with real structure (smooth gradients plus noise), like a photo as far as the codec is concerned."""
    y, x = np.mgrid[0:height, 0:width]
    rng = np.random.default_rng(0)
    pixels = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x + y) % 256], -1)
    pixels = np.clip(pixels + rng.normal(0, 12, pixels.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def measure(checkpoint: Path, repeats: int) -> list[dict]:
    model = gans.load(checkpoint)
    rows = []
    for width, height in SIZES:
        data = photo_bytes(width, height)
        times, report = [], None
        for index in range(repeats + 1):
            started = time.perf_counter()
            result = translate_file(model, data, model.directions[0])
            if index:  # the first pass warms up the allocator
                times.append(time.perf_counter() - started)
            report = result.report
        rows.append({"checkpoint": checkpoint.name, "size": f"{width}×{height}", "median_s": statistics.median(times),
                     "min_s": min(times), "tiles": report.tiles if report.tiled else 1})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", help="comma-separated run folders (default: shipped translation models)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--json", help="also save the raw numbers here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    paths = ([Path(p) for p in args.checkpoints.split(",")] if args.checkpoints
             else [info.path for info in list_checkpoints(include_runs=False, task="translate")])
    rows = [row for path in paths for row in measure(path, args.repeats)]
    print("| checkpoint | image | median s | min s | tiles |\n|---|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['checkpoint']} | {row['size']} | {row['median_s']:.3f} | {row['min_s']:.3f} | {row['tiles']} |")
    print(f"\n{time.strftime('%Y-%m-%d')}, {args.repeats} timed runs after 1 warm-up; "
          f"{platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
