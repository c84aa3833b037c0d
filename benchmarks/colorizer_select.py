"""Choose a colorizer's training length and ``chroma_scale`` on the `offline-photos` VALIDATION photos (never on
the held-out test photos): train in stages (each stage resumes the run, which continues exactly as one straight
run would), and after each stage colour the validation photos at the render size with every candidate chroma
scale. Prints one table row per (steps, scale) and the choice:

- only settings whose mean validation colourfulness is at least ``--min-colorfulness`` (33, "moderately
  colourful" on Hasler & Süsstrunk's scale) qualify;
- among them, the highest mean validation PSNR wins.

    python benchmarks/colorizer_select.py /tmp/select/w16 --stages 1000,2000,4000 -- \\
        --image-size 64 --width 16 --batch-size 16 --model-arg pretrain_steps=100000 --model-arg dropout=0.5

Everything after ``--`` is passed to ``python -m gans train colorizer --data offline-photos``. Training uses one
CPU thread (torch.set_num_threads(1)). The results also go to ``selection.json`` in the run directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from colorizer_heldout import score_photos  # noqa: E402

import gans  # noqa: E402
from gans.cli import main as cli_main  # noqa: E402
from gans.data import load_dataset  # noqa: E402

SCALES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
MIN_COLORFULNESS = 33.0


def validation_scores(run: Path, photos, render_size: int, scales) -> dict[float, dict]:
    """Mean validation PSNR / SSIM / colourfulness of the run's model for each chroma scale, and the baselines."""
    model = gans.load(run)
    rows = {}
    for scale in scales:
        model.chroma_scale = scale  # the same attribute the config's chroma_scale sets
        rows[scale] = score_photos(model, photos, render_size)
    return rows


def choose(results: list[dict], min_colorfulness: float) -> dict | None:
    """The most PSNR among the rows colourful enough (None if none is)."""
    eligible = [row for row in results if row["colorizer"]["colorfulness"] >= min_colorfulness]
    return max(eligible, key=lambda row: row["colorizer"]["psnr"], default=None)


def main() -> None:
    argv = sys.argv[1:]
    train_args = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="run directory to create")
    parser.add_argument("--stages", default="1000,2000,3000,4000", help="cumulative step counts to score")
    parser.add_argument("--render-size", type=int, default=256)
    parser.add_argument("--scales", default=",".join(map(str, SCALES)))
    parser.add_argument("--min-colorfulness", type=float, default=MIN_COLORFULNESS)
    args = parser.parse_args(own)
    torch.set_num_threads(1)
    stages = [int(step) for step in args.stages.split(",")]
    scales = [float(scale) for scale in args.scales.split(",")]
    photos = load_dataset("offline-photos", split="validation", download=False)
    results, started = [], time.time()
    for number, steps in enumerate(stages):
        if number == 0:
            cli_main(["train", "colorizer", "--data", "offline-photos", "--steps", str(steps), "--out", str(args.out),
                      "--quiet", *train_args])
        else:
            cli_main(["train", "--resume", str(args.out), "--steps", str(steps), "--quiet"])
        elapsed = time.time() - started
        for scale, row in validation_scores(args.out, photos, args.render_size, scales).items():
            results.append({"steps": steps, "chroma_scale": scale, "train_seconds": round(elapsed), **row})
            print(f"steps {steps:6d}  scale {scale:.2f}  PSNR {row['colorizer']['psnr']:.2f} "
                  f"(gray {row['zero chroma (gray)']['psnr']:.2f}, mean {row['mean training chroma']['psnr']:.2f})  "
                  f"SSIM {row['colorizer']['ssim']:.3f}  colourfulness {row['colorizer']['colorfulness']:.1f}  "
                  f"[{elapsed:.0f} s]", flush=True)
    best = choose(results, args.min_colorfulness)
    (args.out / "selection.json").write_text(json.dumps(
        {"validation": list(photos.names), "render_size": args.render_size, "min_colorfulness": args.min_colorfulness,
         "train_args": train_args, "results": results, "choice": best}, indent=1))
    if best is None:
        print(f"no setting reaches colourfulness {args.min_colorfulness} on the validation photos")
    else:
        print(f"choice: steps {best['steps']}, chroma_scale {best['chroma_scale']} "
              f"(validation PSNR {best['colorizer']['psnr']:.2f} vs gray {best['zero chroma (gray)']['psnr']:.2f}, "
              f"colourfulness {best['colorizer']['colorfulness']:.1f})")


if __name__ == "__main__":
    main()
