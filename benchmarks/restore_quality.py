"""Photo restoration on held-out photos aged with mixes training never drew: the aged input, two classic filters
(median 3×3, non-local means) and the restoration Pix2Pix, by PSNR and SSIM against the clean photo.

Photos: every photo of the ``offline-photos`` test split (never trained on, never used for a choice), as loaded
(longer side 512). Each is aged four times, once with each fixed mix of ``gans.ops.ageing.HELD_OUT_AGEINGS`` (training
draws every degradation on its own at random strengths, so it never draws these mixes), each with its own seed.
The model runs through ``gans.tasks.translate.translate_picture`` (the studio's path: the photo's own size, padded and
cropped back); every output is checked to have exactly the input's size.

    python benchmarks/restore_quality.py [--run checkpoints/pix2pix-restore-photos] [--split test] [--sheet] [--quick]

Prints the machine, a Markdown table for the README and the card; writes benchmarks/results/restore/ (results.json,
table.md with a row per photo and mix) and, with --sheet, the run's heldout.jpg (aged, median, NLM, ours, clean:
four photos, one mix each); with --card, the run's model card.
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
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.data.photos import load_offline_photos  # noqa: E402
from gans.metrics import psnr, ssim  # noqa: E402
from gans.ops.ageing import HELD_OUT_AGEINGS  # noqa: E402
from gans.tasks.restore import age_picture  # noqa: E402
from gans.tasks.translate import translate_picture  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "restore"
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
    parser.add_argument("--card", action="store_true", help="write the run's model card (README.md) and its "
                                                             "contact sheet (heldout.jpg) from these results")
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
            if args.sheet and number % 8 == 0 and index == (number // 8) % len(HELD_OUT_AGEINGS):  # one mix a row
                sheet_rows.append([outputs[m] for m in METHODS] + [clean])
        print(f"{name}: " + ", ".join(f"{m} {statistics.mean(r[m]['psnr'] for r in rows[-4:]):.2f}"
                                      for m in METHODS), flush=True)

    summary = {method: {key: statistics.mean(row[method][key] for row in rows) for key in ("psnr", "ssim")}
               for method in METHODS}
    by_mix = {mix: {method: statistics.mean(row[method]["psnr"] for row in rows if row["mix"] == mix)
                    for method in METHODS} for mix in HELD_OUT_AGEINGS}
    classic = max(summary["median 3×3"]["psnr"], summary["non-local means"]["psnr"])
    worse = sum(row["ours"]["psnr"] < row["aged input"]["psnr"] for row in rows)
    heading = (f"Held-out photos: {len(data.photos)} ({args.split} split) × {len(HELD_OUT_AGEINGS)} ageing mixes = "
               f"{len(rows)} images; {machine_line()}")
    lines = [heading, "",
             "| | PSNR (dB) | SSIM |", "|---|---|---|"]
    lines += [f"| {method} | {summary[method]['psnr']:.2f} | {summary[method]['ssim']:.3f} |" for method in METHODS]
    gains = (f"ours − aged input: {summary['ours']['psnr'] - summary['aged input']['psnr']:+.2f} dB; "
             f"ours − the better classic filter: {summary['ours']['psnr'] - classic:+.2f} dB; "
             f"images where ours is below the aged input: {worse} of {len(rows)}")
    lines += ["", gains, "",
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
        write_sheet(sheet_rows, Path(args.run) / "heldout.jpg")
    if args.card:
        write_card(Path(args.run), table, len(rows))
    return 0


def write_card(run: Path, table: str, count: int) -> None:
    """The shipped restorer's model card: what it is, its data with sources and licences, the recipe, the read-out,
    the held-out table and contact sheet, and how to use it."""
    config = json.loads((run / "config.json").read_text())
    model, train = config["model"], config["train"]
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines() if line.strip()]
    steps = max(event.get("step", 0) for event in events)
    photos = json.loads((ROOT / "gans" / "data" / "photos.json").read_text())
    sources: dict[str, list] = {}
    for entry in photos["train"]:
        sources.setdefault(entry["photo"].split("/")[0], [0, entry["licence"]])[0] += 1
    source_rows = "\n".join(f"| {name} | {count_} | {licence} |" for name, (count_, licence) in
                            sorted(sources.items(), key=lambda item: -item[1][0]))
    card = f"""---
