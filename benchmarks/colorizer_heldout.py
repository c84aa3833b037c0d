"""Held-out evaluation of a colorizer on the `offline-photos` test photos (never used in training): PSNR, SSIM
and colourfulness against the original colour photos, beside the two baselines (zero chroma = the gray photo
itself; the training crops' mean chroma on the photo's own lightness), plus a before/after picture. Written into
the checkpoint's model card and printed as a Markdown table for the README.

    python benchmarks/colorizer_heldout.py checkpoints/colorizer-offline-photos [--render-size 256]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import gans  # noqa: E402
from gans.checkpoints import CARD_FILE, RunDir, atomic_write  # noqa: E402
from gans.colorize import colorize_picture  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.images import png_bytes  # noqa: E402

SECTION = "## Held-out evaluation"
PICTURE = "heldout.png"
ROWS = ("colorizer", "zero chroma (gray)", "mean training chroma")
THUMB_HEIGHT = 160


def evaluate(checkpoint: Path, render_size: int) -> tuple[list[str], Image.Image, list[str]]:
    model = gans.load(checkpoint)
    photos = load_dataset("offline-photos", split="test", download=False)
    results, columns = [], []
    for photo, name in zip(photos.photos, photos.names):
        original = Image.fromarray(photo.permute(1, 2, 0).numpy())
        result = colorize_picture(model, original, render_size=render_size)
        results.append(result.metrics)
        columns.append([result.gray.convert("RGB"), result.output, original])
    table = ["| on the 6 held-out photos (mean) | PSNR dB ↑ | SSIM ↑ | colourfulness |", "|---|---:|---:|---:|"]
    for row in ROWS:
        psnr = statistics.mean(r[row]["psnr"] for r in results)
        ssim = statistics.mean(r[row]["ssim"] for r in results)
        colour = statistics.mean(r[row]["colorfulness"] for r in results)
        label = f"**{row}**" if row == "colorizer" else f"baseline: {row}"
        table.append(f"| {label} | {psnr:.2f} | {ssim:.3f} | {colour:.1f} |")
    table.append(f"| the original photos | – | – | {statistics.mean(r['original']['colorfulness'] for r in results):.1f} |")
    return table, picture(columns), list(photos.names)


def picture(columns: list[list[Image.Image]]) -> Image.Image:
    """Rows: gray input, colorized, original; one column per photo, thumbnails of equal height."""
    thumbs = [[image.resize((round(image.width * THUMB_HEIGHT / image.height), THUMB_HEIGHT), Image.Resampling.LANCZOS)
               for image in column] for column in columns]
    width = sum(column[0].width for column in thumbs) + 4 * (len(thumbs) + 1)
    canvas = Image.new("RGB", (width, 3 * THUMB_HEIGHT + 16), "white")
    left = 4
    for column in thumbs:
        for row, image in enumerate(column):
            canvas.paste(image, (left, 4 + row * (THUMB_HEIGHT + 4)))
        left += column[0].width + 4
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--render-size", type=int, default=256)
    args = parser.parse_args()
    run = RunDir(args.checkpoint)
    table, image, names = evaluate(run.path, args.render_size)
    atomic_write(run.path / PICTURE, png_bytes(image))
    section = [SECTION, "", f"The `test` split of `offline-photos` ({', '.join(names)}) was never seen in training. "
               f"Each photo was made gray and coloured at render size {args.render_size} "
               "(colour put back onto the full-resolution lightness). Rows: gray input, colorized, original:", "",
               f"![held-out photos]({PICTURE})", "", *table, "",
               "Zero chroma is the gray photo itself; mean training chroma paints every pixel with the training "
               "crops' mean a*b*. PSNR and SSIM compare with the original colour photo.", "",
               f"Reproduce: `python benchmarks/colorizer_heldout.py {args.checkpoint}`", ""]
    card = (run.path / CARD_FILE).read_text()
    atomic_write(run.path / CARD_FILE, card.split(SECTION)[0].rstrip() + "\n\n" + "\n".join(section))
    print("\n".join(table))


if __name__ == "__main__":
    main()
