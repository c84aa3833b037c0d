"""Colour from a reference photo against the classic luminance-matching transfer (Welsh et al. 2002).

Two kinds of pairs, from the `offline-photos` photos of a split (test by default; tune on validation only):

(a) same scene: the left half of a photo is the reference and the right half is made gray and coloured, then the
    other way round (two pairs per photo);
(b) similar scenes: each photo of the split coloured with, as the reference, the photo of the other splits whose
    colours look most alike (the smallest distance between the originals' joint L*a*b* histograms: the choice a
    person would make, the same for every method).

For each pair, PSNR (``gans.metrics.psnr``) against the original of: the gray photo, the colorizer with no
reference, Welsh et al.'s transfer, and ours (``colorize_picture(..., reference=...)``), per pair and mean.
Writes results.json, table.md and examples.png (gray · Welsh · ours · original) under ``--out``.

    python benchmarks/colorizer_reference.py checkpoints/colorizer-offline-photos [--split test]

Welsh et al.'s transfer, as the paper describes it (written here in numpy): the reference's luminance is remapped
to the target's mean and standard deviation; about 200 reference pixels are taken on a jittered grid; each target
pixel takes the a*b* of the sample with the smallest 0.5·|ΔL| + 0.5·|Δσ|, σ the standard deviation of
luminance in the 5×5 window around it; the target keeps its own luminance.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
import gans.tasks.colorize  # noqa: E402
import gans.tasks.reference  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.metrics import psnr  # noqa: E402
from gans.ops.color import lab_to_rgb, rgb_to_lab  # noqa: E402
from gans.tasks.colorize import colorize_picture  # noqa: E402

WELSH_SAMPLES = 200
METHODS = ("gray", "no reference", "Welsh et al. 2002", "ours")


# ---- Welsh et al. 2002 ------------------------------------------------------------------------------------------
def _lab(image: Image.Image) -> np.ndarray:
    rgb = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)
    return rgb_to_lab(rgb).permute(1, 2, 0).numpy()


def _local_std(lightness: np.ndarray, window: int = 5) -> np.ndarray:
    padded = np.pad(lightness, window // 2, mode="edge")
    views = np.lib.stride_tricks.sliding_window_view(padded, (window, window))
    return views.std(axis=(2, 3))


def welsh_transfer(target: Image.Image, reference: Image.Image, samples: int = WELSH_SAMPLES,
                   seed: int = 0) -> Image.Image:
    """``target`` (its lightness only) coloured from ``reference`` by Welsh et al.'s global matching."""
    target_l = _lab(target)[..., 0]
    reference_lab = _lab(reference)
    reference_l = reference_lab[..., 0]
    reference_l = (reference_l - reference_l.mean()) * target_l.std() / max(reference_l.std(), 1e-3) + target_l.mean()
    rng = np.random.default_rng(seed)
    height, width = reference_l.shape
    cells = int(np.sqrt(samples))
    ys = ((np.arange(cells)[:, None] + rng.random((cells, cells))) * height / cells).astype(int).ravel()
    xs = ((np.arange(cells)[None, :] + rng.random((cells, cells))) * width / cells).astype(int).ravel()
    sample_l, sample_std = reference_l[ys, xs], _local_std(reference_l)[ys, xs]
    sample_ab = reference_lab[ys, xs, 1:]
    target_std = _local_std(target_l)
    cost = 0.5 * np.abs(target_l[..., None] - sample_l) + 0.5 * np.abs(target_std[..., None] - sample_std)
    ab = sample_ab[cost.argmin(axis=2)]
    lab = torch.from_numpy(np.concatenate([target_l[..., None], ab], 2)).permute(2, 0, 1).float()
    return Image.fromarray((lab_to_rgb(lab).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))


# ---- pairs ------------------------------------------------------------------------------------------------------
def _photo(tensor) -> Image.Image:
    return Image.fromarray(tensor.permute(1, 2, 0).numpy())


