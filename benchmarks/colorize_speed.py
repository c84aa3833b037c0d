"""CPU time of colouring one photo with the shipped colorizer (goal: 1024×768 in under a second; 4000×3000 in a
few seconds): decode, lightness, network at the render size, chroma upsampled to full size, Lab → RGB.

    python benchmarks/colorize_speed.py [--checkpoint checkpoints/colorizer-offline-photos] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
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
from gans.tasks.colorize import colorize_file  # noqa: E402

SIZES = ((512, 512), (1024, 768), (1920, 1080), (4000, 3000))


def photo_jpeg(width: int, height: int) -> bytes:
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x * 255 // (width - 1), y * 255 // (height - 1), (x + y) % 256], -1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=str(ROOT / "checkpoints" / "colorizer-offline-photos"))
    parser.add_argument("--render-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    model = gans.load(args.checkpoint)
    print("| photo | median s (colour only) | median s (with metrics) |\n|---|---:|---:|")
    for width, height in SIZES:
        data = photo_jpeg(width, height)
        times = {False: [], True: []}
        for metrics in (False, True):
            for index in range(args.repeats + 1):
                started = time.perf_counter()
                colorize_file(model, data, args.render_size, with_metrics=metrics)
                if index:
                    times[metrics].append(time.perf_counter() - started)
        print(f"| {width}×{height} | {statistics.median(times[False]):.2f} | {statistics.median(times[True]):.2f} |")
    print(f"\n{time.strftime('%Y-%m-%d')}, render size {args.render_size}, {args.repeats} timed runs after 1 warm-up; "
          f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")


if __name__ == "__main__":
    main()
