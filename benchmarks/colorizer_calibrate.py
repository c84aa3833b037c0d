"""Choose a colour-class colorizer's training length and read-out on the `offline-photos` VALIDATION photos (never
the test photos): every run snapshot × every read-out setting (``prior_shift`` with its ``gray_sigma``,
``caution``, ``temperature``) colours the validation photos without hints, and the rule below picks one. The
rule was fixed before any model was scored:

1. qualify: no validation photo more than 1 dB below its own gray version, and mean colourfulness at least half
   the originals';
2. among those, the highest mean PSNR; if none qualifies, the highest mean PSNR among the settings with no photo
   more than 1 dB below gray (safety first); if none, the highest mean PSNR.

    python benchmarks/colorizer_calibrate.py /tmp/runs/final-2000 /tmp/runs/final-4000 ... --out DIR

Writes every row to ``DIR/calibration.json`` and prints them as a Markdown table with the choice.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from colorizer_eval import evaluate, summary  # noqa: E402
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.data import load_dataset  # noqa: E402

# (prior_shift, gray_sigma, caution, temperature)
READOUTS = ([(0.0, 20.0, 0.0, 1.0), (0.0, 20.0, 0.0, 0.6)] + [(0.0, 20.0, caution, 1.0) for caution in (1.0, 2.0, 4.0)]
            + [(shift, sigma, caution, 1.0) for shift, sigma, caution in itertools.product(
                (0.5, 1.0), (10.0, 15.0, 20.0), (0.0, 0.25, 0.5, 1.0))])


def choose(rows: list[dict]) -> dict:
    safe = [row for row in rows if row["summary"]["photos_below_gray_by_1db"] == 0]
    qualified = [row for row in safe if row["summary"]["colorfulness_share"] >= 0.5]
    return max(qualified or safe or rows, key=lambda row: row["summary"]["psnr"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--render-size", type=int, default=256)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(machine_line())
    photos = load_dataset("offline-photos", split="validation", download=False)
    rows = []
    for run in args.runs:
        model = gans.load(run)
        for prior_shift, gray_sigma, caution, temperature in READOUTS:
            model.prior_shift, model.gray_sigma, model.caution, model.temperature = (prior_shift, gray_sigma,
                                                                                    caution, temperature)
            photo_rows = evaluate(model, photos, [0], args.render_size, seed=0)
            rows.append({"run": str(run), "step": model_step(run), "prior_shift": prior_shift,
                         "gray_sigma": gray_sigma, "caution": caution, "temperature": temperature,
                         "summary": summary(photo_rows, [0]), "photos": photo_rows})
            s = rows[-1]["summary"]
            print(f"| {rows[-1]['step']} | {prior_shift} | {gray_sigma:g} | {caution} | {temperature} | "
                  f"{s['gain']:+.2f} | {s['worst_gain']:+.2f} | {s['photos_below_gray_by_1db']} | "
                  f"{100 * s['colorfulness_share']:.0f} % |", flush=True)
    best = choose(rows)
    print(f"choice: step {best['step']}, prior_shift {best['prior_shift']}, gray_sigma {best['gray_sigma']}, "
          f"caution {best['caution']}, temperature {best['temperature']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "calibration.json").write_text(json.dumps({"photos": list(photos.names), "rows": rows,
                                                           "choice": {k: v for k, v in best.items()
                                                                      if k != "photos"}}, indent=1))


def model_step(run: Path) -> int:
    """The last step the run's events record."""
    steps = [json.loads(line).get("step", -1) for line in (run / "events.jsonl").read_text().splitlines() if line]
    return max(steps, default=-1)


if __name__ == "__main__":
    main()
