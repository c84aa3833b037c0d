"""Held-out evaluation of a colorizer on the `offline-photos` test photos (never used in training nor for any
choice: ``colorizer_select.py`` chooses on the validation photos): PSNR, SSIM and colourfulness against the
original colour photos, beside the two baselines (zero chroma = the gray photo itself; the training crops' mean
chroma on the photo's own lightness), plus a before/after picture. Written into the checkpoint's model card and
printed as a Markdown table for the README.

    python benchmarks/colorizer_heldout.py checkpoints/colorizer-offline-photos [--render-size 256]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

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


def score_photos(model, photos, render_size: int, columns: list | None = None) -> dict[str, dict[str, float]]:
    """Mean PSNR, SSIM and colourfulness over ``photos`` (a ``PhotoData``) of the colorizer and the two baselines,
    and the originals' mean colourfulness; appends (gray, colorized, original) per photo to ``columns`` if given."""
    results = []
    for photo in photos.photos:
        original = Image.fromarray(photo.permute(1, 2, 0).numpy())
        result = colorize_picture(model, original, render_size=render_size)
        results.append(result.metrics)
        if columns is not None:
            columns.append([result.gray.convert("RGB"), result.output, original])
    metrics = ("psnr", "ssim", "colorfulness")
    means = {row: {metric: statistics.mean(r[row][metric] for r in results) for metric in metrics} for row in ROWS}
    means["original"] = {"colorfulness": statistics.mean(r["original"]["colorfulness"] for r in results)}
    return means


def evaluate(checkpoint: Path, render_size: int) -> tuple[list[str], Image.Image, list[str]]:
    model = gans.load(checkpoint)
    photos = load_dataset("offline-photos", split="test", download=False)
    columns: list[list[Image.Image]] = []
    means = score_photos(model, photos, render_size, columns)
    table = ["| on the 6 held-out photos (mean) | PSNR dB ↑ | SSIM ↑ | colourfulness |", "|---|---:|---:|---:|"]
    for row in ROWS:
        label = f"**{row}**" if row == "colorizer" else f"baseline: {row}"
        scores = means[row]
        table.append(f"| {label} | {scores['psnr']:.2f} | {scores['ssim']:.3f} | {scores['colorfulness']:.1f} |")
    table.append(f"| the original photos | – | – | {means['original']['colorfulness']:.1f} |")
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
    scale = gans.load(run.path).chroma_scale
    section = [SECTION, "", f"The `test` split of `offline-photos` ({', '.join(names)}) was never seen in training "
               "nor used for any choice. "
               f"Each photo was made gray and coloured at render size {args.render_size} with the model's chroma "
               f"scale {scale:g} (colour put back onto the full-resolution lightness). "
               "Rows: gray input, colorized, original:", "",
               f"![held-out photos]({PICTURE})", "", *table, "",
               "Zero chroma is the gray photo itself; mean training chroma paints every pixel with the training "
               "crops' mean a*b*. PSNR and SSIM compare with the original colour photo.", "",
               f"Reproduce: `python benchmarks/colorizer_heldout.py {args.checkpoint}`", ""]
    card = (run.path / CARD_FILE).read_text()
    atomic_write(run.path / CARD_FILE, card.split(SECTION)[0].rstrip() + "\n\n" + "\n".join(section))
    print("\n".join(table))


if __name__ == "__main__":
    main()
