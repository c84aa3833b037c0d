"""Training speed inside the studio vs the command line, same settings (the studio's ≥ 90 % target).

1. CLI path: ``gans.training.train`` in this process, as ``python -m gans train`` runs it.
2. App path: a real ``streamlit run app.py`` server on 127.0.0.1 and Debian's Chromium (Playwright) with the Train
   page open the whole time, so its live view (curves, grid, progress) refreshes every second while it trains.
Both read images/s from the run's own ``events.jsonl`` (median over the logged windows after a warm-up), so the
number is the trainer's, not the page's.

    python benchmarks/app_speed.py --steps 300 --batch-size 64
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gans.checkpoints import RunDir  # noqa: E402
from gans.training import DataConfig, TrainConfig, train  # noqa: E402

from studio import studio_page  # noqa: E402  (benchmarks/studio.py)


def steady_images_per_sec(run_dir: Path, warmup_steps: int) -> float:
    rates = [e["images_per_sec"] for e in RunDir(run_dir).read_events()
             if e["type"] == "step" and e["step"] > warmup_steps]
    return statistics.median(rates)


def cli_speed(steps: int, batch_size: int, folder: Path) -> float:
    cfg = TrainConfig(steps=steps, batch_size=batch_size, log_every=1, sample_every=max(steps // 20, 1),
                      preview_seconds=None, device="cpu")
    train("dcgan", DataConfig(), cfg, out=folder / "cli")
    return steady_images_per_sec(folder / "cli", warmup_steps=5)


def app_speed(steps: int, batch_size: int, folder: Path) -> float:
    runs = folder / "app-runs"
    with studio_page(runs, "train") as page:
        page.get_by_label("Steps", exact=True).fill(str(steps))
        page.get_by_label("Batch size", exact=True).fill(str(batch_size))
        page.get_by_role("button", name="Start training").click()
        deadline = time.time() + 3600
        while time.time() < deadline:
            if [p for p in runs.glob("*") if any(e["type"] == "end" for e in RunDir(p).read_events())]:
                break
            page.wait_for_timeout(1000)  # the page stays open and live the whole time
    return steady_images_per_sec(next(runs.glob("*")), warmup_steps=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cli = cli_speed(args.steps, args.batch_size, Path(tmp))
        app = app_speed(args.steps, args.batch_size, Path(tmp))
    result = {"model": "dcgan", "batch_size": args.batch_size, "steps": args.steps,
              "cli_images_per_sec": round(cli, 1), "app_images_per_sec": round(app, 1), "ratio": round(app / cli, 3)}
    print(json.dumps(result))
    print(f"\n| path | images/s |\n| --- | ---: |\n| CLI | {cli:.0f} |\n| studio (page open) | {app:.0f} |\n"
          f"| ratio | {app / cli:.0%} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
