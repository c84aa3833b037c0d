"""How much colour hints help: PSNR against the original photos with 0, 1, 5, 10 and 20 hints, beside gray.

For each `offline-photos` photo of the split (validation by default; never the training photos), made gray and
coloured at the render size: ``k`` hints at random places (uniform over the photo, seeded per photo, the same
places for every model), each with the original's colour at that pixel, as a person who knew the true colours
would place them. The places for ``k`` hints are the first ``k`` of one draw, so more hints only add hints. Prints a
Markdown table (mean PSNR, SSIM and colourfulness per hint count, with gray's), writes ``--out``/hints.json and
``--out``/hints.png (PSNR against the number of hints).

    python benchmarks/colorizer_hints.py checkpoints/colorizer-offline-photos [--split validation] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.tasks.colorize import ColourHint, colorize_picture  # noqa: E402

COUNTS = (0, 1, 5, 10, 20)


def true_hints(original: Image.Image, count: int, seed: int) -> list[ColourHint]:
    """``count`` hints at seeded random places of ``original``, each the original's colour there."""
    rng = np.random.default_rng(seed)
    width, height = original.size
    places = np.stack([rng.integers(0, width, max(COUNTS)), rng.integers(0, height, max(COUNTS))], 1)[:count]
    pixels = np.asarray(original.convert("RGB"))
    return [ColourHint(int(x), int(y), "#{:02x}{:02x}{:02x}".format(*pixels[y, x])) for x, y in places]


def measure(model, photos, counts, render_size: int, seed: int) -> dict:
    """{count: mean {psnr, ssim, colorfulness}} over the photos, plus "gray" and the originals' colourfulness."""
    rows: dict = {count: [] for count in counts}
    gray, original_colour = [], []
    for index, photo in enumerate(photos.photos):
        original = Image.fromarray(photo.permute(1, 2, 0).numpy())
        for count in counts:
            result = colorize_picture(model, original, render_size=render_size,
                                      hints=true_hints(original, count, seed + index))
            rows[count].append(result.metrics["colorizer"])
        gray.append(result.metrics["zero chroma (gray)"])
        original_colour.append(result.metrics["original"]["colorfulness"])
    mean = lambda items: {key: statistics.mean(item[key] for item in items) for key in items[0]}  # noqa: E731
    return {"hints": {str(count): mean(items) for count, items in rows.items()}, "gray": mean(gray),
            "original_colorfulness": statistics.mean(original_colour)}


def plot(results: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = [int(count) for count in results["hints"]]
    figure, axis = plt.subplots(figsize=(6, 3.8), dpi=110)
    axis.plot(counts, [results["hints"][str(c)]["psnr"] for c in counts], marker="o", label="colorizer with hints")
    axis.axhline(results["gray"]["psnr"], color="gray", linestyle="--", label="gray photo")
    axis.set_xlabel("colour hints per photo (true colours at random places)")
    axis.set_ylabel("PSNR against the original (dB)")
    axis.set_xticks(counts)
    axis.grid(True, alpha=0.3)
    axis.legend()
    axis.set_title(title, fontsize=8)
    figure.tight_layout()
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--split", default="validation", choices=("validation", "test"))
    parser.add_argument("--counts", default=",".join(map(str, COUNTS)))
    parser.add_argument("--render-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "colorizer-hints")
    args = parser.parse_args()
    print(machine_line())
    model = gans.load(args.checkpoint)
    photos = load_dataset("offline-photos", split=args.split, download=False)
    counts = [int(count) for count in args.counts.split(",")]
    results = measure(model, photos, counts, args.render_size, args.seed)
    results.update(checkpoint=args.checkpoint, split=args.split, photos=list(photos.names),
                   render_size=args.render_size, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hints.json").write_text(json.dumps(results, indent=1))
    plot(results, args.out / "hints.png", f"{args.checkpoint}, {len(photos.photos)} {args.split} photos")
    print(f"| {len(photos.photos)} {args.split} photos (mean) | PSNR dB | gain over gray | SSIM | colourfulness |")
    print("|---|---:|---:|---:|---:|")
    gray = results["gray"]
    print(f"| gray photo | {gray['psnr']:.2f} | – | {gray['ssim']:.3f} | 0.0 |")
    for count, row in results["hints"].items():
        print(f"| colorizer, {count} hints | {row['psnr']:.2f} | {row['psnr'] - gray['psnr']:+.2f} | "
              f"{row['ssim']:.3f} | {row['colorfulness']:.1f} |")
    print(f"| the originals | – | – | – | {results['original_colorfulness']:.1f} |")


if __name__ == "__main__":
    main()
