"""Per-photo evaluation of colorizers on whole `offline-photos` photographs (validation for choices, test for
reporting): each photo made gray and coloured at the render size, scored against the original (PSNR, and
colourfulness against the original's), with no hints and with ``k`` hints at seeded random places carrying the
original's colour there (``colorizer_hints.true_hints``: the places for ``k`` hints are the first ``k`` of one
draw, the same for every model).

    python benchmarks/colorizer_eval.py --split test --model new=checkpoints/colorizer-offline-photos \\
        --model old=/tmp/old-colorizer [--model T0.5=RUN@0.5] [--hints 0,1,5,10,20] [--out DIR]

``NAME=PATH@T`` sets the model's temperature (colour classes) to T for this row. Prints, per model, the mean PSNR
over gray, the worst photo's PSNR against its own gray version, the share of the originals' colourfulness, and
the mean gain at each hint count; writes ``results.json`` (every photo's numbers) and ``table.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from colorizer_hints import true_hints  # noqa: E402
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.tasks.colorize import colorize_picture  # noqa: E402


def load_model(spec: str):
    """``NAME=PATH[@T]`` → (name, model)."""
    name, _, path = spec.partition("=")
    path, _, settings = path.partition("@")
    model = gans.load(path)
    for setting in filter(None, settings.split(",")):  # T, or key:value of temperature / caution / chroma_scale
        key, _, value = setting.rpartition(":")
        setattr(model, key or "temperature", float(value))
    return name, model


THUMB_HEIGHT = 120


def thumb(picture: Image.Image) -> Image.Image:
    picture = picture.convert("RGB")
    return picture.resize((max(1, round(picture.width * THUMB_HEIGHT / picture.height)), THUMB_HEIGHT),
                          Image.Resampling.LANCZOS)


def contact_sheet(columns: list[list[Image.Image]]) -> Image.Image:
    """One row per photo: the given pictures side by side (gray, each model, original), 2 px apart."""
    rows = [[thumb(picture) for picture in row] for row in columns]
    width = max(sum(p.width for p in row) + 2 * (len(row) - 1) for row in rows)
    sheet = Image.new("RGB", (width, len(rows) * (THUMB_HEIGHT + 2) - 2), "white")
    for index, row in enumerate(rows):
        left = 0
        for picture in row:
            sheet.paste(picture, (left, index * (THUMB_HEIGHT + 2)))
            left += picture.width + 2
    return sheet


def evaluate(model, photos, counts, render_size: int, seed: int, pictures: list | None = None) -> list[dict]:
    """One row per photo: name, gray PSNR, the original's colourfulness, and per hint count PSNR and
    colourfulness. Appends each photo's automatic (no hints) result to ``pictures[index]`` if given."""
    rows = []
    for index, (name, photo) in enumerate(zip(photos.names, photos.photos)):
        original = Image.fromarray(photo.permute(1, 2, 0).numpy())
        row = {"photo": name}
        for count in counts:
            result = colorize_picture(model, original, render_size=render_size,
                                      hints=true_hints(original, count, seed + index) if count else ())
            metrics = result.metrics
            row["gray"] = metrics["zero chroma (gray)"]["psnr"]
            row["original_colorfulness"] = metrics["original"]["colorfulness"]
            row[f"psnr_{count}"] = metrics["colorizer"]["psnr"]
            row[f"colorfulness_{count}"] = metrics["colorizer"]["colorfulness"]
            if count == 0 and pictures is not None:
                pictures[index].append(result.output)
        rows.append(row)
    return rows


def summary(rows: list[dict], counts) -> dict:
    mean = lambda key: statistics.mean(row[key] for row in rows)  # noqa: E731
    gains = [row["psnr_0"] - row["gray"] for row in rows]
    worst = min(range(len(rows)), key=lambda i: gains[i])
    return {"gray": mean("gray"), "psnr": mean("psnr_0"), "gain": statistics.mean(gains),
            "worst_gain": gains[worst], "worst_photo": rows[worst]["photo"],
            "photos_below_gray_by_1db": sum(gain < -1 for gain in gains),
            "colorfulness_share": mean("colorfulness_0") / mean("original_colorfulness"),
            "hint_gains": {str(count): mean(f"psnr_{count}") - mean("gray") for count in counts}}


def tables(models: dict, photos: list[str], counts) -> list[str]:
    """Markdown: one summary row per model (``results["models"]``), then PSNR over gray per photo, no hints."""
    hinted = [count for count in counts if count]
    lines = ["| model | PSNR dB | over gray | worst photo vs its gray | photos > 1 dB below gray | colourfulness "
             "(share of originals') | " + " | ".join(f"{c} hints" for c in hinted) + " |",
             "|---|---:|---:|---:|---:|---:|" + "---:|" * len(hinted)]
    for name, entry in models.items():
        s = entry["summary"]
        lines.append(f"| {name} | {s['psnr']:.2f} | {s['gain']:+.2f} | {s['worst_gain']:+.2f} ({s['worst_photo']}) | "
                     f"{s['photos_below_gray_by_1db']} | {100 * s['colorfulness_share']:.0f} % | "
                     + " | ".join(f"{s['hint_gains'][str(c)]:+.2f}" for c in hinted) + " |")
    lines += ["", "Per photo, no hints (PSNR over the photo's own gray version, dB):", "",
              "| photo | gray PSNR | " + " | ".join(models) + " |", "|---|---:|" + "---:|" * len(models)]
    for index, name in enumerate(photos):
        entries = [entry["photos"][index] for entry in models.values()]
        lines.append(f"| {name} | {entries[0]['gray']:.2f} | "
                     + " | ".join(f"{e['psnr_0'] - e['gray']:+.2f}" for e in entries) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH[@T]")
    parser.add_argument("--split", default="validation", choices=("validation", "test"))
    parser.add_argument("--hints", default="0")
    parser.add_argument("--render-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sheet", type=Path, help="write a contact sheet: gray · each model · original")
    args = parser.parse_args()
    print(machine_line())
    photos = load_dataset("offline-photos", split=args.split, download=False)
    counts = sorted({0, *(int(count) for count in args.hints.split(","))})
    results = {"split": args.split, "photos": list(photos.names), "render_size": args.render_size,
               "seed": args.seed, "models": {}}
    originals = [Image.fromarray(photo.permute(1, 2, 0).numpy()) for photo in photos.photos]
    pictures = [[original.convert("L")] for original in originals]
    for spec in args.model:
        name, model = load_model(spec)
        start = time.perf_counter()
        rows = evaluate(model, photos, counts, args.render_size, args.seed, pictures)
        results["models"][name] = {"spec": spec, "photos": rows, "summary": summary(rows, counts),
                                   "seconds": time.perf_counter() - start}
    lines = [f"{len(photos.photos)} {args.split} photos, render size {args.render_size}", ""]
    lines += tables(results["models"], list(photos.names), counts)
    if args.sheet:
        contact_sheet([row + [original] for row, original in zip(pictures, originals)]).save(args.sheet, quality=85)
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(results, indent=1))
        (args.out / "table.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
