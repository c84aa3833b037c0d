"""Super-resolution on held-out photos: bicubic interpolation, the MSE model (SRResNet) and the GAN model (SRGAN)
at ×4, and the time one 1000×750 upload takes.

Quality (``gans.tasks.upscale.measure``): every photo of the ``offline-photos`` test split (never trained on, never used
for a choice) is downscaled 4× (antialiased bicubic), upscaled back, and compared with the original: PSNR and
SSIM (RGB, a 4 px border left out) and sharpness = high-frequency energy over the original's (1 = as detailed as
the original). Speed: ``gans.tasks.upscale.upscale_picture`` on a 1000×750 photo (tiles, bf16 where the CPU has it),
median of 3 after one warm-up; the PNG encoding of the 4000×3000 result is timed apart.

    python benchmarks/upscale_quality.py [--mse checkpoints/srresnet-offline-photos]
                                         [--gan checkpoints/srgan-offline-photos] [--split test]

Prints the machine, a Markdown table for the README, and writes benchmarks/results/upscale/results.json and a
side-by-side picture (crops of bicubic, MSE, GAN, original) for the model cards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.data.photos import load_offline_photos  # noqa: E402
from gans.io.checkpoints import CARD_FILE, atomic_write  # noqa: E402
from gans.io.images import png_bytes  # noqa: E402
from gans.io.uploads import tensor_to_image  # noqa: E402
from gans.models.srgan import upscale_bicubic  # noqa: E402
from gans.tasks.upscale import low_resolution, measure, upscale_picture  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "upscale"
SPEED_SIZE = (1000, 750)
CROP = 128  # side of the crops in the comparison picture (output px)
SECTION = "## Held-out evaluation"
PICTURE = "heldout.jpg"  # JPEG: a tenth of the PNG, so checkpoints/ stays small


def speed(model, photo: Image.Image) -> dict[str, float]:
    """Seconds for one upscale of ``photo`` (median of 3 after a warm-up) and for encoding the result as PNG."""
    upscale_picture(model, photo)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = upscale_picture(model, photo)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    png_bytes(result.output)
    return {"upscale_seconds": statistics.median(times), "png_seconds": time.perf_counter() - start,
            "tiles": result.report.tiles, "output_size": list(result.output.size)}


def comparison_picture(models: dict, photos: list[torch.Tensor], path: Path) -> None:
    """One row per photo: the same central crop of bicubic, each model, and the original (4× upscales)."""
    rows = []
    for photo in photos:
        original = photo[None].float() / 127.5 - 1
        height, width = (original.shape[2] // 4) * 4, (original.shape[3] // 4) * 4
        original = original[..., :height, :width]
        small = low_resolution(original, 4)
        pictures = [upscale_bicubic(small, 4).clamp(-1, 1)]
        pictures += [model.translate_tiled(small)[0] for model in models.values()]
        pictures.append(original)
        top, left = (height - CROP) // 2, (width - CROP) // 2
        rows.append([tensor_to_image(p[..., top:top + CROP, left:left + CROP]) for p in pictures])
    sheet = Image.new("RGB", (len(rows[0]) * (CROP + 4), len(rows) * (CROP + 4)), "white")
    for y, row in enumerate(rows):
        for x, picture in enumerate(row):
            sheet.paste(picture, (x * (CROP + 4), y * (CROP + 4)))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


def write_card_section(run: Path, rows: dict, timing: dict, count: int, picture: Path) -> None:
    """Put the table and the comparison picture into the checkpoint's model card (replacing an older one)."""
    with Image.open(picture) as image:
        image.convert("RGB").save(run / PICTURE, quality=90)
    table = ["| upscaler | PSNR (dB) | SSIM | sharpness |", "|---|---|---|---|"]
    table += [f"| {name} | {row['psnr']:.2f} | {row['ssim']:.3f} | {row['sharpness']:.3f} |"
              for name, row in rows.items()]
    section = [SECTION, "", f"×4 on the {count} `test` photos of `offline-photos` (never trained on): each photo "
               "downscaled 4× (antialiased bicubic), upscaled back, compared with the original. PSNR and SSIM on "
               "RGB with a 4 px border left out; sharpness = high-frequency energy (mean squared Laplacian of "
               "luma) over the original's: 1 is as detailed as the original. Made by "
               "`python benchmarks/upscale_quality.py`.", "", *table, "",
               f"A {SPEED_SIZE[0]}×{SPEED_SIZE[1]} photo upscales ×4 in {timing['upscale_seconds']:.1f} s on the "
               f"benchmark's CPU ({timing['tiles']} tiles).", "",
               f"Central crops (columns: bicubic, MSE model, GAN model, original): ![held-out]({PICTURE})", ""]
    card = (run / CARD_FILE).read_text()
    atomic_write(run / CARD_FILE, card.split(SECTION)[0].rstrip() + "\n\n" + "\n".join(section))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mse", type=Path, default=ROOT / "checkpoints" / "srresnet-offline-photos")
    parser.add_argument("--gan", type=Path, default=ROOT / "checkpoints" / "srgan-offline-photos")
    parser.add_argument("--split", default="test", choices=("test", "validation"))
    args = parser.parse_args()
    print(machine_line(), flush=True)
    photos = load_offline_photos(args.split).photos
    models = {"MSE model (SRResNet)": gans.load(args.mse), "GAN model (SRGAN)": gans.load(args.gan)}
    rows = {}
    for name, model in models.items():
        scores = measure(model, photos)
        rows.setdefault("bicubic", scores["bicubic"])
        rows[name] = scores["model"]
    print(f"\n×4 on the {len(photos)} {args.split} photos of offline-photos (PSNR, SSIM: higher is closer to the "
          "original; sharpness: high-frequency energy / the original's)\n")
    print("| upscaler | PSNR (dB) | SSIM | sharpness |\n|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['psnr']:.2f} | {row['ssim']:.3f} | {row['sharpness']:.3f} |")
    test_photo = tensor_to_image(photos[0][None].float() / 127.5 - 1).resize(SPEED_SIZE, Image.Resampling.LANCZOS)
    timing = speed(models["GAN model (SRGAN)"], test_photo)
    print(f"\nupscaling a {SPEED_SIZE[0]}×{SPEED_SIZE[1]} photo ×4: {timing['upscale_seconds']:.2f} s "
          f"({timing['tiles']} tiles; median of 3), PNG encoding of the {timing['output_size'][0]}×"
          f"{timing['output_size'][1]} result {timing['png_seconds']:.2f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    comparison_picture(models, photos, RESULTS / "comparison.png")
    if args.split == "test":
        for path in (args.mse, args.gan):
            write_card_section(path, rows, timing, len(photos), RESULTS / "comparison.png")
    (RESULTS / f"results-{args.split}.json").write_text(json.dumps(
        {"machine": machine_line(), "split": args.split, "photos": len(photos), "scale": 4, "rows": rows,
         "speed": timing, "checkpoints": {name: str(path) for name, path in zip(models, (args.mse, args.gan))}},
        indent=2) + "\n")
    print(f"wrote {RESULTS / f'results-{args.split}.json'} and {RESULTS / 'comparison.png'}")


if __name__ == "__main__":
    main()
