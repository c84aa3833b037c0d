"""Choose the restoration model's read-out on the validation photos: how much of its broad correction (colour,
tone) and of its fine correction (grain, dust, scratches) to apply (Pix2Pix ``correction_broad`` /
``correction_fine``, see gans/models/pix2pix.py).

Photos: the ``offline-photos`` validation split (13 photos; never trained on, never a test photo), each aged with
every held-out mix (``gans.ops.ageing.HELD_OUT_AGEINGS``; seeds other than the test benchmark's). The network runs once
per image (padded to its multiple, eval mode, as the studio runs it); each pair of factors is applied to that output.

Rule (fixed before looking): the pair with the highest mean validation PSNR against the clean photos. With
``--write`` it is stored in the run's config.json.

    python benchmarks/restore_calibrate.py RUN [--write]
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
from gans.metrics import psnr  # noqa: E402
from gans.models.pix2pix import residual_read_out  # noqa: E402
from gans.ops.ageing import HELD_OUT_AGEINGS  # noqa: E402
from gans.ops.tiling import run_padded  # noqa: E402
from gans.tasks.restore import age_picture  # noqa: E402

BROAD = (0.0, 0.25, 0.5, 0.75, 1.0)
FINE = (0.0, 0.5, 1.0, 1.5)
RESULTS = ROOT / "benchmarks" / "results" / "restore-calibration"


def unit(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--write", action="store_true", help="store the chosen pair in the run's config.json")
    args = parser.parse_args()
    print(machine_line())
    model = gans.load(args.run)
    data = load_offline_photos("validation")
    cases = []
    for number, (name, photo) in enumerate(zip(data.names, data.photos)):
        clean = Image.fromarray(photo.permute(1, 2, 0).numpy())
        for index, (mix, ageing) in enumerate(HELD_OUT_AGEINGS.items()):
            aged = unit(age_picture(clean, ageing, seed=5000 + 10 * number + index)) * 2 - 1
            raw = run_padded(lambda x: model._run_network(model.generator, x), aged, model.input_multiple)
            cases.append((mix, aged, raw, unit(clean)))
    aged_mean = statistics.mean(psnr((a + 1) / 2, t).item() for _, a, _, t in cases)
    rows = []
    for broad in BROAD:
        for fine in FINE:
            scores = [psnr((residual_read_out(a, r, broad, fine) + 1) / 2, t).item() for _, a, r, t in cases]
            by_mix = {mix: statistics.mean(s for s, c in zip(scores, cases) if c[0] == mix) for mix in HELD_OUT_AGEINGS}
            rows.append({"broad": broad, "fine": fine, "psnr": statistics.mean(scores), "by_mix": by_mix})
    best = max(rows, key=lambda row: row["psnr"])
    heading = (f"Validation: {len(data.photos)} photos × {len(HELD_OUT_AGEINGS)} mixes; aged input {aged_mean:.2f} "
               f"dB; {machine_line()}")
    lines = [heading, "", "| broad | fine | PSNR dB | " + " | ".join(HELD_OUT_AGEINGS) + " |",
             "|---:|---:|---:|" + "---:|" * len(HELD_OUT_AGEINGS)]
    for row in rows:
        mark = "**" if row is best else ""
        lines.append(f"| {mark}{row['broad']}{mark} | {row['fine']} | {row['psnr']:.2f} | "
                     + " | ".join(f"{v:.2f}" for v in row["by_mix"].values()) + " |")
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "table.md").write_text(table + "\n")
    (RESULTS / "results.json").write_text(json.dumps({"run": args.run, "rows": rows, "chosen": best,
                                                      "aged": aged_mean}, indent=1))
    print(f"chosen: correction_broad {best['broad']}, correction_fine {best['fine']}")
    if args.write:
        config_path = Path(args.run) / "config.json"
        config = json.loads(config_path.read_text())
        config["model"].update(correction_broad=best["broad"], correction_fine=best["fine"])
        config_path.write_text(json.dumps(config, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
