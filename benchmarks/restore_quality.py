"""Photo restoration on held-out photos aged with mixes training never drew: the aged input, two classic filters
(median 3×3, non-local means) and the restoration Pix2Pix, by PSNR and SSIM against the clean photo.

Photos: every photo of the ``offline-photos`` test split (never trained on, never used for a choice), as loaded
(longer side 512). Each is aged four times, once with each fixed mix of ``gans.ageing.HELD_OUT_AGEINGS`` (training
draws every degradation on its own at random strengths, so it never draws these mixes), each with its own seed.
The model runs through ``gans.translate.translate_picture`` (the studio's path: the photo's own size, padded and
cropped back); every output is checked to have exactly the input's size.

    python benchmarks/restore_quality.py [--run checkpoints/pix2pix-restore-photos] [--split test] [--sheet] [--quick]

Prints the machine, a Markdown table for the README and the card; writes benchmarks/results/restore/ (results.json,
table.md with a row per photo and mix) and, with --sheet, docs/restore-contact-sheet.jpg (aged, median, NLM, ours,
clean, for a few photos).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import gans  # noqa: E402
from gans.ageing import HELD_OUT_AGEINGS  # noqa: E402
from gans.data.photos import load_offline_photos  # noqa: E402
from gans.metrics import psnr, ssim  # noqa: E402
from gans.restore import age_picture  # noqa: E402
from gans.translate import translate_picture  # noqa: E402
from reference_dcgan import machine_line  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "restore"
SHEET = ROOT / "docs" / "restore-contact-sheet.jpg"
METHODS = ("aged input", "median 3×3", "non-local means", "ours")


def median_filter(image: Image.Image) -> Image.Image:
    from PIL import ImageFilter

    return image.filter(ImageFilter.MedianFilter(3))


def nl_means(image: Image.Image) -> Image.Image:
    """scikit-image's non-local means, its noise level estimated from the photo (h = 0.8·σ, 5×5 patches)."""
    from skimage.restoration import denoise_nl_means, estimate_sigma

    pixels = np.asarray(image, dtype=np.float32) / 255
    sigma = float(np.mean(estimate_sigma(pixels, channel_axis=-1)))
    out = denoise_nl_means(pixels, h=0.8 * sigma, sigma=sigma, patch_size=5, patch_distance=6, fast_mode=True,
                           channel_axis=-1)
    return Image.fromarray((np.clip(out, 0, 1) * 255).round().astype(np.uint8))


def unit(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", default=str(ROOT / "checkpoints" / "pix2pix-restore-photos"))
    parser.add_argument("--split", default="test", choices=("validation", "test"))
    parser.add_argument("--sheet", action="store_true", help="write the contact sheet")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--quick", action="store_true", help="skip the classic filters (a check during training)")
    args = parser.parse_args()
    print(machine_line())
    model = gans.load(args.run, device="cpu")
    data = load_offline_photos(args.split)
    rows, sheet_rows = [], []
    for number, (name, photo) in enumerate(zip(data.names, data.photos)):
        clean = Image.fromarray(photo.permute(1, 2, 0).numpy())
        for index, (mix, ageing) in enumerate(HELD_OUT_AGEINGS.items()):
            aged = age_picture(clean, ageing, seed=1000 + 10 * number + index)
            outputs = {"aged input": aged, "ours": translate_picture(model, aged).output}
            for method, run in (("median 3×3", median_filter), ("non-local means", nl_means)):
                outputs[method] = aged if args.quick else run(aged)
            if outputs["ours"].size != aged.size:
                raise SystemExit(f"{name}: the output is {outputs['ours'].size}, the input {aged.size}")
            target = unit(clean)
            row = {"photo": name, "mix": mix, "size": list(aged.size)}
            for method, picture in outputs.items():
                row[method] = {"psnr": psnr(unit(picture), target).item(), "ssim": ssim(unit(picture), target).item()}
            rows.append(row)
            if args.sheet and number % 8 == 0:
                sheet_rows.append([outputs[m] for m in METHODS] + [clean])
        print(f"{name}: " + ", ".join(f"{m} {statistics.mean(r[m]['psnr'] for r in rows[-4:]):.2f}"
                                      for m in METHODS), flush=True)

    summary = {method: {key: statistics.mean(row[method][key] for row in rows) for key in ("psnr", "ssim")}
               for method in METHODS}
    by_mix = {mix: {method: statistics.mean(row[method]["psnr"] for row in rows if row["mix"] == mix)
                    for method in METHODS} for mix in HELD_OUT_AGEINGS}
    classic = max(summary["median 3×3"]["psnr"], summary["non-local means"]["psnr"])
    worse = sum(row["ours"]["psnr"] < row["aged input"]["psnr"] for row in rows)
    lines = [f"Held-out photos: {len(data.photos)} ({args.split} split) × {len(HELD_OUT_AGEINGS)} ageing mixes = "
             f"{len(rows)} images; {machine_line()}", "",
             "| | PSNR (dB) | SSIM |", "|---|---|---|"]
    lines += [f"| {method} | {summary[method]['psnr']:.2f} | {summary[method]['ssim']:.3f} |" for method in METHODS]
    lines += ["", f"ours − aged input: {summary['ours']['psnr'] - summary['aged input']['psnr']:+.2f} dB; "
                  f"ours − the better classic filter: {summary['ours']['psnr'] - classic:+.2f} dB; "
                  f"images where ours is below the aged input: {worse} of {len(rows)}", "",
              "| mix | " + " | ".join(METHODS) + " |", "|---|" + "---|" * len(METHODS)]
    lines += [f"| {mix} | " + " | ".join(f"{by_mix[mix][m]:.2f}" for m in METHODS) + " |" for mix in by_mix]
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"summary": summary, "by_mix": by_mix, "rows": rows,
                                                  "run": str(args.run), "split": args.split}, indent=1))
    per_photo = ["| photo | mix | " + " | ".join(METHODS) + " |", "|---|---|" + "---|" * len(METHODS)]
    per_photo += [f"| {r['photo']} | {r['mix']} | " + " | ".join(f"{r[m]['psnr']:.2f}" for m in METHODS) + " |"
                  for r in rows]
    (out / "table.md").write_text(table + "\n\nPSNR (dB) per photo and mix:\n\n" + "\n".join(per_photo) + "\n")
    if sheet_rows:
        write_sheet(sheet_rows)
    return 0


def write_sheet(rows: list[list[Image.Image]], side: int = 200) -> None:
    """One row per photo: aged, median, NLM, ours, clean, each fitted in a side×side cell, labels on top."""
    from PIL import ImageDraw

    labels = list(METHODS) + ["clean original"]
    sheet = Image.new("RGB", (side * len(labels), 18 + side * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, label in enumerate(labels):
        draw.text((column * side + 4, 3), label, fill="black")
    for row, pictures in enumerate(rows):
        for column, picture in enumerate(pictures):
            cell = picture.copy()
            cell.thumbnail((side, side))
            sheet.paste(cell, (column * side + (side - cell.width) // 2, 18 + row * side + (side - cell.height) // 2))
    SHEET.parent.mkdir(exist_ok=True)
    sheet.save(SHEET, quality=88)


if __name__ == "__main__":
    raise SystemExit(main())