library_name: gans
tags: [gan, pix2pix, photo-restoration, gan-studio]
---
# pix2pix-restore-photos: old-photo restoration (fading, casts, blur, grain, JPEG blocks, scratches, dust, creases)

- **Architecture:** `pix2pix` with a residual output, G(A) = A + 2·U(A): U-Net of width {model['width']} (depth 6),
  70×70 PatchGAN, adversarial (BCE) + {model['l1_weight']:g}·L1, batch norm, no dropout
- **Data:** `aged-photos`: random 256 px windows of the {len(photos['train'])} `offline-photos` training photographs
  (sources and licences below; every photo is listed in `gans/data/photos.json`), each aged afresh every batch by its
  own random mix (`gans/ageing.py`: fading, a sepia cast, Gaussian blur, film grain, 8×8 block-DCT quantisation,
  scratches, dust and spots, creases; each present half the time at a strength uniform in [0.2, 1])
- **Steps:** {steps:,} (batch {train['batch_size']}, Adam 2e-4, seed {train['seed']}) on a 2-core CPU (Intel Xeon,
  bf16), first with 2 threads then 1 beside other work; the checkpoint with the best calibrated validation PSNR
  among steps 5,000 to 6,660 (every 500 and the last)
- **Command:** `python -m gans train pix2pix --data aged-photos --image-size 256 --batch-size 8 --width 32
  --model-arg residual=true --model-arg dropout=0`, then the read-out below set in config.json; weights in fp16
- **Read-out** (`benchmarks/restore_calibrate.py`, on the 13 validation photos, rule fixed beforehand: the highest
  mean PSNR): `correction_broad` {model.get('correction_broad', 1.0)} (the correction blurred at σ = 12 px: colour
  and tone), `correction_fine` {model.get('correction_fine', 1.0)} (the rest: grain, dust, scratches). A global tone
  is ambiguous (a warm photo looks like a sepia cast), so a model unsure of it does better to correct less.

## Training photos

| collection | photos | licence |
|---|---:|---|
{source_rows}

## Held-out evaluation (`python benchmarks/restore_quality.py --sheet --card`)

The {count} images are the offline-photos test photos (never trained on, never used for any choice), each aged
with four fixed mixes that training never draws (`gans.ops.ageing.HELD_OUT_AGEINGS`). PSNR and SSIM against the
clean photo; the classic filters are a 3×3 median and scikit-image's non-local means (noise level estimated).

{table}

Columns: aged input, median, non-local means, this model, clean original:

![held-out photos](heldout.jpg)

## Use

```python
import gans
from gans.tasks.restore import RestoreSettings, restore_file
from gans.tasks.translate import translate_file
model = gans.load("checkpoints/pix2pix-restore-photos")
fixed = translate_file(model, "old.jpg").output           # any size; the output keeps it
flow = restore_file("old.jpg", RestoreSettings(upscale=2), restorer=model,
                    colorizer=gans.load("checkpoints/colorizer-offline-photos"),
                    upscaler=gans.load("checkpoints/srgan-offline-photos"))
```

or `python -m gans translate checkpoints/pix2pix-restore-photos old.jpg -o fixed.png`, or the whole flow
`python -m gans restore old.jpg -o out.png [--colorize auto|yes|no] [--hint X,Y,#RRGGBB] [--reference PHOTO]
[--upscale 2|4]`.
"""
    (run / "README.md").write_text(card)


def write_sheet(rows: list[list[Image.Image]], path: Path, side: int = 200) -> None:
    """One row per photo: aged, median, NLM, ours, clean, each fitted in a side×side cell, labels on top."""
    from PIL import ImageDraw

    labels = list(METHODS) + ["clean original"]
    sheet = Image.new("RGB", (side * len(labels), 18 + side * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, label in enumerate(labels):
        draw.text((column * side + 4, 3), label.replace("×", "x"), fill="black")  # the default font has no ×
    for row, pictures in enumerate(rows):
        for column, picture in enumerate(pictures):
            cell = picture.copy()
            cell.thumbnail((side, side))
            sheet.paste(cell, (column * side + (side - cell.width) // 2, 18 + row * side + (side - cell.height) // 2))
    sheet.save(path, quality=88)


if __name__ == "__main__":
    raise SystemExit(main())