def halves(name: str, photo: Image.Image) -> list[tuple[str, Image.Image, Image.Image]]:
    """(label, target, reference): right half coloured from the left, and the other way round."""
    width, height = photo.size
    left, right = photo.crop((0, 0, width // 2, height)), photo.crop((width // 2, 0, width, height))
    return [(f"{name}: right from left", right, left), (f"{name}: left from right", left, right)]


def _histogram(photo: Image.Image) -> np.ndarray:
    lab = _lab(photo.resize((64, 64)))
    counts, _ = np.histogramdd(lab.reshape(-1, 3), bins=(4, 8, 8), range=((0, 100), (-60, 60), (-60, 60)))
    return counts.ravel() / counts.sum()


def similar_pairs(photos: dict[str, Image.Image], others: dict[str, Image.Image]):
    """(label, target, reference): each photo with the photo of ``others`` whose colours look most alike."""
    other_histograms = {name: _histogram(photo) for name, photo in others.items()}
    pairs = []
    for name, photo in photos.items():
        histogram = _histogram(photo)
        best = min(other_histograms, key=lambda other: np.abs(other_histograms[other] - histogram).sum())
        pairs.append((f"{name} ← {best}", photo, others[best]))
    return pairs


# ---- measuring --------------------------------------------------------------------------------------------------
def _unit(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]


def measure(model, pairs, render_size: int, matching: dict | None = None) -> list[dict]:
    """Per pair: PSNR of each method and the seconds ours took. ``matching``: settings of
    ``gans.tasks.reference.reference_hints`` to try instead of its defaults (tuning, on validation photos only)."""
    if matching:
        reference_hints = gans.tasks.reference.reference_hints.__wrapped__ if hasattr(
            gans.tasks.reference.reference_hints, "__wrapped__") else gans.tasks.reference.reference_hints
        gans.tasks.reference.reference_hints = functools.wraps(reference_hints)(
            functools.partial(reference_hints, **matching))
    rows = []
    for label, target, reference in pairs:
        original = _unit(target)
        plain = colorize_picture(model, target, render_size=render_size, with_metrics=False)
        started = time.perf_counter()
        ours = colorize_picture(model, target, render_size=render_size, with_metrics=False, reference=reference)
        seconds = time.perf_counter() - started
        welsh = welsh_transfer(target, reference)
        pictures = {"gray": plain.gray.convert("RGB"), "no reference": plain.output, "Welsh et al. 2002": welsh,
                    "ours": ours.output}
        rows.append({"pair": label, "seconds": seconds, "pictures": pictures, "original": target,
                     **{method: psnr(_unit(picture), original).item() for method, picture in pictures.items()}})
    return rows


def table(title: str, rows: list[dict]) -> str:
    lines = [f"| {title} | " + " | ".join(METHODS) + " |", "|---|" + "---:|" * len(METHODS)]
    for row in rows:
        best = max(METHODS, key=lambda method: row[method])
        lines.append(f"| {row['pair']} | " + " | ".join(
            (f"**{row[m]:.2f}**" if m == best else f"{row[m]:.2f}") for m in METHODS) + " |")
    lines.append("| **mean** | " + " | ".join(f"**{statistics.mean(r[m] for r in rows):.2f}**" for m in METHODS) + " |")
    return "\n".join(lines)


def examples(rows: list[dict], path: Path, count: int = 4, side: int = 160) -> None:
    """A grid: one row per pair (the first ``count``), columns gray · Welsh · ours · original."""
    from PIL import ImageDraw

    columns = ("gray", "Welsh et al. 2002", "ours", "original")
    chosen = rows[:count]
    heights = [round(side * min(1, row["original"].height / row["original"].width)) if row["original"].width >=
               row["original"].height else side for row in chosen]
    sheet = Image.new("RGB", (side * len(columns), sum(heights) + 14 * (len(chosen) + 1)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, name in enumerate(columns):
        draw.text((column * side + 4, 1), name, fill="black")
    top = 14
    for row, height in zip(chosen, heights):
        for column, name in enumerate(columns):
            picture = (row["original"] if name == "original" else row["pictures"][name]).copy()
            picture.thumbnail((side, side))
            sheet.paste(picture, (column * side, top))
        label = row["pair"].replace("←", "coloured like")  # the default font has no arrow
        draw.text((4, top + height), label[:80], fill="black")
        top += height + 14
    sheet.save(path)


def _relative(path: str) -> str:
    """``path`` relative to the repository when it lies inside it (results do not name this machine's folders)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=str(ROOT / "checkpoints" / "colorizer-offline-photos"))
    parser.add_argument("--split", default="test", choices=("validation", "test"))
    parser.add_argument("--render-size", type=int, default=256)
    parser.add_argument("--matching", default="{}", help="JSON: reference settings to try (tuning on validation)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "colorizer-reference")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(machine_line())
    model = gans.load(args.checkpoint)
    data = load_dataset("offline-photos", split=args.split, download=False)
    photos = {name.rsplit("/", 1)[-1].rsplit(".", 1)[0]: _photo(p) for name, p in zip(data.names, data.photos)}
    others = {}
    for split in ("train", "validation", "test"):
        if split != args.split:
            other = load_dataset("offline-photos", split=split, download=False)
            others.update({name.rsplit("/", 1)[-1].rsplit(".", 1)[0]: _photo(p)
                           for name, p in zip(other.names, other.photos)})
    matching = json.loads(args.matching)
    same = measure(model, [pair for name, photo in photos.items() for pair in halves(name, photo)],
                   args.render_size, matching)
    similar = measure(model, similar_pairs(photos, others), args.render_size, matching)
    spread = {True: "on", False: "off"}.get(getattr(gans.tasks.colorize, "SPREAD_HINTS", None), "not in this version")
    text = (f"{machine_line()}\n\n`offline-photos` {args.split} split, {len(photos)} photos, render size "
            f"{args.render_size}, hint spreading (gans.ops.hint_spread) {spread}; PSNR dB against the original "
            "(higher is better; best of each row in bold)\n\n"
            + table("(a) same scene, halves", same) + "\n\n" + table("(b) similar scenes", similar) + "\n\n"
            + f"ours: {statistics.mean(r['seconds'] for r in same + similar):.2f} s per pair on average "
              "(colorizing with the reference, these photos are at most 512 px)\n")
    print(text)
    if args.no_write:
        return
    args.out.mkdir(parents=True, exist_ok=True)
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("pictures", "original")} for r in rows]  # noqa
    (args.out / "results.json").write_text(json.dumps({
        "checkpoint": _relative(args.checkpoint), "split": args.split, "photos": list(data.names),
        "render_size": args.render_size, "matching": matching,
        "spread_hints": getattr(gans.tasks.colorize, "SPREAD_HINTS", None), "same_scene": strip(same),
        "similar_scenes": strip(similar),
        "mean": {kind: {m: statistics.mean(r[m] for r in rows) for m in METHODS}
                 for kind, rows in (("same_scene", same), ("similar_scenes", similar))}}, indent=1))
    (args.out / "table.md").write_text(text)
    examples(same[::2][:3] + similar[:2], args.out / "examples.png")


if __name__ == "__main__":
    main()
